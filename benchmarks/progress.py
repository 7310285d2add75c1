"""Progress of a benchmark's long loops (the plain-Mesa comparison alone takes minutes).

Shown in a terminal only (tqdm's `disable=None`), so logs and the smoke test stay clean, and
advanced between timed runs, never inside one.
"""

from __future__ import annotations

from collections.abc import Iterable

from tqdm import tqdm


def progress[T](items: Iterable[T], what: str, unit: str) -> Iterable[T]:
    return tqdm(items, desc=what, unit=unit, leave=False, disable=None)
