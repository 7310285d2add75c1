"""`ifrp validate` scores a run against observed series; `--posterior` draws parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration.parameters import load_priors
from experiments.posterior import posterior_scenarios


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from experiments.cli import main

    folder = tmp_path_factory.mktemp("validate")
    scenario = folder / "small.toml"
    scenario.write_text("[population]\nundocumented = 30000\n", encoding="utf-8")
    assert (
        main(["run", str(scenario), "--replicates", "3", "--out", str(folder / "run"), "--quiet"])
        == 0
    )
    return folder / "run"


def observed_from_run(run_dir, factor: float = 1.0) -> pd.DataFrame:
    """Weekly cumulative totals and daily Torkham crossings, as the run's own medians."""
    daily = pd.read_csv(run_dir / "daily.csv")
    total = daily.groupby(["date", "replicate"])["crossed"].sum().unstack()
    counted = total.where(total.index.to_series() >= "2023-09-17", 0).cumsum().median(axis=1)
    torkham = daily[daily["checkpoint"] == "torkham"].set_index(["date", "replicate"])["crossed"]
    torkham = torkham.unstack().median(axis=1)
    rows = [
        {"date": d, "series": "total", "value": counted[d] * factor, "kind": "cumulative"}
        for d in counted.index[7::7]
    ]
    rows += [
        {"date": d, "series": "torkham", "value": torkham[d] * factor, "kind": "daily"}
        for d in torkham.index[30::3]
    ]
    return pd.DataFrame(rows)


def validate(run_dir, observed: pd.DataFrame, tmp_path, ifrp) -> pd.DataFrame:
    path = tmp_path / "observed.csv"
    observed.to_csv(path, index=False)
    status, _, err = ifrp("validate", run_dir, "--observed", path, "--out", tmp_path / "v")
    assert status == 0, err
    return pd.read_csv(tmp_path / "v" / "scores.csv").set_index("series")


def test_a_series_produced_by_the_model_scores_zero_error(run_dir, tmp_path, ifrp):
    scores = validate(run_dir, observed_from_run(run_dir), tmp_path, ifrp)
    assert scores["averaged_relative_difference"].abs().max() < 1e-12
    assert scores.loc[["total", "torkham"], "cumulative_relative_error"].abs().max() < 1e-12
    assert (tmp_path / "v" / "validation.png").stat().st_size > 0


def test_a_shifted_series_does_not(run_dir, tmp_path, ifrp):
    scores = validate(run_dir, observed_from_run(run_dir, factor=1.2), tmp_path, ifrp)
    # simulated / observed = 1 / 1.2 everywhere: a relative difference of 1/6.
    assert scores.loc["all", "averaged_relative_difference"] == pytest.approx(1 / 6, rel=1e-9)
    assert scores.loc["total", "cumulative_relative_error"] == pytest.approx(-1 / 6, rel=1e-9)


def test_a_bad_observed_file_exits_2(run_dir, tmp_path, ifrp):
    path = tmp_path / "bad.csv"
    path.write_text("date,series,value,kind\n2023-11-01,total,10,weekly\n", encoding="utf-8")
    status, _, err = ifrp("validate", run_dir, "--observed", path)
    assert status == 2
    assert str(path) in err and "kind" in err and "allowed" in err


def test_posterior_runs_draw_their_own_parameters(tmp_path, write_toml):
    priors = load_priors()
    rng = np.random.default_rng(0)
    sample = pd.DataFrame(
        {p.name: p.from_unit(rng.random(50)) for p in priors}, columns=[p.name for p in priors]
    )
    path = tmp_path / "posterior.csv"
    sample.to_csv(path, index=False)
    scenario = write_toml("[population]\nundocumented = 20000\n")
    scenarios, draws = posterior_scenarios(str(scenario), [1, 2, 3, 4], path)
    assert len(set(draws)) > 1
    hazards = [s.behaviour.fear_hazard for s in scenarios]
    assert hazards == [pytest.approx(sample.loc[d, "behaviour.fear_hazard"]) for d in draws]
    # The scenario file's own settings win over the draw.
    assert all(s.population.undocumented == 20000 for s in scenarios)
    again, _ = posterior_scenarios(str(scenario), [1, 2, 3, 4], path)
    assert [s.behaviour.fear_hazard for s in again] == hazards
