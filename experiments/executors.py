"""Where runs execute: behind the standard `concurrent.futures.Executor` interface.

- `--workers 1`: in this process (no start-up cost; easiest to debug);
- `--workers N` (default: all cores): a local `ProcessPoolExecutor`;
- `--scheduler ADDRESS`: an existing Dask cluster, `distributed.Client(address).get_executor()`.

Results never depend on the choice: a run's seed depends only on the entropy, the point and the
replicate number.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from model.schema import ScenarioError

# glibc's mallopt parameters (malloc.h) and the values that keep numpy's temporaries of a
# full-scale run (up to a few MB each) on the heap rather than mapped afresh every time.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 2**20  # glibc's own ceiling for its adaptive threshold
TRIM_THRESHOLD_BYTES = 128 * 2**20


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
        with _dask(scheduler) as execution:
            yield execution
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
        context.set_forkserver_preload(["experiments.chunks"])
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


@contextmanager
def _dask(address: str) -> Iterator[Execution]:
    try:
        from distributed import Client

        from experiments.heap_tuning import HeapTuning
    except ImportError:  # pragma: no cover - dask is a dependency
        raise ScenarioError(
            address, "--scheduler", "dask.distributed is not installed", "pip install dask"
        ) from None
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as error:
        raise ScenarioError(
            address,
            "--scheduler",
            f"cannot connect: {error}",
            "the address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786",
        ) from None
    try:
        threads = sum(client.nthreads().values()) or 1
        client.register_plugin(HeapTuning(), name="ifrp-heap-tuning")
        # pure=False: two tasks with equal arguments are still two tasks.
        executor = client.get_executor(pure=False)
        yield Execution(executor, 2 * threads, f"on Dask cluster {address} ({threads} threads)")
        executor.shutdown(wait=False)
    finally:
        client.close()


def relax_malloc_trimming() -> bool:
    """Give this process glibc's large-block thresholds back; True if it could.

    Dask's nanny starts every worker with `MALLOC_TRIM_THRESHOLD_=65536`. Setting that variable
    at all switches off glibc's adaptive mmap threshold, so every large numpy temporary is
    mapped afresh and faulted in page by page: this model then runs 1.4-1.9 times slower
    (docs/performance.md). The variable is read at start-up, but `mallopt` sets the same
    thresholds at run time, so this works on clusters the user started, whatever their config.
    Results are unaffected: only where freed memory goes changes.
    """
    library = ctypes.util.find_library("c")
    if library is None:  # not glibc (macOS, Windows): nothing to undo
        return False
    libc = ctypes.CDLL(library)
    if not hasattr(libc, "mallopt"):
        return False
    mmap_set = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    trim_set = libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    return bool(mmap_set and trim_set)
