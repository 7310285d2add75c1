"""The manifest every result folder carries: what was run, with what, where and when."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from model.scenario import Scenario

PACKAGES = ("ifrp-abm", "mesa", "numpy", "scipy", "pandas", "matplotlib")
ROOT = Path(__file__).resolve().parent.parent


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_state() -> dict:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=10
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    return {
        "commit": commit or None,
        "dirty": bool(git("status", "--porcelain")) if commit else None,
    }


def package_versions() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_manifest(
    scenario: Scenario, scenario_source: str, entropy: int, seeds: list[int], started: str
) -> dict:
    return {
        "command": " ".join(["ifrp", *sys.argv[1:]]),
        "scenario": scenario.name,
        "scenario_source": scenario_source,
        "count_start": scenario.timeline.count_start.isoformat(),
        "report_date": scenario.timeline.end.isoformat(),
        "entropy": entropy,
        "replicates": len(seeds),
        "seeds": seeds,
        "parameters": scenario.to_dict(),
        "git": git_state(),
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started": started,
        "finished": now(),
        "units": "persons",
    }
