"""`ifrp validate` scores a run against observed series; `--posterior` draws parameters."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from experiments.calibration.parameters import load_priors
from experiments.core.calibrated import read_levers
from experiments.run.posterior import posterior_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from experiments.cli import main

    folder = tmp_path_factory.mktemp("validate")
    scenario = folder / "small.toml"
    scenario.write_text("[population]\nundocumented = 30000\n", encoding="utf-8")
    args = ["run", str(scenario), "--replicates", "3", "--out", str(folder / "run"), "--quiet"]
    with pytest.MonkeyPatch.context() as patch:  # a run's own figures are test_cli_run's
        patch.setattr("experiments.run.figures.draw_all", lambda *args: [])
        assert main(args) == 0
    return folder / "run"


def observed_from_run(run_dir, factor: float = 1.0) -> pd.DataFrame:
    """Weekly cumulative totals and daily Torkham crossings, as the run's own medians."""
    daily = pd.read_csv(run_dir / "daily.csv")
    total = daily.groupby(["date", "replicate"])["crossed"].sum().unstack()
    counted = total.where(total.index.to_series() >= "2023-09-17", 0).cumsum().median(axis=1)
    torkham = daily[daily["checkpoint"] == "torkham"].set_index(["date", "replicate"])["crossed"]
    torkham = torkham.unstack().median(axis=1)
    counted = counted[counted.index >= "2023-09-17"]
    rows = [
        {"date": d, "series": "total", "value": counted[d] * factor, "kind": "cumulative"}
        for d in counted.index[7::7]
    ]
    rows += [
        {"date": d, "series": "torkham", "value": torkham[d] * factor, "kind": "daily"}
        for d in torkham.index[30::3]
    ]
    return pd.DataFrame(rows)


def validate(run_dir, observed: pd.DataFrame, tmp_path, ifrp, *options: str) -> pd.DataFrame:
    path = tmp_path / "observed.csv"
    observed.to_csv(path, index=False)
    out = tmp_path / "v"
    status, _, err = ifrp("validate", run_dir, "--observed", path, "--out", out, *options)
    assert status == 0, err
    return pd.read_csv(tmp_path / "v" / "scores.csv").set_index("series")


def test_a_series_produced_by_the_model_scores_zero_error(run_dir, tmp_path, ifrp):
    scores = validate(run_dir, observed_from_run(run_dir), tmp_path, ifrp)
    assert scores["averaged_relative_difference"].abs().max() < 1e-12
    assert scores.loc[["total", "torkham"], "cumulative_relative_error"].abs().max() < 1e-12
    assert (tmp_path / "v" / "validation.png").stat().st_size > 0
    manifest = json.loads((tmp_path / "v" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "validation"
    assert manifest["run"]["folder"] == str(run_dir.resolve())
    observed = (tmp_path / "observed.csv").read_bytes()
    assert manifest["observed"]["sha256"] == hashlib.sha256(observed).hexdigest()
    # Another validation may replace this one with --force: it is an ifrp result folder.
    validate(run_dir, observed_from_run(run_dir), tmp_path, ifrp, "--force")


def test_a_shifted_series_does_not(run_dir, tmp_path, ifrp, no_compare_figures):
    # Observed counts are whole persons: twice the medians (of 3 replicates, whole too).
    scores = validate(run_dir, observed_from_run(run_dir, factor=2), tmp_path, ifrp)
    # simulated / observed = 1 / 2 everywhere: a relative difference of 1/2.
    assert scores.loc["all", "averaged_relative_difference"] == pytest.approx(1 / 2, rel=1e-9)
    assert scores.loc["total", "cumulative_relative_error"] == pytest.approx(-1 / 2, rel=1e-9)


def test_a_bad_observed_file_exits_2(run_dir, tmp_path, ifrp):
    path = tmp_path / "bad.csv"
    path.write_text("date,series,value,kind\n2023-11-01,total,10,weekly\n", encoding="utf-8")
    status, _, err = ifrp("validate", run_dir, "--observed", path)
    assert status == 2
    assert str(path) in err and "kind" in err and "allowed" in err


def refused(run_dir, tmp_path, ifrp, rows: str) -> str:
    """Validate against a file of `rows`: exit 2, naming the file, writing nothing."""
    path, out = tmp_path / "refused.csv", tmp_path / "refused"
    path.write_text("date,series,value,kind\n" + rows, encoding="utf-8")
    status, _, err = ifrp("validate", run_dir, "--observed", path, "--out", out)
    assert status == 2, err
    assert f"{path}: line" in err and "allowed" in err
    assert not out.exists()
    return err


def test_an_impossible_date_is_a_one_line_error(run_dir, tmp_path, ifrp):
    err = refused(
        run_dir, tmp_path, ifrp, "2023-10-01,total,10,cumulative\n2023-13-01,total,9,daily\n"
    )
    assert "line 3, date: '2023-13-01' is not a date (allowed: YYYY-MM-DD)" in err
    assert "ISO8601" not in err and len(err.strip().splitlines()) == 1


def test_an_unknown_series_or_a_date_outside_the_run_names_the_file_and_line(
    run_dir, tmp_path, ifrp
):
    err = refused(
        run_dir, tmp_path, ifrp, "2023-10-01,total,10,daily\n2023-10-02,nowhere,5,daily\n"
    )
    assert "line 3, series: 'nowhere'" in err and "torkham" in err
    assert "observed:" not in err
    err = refused(run_dir, tmp_path, ifrp, "2023-10-01,total,10,daily\n2024-01-03,total,5,daily\n")
    assert "line 3, date: 2024-01-03 is outside the run" in err
    start = json.loads((run_dir / "manifest.json").read_text())["parameters"]["timeline"]["start"]
    assert f"{start}..2024-01-02" in err and "observed:" not in err


def test_a_cumulative_value_before_count_start_is_refused(run_dir, tmp_path, ifrp):
    # The run starts before 2023-09-17, when it starts counting: a cumulative count on the 16th
    # would be compared with 0. A daily value on the 16th is fine.
    err = refused(
        run_dir, tmp_path, ifrp, "2023-09-16,total,5,daily\n2023-09-16,total,10,cumulative\n"
    )
    assert "line 3, date: 2023-09-16 is before the run's count_start, 2023-09-17" in err
    assert "2023-09-17..2024-01-02 for a cumulative series" in err


def test_observed_zeros_are_left_out_of_the_relative_difference(
    run_dir, tmp_path, ifrp, no_compare_figures
):
    observed = observed_from_run(run_dir, factor=2)
    torkham = observed.index[observed["series"] == "torkham"]
    observed.loc[torkham[0], "value"] = 0.0
    zeros = int((observed.loc[torkham, "value"] == 0).sum())
    assert zeros < len(torkham)
    path = tmp_path / "observed.csv"
    observed.to_csv(path, index=False)
    status, out, err = ifrp("validate", run_dir, "--observed", path, "--out", tmp_path / "v")
    assert status == 0, err
    assert f"{zeros} observed value(s) of 0 left out of the averaged relative difference" in out
    scores = pd.read_csv(tmp_path / "v" / "scores.csv").set_index("series")
    assert scores.loc["torkham", "zero_observed"] == zeros
    assert scores.loc["all", "zero_observed"] == zeros
    # The remaining days are still simulated / observed = 1 / 2.
    assert scores.loc["torkham", "averaged_relative_difference"] == pytest.approx(1 / 2, rel=1e-9)
    # A series observed as 0 throughout has no relative difference at all: refused.
    err = refused(
        run_dir, tmp_path, ifrp, "2023-10-01,total,10,daily\n2023-10-02,torkham,0,daily\n"
    )
    assert "line 3, value: every observed value of torkham (daily) is 0" in err


def test_posterior_runs_draw_their_own_parameters(tmp_path, write_toml):
    priors = load_priors()
    rng = np.random.default_rng(0)
    sample = pd.DataFrame(
        {p.name: p.from_unit(rng.random(50)) for p in priors}, columns=[p.name for p in priors]
    )
    path = tmp_path / "posterior.csv"
    sample.to_csv(path, index=False)
    scenario = write_toml("[population]\nundocumented = 20000\n")
    run = posterior_run(str(scenario), [1, 2, 3, 4], read_levers(path))
    scenarios, draws = run.scenarios, run.rows
    assert len(set(draws)) > 1
    hazards = [s.behaviour.fear_hazard for s in scenarios]
    assert hazards == [pytest.approx(sample.loc[d, "behaviour.fear_hazard"]) for d in draws]
    # The scenario file's own values win over the draw.
    assert all(s.population.undocumented == 20000 for s in scenarios)
    again = posterior_run(str(scenario), [1, 2, 3, 4], read_levers(path)).scenarios
    assert [s.behaviour.fear_hazard for s in again] == hazards
