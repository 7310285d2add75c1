"""Run replicates of scenarios: their seeds, the one way every command runs them, what each leaves.

Every command (`ifrp run`, sweeps, the calibration, the explorer) runs its replicates through
`run_jobs` or, for work that needs its own reduction, `experiments.core.executors.run_chunks`,
on whichever executor the user chose: results never depend on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from tqdm import tqdm

from experiments.core.executors import Execution, run_chunks
from model.ledger import Ledger
from model.model import RepatriationModel
from model.scenario import Scenario

# Seconds per run: building (a fixed cost and a cost per person) and each day (a fixed cost of
# Python per day, and a little more the more persons), fitted to the benchmark here
# (results/benchmarks/scaling.json: 0.018 s at 10,000 persons and 0.061 s at 1.7 million, 110
# days each; drive.json: 0.37 s for 3.99 million persons over 865 days).
RUN_OVERHEAD_SECONDS = 0.005
BUILD_SECONDS_PER_MILLION = 0.01
DAY_SECONDS = 1.2e-4
DAY_SECONDS_PER_MILLION = 0.9e-4
# Aim for tasks of about this many seconds: long enough that scheduling costs nothing, short
# enough that an interruption loses little (10-60 s is Dask's advice).
TARGET_TASK_SECONDS = 20.0


@dataclass
class ReplicateResult:
    replicate: int
    seed: int
    dates: list[date]
    ledger: Ledger
    province_persons: np.ndarray  # persons living in each province at the start

    def at_home_by_province(self) -> np.ndarray:
        """Persons still at home in each province at the end of each day (days x provinces):
        leaving home and arrest are the only ways out of it."""
        gone = self.ledger.left_home.sum(axis=2) + self.ledger.arrests.sum(axis=2)
        return self.province_persons - np.cumsum(gone, axis=0)


@dataclass(frozen=True)
class Job:
    """One replicate to run: its scenario, its seed and its number."""

    scenario: Scenario
    seed: int
    replicate: int


def run_seed(entropy: int, *key: int) -> int:
    """The seed of one run: SeedSequence(entropy, spawn_key=key), as one integer."""
    sequence = np.random.SeedSequence(entropy, spawn_key=key)
    return int(sequence.generate_state(1, np.uint64)[0])


def replicate_seeds(entropy: int, replicates: int, point: int = 0) -> list[int]:
    """One seed per replicate, from SeedSequence(entropy, spawn_key=(point, replicate)).

    A run's seed depends only on the entropy, the design point and the replicate number, never
    on scheduling, chunking or the number of workers.
    """
    return [run_seed(entropy, point, replicate) for replicate in range(replicates)]


def replicate_jobs(scenarios: Scenario | list[Scenario], seeds: list[int]) -> list[Job]:
    """Replicate i runs with seeds[i], and with scenarios[i] if a list is given (one posterior
    draw per replicate, say), else all with the one scenario."""
    if isinstance(scenarios, Scenario):
        scenarios = [scenarios] * len(seeds)
    pairs = zip(scenarios, seeds, strict=True)
    return [Job(scenario, seed, i) for i, (scenario, seed) in enumerate(pairs)]


def run_replicate(scenario: Scenario, seed: int, replicate: int = 0) -> ReplicateResult:
    model = RepatriationModel(scenario, rng=seed)
    model.run_model()
    population = model.population
    persons = np.bincount(population.province, population.size, len(scenario.provinces))
    return ReplicateResult(replicate, seed, model.dates, model.ledger, persons.astype(np.int64))


def run_jobs(
    jobs: list[Job],
    execution: Execution | None = None,
    label: str = "runs",
    progress: bool | Callable[[int, int], None] = True,
) -> list[ReplicateResult]:
    """Run every job on the execution's executor (default: here); results in job order.

    `progress`: a progress bar (True), none (False), or `progress(done, total)` called as
    tasks finish.
    """
    slots = execution.slots if execution else 1
    # In this process a chunk costs nothing to hand over: one replicate each keeps the bar live.
    size = 1 if slots == 1 else chunk_size([job.scenario for job in jobs], slots)
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    bar = tqdm(total=len(jobs), desc=label, unit="run", leave=False, disable=progress is not True)
    done = [0]

    def advance(chunk: list[Job], _: list) -> None:
        bar.update(len(chunk))
        done[0] += len(chunk)
        if callable(progress):
            progress(done[0], len(jobs))

    try:
        results = run_chunks(run_job_chunk, chunks, execution, on_done=advance)
    finally:
        bar.close()
    return [result for chunk in results for result in chunk]


def run_job_chunk(jobs: list[Job]) -> list[ReplicateResult]:
    return [run_replicate(job.scenario, job.seed, job.replicate) for job in jobs]


def seconds_per_run(scenario: Scenario) -> float:
    """A rough estimate of one replicate's run time here, from its persons and days."""
    millions = scenario.population.total / 1e6
    per_day = DAY_SECONDS + DAY_SECONDS_PER_MILLION * millions
    return (
        RUN_OVERHEAD_SECONDS
        + BUILD_SECONDS_PER_MILLION * millions
        + per_day * scenario.timeline.days
    )


def chunk_size(scenarios: list[Scenario], slots: int, requested: int | None = None) -> int:
    """Runs per task: about TARGET_TASK_SECONDS of work, but at least two tasks per slot."""
    if requested:
        return requested
    if not scenarios:
        return 1
    slowest = max(seconds_per_run(scenario) for scenario in scenarios)
    by_time = max(1, int(TARGET_TASK_SECONDS / slowest))
    balanced = max(1, math.ceil(len(scenarios) / max(1, 2 * slots)))
    return min(by_time, balanced)
