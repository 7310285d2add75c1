"""The adopted calibration is an input: levers applied over the data tables, adopted on purpose,
shipped with the package."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from experiments.core.calibrated import adopted_best_fit, read_levers, with_levers
from model.scenario import ScenarioError, default_scenario

ROOT = Path(__file__).resolve().parent.parent
KP_OTHER = ("ghulam_khan", "ibms_other")


def test_a_new_crossing_in_the_tables_keeps_its_share_of_the_calibrated_routes():
    """Levers rescale whatever routes the tables hold; pinning every route share (as the best
    fit once did) makes the same tables fail."""
    base = default_scenario().with_overrides(
        {
            "checkpoints.new_post": {
                "name": "New post",
                "province": "khyber_pakhtunkhwa",
                "route": "khyber_pakhtunkhwa",
                "capacity_per_hour": 100.0,
                "hours": 10.0,
                "opens": "2023-01-01",
                "closes": "2026-12-31",
                "fallback": "torkham",
            },
            "routes.khyber_pakhtunkhwa.new_post": {
                "share": 0.05,
                "travel_days_min": 1,
                "travel_days_max": 2,
            },
            "routes.khyber_pakhtunkhwa.torkham.share": 0.65,
        }
    )
    best_fit = adopted_best_fit()
    calibrated = with_levers(base, best_fit)
    kp = {r.checkpoint: r.share for r in calibrated.routes if r.province == "khyber_pakhtunkhwa"}
    assert sum(kp.values()) == pytest.approx(1.0)
    assert kp["new_post"] > 0
    other_share = best_fit.rows[0][best_fit.names.index("kp_other_share")]
    assert sum(kp[c] for c in KP_OTHER) == pytest.approx(other_share)
    pinned = {
        f"routes.khyber_pakhtunkhwa.{c}.share": r.share
        for c, r in ((r.checkpoint, r) for r in with_levers(default_scenario(), best_fit).routes)
        if r.province == "khyber_pakhtunkhwa"
    }
    with pytest.raises(ScenarioError, match=r"sum to 1\.05"):
        base.with_overrides(pinned)


def _calibration_folder(root: Path, best: str, posterior: str, manifest: dict | None) -> Path:
    folder = root / "calibration"
    folder.mkdir()
    (folder / "best_fit.csv").write_text(best, encoding="utf-8")
    (folder / "posterior.csv").write_text(posterior, encoding="utf-8")
    if manifest is not None:
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


GOOD_MANIFEST = {"command": "ifrp calibrate", "entropy": 3, "budget": {"particles": 5}}


def test_adopt_copies_the_best_fit_and_posterior_and_says_where_from(tmp_path):
    from experiments.cli import main

    levers = "behaviour.fear_hazard,kp_other_share\n"
    folder = _calibration_folder(
        tmp_path, levers + "0.03,0.2\n", levers + "0.03,0.2\n0.04,0.25\n", GOOD_MANIFEST
    )
    into = tmp_path / "calibrated"
    assert main(["adopt", str(folder), "--into", str(into)]) == 0
    for name in ("best_fit.csv", "posterior.csv"):
        assert (into / name).read_bytes() == (folder / name).read_bytes()
    record = json.loads((into / "adoption.json").read_text(encoding="utf-8"))
    assert record["calibration"]["entropy"] == 3
    assert record["files"]["posterior.csv"]["sha256"] == read_levers(into / "posterior.csv").sha256
    assert read_levers(into / "best_fit.csv").rows.tolist() == [[0.03, 0.2]]


@pytest.mark.parametrize(
    ("best", "posterior", "manifest", "named"),
    [
        ("behaviour.fear_hazard\n0.03\n", "kp_other_share\n0.2\n", GOOD_MANIFEST, "posterior"),
        ("behaviour.no_such\n0.03\n", "behaviour.no_such\n0.03\n", GOOD_MANIFEST, "no_such"),
        ("behaviour.fear_hazard\n5\n", "behaviour.fear_hazard\n5\n", GOOD_MANIFEST, "fear_hazard"),
        ("behaviour.fear_hazard\nnan\n", "behaviour.fear_hazard\n1\n", GOOD_MANIFEST, "finite"),
        ("behaviour.fear_hazard\n", "behaviour.fear_hazard\n0.03\n", GOOD_MANIFEST, "no rows"),
        ("behaviour.fear_hazard\n0.03\n", "behaviour.fear_hazard\n0.03\n", None, "manifest"),
        ("behaviour.fear_hazard\n0.03\n", "behaviour.fear_hazard\n0.03\n", {"a": 1}, "manifest"),
    ],
)
def test_adopt_refuses_a_bad_calibration_and_copies_nothing(
    tmp_path, ifrp, best, posterior, manifest, named
):
    folder = _calibration_folder(tmp_path, best, posterior, manifest)
    into = tmp_path / "calibrated"
    status, _, err = ifrp("adopt", folder, "--into", into)
    assert status == 2, err
    assert named in err
    assert not into.exists() or not any(into.iterdir())


def test_every_data_file_in_the_packages_ships_with_them():
    """A file the code reads must be package data, or an installed `ifrp` fails without it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]
    listed = subprocess.run(
        ["git", "ls-files", "model", "experiments"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    if not listed:
        pytest.skip("not a git checkout")
    data = [Path(name) for name in listed if not name.endswith(".py")]
    missing = [
        str(path)
        for path in data
        if not any(
            fnmatch.fnmatch(path.relative_to(package).as_posix(), pattern)
            for package, globs in patterns.items()
            if path.is_relative_to(package)
            for pattern in globs
        )
    ]
    assert not missing, f"data files not in pyproject's package-data: {missing}"


def test_an_observation_of_a_place_or_quantity_the_code_does_not_know_is_an_error():
    import dataclasses

    from experiments.core.replicates import run_replicate
    from experiments.observed.observation_model import Layout, Records, predict
    from experiments.observed.observations import load_observations

    scenario = default_scenario().with_overrides({"population.undocumented": 5_000})
    result = run_replicate(scenario, seed=1)
    first = load_observations()[0]
    levels = {"documented_share": 0.12, "un_coverage": 0.9}
    for change, name in (({"places": ("kabul",)}, "kabul"), ({"quantity": "rate"}, "rate")):
        row = dataclasses.replace(first, **change)
        with pytest.raises(ScenarioError, match=name):
            predict(Records.of(result.ledger), Layout.of(scenario), [row], levels)
