"""What a measurement was taken on, and writing results."""

from __future__ import annotations

import functools
import os
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata


def machine() -> dict:
    """Platform, processor, cores, Python and package versions, load and time of measurement."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model() or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in ("mesa", "numpy", "dask", "distributed")},
        # Timings are only as quiet as the machine: the load average says how busy it was.
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
    }


@functools.cache  # each look-up scans the installed distributions: 0.1 s in a benchmark run
def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None
