"""`ifrp validate` with the project's observations file: every row read as the calibration
reads it, from the run folder's tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments.compare.observed_run import predictions, replicate_levels, run_records
from experiments.core import library
from experiments.core.replicates import run_replicate
from experiments.core.run_folder import read_run
from experiments.observed.observation_model import Layout, Records, predict
from experiments.observed.observations import DEFAULT_OBSERVATIONS, load_levels, load_observations

SCENARIO = "[population]\nundocumented = 20000\n\n[timeline]\nend = 2024-01-15\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two small runs to 15 Jan 2024: one at the best fit, one drawing from the posterior."""
    from experiments.cli import main

    folder = tmp_path_factory.mktemp("observed")
    scenario = folder / "small.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # a run's own figures are test_cli_run's
        patch.setattr("experiments.run.figures.draw_all", lambda *args: [])
        for name, extra in (("best", []), ("posterior", ["--posterior"])):
            args = ["run", scenario, "--replicates", "3", "--out", folder / name, "--quiet", *extra]
            assert main([str(arg) for arg in args]) == 0
    return folder, scenario


def fixed_levels() -> dict[str, float]:
    return {name: level.value for name, level in load_levels().items()}


def test_every_shipped_row_is_scored_or_says_why(runs, ifrp):
    folder, _ = runs
    out = folder / "validation"
    status, stdout, err = ifrp(
        "validate", folder / "best", "--observed", DEFAULT_OBSERVATIONS, "--out", out
    )
    assert status == 0, err
    compared = pd.read_csv(out / "compared.csv", keep_default_na=False)
    assert len(compared) == len(load_observations())
    unscored = compared[compared["scored"] == "False"]
    assert (unscored["reason"] != "").all()
    assert set(unscored["use"]) <= {"none", "check"}  # only the stock, and the unused row
    scores = pd.read_csv(out / "scores.csv")
    fitted = scores[scores["use"] == "fit"].set_index("series")
    assert fitted.loc["un_iom_returns", "points"] == 8
    assert fitted.loc["balochistan_officials", "points"] == 4
    assert "not scored" in stdout
    assert (out / "validation.png").stat().st_size > 0


def test_rows_after_the_runs_end_are_listed_not_refused(
    runs, tmp_path, ifrp, small_toml, no_run_figures, no_compare_figures
):
    out = tmp_path / "run"
    assert ifrp("run", small_toml, "--replicates", "2", "--out", out, "--quiet")[0] == 0
    status, _, err = ifrp("validate", out, "--observed", DEFAULT_OBSERVATIONS)
    assert status == 0, err
    compared = pd.read_csv(out / "validation" / "compared.csv")
    late = compared[compared["date"] == "2024-01-15"]
    assert len(late) == 2 and not late["scored"].any()
    assert late["reason"].str.contains("outside the run").all()


def test_the_folder_is_read_as_the_calibration_reads_the_ledger(runs):
    """Reading run folder tables gives, replicate by replicate, what the run's own records
    give the calibration."""
    folder, scenario_file = runs
    run = read_run(folder / "best")
    observations = load_observations()
    from_folder = predictions(run, observations, fixed_levels())
    scenario = library.resolve(str(scenario_file))
    layout = Layout.of(scenario)
    for replicate, seed in enumerate(run.manifest["seeds"]):
        ledger = run_replicate(scenario, seed, replicate).ledger
        levels = replicate_levels(run, replicate, fixed_levels())
        from_ledger = predict(Records.of(ledger), layout, observations, levels)
        read = np.isfinite(from_folder[replicate])
        assert read.sum() == len(observations) - 2  # all but the stock and the unused row
        np.testing.assert_allclose(from_folder[replicate][read], from_ledger[read])
    assert run_records(run)[0] == layout


def test_a_posterior_runs_replicates_read_their_own_drawn_levels(runs):
    folder, _ = runs
    run = read_run(folder / "posterior")
    manifest = json.loads((folder / "posterior" / "manifest.json").read_text())
    for replicate, draw in enumerate(manifest["posterior_draws"]):
        levels = replicate_levels(run, replicate, fixed_levels())
        assert levels["un_coverage"] == draw["drawn"]["observation.un_coverage"]
        assert levels["documented_share"] == fixed_levels()["documented_share"]
