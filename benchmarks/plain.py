"""The engine against the plain-Mesa version (one agent per household) at equal sizes.

    python -m benchmarks.plain [--out results/benchmarks/plain_mesa.json]

For each size: whole-replicate wall time (build + all days) of the plain-Mesa version
(`model.household_agents.HouseholdAgentModel`) and of the engine, and their ratio. The plain
version runs once per size above 100,000 persons (it takes seconds to minutes), three times
below; full scale is attempted only when the largest measured size predicts it under
--max-seconds, extrapolating linearly in persons.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from benchmarks.machine import machine, write_json
from benchmarks.scaling import scenario_of, time_one, time_size
from model.household_agents import HouseholdAgentModel
from model.model import RepatriationModel

SIZES = (10_000, 30_000, 100_000, 200_000, 500_000)
FULL_SCALE = 1_700_000


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


def compare(persons: int, engine_runs: int) -> dict:
    plain = time_plain(persons)
    engine = time_size(RepatriationModel, persons, engine_runs)  # right after: same conditions
    return {
        "persons": persons,
        "plain": plain,
        "engine": engine,
        "speed_ratio": round(plain["replicate_seconds"] / engine["replicate_seconds"], 1),
        "speed_ratio_per_day": round(plain["seconds_per_day"] / engine["seconds_per_day"], 1),
    }


def measure(
    sizes: tuple[int, ...] = SIZES, max_seconds: float = 180.0, engine_runs: int = 9
) -> dict:
    rows = [compare(persons, engine_runs) for persons in sizes]
    largest = rows[-1]
    predicted = largest["plain"]["replicate_seconds"] * FULL_SCALE / largest["persons"]
    full_scale = predicted <= max_seconds and largest["persons"] < FULL_SCALE
    if full_scale:
        rows.append(compare(FULL_SCALE, engine_runs))
    return {
        "what": "whole-replicate wall time, plain Mesa (one agent per household) vs engine",
        "sizes": rows,
        "full_scale_predicted_seconds": round(predicted, 1),
        "full_scale_measured": full_scale or largest["persons"] >= FULL_SCALE,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-seconds", type=float, default=180.0)
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks/plain_mesa.json"))
    args = parser.parse_args()
    report = measure(max_seconds=args.max_seconds)
    write_json(args.out, report)
    for row in report["sizes"]:
        print(f"{row['persons']:>9,} persons: engine {row['speed_ratio']}x faster")


if __name__ == "__main__":
    main()
