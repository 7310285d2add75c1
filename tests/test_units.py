"""Unit tests of the small pieces: allocation, household sizes, threshold and household queues,
the phase pressure curve and scenario overrides."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import rules
from model.household_queue import HouseholdQueue
from model.ledger import Ledger
from model.population import allocate, household_sizes
from model.scenario import ScenarioError, default_scenario, load_scenario
from model.thresholds import ThresholdLine

FAST = settings(max_examples=60, deadline=None, database=None, derandomize=True)
LARGEST_HOUSEHOLD = default_scenario().population.max_household_size

# --- population.allocate -------------------------------------------------------------------


@FAST
@given(
    total=st.integers(0, 10_000_000),
    weights=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12).filter(lambda w: sum(w) > 0),
)
def test_allocate_sums_exactly_and_stays_within_one_of_the_exact_share(total, weights):
    shares = np.array(weights) / sum(weights)
    counts = allocate(total, shares)
    assert counts.sum() == total
    assert (counts >= 0).all()
    assert (np.abs(counts - total * shares) < 1.0 + 1e-6).all()


def test_allocate_known_split():
    np.testing.assert_array_equal(allocate(10, np.array([0.5, 0.3, 0.2])), [5, 3, 2])
    np.testing.assert_array_equal(allocate(10, np.array([1 / 3] * 3)), [4, 3, 3])


# Validation accepts shares that sum to 1 within 1e-6; the persons must still add up.
@pytest.mark.parametrize("excess", [9e-7, -9e-7])
def test_allocate_sums_exactly_for_shares_validation_accepts(excess):
    shares = np.array([0.581 + excess, 0.228, 0.117, 0.046, 0.024, 0.004])
    assert allocate(10_000_000, shares).sum() == 10_000_000


# --- population.household_sizes ------------------------------------------------------------


@FAST
@given(
    persons=st.integers(0, 50_000),
    mean=st.floats(1.5, 15.0),
    largest=st.integers(2, 100),
    seed=st.integers(0, 2**32 - 1),
)
def test_household_sizes_sum_exactly_within_bounds(persons, mean, largest, seed):
    sizes = household_sizes(persons, mean, largest, np.random.default_rng(seed))
    assert int(sizes.sum()) == persons
    if persons:
        assert sizes.min() >= 1
        assert sizes.max() <= largest


def test_household_sizes_have_the_requested_mean():
    mean = 7.0
    sizes = household_sizes(1_000_000, mean, 20, np.random.default_rng(1))
    # 1 + Poisson(6): variance 6; the cap at 20 and the cut last household are negligible.
    se = math.sqrt(mean - 1) / math.sqrt(len(sizes))
    assert abs(sizes.mean() - mean) < 4 * se


def test_household_sizes_respect_a_small_cap():
    sizes = household_sizes(100_000, 7.0, 4, np.random.default_rng(3))
    assert sizes[:-1].min() >= 1 and sizes.max() == 4
    assert (sizes[:-1] == 4).mean() > 0.9, "1 + Poisson(6) is mostly above 4: capped"


def test_synthesis_uses_the_scenarios_largest_household():
    from model.model import RepatriationModel

    scenario = default_scenario().with_overrides(
        {"population.undocumented": 20_000, "population.max_household_size": 8}
    )
    sizes = RepatriationModel(scenario, rng=5).population.size
    assert sizes.max() == 8 and sizes.sum() == 20_000


def test_the_model_keeps_its_scenario_where_mesa_models_do():
    from mesa.experimental.scenarios import Scenario as MesaScenario

    from model.model import RepatriationModel

    scenario = default_scenario().with_overrides({"population.undocumented": 20_000})
    model = RepatriationModel(scenario=scenario, rng=5)
    assert model.scenario is scenario
    assert all(agent.scenario is scenario for agent in model.agents)
    # Mesa's own, which records the seed, is kept; ours is shared, so it is not tied to a model.
    assert isinstance(model.mesa_scenario, MesaScenario) and model.mesa_scenario.model is model
    assert model.mesa_scenario.rng == 5
    assert not hasattr(scenario, "model")


# --- ledger.Ledger.recent_shares ------------------------------------------------------------


def test_recent_shares_count_the_window_before_the_day():
    ledger = Ledger(days=20, checkpoints=1, provinces=2, states=5)
    ledger.arrests[:, 0, 0] = np.arange(20)  # day u: u undocumented arrested in province 0
    ledger.left_home[:, 1, 0] = 1  # one undocumented departure a day in province 1
    ledger.left_home[:, 1, 2] = 5  # and five PoR holders: a group of their own
    persons = np.array([[1000.0, 1.0, 1.0], [100.0, 1.0, 500.0]])
    arrested, departed = ledger.recent_shares(10, persons, window_days=3)
    assert arrested[:, 0].tolist() == [(7 + 8 + 9) / 1000, 0.0]
    assert departed[:, 0].tolist() == [0.0, 3 / 100]
    assert departed[1, 2] == 15 / 500
    arrested, departed = ledger.recent_shares(2, persons, window_days=7)  # the run's start
    assert arrested[:, 0].tolist() == [(0 + 1) / 1000, 0.0]
    assert departed[:, 0].tolist() == [0.0, 2 / 100]


def test_the_peer_window_changes_departures():
    from model.model import RepatriationModel

    def departed(window_days: int) -> int:
        scenario = default_scenario().with_overrides(
            {"population.undocumented": 20_000, "behaviour.peer_window_days": window_days}
        )
        model = RepatriationModel(scenario, rng=5)
        model.run_model()
        return int(model.ledger.left_home.sum())

    assert departed(28) > departed(1), "a longer memory of departures adds perceived risk"


# --- thresholds.ThresholdLine --------------------------------------------------------------


def reach_days(propensity: np.ndarray, hazards: np.ndarray, seed: int) -> np.ndarray:
    """Day (1-based raise count) on which each household is reached; 0 if never."""
    queue = ThresholdLine(np.arange(len(propensity)), propensity, np.random.default_rng(seed))
    days = np.zeros(len(propensity), dtype=np.int64)
    for day, hazard in enumerate(hazards, start=1):
        reached = queue.raise_level(float(hazard))
        days[reached] = day
        queue.release(len(reached))
    return days


def bernoulli_days(propensity: np.ndarray, hazards: np.ndarray, seed: int) -> np.ndarray:
    """The same with a daily draw per household, p = 1 - exp(-propensity x hazard)."""
    rng = np.random.default_rng(seed)
    days = np.zeros(len(propensity), dtype=np.int64)
    for day, hazard in enumerate(hazards, start=1):
        waiting = days == 0
        leave = rng.random(len(propensity)) < rules.daily_probability(propensity, hazard)
        days[waiting & leave] = day
    return days


@pytest.mark.parametrize("propensity", [0.3, 1.0, 2.5])
def test_threshold_queue_gives_geometric_waiting_times(propensity):
    hazard, n = 0.04, 40_000
    days = reach_days(np.full(n, propensity), np.full(2_000, hazard), seed=5)
    assert (days > 0).all()
    p = -math.expm1(-propensity * hazard)
    expected_mean, sd = 1 / p, math.sqrt(1 - p) / p
    assert abs(days.mean() - expected_mean) < 4 * sd / math.sqrt(n)


def test_threshold_queue_matches_daily_bernoulli_draws_under_varying_hazard():
    n = 30_000
    propensity = np.random.default_rng(0).uniform(0.05, 1.0, n)
    # Hazard that rises, peaks and falls back, as around a deadline.
    hazards = 0.002 + 0.05 * np.exp(-(((np.arange(120) - 45) / 12.0) ** 2))
    threshold = reach_days(propensity, hazards, seed=6)
    daily = bernoulli_days(propensity, hazards, seed=7)
    exact = 1 - np.exp(-np.outer(np.cumsum(hazards), propensity)).mean(axis=1)  # P(by day)
    for day in (10, 30, 45, 60, 90, 120):
        p = exact[day - 1]
        se = math.sqrt(p * (1 - p) / n)
        for name, days in (("threshold", threshold), ("bernoulli", daily)):
            share = ((days > 0) & (days <= day)).mean()
            assert abs(share - p) < 4 * se, (name, day, share, p)


def test_threshold_queue_orders_households_and_never_reaches_zero_propensity():
    propensity = np.array([0.0, 1.0, 0.0, 1.0])
    days = reach_days(propensity, np.full(400, 0.1), seed=3)
    assert (days[[0, 2]] == 0).all()
    assert (days[[1, 3]] > 0).all()


class ZeroThresholds:
    """A generator whose exponential thresholds are all 0, as a float32 draw can be."""

    def standard_exponential(self, size: int, dtype) -> np.ndarray:
        return np.zeros(size, dtype=dtype)


def test_a_zero_threshold_does_not_make_zero_propensity_reachable():
    propensity = np.array([0.0, 1.0, 0.0, 1.0])
    with np.errstate(all="raise"):  # 0 / 0 made a NaN key, out of order in the line
        queue = ThresholdLine(np.arange(4), propensity, ZeroThresholds())
        reached = queue.raise_level(1e30)
        np.testing.assert_array_equal(np.sort(reached), [1, 3])
        queue.release(len(reached))
        assert len(queue.raise_level(1e30)) == 0


def test_threshold_queue_keeps_unreleased_households_first_in_line():
    queue = ThresholdLine(np.arange(100), np.ones(100), np.random.default_rng(2))
    reached = queue.raise_level(0.5)
    assert len(reached) > 10
    queue.release(3)
    again = queue.raise_level(0.0)
    np.testing.assert_array_equal(again, reached[3:])


@FAST
@given(
    propensity=st.lists(st.floats(0.0, 3.0), min_size=1, max_size=60),
    hazards=st.lists(st.floats(0.0, 0.3), min_size=1, max_size=40),
    seed=st.integers(0, 2**16),
)
def test_threshold_queue_reaches_exactly_the_keys_below_the_level(propensity, hazards, seed):
    """Every day, the households reached so far are those whose float32 key
    threshold / propensity is at most the float32 level: the quiet-day shortcut never skips
    one, nor reaches one early."""
    propensity = np.array(propensity)
    queue = ThresholdLine(np.arange(len(propensity)), propensity, np.random.default_rng(seed))
    thresholds = np.random.default_rng(seed).standard_exponential(len(propensity), np.float32)
    with np.errstate(divide="ignore", over="ignore"):
        keys = thresholds / propensity.astype(np.float32)
    reached = np.zeros(len(propensity), dtype=bool)
    level = 0.0
    for hazard in hazards:
        level += hazard
        today = queue.raise_level(hazard)
        reached[today] = True
        queue.release(len(today))
        np.testing.assert_array_equal(reached, keys <= np.float32(level))


# --- household_queue.HouseholdQueue ---------------------------------------------------------


@FAST
@given(
    chunks=st.lists(st.lists(st.integers(1, LARGEST_HOUSEHOLD), max_size=30), max_size=8),
    capacities=st.lists(st.integers(0, 150), min_size=1, max_size=12),
)
def test_household_queue_take_is_fifo_whole_households_within_capacity(chunks, capacities):
    queue = HouseholdQueue()
    sizes: list[int] = []
    for chunk in chunks:
        ids = np.arange(len(sizes), len(sizes) + len(chunk))
        queue.push(ids, np.array(chunk, dtype=np.int32))
        sizes.extend(chunk)
    front = 0
    for capacity in capacities:
        ids, persons = queue.take(capacity)
        # First in, first out, and no household skipped or split.
        np.testing.assert_array_equal(ids, np.arange(front, front + len(ids)))
        assert persons == sum(sizes[front : front + len(ids)])
        assert persons <= capacity
        front += len(ids)
        # Greedy: the next household would not have fitted.
        if front < len(sizes):
            assert sizes[front] > capacity - persons
        assert queue.persons == sum(sizes[front:])


def test_household_queue_never_splits_a_household():
    queue = HouseholdQueue()
    queue.push(np.array([7, 8]), np.array([12, 5]))
    taken, persons = queue.take(10)
    assert len(taken) == 0 and persons == 0, "12 do not fit in 10 places, nor anyone behind"
    taken, persons = queue.take(17)
    np.testing.assert_array_equal(taken, [7, 8])
    assert persons == 17
    assert queue.persons == 0


# --- rules ----------------------------------------------------------------------------------


BEHAVIOUR = default_scenario().behaviour


def test_phase_pressure_curve():
    announcement, deadline = 10, 38
    behaviour = replace(BEHAVIOUR, fear_persistence=0.25, fear_decay_days=7.0, fear_shape=2.0)
    pressure = [rules.phase_pressure(d, announcement, deadline, behaviour) for d in range(120)]
    assert pressure[:announcement] == [0.0] * announcement
    assert pressure[announcement] == pytest.approx(behaviour.announcement_fear)
    assert pressure[deadline] == pytest.approx(1.0)
    rising = np.array(pressure[announcement : deadline + 1])
    assert (np.diff(rising) > 0).all()
    falling = np.array(pressure[deadline:])
    assert (np.diff(falling) < 0).all()
    persistence = behaviour.fear_persistence
    assert (falling > persistence).all()
    assert pressure[-1] == pytest.approx(persistence, abs=1e-3)
    after_one_e_fold = deadline + behaviour.fear_decay_days
    assert rules.phase_pressure(after_one_e_fold, announcement, deadline, behaviour) == (
        pytest.approx(persistence + (1 - persistence) / math.e)
    )


def test_the_prelude_holds_its_fear_until_the_announcement_and_starts_the_rise():
    behaviour = replace(BEHAVIOUR, prelude_fear=0.05, announcement_fear=0.01)
    announcement, deadline, prelude = 10, 38, 4

    def pressure(day: int, start: int | None = prelude) -> float:
        return rules.phase_pressure(day, announcement, deadline, behaviour, start)

    assert [pressure(d) for d in range(prelude)] == [0.0] * prelude
    assert [pressure(d) for d in range(prelude, announcement)] == [0.05] * (announcement - prelude)
    assert pressure(announcement) == pytest.approx(0.05), "the rise starts from the prelude's level"
    assert pressure(announcement, None) == pytest.approx(0.01), "no prelude: announcement_fear"
    assert pressure(deadline) == pytest.approx(1.0)


def test_enforcement_starts_hard_and_eases_to_its_lasting_level():
    enforcement = replace(
        default_scenario().enforcement, ramp_days=1, eased_level=0.1, ease_days=10.0
    )
    levels = [rules.enforcement_level(d, enforcement) for d in range(200)]
    assert levels[0] == pytest.approx(1.0)
    assert levels[10] == pytest.approx(0.1 + 0.9 / math.e)
    assert (np.diff(levels) < 0).all()
    assert levels[-1] == pytest.approx(0.1, abs=1e-6)
    no_easing = replace(enforcement, eased_level=1.0)
    assert {rules.enforcement_level(d, no_easing) for d in range(200)} == {1.0}


def test_phase_pressure_when_the_deadline_is_the_announcement_day():
    assert rules.phase_pressure(4, 5, 5, BEHAVIOUR) == 0.0
    assert rules.phase_pressure(5, 5, 5, BEHAVIOUR) == pytest.approx(1.0)
    assert rules.phase_pressure(6, 5, 5, BEHAVIOUR) < 1.0


def test_enforcement_ramp_and_daily_probability():
    enforcement = replace(default_scenario().enforcement, ramp_days=14, eased_level=1.0)
    ramp = enforcement.ramp_days
    assert rules.enforcement_level(-1, enforcement) == 0.0
    assert rules.enforcement_level(0, enforcement) == pytest.approx(1 / ramp)
    assert rules.enforcement_level(ramp - 1, enforcement) == pytest.approx(1.0)
    assert rules.enforcement_level(10 * ramp, enforcement) == 1.0
    assert rules.daily_probability(2.0, 0.1) == pytest.approx(1 - math.exp(-0.2))
    assert rules.daily_probability(0.0, 0.1) == 0.0


# --- Scenario.with_overrides ----------------------------------------------------------------


def test_with_overrides_dotted_keys_equal_nested_tables():
    base = default_scenario()
    dotted = base.with_overrides(
        {"behaviour.fear_hazard": 0.1, "checkpoints.torkham.capacity_per_hour": 50.0}
    )
    nested = base.with_overrides(
        {"behaviour": {"fear_hazard": 0.1}, "checkpoints": {"torkham": {"capacity_per_hour": 50.0}}}
    )
    assert dotted == nested
    assert dotted.behaviour.fear_hazard == 0.1
    by_id = {c.id: c for c in dotted.checkpoints}
    assert by_id["torkham"].capacity_per_hour == 50.0
    assert by_id["torkham"].hours == 12.0, "the rest of the row is kept"
    assert by_id["chaman"] == {c.id: c for c in base.checkpoints}["chaman"]
    # The original is unchanged.
    assert base.behaviour.fear_hazard == default_scenario().behaviour.fear_hazard != 0.1
    assert {c.id: c for c in base.checkpoints}["torkham"].capacity_per_hour != 50.0


def test_with_overrides_replaces_list_tables_and_validates():
    base = default_scenario()
    closure = {"checkpoint": "chaman", "start": "2023-11-01", "end": "2023-11-03"}
    changed = base.with_overrides({"closures": [closure], "capacity_changes": []})
    assert len(changed.closures) == 1
    assert changed.closures[0].checkpoint == "chaman"
    assert changed.capacity_changes == ()
    with pytest.raises(ScenarioError) as error:
        base.with_overrides({"behaviour.fear_hazard": 5.0}, source="sweep point 3")
    assert error.value.file == "sweep point 3"
    assert error.value.field == "behaviour.fear_hazard"
    assert "allowed" in str(error.value)


def test_with_overrides_sets_a_phase_by_dotted_key():
    phase2 = {
        "statuses": ["acc"],
        "announcement": "2024-03-01",
        "deadline": "2024-03-31",
        "enforcement_start": "2024-04-01",
    }
    scenario = default_scenario().with_overrides({"phases.phase2": phase2})
    assert [p.id for p in scenario.phases] == ["phase1", "phase2", "phase3"]
    assert scenario.phases[1].statuses == ("acc",)
    assert scenario.phases[1].announcement == date(2024, 3, 1)
    # Each status in one phase: the card holders' phases can swap their targets in one go.
    moved = default_scenario().with_overrides(
        {"phases.phase2.statuses": ["por"], "phases.phase3": phase2 | {"statuses": ["acc"]}}
    )
    assert [p.statuses for p in moved.phases] == [("undocumented",), ("por",), ("acc",)]


def test_with_overrides_leaves_the_callers_dict_alone():
    inner = {"fear_hazard": 0.2}
    default_scenario().with_overrides({"behaviour": inner, "behaviour.base_hazard": 0.001})
    assert inner == {"fear_hazard": 0.2}


def test_checkpoint_routes_follow_the_checkpoints_table():
    base = default_scenario()
    assert base.checkpoint_routes.tolist() == [c.route for c in base.checkpoints]
    assert set(base.checkpoint_routes) == {"khyber_pakhtunkhwa", "balochistan", "other"}
    moved = base.with_overrides({"checkpoints.ghulam_khan.route": "khyber_pakhtunkhwa"})
    index = [c.id for c in moved.checkpoints].index("ghulam_khan")
    assert base.checkpoint_routes[index] == "other"
    assert moved.checkpoint_routes[index] == "khyber_pakhtunkhwa"
    base.checkpoint_routes[index] = "balochistan"  # a copy: the scenario is not changed
    assert base.checkpoint_routes[index] == "other"


# --- relative overrides: field = { times = FACTOR } ------------------------------------------


def test_relative_override_multiplies_the_base_scenarios_value(write_toml):
    base = default_scenario().with_overrides({"enforcement.arrest_hazard": 0.0003})
    path = write_toml(
        """
        [enforcement]
        arrest_hazard = { times = 2.0 }
        [checkpoints.torkham]
        capacity_per_hour = { times = 0.5 }
        [routes.sindh.chaman]
        travel_days_max = { times = 2 }
        """
    )
    scenario = load_scenario(path, base=base)
    assert scenario.enforcement.arrest_hazard == 2 * 0.0003, "of the base, not the defaults"
    torkham = {c.id: c for c in base.checkpoints}["torkham"].capacity_per_hour
    assert {c.id: c for c in scenario.checkpoints}["torkham"].capacity_per_hour == torkham / 2
    route = next(r for r in scenario.routes if (r.province, r.checkpoint) == ("sindh", "chaman"))
    assert route.travel_days_max == 10
    assert isinstance(route.travel_days_max, int)
    assert scenario.tree["enforcement"]["arrest_hazard"] == 0.0006, "the tree holds the result"


def test_relative_override_rounds_int_fields_to_the_nearest_whole_number():
    # Default deportation_travel_days: khyber_pakhtunkhwa 1, punjab 3, sindh 4.
    scenario = default_scenario().with_overrides(
        {
            "provinces.khyber_pakhtunkhwa.deportation_travel_days": {"times": 0.5},  # 0.5 -> 1
            "provinces.punjab.deportation_travel_days": {"times": 0.5},  # 1.5 -> 2
            "provinces.sindh.deportation_travel_days": {"times": 1.1},  # 4.4 -> 4
            "population.undocumented": {"times": 0.7},  # 1,190,000
        }
    )
    days = {p.id: p.deportation_travel_days for p in scenario.provinces}
    assert (days["khyber_pakhtunkhwa"], days["punjab"], days["sindh"]) == (1, 2, 4)
    assert scenario.population.undocumented == 1_190_000


def test_relative_override_of_one_is_the_base_itself():
    base = default_scenario()
    same = base.with_overrides(
        {"behaviour.fear_hazard": {"times": 1}, "provinces.punjab.holding_capacity": {"times": 1}}
    )
    assert same.to_dict() == base.to_dict()


@pytest.mark.parametrize(
    ("overrides", "field", "problem"),
    [
        ({"timeline.end": {"times": 2}}, "timeline.end", "applies to numbers only"),
        ({"provinces.sindh.name": {"times": 2}}, "provinces.sindh.name", "numbers only"),
        ({"enforcement.deportee_priority": {"times": 2}}, "deportee_priority", "numbers only"),
        ({"enforcement.arrest_hazard": {"plus": 1}}, "arrest_hazard.plus", "unknown key"),
        ({"enforcement.arrest_hazard": {}}, "enforcement.arrest_hazard", "needs its factor"),
        ({"enforcement.arrest_hazard": {"times": 0}}, "arrest_hazard.times", "factor > 0"),
        ({"enforcement.arrest_hazard": {"times": -2.0}}, "arrest_hazard.times", "factor > 0"),
        ({"enforcement.arrest_hazard": {"times": "2"}}, "arrest_hazard.times", "factor > 0"),
        ({"enforcement.arrest_hazard": {"times": True}}, "arrest_hazard.times", "factor > 0"),
        ({"enforcement.arrest_hazard": {"times": math.inf}}, "arrest_hazard.times", "factor"),
        ({"enforcement.arrest_hazard": {"times": math.nan}}, "arrest_hazard.times", "factor"),
        ({"population.undocumented": {"times": 1e308}}, "undocumented", "not finite"),
        ({"enforcement.arrest_hazard": {"times": 1000}}, "arrest_hazard", "1000 x 0.003 = 3"),
        (
            {"enforcement.detention_days": {"times": 0.1}},
            "detention_days",
            "0.1 x 1 = 0.1, rounded to 0 is out",
        ),
        (
            {
                "capacity_changes": [
                    {
                        "checkpoint": "torkham",
                        "date": "2023-11-03",
                        "hours": 14.0,
                        "capacity_factor": {"times": 2},
                    }
                ]
            },
            "capacity_changes[0].capacity_factor",
            "nothing to multiply",
        ),
    ],
)
def test_bad_relative_overrides_name_the_field_and_what_is_allowed(overrides, field, problem):
    with pytest.raises(ScenarioError) as error:
        default_scenario().with_overrides(overrides, source="my.toml")
    message = str(error.value)
    assert error.value.file == "my.toml"
    assert field in error.value.field
    assert problem in message
    assert "allowed" in message
