"""The observations and the observation model: what each observed figure is compared with.

Each reading is checked against numbers computed by hand from small records, and the model's
reading of a run against the run's own contract tables, so that an error in the mapping cannot
hide behind itself.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest
from support import small_scenario

from experiments.core.replicates import run_replicate
from experiments.core.tables import summary_table
from experiments.observed.observation_model import (
    Layout,
    Records,
    check_readable,
    predict,
    relative_differences,
    standardised_errors,
)
from experiments.observed.observations import load_levels, load_observations
from model.schema import STATUSES, ScenarioError

START = date(2023, 11, 1)
LAYOUT = Layout(
    START,
    ("torkham", "chaman", "airport"),
    ("khyber_pakhtunkhwa", "balochistan", "other"),
    ("khyber_pakhtunkhwa", "balochistan"),
    False,
)
LEVELS = {"documented_share": 0.2, "un_coverage": 0.5}


def records() -> Records:
    """Five days: crossings 1..5 at Torkham, 10 a day at Chaman, none by air; the card
    holders' column 100 a day at Torkham (only read when the layout says they are modelled);
    deportations 1 a day at Chaman; arrests 2 a day in Khyber Pakhtunkhwa, 6 in Balochistan."""
    days, statuses = 5, len(STATUSES)
    crossed = np.zeros((days, 3, statuses))
    crossed[:, 0, 0] = np.arange(1, 6)
    crossed[:, 1, 0] = 10
    crossed[:, 0, 1] = 100
    deported = np.zeros((days, 3, statuses))
    deported[:, 1, 0] = 1
    arrests = np.zeros((days, 2, statuses))
    arrests[:, 0, 0], arrests[:, 1, 0] = 2, 6
    return Records(crossed, deported, arrests, np.arange(100, 95, -1))


def row(**fields):
    """An observation over the five days (every field the reading needs set here)."""
    template = load_observations()[0]
    base = {
        "use": "fit",
        "measure": "cumulative",
        "quantity": "crossed",
        "places": ("all",),
        "model_from": START,
        "model_to": date(2023, 11, 5),
        "status_adjustment": "",
        "reporting": "",
        "bound": "",
        "value": 100.0,
        "observation_sd": 0.1,
    }
    return dataclasses.replace(template, **{**base, **fields})


def read(*rows, layout: Layout = LAYOUT) -> np.ndarray:
    return predict(records(), layout, list(rows), LEVELS)


def test_counts_sum_the_days_and_places_a_row_names():
    assert read(row()) == [65]  # 15 + 50
    assert read(row(places=("torkham",), model_from=date(2023, 11, 2))) == [14]
    assert read(row(places=("balochistan",))) == [50]  # a route: all its crossings
    assert read(row(places=("torkham", "other"))) == [15]
    assert read(row(measure="rate_per_day", places=("chaman",))) == [10]


def test_statuses_and_reporting_levels_scale_as_declared():
    every_status = row(places=("torkham",), status_adjustment="documented_share")
    assert read(every_status) == pytest.approx([15 / 0.8])  # undocumented over 1 - 0.2
    modelled = dataclasses.replace(LAYOUT, documented_modelled=True)
    assert read(every_status, layout=modelled) == [515]  # card holders counted as they are
    assert read(row(places=("torkham",), reporting="un_coverage")) == [7.5]


def test_deportations_arrests_shares_and_stocks():
    assert read(row(quantity="deported")) == [5]
    assert read(row(quantity="arrested", places=("balochistan",))) == [30]
    assert read(row(quantity="arrest_share", places=("balochistan",))) == [0.75]
    share = row(quantity="deported_share", status_adjustment="documented_share")
    assert read(share) == pytest.approx([5 / (65 / 0.8)])
    third = date(2023, 11, 3)
    assert read(row(quantity="remaining", model_from=third, model_to=third)) == [98]


def test_rows_outside_the_run_or_unused_read_nothing():
    late = row(model_to=date(2023, 11, 6))
    early = row(model_from=date(2023, 10, 31))
    assert np.isnan(read(late, early, row(use="none"))).all()


def test_places_and_levels_the_model_does_not_know_are_refused():
    with pytest.raises(ScenarioError, match="kabul"):
        check_readable([row(places=("kabul",))], LAYOUT, LEVELS)
    with pytest.raises(ScenarioError, match="quetta"):
        check_readable([row(quantity="arrested", places=("quetta",))], LAYOUT, LEVELS)
    with pytest.raises(ScenarioError, match="guess"):
        check_readable([row(reporting="guess")], LAYOUT, LEVELS)
    check_readable([row(reporting="un_coverage")], LAYOUT, LEVELS)


def test_a_bound_met_is_no_error_and_a_bound_missed_is():
    rows = [row(bound="lower"), row(bound="upper"), row()]
    above = np.array([[120.0, 120.0, 120.0]])
    np.testing.assert_allclose(standardised_errors(above, rows), [[0.0, 2.0, 2.0]])
    np.testing.assert_allclose(relative_differences(above, rows), [[0.0, 0.2, 0.2]])
    below = np.array([[90.0, 90.0, 90.0]])
    np.testing.assert_allclose(standardised_errors(below, rows), [[-1.0, 0.0, -1.0]])


def test_the_ministrys_totals_read_off_a_run_are_its_summary_route_columns():
    """The observation model and the contract's summary.csv count the same persons."""
    scenario = small_scenario()
    result = run_replicate(scenario, seed=3)
    ministry = [
        o for o in load_observations() if o.series == "ministry" and o.quantity == "crossed"
    ]
    levels = {name: level.value for name, level in load_levels().items()}
    read = predict(Records.of(result.ledger), Layout.of(scenario), ministry, levels)
    summary = summary_table([result], scenario).iloc[0]
    expected = [
        summary["total"] if o.places == ("all",) else summary[o.places[0]] for o in ministry
    ]
    np.testing.assert_array_equal(read, expected)


def test_the_shipped_observations_say_where_they_come_from_and_why_they_are_used_so():
    observations = load_observations()
    assert len(observations) >= 36
    for o in observations:
        assert o.source, o.line
        assert o.url or o.series == "ministry", o.line  # the ministry's reply has no URL
        if o.use != "fit":
            assert o.model_note.startswith("not "), (o.line, o.model_note)
        else:
            assert o.observation_sd > 0
    fitted = {o.series for o in observations if o.use == "fit"}
    assert {"ministry", "un_iom_returns", "balochistan_officials", "deportations"} <= fitted


def test_a_level_whose_range_is_upside_down_is_refused(tmp_path):
    path = tmp_path / "levels.csv"
    path.write_text("name,value,units,min,max,source\nshare,0.55,share,0.6,0.5,x\n", "utf-8")
    with pytest.raises(ScenarioError, match=r"0\.5 is below min") as refused:
        load_levels(path)
    assert refused.value.file == str(path) and refused.value.field == "line 2, max"
