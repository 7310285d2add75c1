"""The scenario library: every file says what question it answers, loads, runs (at a small
population) and does what it says; `ifrp run --all` compares them all with the baseline."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from experiments.core import library as scenarios
from experiments.core.replicates import run_replicate
from experiments.core.tables import summary_table
from experiments.run.many import library_names
from model.schema import STATUSES

SMALL = {"population.undocumented": 10_000}
LIBRARY = [name for name in scenarios.available() if name != "baseline"]  # every file there
# The questions the issues asked for: their files must stay in the library.
ASKED = {
    "no_deadline",
    "deadline_month_later",
    "torkham_not_tripled",
    "torkham_closed_week",
    "enforcement_doubled",
    "letters_honoured",
    "balochistan_average_enforcement",
    "phase2_acc",
    "phase3_por",
    "drive_2023_2025",
    "acc_deadline_later",
    "por_exempt_another_year",
    "torkham_doubled_2025",
}
# The later phases' questions, each the drive to 2025 with one change (issue 14).
LATER_PHASES = ("acc_deadline_later", "por_exempt_another_year", "torkham_doubled_2025")


def small(name: str):
    scenario = scenarios.resolve(name)
    overrides = dict(SMALL)
    for status in ("acc", "por"):  # documented populations, where modelled, at a small size too
        if scenario.population.persons(status):
            overrides[f"population.{status}"] = 5_000
    return scenario.with_overrides(overrides)


@pytest.fixture(scope="module")
def runs():
    """One small replicate of every library scenario and of the baseline, on the same seed."""
    results = {}
    for name in ["baseline", *LIBRARY]:
        scenario = small(name)
        results[name] = (scenario, run_replicate(scenario, seed=12, replicate=0))
    return results


def test_the_library_holds_the_issue_scenarios():
    assert set(LIBRARY) >= ASKED
    assert library_names()[0] == "baseline"


@pytest.mark.parametrize("name", LIBRARY)
def test_each_scenario_file_opens_with_its_question(name):
    lines = (scenarios.SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# What "), f"{name}: the first line must ask its question"
    comment = " ".join(line for line in lines if line.startswith("#"))
    assert "?" in comment, f"{name}: the comment must ask the question the scenario answers"


@pytest.mark.parametrize("name", LIBRARY)
def test_each_scenario_runs_and_counts_everyone(name, runs):
    scenario, result = runs[name]
    summary = summary_table([result], scenario).iloc[0]
    assert summary["total"] > 0
    assert (
        summary["khyber_pakhtunkhwa"] + summary["balochistan"] + summary["other"]
        == (summary["total"])
    )
    assert summary["total"] + summary["remaining"] <= 10_000


def crossed(result, scenario, checkpoint: str) -> np.ndarray:
    index = [c.id for c in scenario.checkpoints].index(checkpoint)
    return result.ledger.crossed[:, index].sum(axis=1)


def test_no_deadline_means_no_arrests_and_fewer_departures(runs):
    result = runs["no_deadline"][1]
    assert result.ledger.arrests.sum() == 0
    assert result.ledger.crossed.sum() < runs["baseline"][1].ledger.crossed.sum()


def test_deadline_month_later_delays_enforcement(runs):
    result = runs["deadline_month_later"][1]
    first_arrest = int(np.flatnonzero(result.ledger.arrests.sum(axis=(1, 2)))[0])
    assert result.dates[first_arrest] >= date(2023, 12, 1)


def test_torkham_closed_week_passes_nobody_that_week(runs):
    scenario, result = runs["torkham_closed_week"]
    week = [i for i, d in enumerate(result.dates) if date(2023, 11, 6) <= d <= date(2023, 11, 12)]
    assert crossed(result, scenario, "torkham")[week].sum() == 0
    baseline, base_result = runs["baseline"]
    assert crossed(base_result, baseline, "torkham")[week].sum() > 0


def test_torkham_not_tripled_keeps_the_hours_change_only():
    changes = scenarios.resolve("torkham_not_tripled").capacity_changes
    assert [(c.checkpoint, c.capacity_factor, c.hours) for c in changes] == [("torkham", 1.0, 14.0)]


def test_letters_honoured_protects_the_pipeline():
    from model.model import RepatriationModel

    # Many households with letters, so that some would be arrested if letters were ignored.
    many = {"population.pipeline_share": 0.3}
    honoured = RepatriationModel(small("letters_honoured").with_overrides(many), rng=12)
    honoured.run_model()
    pop = honoured.population
    assert pop.pipeline.any() and pop.deported.any()
    assert not (pop.pipeline & pop.deported).any(), "no household with a letter is arrested"
    ignored = RepatriationModel(small("baseline").with_overrides(many), rng=12)
    ignored.run_model()
    assert (ignored.population.pipeline & ignored.population.deported).any()


def test_phase2_targets_acc_holders_from_december(runs):
    result = runs["phase2_acc"][1]
    acc = STATUSES.index("acc")
    arrests = result.ledger.arrests[:, :, acc].sum(axis=1)
    assert arrests.sum() > 0
    assert result.dates[int(np.flatnonzero(arrests)[0])] >= date(2023, 12, 1)
    full = scenarios.resolve("phase2_acc")
    assert full.population.acc == 880_000  # facts.md §3


def test_enforcement_doubled_is_exactly_twice_the_calibrated_baseline():
    baseline, doubled = scenarios.resolve("baseline"), scenarios.resolve("enforcement_doubled")
    assert doubled.enforcement.arrest_hazard == 2 * baseline.enforcement.arrest_hazard
    assert [p.id for p in doubled.provinces] == [p.id for p in baseline.provinces]
    for base, twice in zip(baseline.provinces, doubled.provinces, strict=True):
        assert twice.holding_capacity == 2 * base.holding_capacity, base.id
    # Nothing else moves: undo the doubling and the baseline comes back.
    undone = doubled.with_overrides(
        {
            "enforcement.arrest_hazard": baseline.enforcement.arrest_hazard,
            "provinces": {
                p.id: {"holding_capacity": p.holding_capacity} for p in baseline.provinces
            },
        }
    )
    assert undone.to_dict() == baseline.to_dict()


def test_enforcement_doubled_follows_its_base():
    """The file holds factors, not numbers: over another base (a recalibration), still 2 x."""
    recalibrated = scenarios.resolve("baseline").with_overrides(
        {"enforcement.arrest_hazard": 0.0003, "provinces.sindh.holding_capacity": 777}
    )
    doubled = scenarios.resolve("enforcement_doubled", base=recalibrated)
    assert doubled.enforcement.arrest_hazard == 0.0006
    assert {p.id: p.holding_capacity for p in doubled.provinces}["sindh"] == 1554


def test_balochistan_factor_is_the_weighted_mean_of_the_others():
    """If the provinces' table (or its calibration) changes, this says what the file must hold."""
    baseline = scenarios.resolve("baseline")
    others = [p for p in baseline.provinces if p.id != "balochistan"]
    weights = np.array([p.population_share for p in others])
    expected = float(np.average([p.enforcement_factor for p in others], weights=weights))
    factor = next(
        p.enforcement_factor
        for p in scenarios.resolve("balochistan_average_enforcement").provinces
        if p.id == "balochistan"
    )
    assert factor == pytest.approx(expected, abs=5e-5), (
        f"set provinces.balochistan.enforcement_factor = {expected:.4f}"
    )


def test_run_all_compares_every_scenario_with_the_baseline(
    tmp_path, monkeypatch, ifrp, no_run_figures, no_compare_figures
):
    monkeypatch.setattr(scenarios, "resolve", _small_resolve(scenarios.resolve))
    out = tmp_path / "all"
    status, stdout, err = ifrp("run", "--all", "--replicates", "2", "--out", out, "--quiet")
    assert status == 0, err
    names = library_names()
    for name in names:
        assert (out / name / "summary.csv").is_file(), name
    differences = pd.read_csv(out / "comparison" / "differences.csv")
    assert set(differences["run"]) == set(names) - {"baseline"}
    assert differences["paired"].all()
    # phase2_acc's acc_* columns have nothing to be compared with in the baseline.
    compared = differences[differences["difference"].notna()]
    assert (compared["pairs"] == 2).all()
    assert set(compared["output"]) >= {"total", "khyber_pakhtunkhwa", "deported", "peak_queue"}
    assert "no_deadline" in stdout


def _small_resolve(original):
    def resolve(name, *args, **kwargs):
        scenario = original(name, *args, **kwargs)
        overrides = dict(SMALL)
        for status in ("acc", "por"):
            if scenario.population.persons(status):
                overrides[f"population.{status}"] = 5_000
        return scenario.with_overrides(overrides)

    return resolve


def test_run_all_takes_no_scenario_names(ifrp, tmp_path):
    status, _, err = ifrp("run", "--all", "no_deadline", "--out", tmp_path / "x")
    assert status == 2 and "--all" in err
    assert not (tmp_path / "x").exists()


def without_sources(parameters: dict) -> dict:
    """A scenario's parameters without the list tables' `source` notes (which name the file
    a row was read from)."""
    for table in ("card_validity", "capacity_changes", "closures", "deadline_extensions"):
        parameters[table] = [
            {k: v for k, v in row.items() if k != "source"} for row in parameters[table]
        ]
    return parameters


def test_each_later_phase_scenario_is_the_drive_with_its_change_only():
    drive = scenarios.resolve("drive_2023_2025")
    tree = drive.tree
    phase2, phase3 = tree["phases"]["phase2"], tree["phases"]["phase3"]
    fields = ("deadline", "enforcement_start")
    back = {
        "acc_deadline_later": {"phases.phase2": {f: phase2[f] for f in fields}},
        "por_exempt_another_year": {
            "phases.phase3": {f: phase3[f] for f in ("announcement", *fields)},
            "card_validity": tree["card_validity"],
        },
        "torkham_doubled_2025": {"capacity_changes": tree["capacity_changes"]},
    }
    expected = without_sources(drive.to_dict())
    for name in LATER_PHASES:
        changed = scenarios.resolve(name)
        assert without_sources(changed.to_dict()) != expected, name
        restored = changed.with_overrides(back[name])
        assert without_sources(restored.to_dict()) == expected, name


def test_acc_deadline_later_arrests_acc_holders_from_may_2025(runs):
    result = runs["acc_deadline_later"][1]
    acc = STATUSES.index("acc")
    arrests = result.ledger.arrests[:, :, acc].sum(axis=1)
    assert arrests.sum() > 0
    assert result.dates[int(np.flatnonzero(arrests)[0])] >= date(2025, 5, 1)
    drive = runs["drive_2023_2025"][1]
    assert drive.dates[int(np.flatnonzero(drive.ledger.arrests[:, :, acc].sum(1))[0])] < date(
        2025, 5, 1
    )


def test_por_exempt_another_year_arrests_no_por_holder(runs):
    por = STATUSES.index("por")
    assert runs["por_exempt_another_year"][1].ledger.arrests[:, :, por].sum() == 0
    assert runs["drive_2023_2025"][1].ledger.arrests[:, :, por].sum() > 0
    exempt = runs["por_exempt_another_year"][1].ledger.crossed[:, :, por].sum()
    assert exempt < runs["drive_2023_2025"][1].ledger.crossed[:, :, por].sum()


def test_torkham_doubled_2025_doubles_its_capacity_from_new_year():
    from model.checkpoint import daily_capacity

    doubled = scenarios.resolve("torkham_doubled_2025")
    drive = scenarios.resolve("drive_2023_2025")
    spec = next(c for c in doubled.checkpoints if c.id == "torkham")
    new_year = doubled.timeline.index(date(2025, 1, 1))
    twice, once = daily_capacity(spec, doubled), daily_capacity(spec, drive)
    np.testing.assert_array_equal(twice[:new_year], once[:new_year])
    np.testing.assert_array_equal(twice[new_year:], 2 * once[new_year:])
