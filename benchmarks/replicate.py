"""Time and memory of one full-scale baseline replicate on this machine.

    python benchmarks/replicate.py [--runs 7] [--out results/benchmarks/replicate.json]

Wall time is the median of --runs replicates (different seeds) after one warm-up, from model
construction (population synthesis included) to the report date. Peak memory is the maximum
resident set size of a fresh process that imports the model and runs one replicate, and the
tracemalloc peak of the replicate alone.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ONE_RUN = """
import resource
from model.model import RepatriationModel
RepatriationModel(rng=0).run_model()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def time_replicates(runs: int) -> list[float]:
    from model.model import RepatriationModel
    from model.scenario import default_scenario

    scenario = default_scenario()
    RepatriationModel(scenario, rng=0).run_model()
    times = []
    for seed in range(1, runs + 1):
        start = time.perf_counter()
        RepatriationModel(scenario, rng=seed).run_model()
        times.append(time.perf_counter() - start)
    return times


def traced_peak_mib() -> float:
    from model.model import RepatriationModel
    from model.scenario import default_scenario

    scenario = default_scenario()
    tracemalloc.start()
    RepatriationModel(scenario, rng=0).run_model()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def process_peak_mib() -> float:
    result = subprocess.run(
        [sys.executable, "-c", ONE_RUN], capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks/replicate.json"))
    args = parser.parse_args()
    times = time_replicates(args.runs)
    from model.model import RepatriationModel

    model = RepatriationModel(rng=0)
    report = {
        "what": "one full-scale baseline replicate (population synthesis + all days)",
        "persons": model.initial_persons,
        "households": model.population.households,
        "days": len(model.dates),
        "runs": args.runs,
        "seconds_median": round(statistics.median(times), 4),
        "seconds_min": round(min(times), 4),
        "seconds_max": round(max(times), 4),
        "tracemalloc_peak_mib": round(traced_peak_mib(), 1),
        "process_peak_rss_mib": round(process_peak_mib(), 1),
        "self_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": sys.version.split()[0],
            "cores": __import__("os").cpu_count(),
        },
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
