"""A run folder written by `ifrp run`, read back: its manifest, summary and daily records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from model.schema import ScenarioError


@dataclass
class RunFolder:
    path: Path
    label: str
    manifest: dict
    summary: pd.DataFrame
    daily: pd.DataFrame = field(repr=False)

    @property
    def scenario(self) -> str:
        return str(self.manifest.get("scenario", self.path.name))


def read_run(path: Path) -> RunFolder:
    """A run folder written by `ifrp run` (manifest.json, summary.csv, daily.csv)."""
    for name in ("manifest.json", "summary.csv", "daily.csv"):
        if not (path / name).is_file():
            raise ScenarioError(str(path), name, "missing", "a run folder written by `ifrp run`")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    summary = pd.read_csv(path / "summary.csv", dtype={"seed": "uint64"})
    daily = pd.read_csv(path / "daily.csv")
    return RunFolder(path, str(manifest.get("scenario", path.name)), manifest, summary, daily)
