"""`ifrp calibrate`: fit the model to the observed course of the drive; writes its --out folder."""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from experiments.calibration import algorithms as alg
from experiments.calibration.budget import Budget
from experiments.calibration.figures import draw_figures
from experiments.calibration.parameters import Prior, load_priors
from experiments.calibration.pipeline import Calibration, calibrate
from experiments.calibration.report import write_report, write_tables
from experiments.calibration.simulate import (
    Problem,
    box_around,
    calibration_scenario,
    simulate_many,
    whole_cube,
)
from experiments.core.calibrated import OBSERVATION, read_levers
from experiments.core.estimate import announce
from experiments.core.executors import open_executor
from experiments.core.manifest import build_manifest, file_entry, now
from experiments.core.outputs import check_writable, write_json, writing_to
from experiments.core.replicates import seconds_per_run
from experiments.observed.observation_model import Layout, check_readable
from experiments.observed.observations import load_levels, load_observations
from model.scenario import Scenario, ScenarioError, default_scenario, load_scenario

BEST_FIT_REPLICATES = 20
EXIT_INTERRUPTED = 130
POSTERIOR_DRAWS = 100


@dataclass
class Predictive:
    """Runs at the best fit (replicates) and at posterior draws: their observations, and the
    records of the posterior draws (for the course figure)."""

    best_fit: np.ndarray  # replicates x observations
    posterior: np.ndarray  # draws x observations
    posterior_records: list  # (Records, first day) per draw

    def outputs(self) -> dict[str, np.ndarray]:
        return {"best fit": self.best_fit, "posterior": self.posterior}


def command_calibrate(args: argparse.Namespace) -> int:
    check_writable(args.out)
    problem = build_problem(args)
    budget = Budget()
    for name in ("particles", "generations", "waves"):
        if getattr(args, name) is not None:
            budget = replace(budget, **{name: getattr(args, name)})
    unknown = [name for name in budget.level_parameters if name not in problem.names]
    if unknown:
        raise ScenarioError(str(args.priors), "name", f"no prior for {unknown[0]}", "")
    started = now()
    kept = "the finished stages are kept: run the same command again to resume"
    try:
        with writing_to(args.out, kept):
            with open_executor(args.workers, args.scheduler) as execution:
                workers = max(1, execution.slots // 2)  # two tasks in flight per worker
                announce(least_runs(budget, problem), seconds_per_run(problem.base), workers)
                result = calibrate(problem, budget, args.out, execution, not args.quiet, args.force)
                predictive = predictive_runs(problem, result, execution, not args.quiet)
            write_results(args, problem, budget, result, predictive, started)
    except KeyboardInterrupt:
        print(
            f"ifrp: interrupted: the finished stages are saved in {args.out / 'state'}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(f"calibration written to {args.out} (report: {args.out / 'report.md'})")
    return 0


def build_problem(args: argparse.Namespace) -> Problem:
    """The calibration the command line asks for, every input checked before any run."""
    base = load_scenario(args.base) if args.base else default_scenario()
    problem = assemble_problem(args.observations, args.levels, args.priors, base, args.seed)
    return replace(problem, box=searched_box(problem, args))


def assemble_problem(
    observations_file: Path, levels_file: Path, priors_file: Path, base: Scenario, seed: int
) -> Problem:
    """A calibration of `base` from its input files, searching the whole prior (set `box` to
    search less); an observation whose places or levels the model does not know is refused
    before any run."""
    observations = load_observations(observations_file)
    levels = tuple((name, level.value) for name, level in load_levels(levels_file).items())
    priors = tuple(load_priors(priors_file, base))
    check_levels_read(priors, observations, str(priors_file))
    scenario = calibration_scenario(base, observations)
    problem = Problem(scenario, priors, tuple(observations), levels, seed, whole_cube(len(priors)))
    centre = problem.natural(np.full(problem.dimension, 0.5))[0]
    problem.scenario(centre)  # the levers set on the base, checked as any scenario is
    check_readable(observations, Layout.of(scenario), problem.observation_levels(centre))
    return problem


def check_levels_read(priors: tuple[Prior, ...], observations: list, file: str) -> None:
    """Refuse a lever observation.NAME that no observation used in the fit reads: it would
    add a dimension the data cannot inform, and the search would spend its budget on it."""
    read = {o.reporting for o in observations if o.use != "none"}
    read |= {o.status_adjustment for o in observations if o.use != "none"}
    for prior in priors:
        level = prior.name.removeprefix(OBSERVATION)
        if prior.name.startswith(OBSERVATION) and level not in read:
            named = ", ".join(sorted(filter(None, read))) or "none"
            problem = f"{prior.name}: no observation reads the level {level!r}"
            raise ScenarioError(file, "name", problem, f"observation.NAME of a level read: {named}")


def searched_box(problem: Problem, args: argparse.Namespace):
    """The whole prior (--start-width 1), or a box of that width around --start."""
    width = args.start_width
    if not (math.isfinite(width) and 0 < width <= 1):
        raise ScenarioError("ifrp calibrate", "--start-width", f"{width}", "0 < width <= 1")
    if width == 1:
        return whole_cube(problem.dimension)
    start = read_levers(args.start, "a header of the priors' levers, then one row of values")
    file = str(args.start)
    if sorted(start.names) != sorted(problem.names):
        raise ScenarioError(file, "(header)", _differences(start.names, problem.names), START)
    if len(start.rows) != 1:
        raise ScenarioError(file, "(rows)", f"{len(start.rows)} rows", START)
    values = np.array([start.rows[0][start.names.index(name)] for name in problem.names])
    unit = problem.unit(values)[0]
    outside = [n for n, u in zip(problem.names, unit, strict=True) if not 0 <= u <= 1]
    if outside:
        raise ScenarioError(file, outside[0], "outside its prior's range", "within the prior")
    return box_around(unit, width)


START = "one row of the priors' levers (or --start-width 1: the whole prior, no start point)"


def _differences(names: tuple[str, ...], levers: tuple[str, ...]) -> str:
    """How a start file's header differs from the priors' levers: missing, extra, repeated."""
    missing = [name for name in levers if name not in names]
    extra = [name for name in names if name not in levers]
    repeated = sorted({name for name in names if names.count(name) > 1})
    parts = [
        f"{label}: {', '.join(found)}"
        for label, found in (
            ("missing (in the priors, not here)", missing),
            ("extra (here, not in the priors)", extra),
            ("named twice", repeated),
        )
        if found
    ]
    return "; ".join(parts)


def write_results(
    args: argparse.Namespace,
    problem: Problem,
    budget: Budget,
    result: Calibration,
    predictive: Predictive,
    started: str,
) -> None:
    """The calibration's tables, figures, report and manifest, in OUT."""
    figures = args.out / "figures"
    shutil.rmtree(figures, ignore_errors=True)
    write_json(args.out / "manifest.json", _manifest(args, problem, budget, started))
    write_tables(problem, result, predictive.outputs(), args.out)
    draw_figures(problem, result, predictive, figures)
    write_report(args.out)


def _manifest(args: argparse.Namespace, problem: Problem, budget: Budget, started: str) -> dict:
    # A calibration starts from its base scenario, not from an earlier calibration's best fit.
    uncalibrated = {"parameters": "the base scenario, uncalibrated", "file": None, "sha256": None}
    base_name = str(args.base or "defaults")
    manifest = build_manifest(problem.base, base_name, args.seed, [], started, uncalibrated)
    low, high = problem.box
    natural = problem.natural(np.vstack([low, high]))
    manifest.update(
        {
            "kind": "calibration",
            "observations_file": file_entry(args.observations),
            "levels_file": file_entry(args.levels),
            "priors_file": file_entry(args.priors),
            "start_file": file_entry(args.start) if args.start_width < 1 else None,
            "start_width": args.start_width,
            "searched_box": {
                name: [float(natural[0, i]), float(natural[1, i])]
                for i, name in enumerate(problem.names)
            },
            "searched_box_unit": {
                name: [lo, hi] for name, lo, hi in zip(problem.names, low, high, strict=True)
            },
            "budget": asdict(budget),
        }
    )
    return manifest


def least_runs(budget: Budget, problem: Problem) -> int:
    """The simulations a calibration makes at least (ABC-SMC may need more batches)."""
    levels = len(budget.level_parameters)
    return (
        budget.screening_trajectories * (problem.dimension + 1)
        + budget.variance_replicates
        + budget.waves * budget.wave_points
        + budget.generations * budget.particles
        + budget.de_popsize * levels * (budget.de_maxiter + 1) * budget.best_fit_seeds
        + BEST_FIT_REPLICATES
        + min(POSTERIOR_DRAWS, budget.particles)
    )


def predictive_runs(problem: Problem, result, execution, progress: bool) -> Predictive:
    """The observations simulated at the best fit (replicates) and at posterior draws."""
    best_seeds = [problem.seed(alg.STAGE_PREDICTIVE, 2, i) for i in range(BEST_FIT_REPLICATES)]
    best = np.repeat(result.best_fit[None, :], BEST_FIT_REPLICATES, axis=0)
    draws = result.posterior[: min(POSTERIOR_DRAWS, len(result.posterior))]
    draw_seeds = [problem.seed(alg.STAGE_PREDICTIVE, 1, i) for i in range(len(draws))]
    posterior = simulate_many(
        problem, draws, draw_seeds, execution, "posterior", progress, keep_records=True
    )
    return Predictive(
        simulate_many(problem, best, best_seeds, execution, "best fit", progress),
        np.array([observed for observed, _, _ in posterior]),
        [(records, start) for _, records, start in posterior],
    )
