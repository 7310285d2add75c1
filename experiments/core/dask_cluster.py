"""Runs on an existing Dask cluster, with every worker's heap tuned for this model.

Imported only when `--scheduler` is given (Dask takes about 1.5 s to import).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from distributed import Client
from distributed.diagnostics.plugin import WorkerPlugin

from model.schema import ScenarioError

# glibc's mallopt parameters (malloc.h) and the values that keep numpy's temporaries of a
# full-scale run (up to a few MB each) on the heap rather than mapped afresh every time.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 2**20  # glibc's own ceiling for its adaptive threshold
TRIM_THRESHOLD_BYTES = 128 * 2**20


@contextmanager
def connect(address: str) -> Iterator[tuple[Executor, int]]:
    """An executor on the cluster at `address` and its number of threads; closed on exit."""
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
        yield executor, threads
        executor.shutdown(wait=False)
    finally:
        client.close()


class HeapTuning(WorkerPlugin):
    """Runs `relax_malloc_trimming` in every worker of the cluster, present and future."""

    def setup(self, worker: object) -> None:
        relax_malloc_trimming()


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
