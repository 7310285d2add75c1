"""The manifest every result folder carries: what was run, with what, where and when."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from experiments.core.calibrated import adopted_best_fit
from model.scenario import Scenario

PACKAGES = ("ifrp-abm", "mesa", "numpy", "scipy", "pandas", "matplotlib")
ROOT = Path(__file__).resolve().parents[2]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_state(root: Path = ROOT) -> dict:
    """The commit checked out, and whether anything outside results/ differs from it.

    results/ is where commands write by default (a calibration rewrites the committed one): a
    command's own outputs do not make its manifest say that the code had changes.
    """

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=10
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    changes = git("status", "--porcelain", "--", ".", ":(exclude)results") if commit else ""
    return {"commit": commit or None, "dirty": bool(changes) if commit else None}


def package_versions() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def file_entry(path: Path, sha256: str | None = None) -> dict:
    """A file's path (relative to the repository where it lies inside it) and sha256 (of its
    content now, unless the hash of the bytes actually read is given)."""
    path = Path(path).resolve()
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    sha256 = sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
    return {"file": str(shown), "sha256": sha256}


def calibration_entry() -> dict:
    """The calibration a run's scenarios are applied over: the adopted best-fit file and its
    sha256. Call it when the scenarios are loaded, so that the hash is that of the file they
    read. `ifrp compare` warns when two runs' entries differ (`compare.calibration_notes`).
    """
    levers = adopted_best_fit()
    values = dict(zip(levers.names, map(float, levers.rows[0]), strict=True))
    return {"parameters": "best fit", **file_entry(levers.file, levers.sha256), "levers": values}


def provenance(started: str, program: str = "ifrp", argv: list[str] | None = None) -> dict:
    """How a result folder was made: the command (`program` and its arguments, by default this
    process's), code, packages and times (every manifest)."""
    return {
        "command": " ".join([program, *(sys.argv[1:] if argv is None else argv)]),
        "git": git_state(),
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started": started,
        "finished": now(),
    }


def build_manifest(
    scenario: Scenario,
    scenario_source: str,
    entropy: int,
    seeds: list[int],
    started: str,
    calibration: dict | None = None,
) -> dict:
    made = provenance(started)
    return {
        "command": made.pop("command"),
        "scenario": scenario.name,
        "scenario_source": scenario_source,
        "count_start": scenario.timeline.count_start.isoformat(),
        "report_date": scenario.timeline.end.isoformat(),
        "entropy": entropy,
        "replicates": len(seeds),
        "seeds": seeds,
        "parameters": scenario.to_dict(),
        "calibration": calibration if calibration is not None else calibration_entry(),
        **made,
        "units": "persons",
    }
