"""Write a result folder atomically: everything goes to a temporary sibling, then one rename."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from model.scenario import ScenarioError

# Room left in a file name for the suffix of write_folder's temporary sibling (.NAME.tmp-PID).
TEMPORARY_SUFFIX = 16
LONGEST_NAME = 100  # characters in a name taken from a file (a folder name is 255 bytes at most)


def check_destination(out: Path, force: bool) -> None:
    """Refuse an existing, non-empty folder unless it is an ifrp result folder and --force is
    given, and a folder that cannot be written (before any work is done): --force must never
    delete files that ifrp did not write."""
    check_writable(out)  # first: a name too long would make out.exists() itself fail
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


def check_writable(out: Path, option: str = "--out") -> None:
    """Refuse an output folder that cannot be written (under a file, read-only, no permission,
    a name too long), before any work: a run must not end in an error after its last replicate.
    Creates nothing: a probe folder is made and removed where the output will go."""
    out = Path(os.path.abspath(out))
    existing = next(folder for folder in (out, *out.parents) if os.path.lexists(folder))
    if not existing.is_dir():
        problem = f"{existing} is a file, not a folder"
        raise ScenarioError(str(out), option, problem, "a path through folders")
    _check_names(out, out.relative_to(existing).parts, existing, option)
    # write_folder writes a temporary sibling of `out`; a sweep and a calibration write in it.
    for folder in {existing, existing.parent} if existing == out else {existing}:
        try:
            os.rmdir(tempfile.mkdtemp(prefix=".ifrp-probe-", dir=folder))
        except OSError as error:
            problem = f"cannot write in {folder}: {error.strerror or error}"
            raise ScenarioError(str(out), option, problem, "a folder you can write in") from None


def check_file_name(path: Path, option: str) -> None:
    """Refuse a file whose name is too long for its folder (with room for write_atomic's
    temporary suffix), before any work; check_writable checks the folder."""
    path = Path(os.path.abspath(path))
    existing = next(folder for folder in path.parents if os.path.lexists(folder))
    _check_names(path, (path.name,), existing, option)


def _check_names(out: Path, names: tuple[str, ...], existing: Path, option: str) -> None:
    longest = _name_max(existing) - TEMPORARY_SUFFIX
    for name in names:
        if len(os.fsencode(name)) > longest:
            problem = f"the name {name[:24]}... is too long ({len(os.fsencode(name))} bytes)"
            raise ScenarioError(str(out), option, problem, f"names of up to {longest} bytes")


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):  # not known on this system
        return 255


def safe_name(name: str, file: str, field: str, out_instead: bool = True) -> str:
    """`name`, read from `file`, checked before it becomes a folder name under results/: a
    plain name (no separator, no `..`, not hidden) cannot put the output anywhere else.
    `out_instead`: whether an --out would name the folder instead (the error says so)."""
    unsafe = (
        not name
        or name.startswith(".")
        or any(mark in name for mark in ("/", "\\", os.sep))
        or any(not character.isprintable() for character in name)
        or len(name) > LONGEST_NAME
    )
    if unsafe:
        allowed = f"no / or \\, not starting with '.', {LONGEST_NAME} characters at most"
        allowed += "; or --out" if out_instead else ""
        raise ScenarioError(file, field, f"{name!r} cannot name a folder", allowed)
    return name


def stamped_folder(parent: Path, name: str, file: str, field: str) -> Path:
    """PARENT/NAME-YYYYmmdd-HHMMSS, the default --out of a result named after `name` (read
    from `file`, where it is `field`)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return parent / f"{safe_name(name, file, field)}-{stamp}"


def is_result_folder(folder: Path) -> bool:
    """Whether ifrp wrote `folder`, so that --force may replace it."""
    if _written_by_ifrp(folder):
        return True
    # `ifrp run A B` / `--all` writes no manifest of its own in OUT, only a result folder per
    # scenario and OUT/comparison (and, after a kill, the temporary folders of write_folder).
    return all(is_leftover(entry) or _written_by_ifrp(entry) for entry in folder.iterdir())


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


def is_leftover(entry: Path) -> bool:
    """A temporary file or folder of write_folder or write_atomic, left by a killed process."""
    return re.fullmatch(r"\..+\.tmp-\d+", entry.name) is not None


def write_folder(out: Path, write: Callable[[Path], None], force: bool = False) -> Path:
    """Call `write(tmp)` to fill a temporary folder, then move it to `out` in one step."""
    out = out.resolve()
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    with writing_to(out):
        out.parent.mkdir(parents=True, exist_ok=True)
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


@contextmanager
def writing_to(out: Path, kept: str = "nothing was written") -> Iterator[None]:
    """Turn a failure to write under `out` (disk full, folder removed, ...) into one line naming
    it and saying what is left (`kept`), for exit status 2."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or str(error)
        path = error.filename if error.filename is not None else out
        problem = f"cannot be written ({reason}); {kept}"
        raise ScenarioError(str(path), "--out", problem, "a folder with room to write in") from None


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
