"""How the engine's cost grows with the population: time per simulated day against persons.

For each size, the baseline scenario with `population.undocumented` set to that many persons:
the median over --runs replicates (after a warm-up; sizes take turns) of the time to build the
model and of the time per simulated day. The log-log slope of time per day against persons is
fitted over all sizes and over the larger ones, where Python's fixed cost per day no longer
dominates.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks.machine import machine
from benchmarks.progress import progress
from model.model import RepatriationModel
from model.scenario import Scenario, default_scenario

SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000, 1_700_000)
LARGE = 100_000  # the slope "at scale" is fitted from this size up


def scenario_of(persons: int) -> Scenario:
    return default_scenario().with_overrides({"population.undocumented": persons})


def time_one(model_class: type, scenario: Scenario, seed: int) -> dict[str, float]:
    """Seconds to build the model and to run all its days, for one replicate."""
    start = time.perf_counter()
    model = model_class(scenario, rng=seed)
    built = time.perf_counter()
    model.run_model()
    done = time.perf_counter()
    days = len(model.dates)
    return {"build": built - start, "days": done - built, "per_day": (done - built) / days}


def time_size(model_class: type, persons: int, runs: int) -> dict:
    """Medians over `runs` replicates at `persons`, after one warm-up replicate."""
    return time_sizes(model_class, (persons,), runs)[0]


def time_sizes(model_class: type, sizes: tuple[int, ...], runs: int) -> list[dict]:
    """Medians over `runs` replicates at each size, after a warm-up replicate of each.

    The sizes take turns (run 1 of every size, then run 2, ...), so that a burst of activity
    from other programs spreads over all sizes instead of spoiling one.
    """
    scenarios = {persons: scenario_of(persons) for persons in sizes}
    for scenario in scenarios.values():
        time_one(model_class, scenario, 0)
    samples: dict[int, list[dict]] = {persons: [] for persons in sizes}
    for seed in progress(range(1, runs + 1), f"{len(sizes)} size(s) in turn", "round"):
        for persons, scenario in scenarios.items():
            samples[persons].append(time_one(model_class, scenario, seed))
    rows = []
    for persons, runs_at_size in samples.items():
        median = {key: statistics.median(s[key] for s in runs_at_size) for key in runs_at_size[0]}
        rows.append(
            {
                "persons": persons,
                "runs": runs,
                "build_seconds": round(median["build"], 5),
                "seconds_per_day": round(median["per_day"], 6),
                "replicate_seconds": round(median["build"] + median["days"], 5),
            }
        )
    return rows


def loglog_slope(persons: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(persons): 1 is linear growth."""
    return float(np.polyfit(np.log(persons), np.log(seconds), 1)[0])


def measure(sizes: tuple[int, ...] = SIZES, runs: int = 7) -> dict:
    rows = time_sizes(RepatriationModel, sizes, runs)
    persons = [row["persons"] for row in rows]
    per_day = [row["seconds_per_day"] for row in rows]
    large = [i for i, n in enumerate(persons) if n >= LARGE]
    return {
        "what": "engine: median time per simulated day and to build the model, by population",
        "sizes": rows,
        "slope_per_day_all_sizes": round(loglog_slope(persons, per_day), 3),
        "slope_per_day_from_100k": (
            round(loglog_slope([persons[i] for i in large], [per_day[i] for i in large]), 3)
            if len(large) >= 2
            else None
        ),
        "slope_replicate_all_sizes": round(
            loglog_slope(persons, [row["replicate_seconds"] for row in rows]), 3
        ),
        "machine": machine(),
    }
