"""The explorer's logic without a browser: controls <-> scenarios, errors, saving, outcomes."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main as ifrp
from experiments.core import library as scenarios
from experiments.core.scenario_file import scenario_toml
from experiments.explorer import controls as ctl
from experiments.explorer.outcome import HEADLINE, differences, results_archive, simulate
from model.population import State
from model.scenario import load_scenario
from model.schema import ScenarioError


def same_parameters(a, b) -> bool:
    return replace(a, name="") == replace(b, name="")


@pytest.mark.parametrize("name", scenarios.available())
def test_controls_read_from_a_scenario_write_it_back_unchanged(name):
    assert same_parameters(ctl.scenario_for(ctl.controls_for(name)), scenarios.resolve(name))


def test_a_run_is_compared_with_the_reference_on_its_timeline():
    assert ctl.reference_for("baseline") == "baseline"
    assert ctl.reference_for("torkham_closed_week") == "baseline"
    assert ctl.reference_for("drive_2023_2025") == "drive_2023_2025"
    long = [n for n in scenarios.available() if scenarios.resolve(n).timeline.end.year == 2025]
    assert len(long) >= 4
    assert {ctl.reference_for(name) for name in long} == {"drive_2023_2025"}


def test_the_drive_to_2025_keeps_its_phases_and_torkham_rows_in_the_controls():
    controls = ctl.controls_for("drive_2023_2025")
    assert controls.acc.targeted and controls.por.targeted
    assert controls.acc.phase.announcement == date(2025, 3, 7)
    assert controls.torkham_tripled
    untripled = ctl.scenario_for(controls.but(torkham_tripled=False))
    factors = {(c.date, c.capacity_factor) for c in untripled.capacity_changes}
    assert (date(2023, 11, 3), 1.0) in factors


def test_enforcement_follows_the_deadline_as_the_starting_scenario_has_it():
    assert ctl.controls_for("deadline_month_later").enforcement_follows
    assert not ctl.controls_for("no_deadline").enforcement_follows  # both on 31 Dec 2100


def test_switching_torkham_tripling_off_is_the_library_scenario():
    controls = ctl.controls_for("baseline").but(torkham_tripled=False)
    assert same_parameters(ctl.scenario_for(controls), scenarios.resolve("torkham_not_tripled"))
    back_on = ctl.controls_for("torkham_not_tripled").but(torkham_tripled=True)
    assert same_parameters(ctl.scenario_for(back_on), scenarios.resolve("baseline"))


def test_moving_the_deadline_moves_enforcement_unless_told_otherwise():
    controls = ctl.controls_for("baseline")
    later = controls.with_deadline(date(2023, 11, 30))
    phase = ctl.scenario_for(later).phases[0]
    assert (phase.deadline, phase.enforcement_start) == (date(2023, 11, 30), date(2023, 12, 1))
    assert same_parameters(ctl.scenario_for(later), scenarios.resolve("deadline_month_later"))
    assert controls.enforcement_follows
    kept = controls.but(enforcement_follows=False).with_deadline(date(2023, 10, 20))
    assert ctl.scenario_for(kept).phases[0].enforcement_start == date(2023, 11, 1)


def test_intensity_and_exemptions_reach_the_scenario():
    controls = ctl.controls_for("baseline")
    calibrated = scenarios.calibrated_base()
    changed = controls.but(
        arrest_intensity=2.0,
        letters_honoured=True,
        acc=replace(controls.acc, targeted=True),
    )
    scenario = ctl.scenario_for(changed)
    assert scenario.enforcement.arrest_hazard == 2.0 * calibrated.enforcement.arrest_hazard
    assert scenario.enforcement.protection_letters_honoured
    example = scenarios.resolve("phase2_acc")
    assert scenario.population.acc == example.population.acc > 0
    # The baseline's own phase 2 (2025) lies beyond its run: the 2023 example's is offered.
    acc_phase = next(p for p in scenario.phases if "acc" in p.statuses)
    assert acc_phase == next(p for p in example.phases if "acc" in p.statuses)
    assert [p.statuses for p in scenario.phases] == [("undocumented",), ("acc",), ("por",)]
    off = ctl.controls_for("phase2_acc")
    off = off.but(acc=replace(off.acc, targeted=False))
    assert ctl.scenario_for(off).population.acc == 0


@pytest.mark.parametrize(
    ("change", "control", "field"),
    [
        (lambda c: c.with_deadline(date(2023, 9, 30)), "phase1", "phases.phase1"),
        (
            lambda c: c.but(capacity_per_hour={**c.capacity_per_hour, "torkham": -5.0}),
            "capacity_per_hour",
            "checkpoints.torkham.capacity_per_hour",
        ),
        (
            lambda c: c.but(
                closure=ctl.ClosureSwitch(
                    True, replace(c.closure.closure, end=c.closure.closure.start - timedelta(1))
                )
            ),
            "closure",
            "closures[0].end",
        ),
        (lambda c: c.but(replicates=0), "replicates", "replicates"),
        (lambda c: c.but(seed=-1), "seed", "seed"),
    ],
)
def test_invalid_controls_give_the_command_line_error_at_their_control(change, control, field):
    with pytest.raises(ScenarioError) as caught:
        ctl.scenario_for(change(ctl.controls_for("baseline")))
    error = caught.value
    assert error.file == ctl.SOURCE
    assert error.field.startswith(field)
    assert error.allowed
    assert ctl.control_of(error) == control


def changed_controls() -> ctl.Controls:
    controls = ctl.controls_for("torkham_closed_week", replicates=2, seed=5)
    return controls.with_deadline(date(2023, 11, 15)).but(
        arrest_intensity=1.5,
        enforcement_factors={**controls.enforcement_factors, "punjab": 2.5},
        capacity_per_hour={**controls.capacity_per_hour, "chaman": 350.0},
        letters_honoured=True,
    )


def test_a_saved_scenario_file_reads_back_to_the_same_parameters(tmp_path):
    scenario = ctl.scenario_for(changed_controls())
    path = tmp_path / "saved.toml"
    path.write_text(scenario_toml(scenario, scenarios.calibrated_base(), "a test\nof saving"))
    text = path.read_text()
    assert text.startswith("# a test\n# of saving\n")
    assert "[checkpoints.chaman]\ncapacity_per_hour = 350.0" in text
    assert same_parameters(scenarios.resolve(str(path)), scenario)


def test_a_saved_scenario_reproduces_the_explorers_curves_with_ifrp_run(tmp_path, no_run_figures):
    controls = changed_controls()
    scenario = ctl.scenario_for(controls)
    outcome = simulate(scenario, controls.replicates, controls.seed)
    path = tmp_path / "saved.toml"
    path.write_text(scenario_toml(scenario, scenarios.calibrated_base(), "saved"))
    out = tmp_path / "run"
    arguments = [str(path), "--replicates", "2", "--seed", "5", "--out", str(out), "--quiet"]
    assert ifrp(["run", *arguments]) == 0
    assert (out / "daily.csv").read_text() == outcome.daily.to_csv(index=False)
    assert (out / "summary.csv").read_text() == outcome.summary.to_csv(index=False)


def test_parallel_replicates_equal_sequential_ones():
    from concurrent.futures import ThreadPoolExecutor

    from experiments.core.executors import Execution

    scenario = scenarios.resolve("baseline")
    sequential = simulate(scenario, 3, 11)
    ticks = []
    with ThreadPoolExecutor(2) as threads:
        execution = Execution(threads, 2, "two threads")
        parallel = simulate(scenario, 3, 11, execution, lambda done, total: ticks.append(done))
    assert ticks == [1, 2, 3]
    pd.testing.assert_frame_equal(sequential.daily, parallel.daily)


def test_differences_from_the_baseline_are_paired_and_zero_against_itself():
    baseline = simulate(scenarios.resolve("baseline"), 2, 3)
    table = differences(baseline, baseline)
    assert list(table.index) == list(HEADLINE)
    assert (table["difference"] == 0).all()
    later = simulate(
        ctl.scenario_for(ctl.controls_for("baseline").with_deadline(date(2023, 11, 30))), 2, 3
    )
    assert differences(later, baseline).loc["deported", "difference"] < 0


def test_persons_at_home_by_province_add_up_to_the_ledger():
    outcome = simulate(scenarios.resolve("baseline"), 1, 2)
    ledger = outcome.results[0].ledger
    np.testing.assert_array_equal(
        outcome.at_home[0].sum(axis=1), ledger.states[:, State.HOME].sum(1)
    )
    assert (np.diff(outcome.at_home[0], axis=0) <= 0).all()


def test_the_results_archive_is_the_run_folder_with_its_scenario_file():
    scenario = ctl.scenario_for(ctl.controls_for("baseline"))
    outcome = simulate(scenario, 1, 4)
    text = scenario_toml(scenario, scenarios.calibrated_base(), "saved")
    archive = zipfile.ZipFile(io.BytesIO(results_archive(outcome, text, "mine.toml")))
    assert sorted(archive.namelist()) == ["daily.csv", "manifest.json", "mine.toml", "summary.csv"]
    assert archive.read("summary.csv").decode() == outcome.summary.to_csv(index=False)
    assert b"ifrp run mine.toml --replicates 1 --seed 4" in archive.read("manifest.json")


def test_scenario_files_written_for_every_library_scenario_load_back(tmp_path):
    base = scenarios.calibrated_base()
    for name in scenarios.available():
        scenario = scenarios.resolve(name)
        path = tmp_path / f"{name}.toml"
        path.write_text(scenario_toml(scenario, base, name))
        assert same_parameters(load_scenario(path, base=base), scenario), name
