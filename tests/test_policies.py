"""Policy levers move the outcomes the way they say, in paired comparisons over seeds.

Every comparison runs both policies on the same seeds (common random numbers) and tests the
mean paired difference against its standard error, so the tests are robust to noise but fail
if a lever does nothing or acts the wrong way.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from support import crossed_at, mean_departure_day, paired_difference, run, small_scenario

from model.population import State

SEEDS = range(100, 106)
Z = 3.0  # standard errors


def outcomes(overrides: dict, measure) -> list[float]:
    scenario = small_scenario(**overrides)
    return [measure(run(scenario, seed)) for seed in SEEDS]


def assert_increases(before: list[float], after: list[float]) -> None:
    mean, se = paired_difference(before, after)
    assert mean > 0 and mean > Z * se, f"paired difference {mean:.4g} (SE {se:.3g})"


def torkham_at(capacity_per_hour: float) -> dict:
    # Without the 3 Nov capacity change, Torkham keeps this capacity for the whole run.
    return {"capacity_changes": [], "checkpoints.torkham.capacity_per_hour": capacity_per_hour}


def test_raising_capacity_never_lowers_departures_through_the_crossing():
    capacities = [2.0, 3.0, 5.0, 400.0]  # 24, 36, 60 and 4,800 persons a day
    through = [outcomes(torkham_at(c), lambda m: crossed_at(m, "torkham")) for c in capacities]
    for lower, higher in itertools.pairwise(through):
        mean, se = paired_difference(lower, higher)
        assert mean >= -Z * se, f"more capacity, fewer departures: {mean:.4g} (SE {se:.3g})"
    # Where it binds (24 a day is far below demand), more capacity means more departures.
    assert_increases(through[0], through[1])


def test_raising_capacity_shortens_the_queue():
    def peak_queue(model):
        return int(model.ledger.queue[:, model.checkpoint_index["torkham"]].max())

    assert_increases(outcomes(torkham_at(5.0), peak_queue), outcomes(torkham_at(2.0), peak_queue))


def test_earlier_deadline_moves_departures_earlier():
    earlier = {"phases.phase1.deadline": "2023-10-15"}
    original_deadline = small_scenario().timeline.index(date(2023, 10, 31))

    def by_original_deadline(model):
        return int(model.ledger.crossed[: original_deadline + 1].sum())

    assert_increases(outcomes({}, by_original_deadline), outcomes(earlier, by_original_deadline))
    later_mean_day = [-day for day in outcomes({}, mean_departure_day)]
    earlier_mean_day = [-day for day in outcomes(earlier, mean_departure_day)]
    assert_increases(later_mean_day, earlier_mean_day)


@pytest.mark.parametrize(
    "measure",
    [
        pytest.param(lambda m: int(m.ledger.arrests.sum()), id="arrests"),
        pytest.param(lambda m: int(m.ledger.deported.sum()), id="deported"),
    ],
)
def test_more_enforcement_gives_more_arrests_and_deportations(measure):
    stronger = {"enforcement.arrest_hazard": {"times": 3.0}}
    assert_increases(outcomes({}, measure), outcomes(stronger, measure))


def test_honoured_protection_letters_mean_no_pipeline_household_is_arrested():
    # Many pipeline households and strong enforcement, so that letters visibly matter.
    exposed = {"population.pipeline_share": 0.3, "enforcement.arrest_hazard": 0.005}
    honoured = {**exposed, "enforcement.protection_letters_honoured": True}

    def arrested_persons(model, in_pipeline: bool):
        pop = model.population
        return int(pop.size[pop.deported & (pop.pipeline == in_pipeline)].sum())

    ignored_pipeline = outcomes(exposed, lambda m: arrested_persons(m, True))
    honoured_pipeline = outcomes(honoured, lambda m: arrested_persons(m, True))
    honoured_others = outcomes(honoured, lambda m: arrested_persons(m, False))
    assert min(ignored_pipeline) > 0, "control: without honoured letters they are arrested"
    assert honoured_pipeline == [0] * len(SEEDS)
    assert min(honoured_others) > 0, "enforcement still works on everyone else"


TORKHAM_CLOSED = {"checkpoint": "torkham", "start": "2023-10-01", "end": "2023-12-15"}


def test_closing_torkham_reroutes_arrivals_to_angoor_adda():
    closed = {"closures": [TORKHAM_CLOSED]}
    assert_increases(
        outcomes({}, lambda m: crossed_at(m, "angoor_adda")),
        outcomes(closed, lambda m: crossed_at(m, "angoor_adda")),
    )
    scenario = small_scenario(**closed)
    first = scenario.timeline.index(date(2023, 10, 1))
    last = scenario.timeline.index(date(2023, 12, 15))
    model = run(scenario, SEEDS[0])
    assert model.ledger.crossed[first : last + 1, model.checkpoint_index["torkham"]].sum() == 0


@pytest.mark.parametrize("reroute_days", [1, 4])
def test_rerouting_strands_nobody_on_the_road(reroute_days):
    # Closures do not change decisions at home or arrests, so with the same seed the people
    # still on the road at the end (those who left in the last days) must be exactly those of
    # the open-border run: the closure ended weeks before and every rerouted household arrived.
    open_border = small_scenario(**{"behaviour.reroute_days": reroute_days})
    closed = open_border.with_overrides({"closures": [TORKHAM_CLOSED]})
    for seed in SEEDS[:2]:
        travelling_closed = run(closed, seed).counts[State.TRAVELLING].sum()
        travelling_open = run(open_border, seed).counts[State.TRAVELLING].sum()
        assert travelling_closed == travelling_open
