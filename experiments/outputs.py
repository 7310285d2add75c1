"""Write a result folder atomically: everything goes to a temporary sibling, then one rename."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from model.scenario import ScenarioError


def check_destination(out: Path, force: bool) -> None:
    """Refuse an existing, non-empty folder unless forced (before any work is done)."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(str(out), "--out", "is a file", "a folder")
    if out.exists() and any(out.iterdir()) and not force:
        raise ScenarioError(
            str(out), "--out", "exists and is not empty", "a new folder, or --force"
        )


def write_folder(out: Path, write: Callable[[Path], None], force: bool = False) -> Path:
    """Call `write(tmp)` to fill a temporary folder, then move it to `out` in one step."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write(tmp)
        if out.exists():
            check_destination(out, force)
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file so that it either exists whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        else:
            tmp.write_bytes(content)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, data: dict) -> None:
    """Write `data` as indented JSON, atomically."""
    write_atomic(path, json.dumps(data, indent=2) + "\n")
