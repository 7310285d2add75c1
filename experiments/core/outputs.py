"""Write a result folder atomically: everything goes to a temporary sibling, then one rename."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from model.scenario import ScenarioError


def check_destination(out: Path, force: bool) -> None:
    """Refuse an existing, non-empty folder unless it is an ifrp result folder and --force is
    given (before any work is done): --force must never delete files that ifrp did not write."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(str(out), "--out", "is a file", "a folder")
    if not out.exists() or not any(out.iterdir()):
        return
    if not is_result_folder(out):
        raise ScenarioError(
            str(out),
            "--out",
            "exists and is not an ifrp result folder (no manifest.json written by ifrp)",
            "a new or empty folder, or an ifrp result folder with --force",
        )
    if not force:
        raise ScenarioError(
            str(out), "--out", "exists and is not empty", "a new or empty folder, or --force"
        )


def is_result_folder(folder: Path) -> bool:
    """Whether ifrp wrote `folder`, so that --force may replace it."""
    if _written_by_ifrp(folder):
        return True
    # `ifrp run A B` / `--all` writes no manifest of its own in OUT, only a result folder per
    # scenario and OUT/comparison (and, after a kill, the temporary folders of write_folder).
    return all(_is_leftover(entry) or _written_by_ifrp(entry) for entry in folder.iterdir())


def _written_by_ifrp(folder: Path) -> bool:
    # Every result folder holds ifrp's manifest (a sweep writes it before its first run).
    return folder.is_dir() and _is_ifrp_manifest(folder / "manifest.json")


def _is_ifrp_manifest(path: Path) -> bool:
    """A manifest.json that ifrp wrote: the name alone is not enough (a web project, for one,
    has a manifest.json of its own), so it must record an `ifrp ...` command."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable or not JSON
        return False
    return isinstance(manifest, dict) and str(manifest.get("command", "")).startswith("ifrp")


def _is_leftover(entry: Path) -> bool:
    """A temporary file or folder of write_folder or write_atomic, left by a killed process."""
    return re.fullmatch(r"\..+\.tmp-\d+", entry.name) is not None


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
