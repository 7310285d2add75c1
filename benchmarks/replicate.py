"""Time and memory of one full-scale baseline replicate on this machine.

Wall time is the median of --runs replicates (different seeds) after one warm-up, from model
construction (population synthesis included) to the report date. Peak memory is the maximum
resident set size of a fresh process that imports the model and runs one replicate, and the
tracemalloc peak of the replicate alone.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tracemalloc

from benchmarks.machine import machine
from model.model import RepatriationModel
from model.scenario import default_scenario

# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec.
ONE_RUN = """
from model.model import RepatriationModel
RepatriationModel(rng=0).run_model()
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def time_replicates(runs: int) -> dict[str, list[float]]:
    """Wall and CPU seconds of `runs` full-scale replicates, after one warm-up run."""
    scenario = default_scenario()
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


def traced_peak_mib() -> float:
    """Peak memory allocated while building and running one replicate (tracemalloc)."""
    scenario = default_scenario()
    tracemalloc.start()
    RepatriationModel(scenario, rng=0).run_model()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def process_peak_mib() -> float:
    """Peak resident memory of a fresh Python process that imports the model and runs one
    replicate (Linux: the process's VmHWM)."""
    result = subprocess.run(
        [sys.executable, "-c", ONE_RUN], capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip().splitlines()[-1]) / 1024


def measure(runs: int = 7) -> dict:
    times = time_replicates(runs)
    model = RepatriationModel(rng=0)
    return {
        "what": "one full-scale baseline replicate (population synthesis + all days)",
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
