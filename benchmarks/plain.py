"""The engine against the plain-Mesa version (one agent per household) at equal sizes.

For each size: whole-replicate wall time (build + all days) of the plain-Mesa version
(`model.household_agents.HouseholdAgentModel`) and of the engine, and their ratio. The plain
version runs once per size above 100,000 persons (it takes seconds to minutes), three times
below; full scale is attempted only when the largest measured size predicts it under
`max_seconds`, extrapolating linearly in persons.

Also measured: Mesa's own floor, a `mesa.Model` that does nothing for the same number of steps.
Any model built on Mesa pays it, so plain time / floor bounds the speed-up any Mesa engine could
reach at a size.
"""

from __future__ import annotations

import statistics
import time

import mesa

from benchmarks.machine import machine
from benchmarks.progress import progress
from benchmarks.scaling import scenario_of, time_one, time_size
from model.household_agents import HouseholdAgentModel
from model.model import RepatriationModel

SIZES = (10_000, 30_000, 100_000, 200_000, 500_000)
FULL_SCALE = 1_700_000
FLOOR_RUNS = 201  # an empty run takes about 2 ms: many, for a stable median


class EmptyMesaModel(mesa.Model):
    """A Mesa model with no agents and no data collection that steps through `days` days."""

    def __init__(self, days: int, rng: int | None = None) -> None:
        super().__init__(rng=rng)
        self.days = days

    def step(self) -> None:
        self.running = self.steps < self.days


def mesa_floor(days: int, runs: int = FLOOR_RUNS) -> float:
    """Median seconds to build and run `EmptyMesaModel` for `days` days, after a warm-up."""
    EmptyMesaModel(days, rng=0).run_model()
    samples = []
    for seed in range(1, runs + 1):
        start = time.perf_counter()
        EmptyMesaModel(days, rng=seed).run_model()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_plain(persons: int) -> dict:
    scenario = scenario_of(persons)
    runs = 3 if persons <= 100_000 else 1
    samples = [time_one(HouseholdAgentModel, scenario, seed) for seed in range(1, runs + 1)]
    median = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
    return {
        "persons": persons,
        "runs": runs,
        "build_seconds": round(median["build"], 4),
        "seconds_per_day": round(median["per_day"], 5),
        "replicate_seconds": round(median["build"] + median["days"], 4),
    }


def compare(persons: int, engine_runs: int, floor_seconds: float) -> dict:
    plain = time_plain(persons)
    engine = time_size(RepatriationModel, persons, engine_runs)  # right after: same conditions
    return {
        "persons": persons,
        "plain": plain,
        "engine": engine,
        "speed_ratio": round(plain["replicate_seconds"] / engine["replicate_seconds"], 1),
        "speed_ratio_per_day": round(plain["seconds_per_day"] / engine["seconds_per_day"], 1),
        "speed_ratio_bound_by_mesa": round(plain["replicate_seconds"] / floor_seconds, 1),
    }


def measure(
    sizes: tuple[int, ...] = SIZES,
    max_seconds: float = 180.0,
    engine_runs: int = 9,
    floor_runs: int = FLOOR_RUNS,
) -> dict:
    days = scenario_of(sizes[0]).timeline.days
    floor = mesa_floor(days, floor_runs)
    rows = [
        compare(persons, engine_runs, floor)
        for persons in progress(sizes, "plain Mesa, then the engine", "size")
    ]
    largest = rows[-1]
    predicted = largest["plain"]["replicate_seconds"] * FULL_SCALE / largest["persons"]
    full_scale = predicted <= max_seconds and largest["persons"] < FULL_SCALE
    if full_scale:
        rows.append(compare(FULL_SCALE, engine_runs, floor))
    return {
        "what": "whole-replicate wall time, plain Mesa (one agent per household) vs engine",
        "mesa_floor": {
            "what": "an empty mesa.Model stepped through the same days, median of runs",
            "runs": floor_runs,
            "days": days,
            "seconds": round(floor, 6),
        },
        "sizes": rows,
        "full_scale_predicted_seconds": round(predicted, 1),
        "full_scale_measured": full_scale or largest["persons"] >= FULL_SCALE,
        "machine": machine(),
    }
