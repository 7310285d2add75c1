"""`ifrp run` end to end on a small population: the result folder that the README's
"Running it" describes (the command-line contract)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

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


def test_local_workers_give_the_same_run(folder, tmp_path, no_run_figures):
    """`ifrp run --workers 2` runs through the same executors as a sweep, to the same bytes."""
    from experiments.cli import main

    out = tmp_path / "two"
    scenario = folder.parent / "small.toml"
    argv = ["run", str(scenario), "--replicates", "2", "--seed", "3", "--workers", "2"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    for name in ("summary.csv", "daily.csv"):
        assert (out / name).read_bytes() == (folder / name).read_bytes(), name


def test_folder_holds_the_contract_files(folder):
    assert (folder / "manifest.json").is_file()
    assert (folder / "summary.csv").is_file()
    assert (folder / "daily.csv").is_file()
    assert (folder / "monthly.csv").is_file() and (folder / "monthly_bands.csv").is_file()
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


def test_the_dirty_flag_counts_changes_outside_results_only(tmp_path):
    from experiments.core.manifest import git_state

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n", encoding="utf-8")
    git("add", "code.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "code")
    assert git_state(tmp_path)["dirty"] is False
    (tmp_path / "results" / "calibration").mkdir(parents=True)
    (tmp_path / "results" / "calibration" / "fit.csv").write_text("a\n", encoding="utf-8")
    assert git_state(tmp_path)["dirty"] is False  # a command's own outputs
    (tmp_path / "code.py").write_text("x = 2\n", encoding="utf-8")
    assert git_state(tmp_path)["dirty"] is True


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
    start = date.fromisoformat(manifest["parameters"]["timeline"]["start"])
    days = (date.fromisoformat(manifest["report_date"]) - start).days + 1
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


def test_monthly_tables_add_up_to_the_daily_records(folder, daily, summary):
    """monthly.csv: every day of the run once; its last month's stock is the summary's."""
    monthly = pd.read_csv(folder / "monthly.csv")
    undocumented = monthly[monthly["status"] == "undocumented"]
    assert set(monthly["status"]) == {"undocumented"}  # no card holders in this run
    by_replicate = undocumented.groupby("replicate")
    crossed = daily.groupby("replicate")["crossed"].sum()
    for route in ROUTES:
        by_route = daily[daily["route"] == route].groupby("replicate")["crossed"].sum()
        assert (by_replicate[f"departed_{route}"].sum() == by_route).all(), route
    assert (by_replicate["departed"].sum() == crossed).all()
    last = undocumented[undocumented["month"] == undocumented["month"].max()]
    assert list(last["remaining"]) == list(summary["remaining"])
    bands = pd.read_csv(folder / "monthly_bands.csv")
    quantiles = bands[["p5", "p25", "p50", "p75", "p95"]].to_numpy()
    assert (quantiles[:, :-1] <= quantiles[:, 1:]).all(), "bands must nest"
    months = undocumented["month"].nunique()
    assert len(bands) == months * (len(monthly.columns) - 3)  # every month x output


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


def test_force_replaces_an_earlier_result_folder(small_toml, tmp_path, ifrp, no_run_figures):
    out = tmp_path / "previous"
    out.mkdir()
    (out / "manifest.json").write_text('{"command": "ifrp run"}\n', encoding="utf-8")
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


def _posterior_file(tmp_path, rows: int = 50):
    """A posterior sample drawn from the priors (the committed one may be re-run under us)."""
    import numpy as np

    from experiments.calibration.parameters import load_priors

    priors = load_priors()
    rng = np.random.default_rng(0)
    sample = pd.DataFrame({p.name: p.from_unit(rng.random(rows)) for p in priors})
    path = tmp_path / "posterior.csv"
    sample.to_csv(path, index=False)
    return path, sample


def test_posterior_manifest_records_the_parameters_each_replicate_used(
    tmp_path, write_toml, ifrp, monkeypatch, no_run_figures
):
    import hashlib

    path, sample = _posterior_file(tmp_path)
    monkeypatch.setattr("experiments.core.calibrated.POSTERIOR", path)
    # A relative override multiplies each replicate's own drawn value, not the best fit's.
    scenario = write_toml(
        "[population]\nundocumented = 10000\n[enforcement]\narrest_hazard = { times = 2.0 }\n"
    )
    out = tmp_path / "out"
    status, _, err = ifrp(
        "run", scenario, "--posterior", "--replicates", "3", "--out", out, "--quiet"
    )
    assert status == 0, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for key in MANIFEST_KEYS:
        assert key in manifest, key
    calibration = manifest["calibration"]
    assert calibration["parameters"] == "posterior draws"
    assert calibration["file"] == str(path.resolve())
    assert calibration["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert calibration["rows"] == len(sample)
    assert "sha256" in calibration["best_fit"]
    assert "before the posterior draws" in manifest["parameters_note"]
    draws = manifest["posterior_draws"]
    assert [d["replicate"] for d in draws] == [0, 1, 2]
    assert [d["seed"] for d in draws] == manifest["seeds"]
    assert [d["row"] for d in draws] == calibration["posterior_rows"]
    for draw in draws:
        row = sample.loc[draw["row"]]
        used = draw["parameters"]
        assert used["enforcement.arrest_hazard"] == pytest.approx(
            2 * row["enforcement.arrest_hazard"]
        )
        assert used["behaviour.fear_hazard"] == pytest.approx(row["behaviour.fear_hazard"])
        assert used["provinces.balochistan.population_share"] == pytest.approx(
            row["balochistan_population_share"]
        )
        assert draw["drawn"]["kp_other_share"] == pytest.approx(row["kp_other_share"])


def test_manifest_identifies_the_best_fit_applied(tmp_path, write_toml, ifrp, monkeypatch):
    import hashlib

    best_fit = tmp_path / "best_fit.csv"
    best_fit.write_text("behaviour.fear_hazard\n0.03\n", encoding="utf-8")
    monkeypatch.setattr("experiments.core.calibrated.BEST_FIT", best_fit)
    monkeypatch.setattr("experiments.run.figures.draw_all", lambda *args: [])
    scenario = write_toml("[population]\nundocumented = 10000\n", "small.toml")
    out = tmp_path / "out"
    status, stdout, err = ifrp("run", scenario, "--replicates", "1", "--out", out)
    assert status == 0, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["calibration"] == {
        "parameters": "best fit",
        "file": str(best_fit.resolve()),
        "sha256": hashlib.sha256(best_fit.read_bytes()).hexdigest(),
        "levers": {"behaviour.fear_hazard": 0.03},  # what `ifrp validate` reads levels from
    }
    assert manifest["parameters"]["behaviour"]["fear_hazard"] == 0.03
    assert "posterior_draws" not in manifest
    # The headline: singular for one replicate, and the queues as well as departures.
    assert "mean of 1 replicate," in stdout
    assert "peak_queue" in stdout


def test_a_missing_calibration_is_a_clear_error(tmp_path, write_toml, ifrp, monkeypatch):
    """No silent fall-back to the hand-set defaults: exit 2, naming the file and what to do."""
    monkeypatch.setattr("experiments.core.calibrated.BEST_FIT", tmp_path / "none.csv")
    scenario = write_toml("[population]\nundocumented = 10000\n", "small.toml")
    status, _, err = ifrp("run", scenario, "--replicates", "1", "--out", tmp_path / "out")
    assert status == 2
    assert "none.csv" in err and "ifrp adopt" in err
    assert not (tmp_path / "out").exists()


def test_quiet_prints_only_the_folder_written(small_toml, tmp_path, ifrp, capsys, no_run_figures):
    from experiments.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--help"])
    assert "only the folder written is printed" in " ".join(capsys.readouterr().out.split())
    out = tmp_path / "out"
    status, stdout, err = ifrp("run", small_toml, "--replicates", "1", "--out", out, "--quiet")
    assert status == 0, err
    assert stdout.splitlines() == [f"results written to {out}"]


def test_help_loads_no_simulation_libraries():
    """`ifrp --help` and every sub-command's options come without Mesa, SciPy, pandas or
    matplotlib, which take seconds to load: the commands import them when they run."""
    check = (
        "import sys\n"
        "from experiments.cli import build_parser\n"
        "parser = build_parser()\n"
        "for command in ('run', 'calibrate', 'validate', 'sweep', 'sensitivity', 'compare',"
        " 'explore'):\n"
        "    try:\n"
        "        parser.parse_args([command, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted({'mesa', 'scipy', 'pandas', 'matplotlib'} & set(sys.modules))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == ""


def test_version_is_the_package_version(capsys):
    from experiments.cli import build_parser

    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--version"])
    assert stop.value.code == 0
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    assert capsys.readouterr().out == f"ifrp {declared['project']['version']}\n"


def test_every_help_text_reads_as_written(capsys):
    """No doubled %% (argparse formats options' help, not a command's description) and no
    unfilled %(...)s placeholder in `ifrp --help` or any sub-command's."""
    from experiments.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command in ["", *commands.choices]:
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"] if command else ["--help"])
        shown = capsys.readouterr().out
        assert "%%" not in shown and "%(" not in shown, command


@pytest.mark.parametrize(
    "command",
    [
        ("compare", "{run}", "{other}"),
        ("validate", "{run}", "--observed", "{other}/observed.csv"),
        ("run", "{run}/scenario.toml", "--replicates", "1"),
        ("sweep", "{other}/sweep.toml"),
    ],
    ids=["the run compared", "the run validated", "the scenario", "nothing but a sibling"],
)
def test_force_never_deletes_what_the_command_reads(command, tmp_path, ifrp, no_run_figures):
    """--out RUN --force replaces RUN whole: refused while RUN is, or holds, an input."""
    run, other = tmp_path / "run", tmp_path / "other"
    for folder in (run, other):
        folder.mkdir()
        (folder / "manifest.json").write_text('{"command": "ifrp run"}\n', encoding="utf-8")
    (run / "scenario.toml").write_text(f"[population]\nundocumented = {PERSONS}\n", "utf-8")
    (other / "observed.csv").write_text("date,series,value,kind\n", encoding="utf-8")
    (other / "sweep.toml").write_text("design = 'nonsense'\n", encoding="utf-8")
    kept = sorted(path.name for path in run.iterdir())
    args = [part.format(run=run, other=other) for part in command]
    status, _, err = ifrp(*args, "--out", run, "--force")
    assert status == 2
    line = err.strip()
    if command[0] == "sweep":  # the sweep file lies elsewhere: its own error, not this one
        assert "which this command reads" not in line
        return
    assert "which this command reads: --force would delete it" in line and "\n" not in line
    assert sorted(path.name for path in run.iterdir()) == kept


def test_calibrate_may_start_from_a_file_in_the_folder_it_recalibrates(tmp_path):
    """calibrate --force discards its state only: a --start in --out is read, not deleted."""
    from experiments.cli import build_parser, refuse_inputs_under_forced_out

    start = tmp_path / "best_fit.csv"
    start.write_text("behaviour.fear_hazard\n0.05\n", encoding="utf-8")
    args = ["calibrate", "--out", str(tmp_path), "--start", str(start), "--force"]
    refuse_inputs_under_forced_out(build_parser().parse_args(args))  # no error
