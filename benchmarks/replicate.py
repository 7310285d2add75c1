"""Time and memory of one full-scale replicate on this machine: the baseline, or any library
scenario (the drive to 2025's step measures `drive_2023_2025`).

Wall time is the median of --runs replicates (different seeds) after one warm-up, from model
construction (population synthesis included) to the scenario's last day. Peak memory is the
maximum resident set size of a fresh process that imports the model and runs one replicate,
and the tracemalloc peak of the replicate alone.
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
from model.scenario import Scenario, default_scenario

DRIVE = "drive_2023_2025"
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec.
ONE_RUN = """
from experiments.core import library
from model.model import RepatriationModel
from model.scenario import default_scenario
name = {name!r}
RepatriationModel(library.resolve(name) if name else default_scenario(), rng=0).run_model()
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def scenario_of(name: str | None) -> Scenario:
    """The hand-set defaults (None: the baseline as the model itself builds it), or a library
    scenario over the adopted calibration."""
    return library.resolve(name) if name else default_scenario()


def time_replicates(runs: int, name: str | None = None) -> dict[str, list[float]]:
    """Wall, CPU and build seconds of `runs` replicates, after one warm-up run."""
    scenario = scenario_of(name)
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


def traced_peak_mib(name: str | None = None) -> float:
    """Peak memory allocated while building and running one replicate (tracemalloc)."""
    scenario = scenario_of(name)
    tracemalloc.start()
    RepatriationModel(scenario, rng=0).run_model()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def process_peak_mib(name: str | None = None) -> float:
    """Peak resident memory of a fresh Python process that imports the model and runs one
    replicate (Linux: the process's VmHWM)."""
    program = ONE_RUN.format(name=name or "")
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip().splitlines()[-1]) / 1024


def measure(runs: int = 7, name: str | None = None, memory: bool = True) -> dict:
    """One full-scale replicate of the baseline (None) or of the library scenario `name`; its
    peak memory too unless `memory` is False."""
    times = time_replicates(runs, name)
    model = RepatriationModel(scenario_of(name), rng=0)
    what = f"one full-scale replicate of {name}" if name else "one full-scale baseline replicate"
    peaks = {
        "tracemalloc_peak_mib": round(traced_peak_mib(name), 1) if memory else None,
        "process_peak_rss_mib": round(process_peak_mib(name), 1) if memory else None,
    }
    return {
        "what": f"{what} (population synthesis + all days)",
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
        **peaks,
        "machine": machine(),
    }
