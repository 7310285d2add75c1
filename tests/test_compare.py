"""`ifrp compare` and `ifrp run A B`: headline outputs with intervals, differences on paired
replicates (checked against the summary files by hand), and cumulative departures by route."""

from __future__ import annotations

import json
import shutil

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
        patch.setattr("experiments.run.figures.draw_all", lambda *args: [])
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


def test_run_several_scenarios_then_compare(
    tmp_path, ifrp, write_toml, no_run_figures, no_compare_figures
):
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


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """One-replicate runs of the same scenario and seed: two under one best-fit file, one under
    another, one with --posterior. The files are the test's own (the committed calibration may
    be re-run meanwhile)."""
    from experiments.calibration.parameters import load_priors
    from experiments.cli import main

    root = tmp_path_factory.mktemp("calibrated")
    (root / "small.toml").write_text(SMALL, encoding="utf-8")
    (root / "fit_a.csv").write_text("behaviour.fear_hazard\n0.03\n", encoding="utf-8")
    (root / "fit_b.csv").write_text("behaviour.fear_hazard\n0.04\n", encoding="utf-8")
    rng = np.random.default_rng(0)
    sample = pd.DataFrame({p.name: p.from_unit(rng.random(20)) for p in load_priors()})
    sample.to_csv(root / "posterior.csv", index=False)
    made = {}
    runs = (("a", "fit_a", []), ("a2", "fit_a", []), ("b", "fit_b", []))
    runs += (("posterior", "fit_a", ["--posterior"]),)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("experiments.run.figures.draw_all", lambda *args: [])
        patch.setattr("experiments.core.calibrated.POSTERIOR", root / "posterior.csv")
        for label, fit, extra in runs:
            patch.setattr("experiments.core.calibrated.BEST_FIT", root / f"{fit}.csv")
            made[label] = root / label
            args = ["run", str(root / "small.toml"), "--replicates", "1", "--seed", "2", *extra]
            assert main([*args, "--out", str(made[label]), "--quiet"]) == 0
    return made


def test_runs_under_different_calibrations_are_warned_about(
    calibrated, tmp_path, ifrp, no_compare_figures
):
    status, _, err = ifrp("compare", calibrated["a"], calibrated["a2"], "--out", tmp_path / "same")
    assert status == 0, err
    assert "calibration" not in err
    runs = [calibrated[name] for name in ("a", "b", "posterior")]
    status, _, err = ifrp("compare", *runs, "--out", tmp_path / "other")
    assert status == 0, err
    warnings = [line for line in err.splitlines() if "calibration" in line]
    assert len(warnings) == 2, err
    assert warnings[0].startswith("ifrp: warning: small (b): calibration best fit (sha256 ")
    assert "differs from the reference's best fit (sha256 " in warnings[0]
    assert "small (posterior): calibration posterior draws (sha256 " in warnings[1]
    manifest = json.loads((tmp_path / "other" / "manifest.json").read_text(encoding="utf-8"))
    assert sum("calibration" in note for note in manifest["notes"]) == 2
    assert manifest["runs"][1]["calibration"]["parameters"] == "best fit"


def test_a_run_without_a_recorded_calibration_is_warned_about(
    calibrated, tmp_path, ifrp, no_compare_figures
):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(calibrated["a"], old)
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    del manifest["calibration"]
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    status, _, err = ifrp("compare", calibrated["a"], old, "--out", tmp_path / "cmp")
    assert status == 0, err
    assert "small (old): its manifest does not identify its calibration" in err


def test_the_printed_summary_shows_queues_and_no_nan(
    calibrated, tmp_path, ifrp, no_compare_figures
):
    runs = calibrated["a"], calibrated["a2"]
    status, stdout, err = ifrp("compare", *runs, "--out", tmp_path / "x")
    assert status == 0, err
    assert "difference in total departures from small (a)" in stdout
    assert "difference in peak queue" in stdout
    assert "nan" not in stdout
    assert "n/a (one pair)" in stdout and "1 pair" in stdout and "1 pairs" not in stdout


def test_compare_help_shows_percent_signs_once(capsys):
    from experiments.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["compare", "--help"])
    text = capsys.readouterr().out
    assert "90% intervals" in text and "%%" not in text


def test_a_scenario_named_comparison_does_not_take_the_comparison_folder(
    tmp_path, ifrp, write_toml, no_run_figures, no_compare_figures
):
    small = write_toml(SMALL, "small.toml")
    clash = write_toml(LATER, "comparison.toml")
    out = tmp_path / "coll"
    status, _, err = ifrp("run", small, clash, "--replicates", "1", "--out", out, "--quiet")
    assert status == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["comparison", "comparison-1", "small"]
    assert (out / "comparison-1" / "summary.csv").is_file()
    differences = read(out / "comparison", "differences.csv")
    assert set(differences["run"]) == {"comparison"}
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_run_folder_labels_avoid_repeats_and_the_comparison_folder():
    from experiments.run.many import _labels

    names = ["comparison.toml", "a/x.toml", "x", "comparison", "x"]
    assert _labels(names) == ["comparison-1", "x", "x-2", "comparison-3", "x-4"]


def test_a_total_that_is_not_the_sum_of_its_routes_is_refused(tmp_path, ifrp, folders):
    edited = tmp_path / "edited"
    shutil.copytree(folders["base"], edited)
    summary = pd.read_csv(edited / "summary.csv", dtype={"seed": str})
    summary.loc[1, "total"] += 1  # still a whole number of persons
    summary.to_csv(edited / "summary.csv", index=False)
    status, _, err = ifrp("compare", folders["other"], edited, "--out", tmp_path / "x")
    assert status == 2
    assert "summary.csv: line 3: a total other than khyber_pakhtunkhwa + balochistan" in err
    assert not (tmp_path / "x").exists()


def test_validate_checks_levels_even_where_a_plain_file_reads_none(tmp_path, ifrp, folders):
    observed = tmp_path / "observed.csv"
    observed.write_text("date,series,value,kind\n2023-11-01,total,1000,daily\n", "utf-8")
    levels = tmp_path / "levels.csv"
    levels.write_text("name,value,units,min,max,source\nshare,nan,share,0,1,x\n", "utf-8")
    args = ["validate", folders["base"], "--observed", observed, "--levels", levels]
    status, _, err = ifrp(*args, "--out", tmp_path / "x")
    assert status == 2 and f"{levels}: line 2, value" in err
    assert not (tmp_path / "x").exists()
