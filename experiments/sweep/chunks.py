"""Runs grouped into tasks ("chunks"), run on a worker, and stored one file per chunk.

A chunk is a list of runs (point x replicate). Its rows are written atomically (temporary file,
then rename) as `chunks/runs-FIRST-LAST-HASH.json`, so an interrupted sweep keeps every finished
chunk and a re-run skips the runs already done, however the remaining runs are chunked.
"""

from __future__ import annotations

import hashlib
import json
import math
import traceback
from dataclasses import dataclass
from pathlib import Path

from experiments.core import replicates
from experiments.core.inputs import read_json
from experiments.core.outputs import write_atomic
from experiments.core.replicates import run_replicate
from experiments.core.tables import summary_table
from model.scenario import Scenario, ScenarioError


@dataclass(frozen=True)
class Run:
    point: int
    replicate: int
    seed: int
    scenario: Scenario

    @property
    def key(self) -> tuple[int, int]:
        return (self.point, self.replicate)


def run_chunk(runs: list[Run]) -> list[dict]:
    """Run a chunk on a worker: one row per run, outputs or the error that stopped it."""
    return [run_one(run) for run in runs]


def run_one(run: Run) -> dict:
    row: dict = {"point": run.point, "replicate": run.replicate, "seed": run.seed}
    try:
        result = run_replicate(run.scenario, run.seed, run.replicate)
        summary = summary_table([result], run.scenario).iloc[0].to_dict()
        row.update({k: _plain(v) for k, v in summary.items() if k not in row})
        row["error"] = None
    except Exception as error:  # recorded, and the sweep goes on
        row["error"] = f"{type(error).__name__}: {error}"
        row["traceback"] = traceback.format_exc(limit=5)
    return row


def _plain(value):
    """numpy scalars to Python ones, so rows survive JSON unchanged."""
    return value.item() if hasattr(value, "item") else value


def failed_rows(runs: list[Run], error: BaseException) -> list[dict]:
    """Rows for a chunk whose task failed as a whole (e.g. a worker died)."""
    message = f"{type(error).__name__}: {error}"
    return [
        {"point": r.point, "replicate": r.replicate, "seed": r.seed, "error": message} for r in runs
    ]


# --- chunking ------------------------------------------------------------------------------


def chunk_size(runs: list[Run], slots: int, requested: int | None = None) -> int:
    """Runs per task: see `experiments.core.replicates.chunk_size`."""
    return replicates.chunk_size([run.scenario for run in runs], slots, requested)


def make_chunks(runs: list[Run], size: int) -> list[list[Run]]:
    ordered = sorted(runs, key=lambda run: run.key)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


# --- chunk files ---------------------------------------------------------------------------

CHUNK_FILE = "a chunk of runs written by ifrp sweep (delete it to run its runs again)"


def chunk_path(folder: Path, runs: list[Run], replicates: int) -> Path:
    """A name unique to the chunk's set of runs (a retry of the same runs replaces it)."""
    index = [run.point * replicates + run.replicate for run in runs]
    digest = hashlib.sha256(",".join(map(str, index)).encode()).hexdigest()[:8]
    return folder / f"runs-{min(index):07d}-{max(index):07d}-{digest}.json"


def write_chunk(path: Path, rows: list[dict]) -> None:
    write_atomic(path, json.dumps(rows, default=str) + "\n")


ROW_KEYS = ("point", "replicate", "seed")  # whole numbers >= 0 in every row
NOT_OUTPUTS = (*ROW_KEYS, "error", "traceback")


def read_chunks(folder: Path) -> dict[tuple[int, int], dict]:
    """The stored row of every run, a successful one preferred over a failed attempt.

    A damaged file (not JSON, or a row whose keys are not whole numbers, whose error is not
    text, or whose outputs are not all finite numbers, the same ones in every successful row)
    is refused, naming it, as is a truncated one: delete it to run its runs again.
    """
    rows: dict[tuple[int, int], dict] = {}
    outputs: list[str] | None = None
    for path in sorted(folder.glob("runs-*.json")):
        for index, row in enumerate(read_json(path, CHUNK_FILE, kind=list)):
            names = check_row(row, path, index, outputs)
            if names is not None and outputs is None:
                outputs = names
            key = (row["point"], row["replicate"])
            if key not in rows or rows[key].get("error"):
                rows[key] = row
    return rows


def check_row(row: object, path: Path, index: int, outputs: list[str] | None) -> list[str] | None:
    """Refuse a damaged row; the output names of a successful one (None for a failed run)."""

    def refuse(field: str, problem: str) -> ScenarioError:
        return ScenarioError(str(path), f"row {index}{field}", problem, CHUNK_FILE)

    if not isinstance(row, dict) or not set(ROW_KEYS) <= row.keys():
        raise refuse("", "not a run (point, replicate, seed, outputs or error)")
    for key in ROW_KEYS:
        value = row[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise refuse(f".{key}", f"{value!r} is not a whole number >= 0")
    error = row.get("error")
    if error is not None:
        if not isinstance(error, str) or not error:
            raise refuse(".error", f"{error!r} is not an error message")
        return None
    names = [name for name in row if name not in NOT_OUTPUTS]
    if not names:
        raise refuse("", "neither outputs nor an error")
    for name in names:
        value = row[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise refuse(f".{name}", f"{value!r} is not a finite number")
    if outputs is not None and set(names) != set(outputs):
        differ = ", ".join(sorted(set(names) ^ set(outputs)))
        raise refuse("", f"its outputs differ from the other runs' ({differ})")
    return names
