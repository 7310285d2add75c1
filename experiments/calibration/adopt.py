"""`ifrp adopt FOLDER`: make a calibration the one every scenario is applied over.

A calibration writes only its own folder; adopting it is a deliberate step. The best fit and
the posterior sample are checked (the same levers in both; each row applies to the defaults
as a valid scenario), copied into `experiments/calibrated/`, and `adoption.json` records where
they came from: the folder, its manifest's seed, budget and input files, and each file's sha256.
Commit the three files with a note on why the calibration changed.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from experiments.core import calibrated
from experiments.core.manifest import ROOT, file_entry, now
from experiments.core.outputs import check_writable, write_json, writing_to
from model.scenario import ScenarioError, default_scenario

FILES = ("best_fit.csv", "posterior.csv")
FROM_MANIFEST = (
    "entropy",
    "budget",
    "observations_file",
    "levels_file",
    "priors_file",
    "start_file",
    "start_width",
    "git",
    "started",
    "finished",
)


def command_adopt(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    check_writable(args.into, "--into")
    samples = {name: calibrated.read_levers(folder / name) for name in FILES}
    best, posterior = samples["best_fit.csv"], samples["posterior.csv"]
    if best.names != posterior.names:
        raise ScenarioError(
            str(folder / "posterior.csv"), "(header)", "other levers than best_fit.csv", ""
        )
    _check_applicable(best, posterior)
    manifest = _calibration_manifest(folder)
    into = args.into
    with writing_to(into, "the adopted calibration is unchanged"):
        into.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(folder / name, into / f".{name}.tmp")
        for name in FILES:
            (into / f".{name}.tmp").replace(into / name)
    record = {
        "adopted": now(),
        "from": _shown(folder),
        "files": {name: file_entry(into / name, samples[name].sha256) for name in FILES},
        "calibration": {key: manifest.get(key) for key in FROM_MANIFEST},
    }
    write_json(into / "adoption.json", record)
    print(f"adopted the calibration in {folder}: every scenario now applies {into / FILES[0]}")
    return 0


def _shown(folder: Path) -> str:
    """The folder relative to the repository where it lies inside it (as manifests show files)."""
    path = folder.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _check_applicable(*samples: calibrated.Levers) -> None:
    """Every row must make a valid scenario over the defaults (names known, values in range)."""
    defaults = default_scenario()
    for sample in samples:
        for row in range(len(sample.rows)):
            calibrated.with_levers(defaults, sample, row)


def _calibration_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ScenarioError(
            str(path), "(file)", "missing or not JSON", "the folder of `ifrp calibrate`"
        ) from None
    if manifest.get("kind") not in (None, "calibration") or "budget" not in manifest:
        raise ScenarioError(str(path), "budget", "not a calibration's manifest", "")
    return manifest
