"""A sweep's plan: every design point's scenario, built and checked before anything runs,
and the replicate seeds that every point shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from experiments.core.arguments import MAX_RUNS
from experiments.core.estimate import check_replicates
from experiments.core.replicates import replicate_seeds
from experiments.sweep.chunks import Run
from experiments.sweep.definition import SweepDefinition, definition_hash
from experiments.sweep.designs import design_points, point_overrides
from model.scenario import Scenario, ScenarioError


@dataclass
class SweepPlan:
    sweep: SweepDefinition
    points: list[dict[str, Any]]  # factor values of each point
    overrides: list[dict[str, Any]]  # what each point sets (shifted parameters included)
    scenarios: list[Scenario]
    seeds: list[int]  # the same for every point: differences between points are paired
    hash: str

    def runs(self) -> list[Run]:
        return [
            Run(point, replicate, seed, scenario)
            for point, scenario in enumerate(self.scenarios)
            for replicate, seed in enumerate(self.seeds)
        ]


def check_size(sweep: SweepDefinition, yes: bool) -> None:
    """The --yes guard, before any point is built: more than MAX_REPLICATES replicates, or more
    than MAX_RUNS runs in all (points x replicates), are refused unless the user said --yes.
    (`load_sweep` has already bounded the points.)"""
    check_replicates(sweep.replicates, yes, sweep.path, "replicates")
    points = sweep.point_count()
    runs = points * sweep.replicates
    if runs > MAX_RUNS and not yes:
        counted = "levels" if sweep.design == "grid" else "points"
        raise ScenarioError(
            sweep.path,
            f"{counted} x replicates",
            f"{points:,} points x {sweep.replicates:,} replicates = {runs:,} runs "
            f"is more than {MAX_RUNS:,}",
            f"up to {MAX_RUNS:,} runs, or more with --yes",
        )


def plan_sweep(sweep: SweepDefinition) -> SweepPlan:
    """Every point's scenario, built and checked now: a bad point stops the sweep here."""
    points = design_points(sweep)
    overrides = [point_overrides(sweep.factors, point) for point in points]
    scenarios = []
    for index, values in enumerate(overrides):
        label = ", ".join(f"{name} = {value}" for name, value in values.items())
        source = f"{sweep.path} (point {index}: {label})"
        scenarios.append(sweep.base_scenario.with_overrides(values, source))
    seeds = replicate_seeds(sweep.entropy, sweep.replicates, point=0)
    return SweepPlan(
        sweep, points, overrides, scenarios, seeds, definition_hash(sweep.resolved(), overrides)
    )
