"""Where runs execute: behind the standard `concurrent.futures.Executor` interface.

- `--workers 1`: in this process (no start-up cost; easiest to debug);
- `--workers N` (default: all cores): a local `ProcessPoolExecutor`;
- `--scheduler ADDRESS`: an existing Dask cluster (`experiments.core.dask_cluster`).

Results never depend on the choice: a run's seed depends only on the entropy, the point and the
replicate number.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass


class InlineExecutor(Executor):
    """Runs each task when it is submitted, in this process."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future


@dataclass
class Execution:
    executor: Executor
    slots: int  # tasks worth keeping in flight: enough to keep every worker busy
    description: str


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def open_executor(workers: int | None, scheduler: str | None) -> Iterator[Execution]:
    """An executor for the sweep's tasks, shut down (pending tasks cancelled) on exit."""
    if scheduler:
        from experiments.core.dask_cluster import connect  # Dask loads only when asked for

        with connect(scheduler) as (executor, threads):
            yield Execution(
                executor, 2 * threads, f"on Dask cluster {scheduler} ({threads} threads)"
            )
        return
    workers = workers or available_cores()
    if workers == 1:
        yield Execution(InlineExecutor(), 1, "in this process (1 worker)")
        return
    pool, method = process_pool(workers)
    try:
        yield Execution(pool, 2 * workers, f"on local processes ({workers} workers, {method})")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def process_pool(workers: int) -> tuple[ProcessPoolExecutor, str]:
    """Worker processes ready to run the model, and the start method used.

    Workers leave Ctrl-C to this process and end themselves if it dies (`_start_worker`).
    """
    # forkserver, not fork: forking a process with threads (tqdm, Dask, a web server) can
    # deadlock, and Python 3.14 makes it the default. Workers import the model afresh.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # The server imports the model once; every worker forks from it ready to run.
        context.set_forkserver_preload(["experiments.core.replicates", "experiments.core.tables"])
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
    )
    return pool, method


def _start_worker(main_pid: int) -> None:
    """Workers leave Ctrl-C to the main process, which stops them (no traceback from each),
    and end themselves if it is killed (a pool's idle workers would otherwise wait forever)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(main_pid,), daemon=True).start()


def _exit_with(main_pid: int, every: float = 2.0) -> None:
    while True:
        time.sleep(every)
        try:
            os.kill(main_pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            os._exit(1)
