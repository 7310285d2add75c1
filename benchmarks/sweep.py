"""Sweep throughput: full-scale replicates per minute with 1 and 2 worker processes and Dask.

The same replicates (seeds from `experiments.core.replicates.replicate_seeds`) run in chunks,
one chunk per task so that each task lasts a few seconds, through `concurrent.futures` executors: a
`ProcessPoolExecutor` with 1 and with 2 workers, and a Dask `LocalCluster` (2 workers, 1 thread
each) through `Client.get_executor()`, with and without Dask's default malloc trimming in its
workers (see `with_dask`). Start-up (spawning workers, importing the model) is
timed separately; throughput counts the sweep itself. Every replicate returns a digest of its
whole ledger, and the digests must be identical whatever the executor.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

from benchmarks.machine import machine
from benchmarks.progress import progress
from experiments.core.replicates import replicate_seeds
from model.ledger import Ledger
from model.model import RepatriationModel
from model.scenario import default_scenario

ENTROPY = 20240102
LEDGER_ARRAYS = ("crossed", "deported", "queue", "arrests", "left_home", "states")


def ledger_digest(ledger: Ledger) -> str:
    digest = hashlib.sha256()
    for name in LEDGER_ARRAYS:
        digest.update(getattr(ledger, name).tobytes())
    return digest.hexdigest()


def run_chunk(seeds: list[int]) -> list[tuple[int, str]]:
    """Run full-scale baseline replicates; return each seed with the digest of its ledger."""
    scenario = default_scenario()
    results = []
    for seed in seeds:
        model = RepatriationModel(scenario, rng=seed)
        model.run_model()
        results.append((seed, ledger_digest(model.ledger)))
    return results


def warm_up(seconds: float) -> int:
    """Import the model in a worker and hold it for `seconds`."""
    import model.model  # noqa: F401

    time.sleep(seconds)
    return 0


def warm_up_every_worker(executor: Executor, workers: int) -> None:
    """Have every worker import the model before the clock starts. With several workers, each
    task holds its worker for half a second, so that no worker takes two and leaves one cold."""
    hold = 0.5 if workers > 1 else 0.0
    list(executor.map(warm_up, [hold] * workers))


def timed_sweep(executor: Executor, chunks: list[list[int]], workers: int) -> dict:
    """The chunks through an executor whose workers are warm (`warm_up_every_worker`)."""
    start = time.perf_counter()
    results = [row for chunk in executor.map(run_chunk, chunks) for row in chunk]
    seconds = time.perf_counter() - start
    replicates = sum(len(chunk) for chunk in chunks)
    return {
        "seconds": round(seconds, 3),
        "runs_per_minute": round(60 * replicates / seconds, 1),
        "seconds_per_task": round(seconds * workers / len(chunks), 2),
        "results": results,
    }


def with_process_pool(workers: int) -> Callable[[list[list[int]]], dict]:
    def sweep(chunks: list[list[int]]) -> dict:
        started = time.perf_counter()
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
            warm_up_every_worker(executor, workers)
            startup = time.perf_counter() - started
            report = timed_sweep(executor, chunks, workers)
        return {"executor": f"ProcessPoolExecutor({workers})", "startup_seconds": startup, **report}

    return sweep


def with_dask(chunks: list[list[int]], trim_memory: bool = False, workers: int = 2) -> dict:
    """The sweep on a Dask LocalCluster (`workers` worker processes, 1 thread each).

    Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers by default, to hand freed
    memory back to the system; this model then runs 1.4-1.9 times slower (see
    `experiments.core.dask_cluster.relax_malloc_trimming`). `trim_memory=False` measures the
    cluster as `ifrp sweep --scheduler` uses it, with the `HeapTuning` worker plugin registered;
    `trim_memory=True` measures Dask's default.
    """
    from distributed import Client, LocalCluster

    from experiments.core.dask_cluster import HeapTuning

    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        if not trim_memory:
            client.register_plugin(HeapTuning(), name="ifrp-heap-tuning")
        executor = client.get_executor(pure=False)
        warm_up_every_worker(executor, workers)
        startup = time.perf_counter() - started
        report = timed_sweep(executor, chunks, workers)
    if trim_memory:
        trim = "Dask's default MALLOC_TRIM_THRESHOLD_=65536"
    else:
        trim = "HeapTuning plugin, as `ifrp sweep --scheduler`"
    name = f"dask LocalCluster({workers} workers x 1 thread), {trim}"
    return {"executor": name, "startup_seconds": startup, **report}


def measure(replicates: int = 128, chunk: int = 32, rounds: int = 3, quick: bool = False) -> dict:
    """Each executor `rounds` times, interleaved, so that a busy spell of a shared host falls
    on every executor alike; the median throughput of each is reported, with every round's.

    `quick`: two executors of one worker each (a local process, and Dask as `ifrp sweep
    --scheduler` runs it), to check that the benchmark works, not to measure.
    """
    seeds = replicate_seeds(ENTROPY, replicates)
    chunks = [seeds[i : i + chunk] for i in range(0, replicates, chunk)]
    executors = [
        with_process_pool(1),
        with_process_pool(2),
        with_dask,
        lambda chunks: with_dask(chunks, trim_memory=True),
    ]
    if quick:
        executors = [with_process_pool(1), lambda chunks: with_dask(chunks, workers=1)]
    turns = progress(range(rounds), f"{len(executors)} executors in turn", "round")
    rounds_run = [[sweep(chunks) for sweep in executors] for _ in turns]
    reference = rounds_run[0][0]["results"]
    identical = all(run.pop("results") == reference for runs in rounds_run for run in runs)
    runs = [_median_round([runs[i] for runs in rounds_run]) for i in range(len(executors))]
    combined = hashlib.sha256("".join(d for _, d in reference).encode()).hexdigest()
    return {
        "what": "full-scale baseline replicates per minute, by executor (start-up excluded)",
        "replicates": replicates,
        "replicates_per_task": chunk,
        "rounds": rounds,
        "runs": runs,
        "identical_results": identical,
        "results_digest": combined,
        "machine": machine(),
    }


def _median_round(rounds: list[dict]) -> dict:
    rates = sorted(run["runs_per_minute"] for run in rounds)
    median = next(run for run in rounds if run["runs_per_minute"] == rates[len(rates) // 2])
    return {
        **median,
        "startup_seconds": round(median["startup_seconds"], 2),
        "runs_per_minute_each_round": [run["runs_per_minute"] for run in rounds],
    }
