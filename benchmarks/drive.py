"""Time and memory of one full-scale replicate of the drive to 2025 (`drive_2023_2025`).

The long scenario: 20 Aug 2023 to 31 Dec 2025 (865 days) with the undocumented population and
the ACC and PoR card holders that phases 2 and 3 target (about 4 million persons), at the
calibrated best fit. Measured as the baseline replicate is (benchmarks/replicate.py): wall time,
the median of --runs replicates after one warm-up, from model construction to 31 Dec 2025; peak
resident memory of a fresh process that imports the model and runs one; tracemalloc's peak.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tracemalloc

from benchmarks.machine import machine
from experiments.core import library
from model.model import RepatriationModel

SCENARIO = "drive_2023_2025"
ONE_RUN = f"""
from experiments.core import library
from model.model import RepatriationModel
RepatriationModel(library.resolve({SCENARIO!r}), rng=0).run_model()
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def time_replicates(runs: int) -> dict[str, list[float]]:
    """Wall, CPU and build seconds of `runs` replicates, after one warm-up run."""
    scenario = library.resolve(SCENARIO)
    RepatriationModel(scenario, rng=0).run_model()
    wall, cpu, build = [], [], []
    for seed in range(1, runs + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        model = RepatriationModel(scenario, rng=seed)
        built = time.perf_counter()
        model.run_model()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        build.append(built - start)
    return {"wall": wall, "cpu": cpu, "build": build}


def process_peak_mib() -> float:
    result = subprocess.run(
        [sys.executable, "-c", ONE_RUN], capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip().splitlines()[-1]) / 1024


def traced_peak_mib() -> float:
    scenario = library.resolve(SCENARIO)
    tracemalloc.start()
    RepatriationModel(scenario, rng=0).run_model()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def measure(runs: int = 7) -> dict:
    times = time_replicates(runs)
    model = RepatriationModel(library.resolve(SCENARIO), rng=0)
    return {
        "what": f"one full-scale replicate of {SCENARIO} (population synthesis + all days)",
        "persons": model.initial_persons,
        "households": model.population.households,
        "days": len(model.dates),
        "runs": runs,
        "seconds_median": round(statistics.median(times["wall"]), 4),
        "seconds_min": round(min(times["wall"]), 4),
        "seconds_max": round(max(times["wall"]), 4),
        "cpu_seconds_median": round(statistics.median(times["cpu"]), 4),
        "build_seconds_median": round(statistics.median(times["build"]), 4),
        "seconds_each": [round(t, 4) for t in times["wall"]],
        "tracemalloc_peak_mib": round(traced_peak_mib(), 1),
        "process_peak_rss_mib": round(process_peak_mib(), 1),
        "machine": machine(),
    }
