"""Where runs execute: behind the standard `concurrent.futures.Executor` interface.

- `--workers 1`: in this process (no start-up cost; easiest to debug);
- `--workers N` (default: all cores): a local `ProcessPoolExecutor`;
- `--scheduler ADDRESS`: an existing Dask cluster (`experiments.core.dask_cluster`).

Results never depend on the choice: a run's seed depends only on the entropy, the point and the
replicate number. `run_chunks` is how every command hands its work to an executor.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


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


def run_chunks(
    task: Callable[[Any], list],
    chunks: Sequence[Any],
    execution: Execution | None = None,
    on_done: Callable[[Any, list], None] | None = None,
    on_error: Callable[[Any, Exception], list] | None = None,
) -> list[list]:
    """`task(chunk)` for every chunk on the execution's executor; the results in chunk order.

    At most `execution.slots` tasks are in flight, so that a long job can be stopped at once
    and its finished chunks kept: `on_done(chunk, result)` is called as each one finishes.
    A task that fails as a whole (a worker died) raises, or gives `on_error(chunk, error)`.
    On Ctrl-C, pending tasks are cancelled and local workers stopped before it propagates.
    """
    execution = execution or Execution(InlineExecutor(), 1, "in this process (1 worker)")
    results: list[list | None] = [None] * len(chunks)
    pending = iter(enumerate(chunks))
    in_flight: dict[Future, int] = {}

    def finished(index: int, result: list) -> None:
        results[index] = result
        if on_done:
            on_done(chunks[index], result)

    def submit_next() -> None:
        for index, chunk in pending:
            try:
                in_flight[execution.executor.submit(task, chunk)] = index
                return
            except Exception as error:  # the executor is broken: record, and try the next
                if on_error is None:
                    raise
                finished(index, on_error(chunk, error))

    try:
        for _ in range(execution.slots):
            submit_next()
        while in_flight:
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=in_flight.__getitem__):
                index = in_flight.pop(future)
                try:
                    result = future.result()
                except Exception as error:
                    if on_error is None:
                        raise
                    result = on_error(chunks[index], error)
                finished(index, result)
                submit_next()
    except BaseException as error:
        for future in in_flight:
            future.cancel()
        if isinstance(error, KeyboardInterrupt):
            stop_workers(execution)
        raise
    return results  # type: ignore[return-value]


def stop_workers(execution: Execution) -> None:
    """End local worker processes at once rather than waiting for their tasks (on Ctrl-C)."""
    # ProcessPoolExecutor has no public way to stop running tasks before Python 3.14.
    processes = getattr(execution.executor, "_processes", None) or {}
    for process in list(processes.values()):
        process.terminate()


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
    execution = Execution(pool, 2 * workers, f"on local processes ({workers} workers, {method})")
    try:
        yield execution
    except BaseException:  # Ctrl-C or an error: end the workers now, not after their tasks
        stop_workers(execution)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def process_pool(workers: int) -> tuple[ProcessPoolExecutor, str]:
    """Worker processes ready to run the model, and the start method used.

    Workers leave Ctrl-C to this process and end themselves if it dies (`_start_worker`).
    """
    # forkserver, not fork: forking a process with threads (tqdm, Dask, a web server) can
    # deadlock, and Python 3.14 makes it the default. Workers import the model afresh.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    _quiet_resource_tracker()
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # The server imports the model once; every worker forks from it ready to run.
        context.set_forkserver_preload(["experiments.core.replicates", "experiments.core.tables"])
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
    )
    return pool, method


TRACKER_WARNING = "ignore::UserWarning:multiprocessing.resource_tracker"


def _quiet_resource_tracker() -> None:
    """Keep the resource tracker from warning of "leaked semaphore objects" when this process
    is killed outright (SIGKILL, where nothing of ours can run): the tracker then removes
    them itself, as its job is, so the warning names a clean-up done, not a leak. Ctrl-C and
    SIGTERM release them before exiting (tests/test_shutdown.py checks both). The tracker
    starts with this process's -W options, so the filter must be set before it starts."""
    if TRACKER_WARNING not in sys.warnoptions:
        sys.warnoptions.append(TRACKER_WARNING)


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
