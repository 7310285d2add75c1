"""`ifrp run` end to end on a small population: the result folder of architecture.md §5."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

ROUTES = ["khyber_pakhtunkhwa", "balochistan", "other"]
SUMMARY_COLUMNS = ["replicate", "seed", "total", *ROUTES, "remaining", "deported"]
DAILY_COLUMNS = ["replicate", "date", "checkpoint", "route", "crossed", "deported", "queue"]
MANIFEST_KEYS = [
    "count_start",
    "report_date",
    "seeds",
    "parameters",
    "git",
    "packages",
    "python",
    "platform",
    "started",
    "finished",
]
PERSONS = 30_000


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One run of two replicates, shared by the tests of this file."""
    from experiments.cli import main

    root = tmp_path_factory.mktemp("cli")
    scenario = root / "small.toml"
    scenario.write_text(f"[population]\nundocumented = {PERSONS}\n", encoding="utf-8")
    out = root / "run"
    status = main(["run", str(scenario), "--replicates", "2", "--seed", "3", "--out", str(out)])
    assert status == 0
    return out


@pytest.fixture(scope="module")
def manifest(folder):
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def summary(folder):
    return pd.read_csv(folder / "summary.csv", dtype={"seed": "uint64"})


@pytest.fixture(scope="module")
def daily(folder):
    return pd.read_csv(folder / "daily.csv")


def test_folder_holds_the_contract_files(folder):
    assert (folder / "manifest.json").is_file()
    assert (folder / "summary.csv").is_file()
    assert (folder / "daily.csv").is_file()
    pngs = sorted((folder / "figures").glob("*.png"))
    assert pngs, "figures/ must hold PNG files"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png.name
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == [], "no temporary folder may remain"


def test_manifest_records_the_run(manifest, summary):
    for key in MANIFEST_KEYS:
        assert key in manifest, key
    assert manifest["count_start"] == "2023-09-17"
    assert manifest["report_date"] == "2024-01-02"
    assert manifest["seeds"] == [int(seed) for seed in summary["seed"]]
    assert manifest["parameters"]["population"]["undocumented"] == PERSONS
    assert manifest["parameters"]["phases"]["phase1"]["deadline"] == "2023-10-31"
    assert set(manifest["git"]) >= {"commit", "dirty"}
    assert manifest["packages"]["mesa"].startswith("3.5")
    assert manifest["python"] == sys.version.split()[0]
    assert manifest["started"] <= manifest["finished"]


def test_summary_columns_and_route_totals(summary):
    for column in SUMMARY_COLUMNS:
        assert column in summary.columns, column
    assert list(summary["replicate"]) == [0, 1]
    assert summary["seed"].nunique() == 2
    assert (summary[ROUTES].sum(axis=1) == summary["total"]).all()
    assert (summary["total"] > 0).all()
    assert (summary["deported"] <= summary["total"]).all()
    # Conservation: every undocumented person left (counted or before count_start) or remains.
    assert (summary["total"] + summary["remaining"] <= PERSONS).all()
    assert (summary["total"] + summary["remaining"] > PERSONS - 1_000).all()


def test_daily_columns_and_rows(daily, manifest):
    assert list(daily.columns[: len(DAILY_COLUMNS)]) == DAILY_COLUMNS
    assert set(daily["route"]) <= set(ROUTES)
    days = (date.fromisoformat(manifest["report_date"]) - date(2023, 9, 15)).days + 1
    checkpoints = daily["checkpoint"].nunique()
    assert len(daily) == 2 * days * checkpoints
    assert not daily.duplicated(["replicate", "date", "checkpoint"]).any()
    assert (daily[["crossed", "deported", "queue"]] >= 0).all().all()
    assert (daily["deported"] <= daily["crossed"]).all()


def test_daily_sums_equal_the_summary(daily, summary, manifest):
    counted = daily[
        (daily["date"] >= manifest["count_start"]) & (daily["date"] <= manifest["report_date"])
    ]
    assert len(counted) < len(daily), "rows before count_start exist and must be left out"
    by_route = counted.pivot_table(
        index="replicate", columns="route", values="crossed", aggfunc="sum"
    )
    deported = counted.groupby("replicate")["deported"].sum()
    for _, row in summary.iterrows():
        for route in ROUTES:
            assert by_route.loc[row["replicate"], route] == row[route], route
        assert deported.loc[row["replicate"]] == row["deported"]


def test_documented_populations_get_columns_of_their_own(
    write_toml, ifrp, tmp_path, no_run_figures
):
    path = write_toml("[population]\nundocumented = 10000\nacc = 3000\n", "documented.toml")
    out = tmp_path / "out"
    status, _, err = ifrp("run", path, "--replicates", "1", "--out", out, "--quiet")
    assert status == 0, err
    summary = pd.read_csv(out / "summary.csv")
    assert {"acc_departed", "acc_remaining"} <= set(summary.columns)
    assert "por_departed" not in summary.columns
    # The undocumented columns count the undocumented only.
    assert (summary["total"] + summary["remaining"] <= 10_000).all()
    assert (summary["acc_departed"] + summary["acc_remaining"] <= 3_000).all()


def test_force_replaces_an_existing_folder(small_toml, tmp_path, ifrp, no_run_figures):
    out = tmp_path / "previous"
    out.mkdir()
    (out / "stale.txt").write_text("old\n", encoding="utf-8")
    status, stdout, err = ifrp("run", small_toml, "--replicates", "1", "--out", out, "--force")
    assert status == 0, err
    assert not (out / "stale.txt").exists()
    assert (out / "summary.csv").is_file()
    assert "results written to" in stdout
    assert "khyber_pakhtunkhwa" in stdout  # the headline table


def test_installed_entry_point_runs(small_toml, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "experiments", "run", str(small_toml)]
    result = subprocess.run(
        [*command, "--replicates", "1", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"results written to {out}" in result.stdout
    assert (out / "summary.csv").is_file()
    assert not (tmp_path / "results").exists(), "--out must be the only place written"
