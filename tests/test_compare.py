"""`ifrp compare` and `ifrp run A B`: headline outputs with intervals, differences on paired
replicates (checked against the summary files by hand), and cumulative departures by route."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

ROUTES = ["khyber_pakhtunkhwa", "balochistan", "other"]
SMALL = "[population]\nundocumented = 10000\n"
LATER = SMALL + "[phases.phase1]\ndeadline = 2023-11-30\nenforcement_start = 2023-12-01\n"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Three runs of 3 replicates: baseline and a later deadline on seed 4, baseline on seed 5."""
    from experiments.cli import main

    root = tmp_path_factory.mktemp("compare")
    (root / "small.toml").write_text(SMALL, encoding="utf-8")
    (root / "later.toml").write_text(LATER, encoding="utf-8")
    made = {}
    runs = (("base", "small", 4), ("later", "later", 4), ("other", "small", 5))
    with pytest.MonkeyPatch.context() as patch:  # a run's own figures are test_cli_run's
        patch.setattr("experiments.figures.draw_all", lambda *args: [])
        for label, scenario, seed in runs:
            made[label] = root / label
            args = ["run", str(root / f"{scenario}.toml"), "--replicates", "3", "--seed", str(seed)]
            assert main([*args, "--out", str(made[label]), "--quiet"]) == 0
    return made


@pytest.fixture(scope="module")
def comparison(folders, tmp_path_factory):
    from experiments.cli import main

    out = tmp_path_factory.mktemp("comparison") / "out"
    runs = [folders["base"], folders["later"], folders["other"]]
    assert main(["compare", *map(str, runs), "--out", str(out), "--quiet"]) == 0
    return out


def read(folder, name):
    return pd.read_csv(folder / name)


def test_folder_holds_tables_figures_and_manifest(comparison):
    for name in ("headline.csv", "differences.csv", "cumulative.csv", "manifest.json"):
        assert (comparison / name).is_file(), name
    for name in ("cumulative_departures.png", "differences.png"):
        assert (comparison / "figures" / name).read_bytes()[:4] == b"\x89PNG", name
    manifest = json.loads((comparison / "manifest.json").read_text(encoding="utf-8"))
    # The same scenario twice: the folder name tells them apart.
    assert manifest["reference"] == "small (base)"
    assert [run["entropy"] for run in manifest["runs"]] == [4, 4, 5]
    assert any("seeds differ" in note for note in manifest["notes"])


def test_headline_outputs_with_90_percent_intervals(comparison, folders):
    headline = read(comparison, "headline.csv")
    outputs = {"total", *ROUTES, "deported", "arrested", "peak_queue", "remaining"}
    assert set(headline["output"]) >= outputs
    summary = read(folders["later"], "summary.csv")
    row = headline[(headline["run"] == "later") & (headline["output"] == "total")].iloc[0]
    assert row["mean"] == pytest.approx(summary["total"].mean())
    assert row["p5"] == pytest.approx(summary["total"].quantile(0.05))
    assert row["p95"] == pytest.approx(summary["total"].quantile(0.95))


def test_differences_are_paired_on_the_same_seeds(comparison, folders):
    base = read(folders["base"], "summary.csv")
    later = read(folders["later"], "summary.csv")
    assert list(base["seed"]) == list(later["seed"])
    differences = read(comparison, "differences.csv")
    row = differences[(differences["run"] == "later") & (differences["output"] == "total")]
    row = row.iloc[0]
    diff = later["total"] - base["total"]
    half = stats.t.ppf(0.95, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    assert row["paired"] and row["pairs"] == 3
    assert row["difference"] == pytest.approx(diff.mean())
    assert row["difference_ci90_low"] == pytest.approx(diff.mean() - half)
    assert row["difference_ci90_high"] == pytest.approx(diff.mean() + half)


def test_different_seeds_are_compared_unpaired_and_said_so(comparison, folders, capsys):
    differences = read(comparison, "differences.csv")
    row = differences[(differences["run"] == "small (other)") & (differences["output"] == "total")]
    assert not row.iloc[0]["paired"]
    base = read(folders["base"], "summary.csv")["total"]
    other = read(folders["other"], "summary.csv")["total"]
    assert row.iloc[0]["difference"] == pytest.approx(other.mean() - base.mean())
    low, high = row.iloc[0][["difference_ci90_low", "difference_ci90_high"]]
    assert low < other.mean() - base.mean() < high


def test_cumulative_departures_end_at_the_summary_totals(comparison, folders):
    cumulative = read(comparison, "cumulative.csv")
    summary = read(folders["base"], "summary.csv")
    last = cumulative[(cumulative["run"] == "small (base)") & (cumulative["date"] == "2024-01-02")]
    for route in [*ROUTES, "total"]:
        value = last[last["route"] == route].iloc[0]
        assert value["mean"] == pytest.approx(summary[route].mean()), route
        assert value["p5"] <= value["p50"] <= value["p95"]
    first = cumulative[cumulative["run"] == "small (base)"]["date"].min()
    assert first == "2023-09-17", "counted from count_start"


def test_run_several_scenarios_then_compare(tmp_path, ifrp, write_toml, monkeypatch):
    monkeypatch.setattr("experiments.figures.draw_all", lambda *args: [])
    small = write_toml(SMALL, "small.toml")
    later = write_toml(LATER, "later.toml")
    out = tmp_path / "both"
    status, stdout, err = ifrp("run", small, later, "--replicates", "2", "--out", out)
    assert status == 0, err
    assert (out / "small" / "summary.csv").is_file() and (out / "later" / "summary.csv").is_file()
    differences = read(out / "comparison", "differences.csv")
    assert set(differences["run"]) == {"later"} and differences["paired"].all()
    assert "difference in total departures from small" in stdout


def test_bad_comparisons_exit_2(tmp_path, ifrp, folders):
    status, _, err = ifrp("compare", folders["base"], "--out", tmp_path / "one")
    assert status == 2 and "RUN_DIR" in err
    (tmp_path / "empty").mkdir()
    status, _, err = ifrp("compare", folders["base"], tmp_path / "empty", "--out", tmp_path / "x")
    assert status == 2 and "manifest.json" in err
    assert not (tmp_path / "x").exists()
    status, _, err = ifrp("run", "baseline", "no_such_scenario", "--out", tmp_path / "y")
    assert status == 2 and "no_such_scenario" in err
    assert not (tmp_path / "y").exists()
