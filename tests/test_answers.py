"""`ifrp answers` and `ifrp crossvalidate`: their tables from known numbers, and the checks
that keep them honest (the adopted posterior, a calibration's unchanged inputs)."""

from __future__ import annotations

import json
import shutil
from datetime import date

import numpy as np
import pytest

from experiments.calibration import answers
from experiments.calibration.answers import question
from experiments.calibration.crossvalidate import held_out_series, problem_of
from experiments.core.calibrated import CALIBRATED_DIR
from experiments.core.library import available
from model.scenario import ScenarioError, default_scenario


def test_the_table_gives_the_median_paired_difference_its_range_and_sign_share(monkeypatch):
    """Known outcomes in, known statistics out (the runs themselves are stand-ins)."""
    draws = np.arange(40.0)
    known = {
        "baseline": (1000 + draws, 10 + draws),
        "later": (1000 + 2 * draws, 10 + draws - 5),
        "same": (1000 + draws, 10 + draws),
    }
    monkeypatch.setattr(
        answers,
        "outcome",
        lambda results, scenario, reference, until: dict(
            zip(answers.OUTPUTS, known[results], strict=True)
        ),
    )
    monkeypatch.setattr(answers, "question", lambda name: f"what if {name}?")
    scenarios = {name: default_scenario() for name in known}
    pairs = {"later": answers.BASELINE, "same": answers.BASELINE}
    table, same = answers.answers_table({name: name for name in known}, scenarios, pairs)
    assert same == ["same"]  # identical in every pair: a note, not a row
    departures = table[table["output"].str.startswith("departures")].iloc[0]
    assert departures["difference_median"] == np.median(draws)
    assert departures["difference_p5"] == np.percentile(draws, 5)
    assert departures["same_sign"] == 39 / 40  # the first pair's difference is 0
    assert departures["output"] == "departures by 2024-01-02 (undocumented status)"
    deportations = table[table["output"].str.startswith("deportations")].iloc[0]
    assert deportations["difference_median"] == -5 and deportations["same_sign"] == 1.0
    assert deportations["reference_median"] == np.median(10 + draws)


def test_later_phase_scenarios_are_compared_with_the_drive_and_others_with_the_baseline():
    chosen = answers.references()
    assert chosen["deadline_month_later"] is answers.BASELINE
    assert chosen["acc_deadline_later"] is answers.DRIVE
    assert "baseline" not in chosen and "drive_2023_2025" not in chosen


def test_outputs_count_the_reference_statuses_up_to_its_day():
    from experiments.core.replicates import run_replicate

    scenario = default_scenario().with_overrides(
        {"population.undocumented": 5_000, "population.acc": 5_000}
    )
    result = run_replicate(scenario, seed=2)
    until = date(2023, 12, 1)
    window = slice(
        scenario.timeline.index(scenario.timeline.count_start), scenario.timeline.index(until) + 1
    )
    undocumented = answers.outcome([result], scenario, answers.BASELINE, until)
    every = answers.outcome([result], scenario, answers.DRIVE, until)
    assert undocumented["departures"][0] == result.ledger.crossed[window, :, 0].sum()
    assert every["departures"][0] == result.ledger.crossed[window].sum()
    late = answers.outcome([result], scenario, answers.BASELINE, date(2030, 1, 1))
    assert np.isnan(late["departures"]).all()


def test_every_library_scenario_asks_its_question():
    for name in available():
        text = question(name)
        assert text.endswith("?") or name == "baseline", (name, text)


def test_answers_refuse_a_folder_that_is_not_the_adopted_calibration(tmp_path, ifrp):
    folder = tmp_path / "calibration"
    folder.mkdir()
    posterior = (CALIBRATED_DIR / "posterior.csv").read_text().splitlines()
    (folder / "posterior.csv").write_text("\n".join(posterior[:-1]) + "\n")
    status, _, err = ifrp("answers", "--calibration", folder, "--quiet")
    assert status == 2
    assert "adopted posterior" in err
    assert not (folder / "answers.csv").exists()


@pytest.fixture
def calibration_folder(tmp_path):
    """The committed calibration's folder, copied (its manifest names the inputs)."""
    from experiments.core.manifest import ROOT

    folder = tmp_path / "calibration"
    shutil.copytree(ROOT / "results" / "calibration", folder)
    return folder


def test_crossvalidation_rebuilds_the_calibration_and_leaves_each_series_out(
    calibration_folder,
):
    problem = problem_of(calibration_folder)
    fitted = {o.series for o in problem.observations if o.use == "fit"}
    series = held_out_series(problem)
    assert "ministry" not in series  # the anchor stays in every fold
    assert set(series) == fitted - {"ministry"}
    manifest = json.loads((calibration_folder / "manifest.json").read_text())
    assert problem.entropy == manifest["entropy"]
    low, high = problem.box
    assert all(0 <= a < b <= 1 for a, b in zip(low, high, strict=True))


def test_crossvalidation_refuses_a_calibration_whose_inputs_changed(calibration_folder):
    manifest_path = calibration_folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["observations_file"]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ScenarioError, match="changed since the calibration"):
        problem_of(calibration_folder)


@pytest.mark.parametrize("command", ["answers", "crossvalidate"])
@pytest.mark.parametrize("missing", ["manifest.json", "parameters.csv", "waves.csv"])
def test_a_folder_without_the_reports_inputs_is_refused_before_any_run(
    command, missing, calibration_folder, ifrp, monkeypatch
):
    """Both commands end by rewriting report.md: a folder it cannot be written from is refused
    at once (it was found only after the runs, with answers.csv already written)."""
    from experiments.calibration import crossvalidate

    def no_runs(*args, **kwargs):
        pytest.fail("runs started")

    monkeypatch.setattr(answers, "run_jobs", no_runs)
    monkeypatch.setattr(crossvalidate, "open_executor", no_runs)
    (calibration_folder / missing).unlink()
    before = sorted(p.name for p in calibration_folder.iterdir())
    status, _, err = ifrp(command, "--calibration", calibration_folder, "--quiet")
    assert status == 2
    assert f"{missing}: (file): no such file" in err
    assert sorted(p.name for p in calibration_folder.iterdir()) == before
