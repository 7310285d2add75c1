"""A Dask worker plugin that gives every worker glibc's large-block thresholds back.

Only imported where Dask is used; see `experiments.executors.relax_malloc_trimming`.
"""

from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

from experiments.executors import relax_malloc_trimming


class HeapTuning(WorkerPlugin):
    """Runs `relax_malloc_trimming` in every worker of the cluster, present and future."""

    def setup(self, worker: object) -> None:
        relax_malloc_trimming()
