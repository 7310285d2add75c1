"""The mechanisms of a multi-year horizon (ODD §7.16-7.18): fading fear, later phases, card
validity and winter; and that none of them touches a run that ends within the calibrated window."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from experiments.core import library
from model import rules
from model.between_phases import enforcement_levels
from model.cards import card_exposure
from model.model import risk_schedule
from model.scenario import default_scenario
from model.schema import STATUSES
from model.seasons import season_factors

ACC, POR, UNDOCUMENTED = (STATUSES.index(s) for s in ("acc", "por", "undocumented"))
LONG = {"timeline.end": "2025-12-31", "population.acc": 1000, "population.por": 1000}
# Every new mechanism at full strength: what a 2023 run must not feel.
EXTREME = {
    "behaviour.fear_fade_days": 1.0,
    "behaviour.fear_floor": 0.0,
    "behaviour.later_phase_fear": 1.0,
    "behaviour.winter_dip": 0.9,
    "behaviour.card_warning_days": 365.0,
    "behaviour.lapsed_card_fear": 1.0,
    "enforcement.later_phase_share": 1.0,
}


def long_scenario(**overrides):
    return default_scenario().with_overrides({**LONG, **overrides})


def day(scenario, when: date) -> int:
    return scenario.timeline.index(when)


def schedules(scenario) -> dict[str, np.ndarray]:
    """What the households of the run feel each day (statuses with nobody in them left out)."""
    modelled = [i for i, s in enumerate(STATUSES) if scenario.population.persons(s)]
    pressure, exposure = risk_schedule(scenario)
    return {
        "pressure": pressure[:, modelled],
        "exposure": exposure[:, modelled],
        "enforcement": enforcement_levels(scenario)[:, modelled],
        "season": season_factors(scenario),
    }


FORECAST_START = default_scenario().timeline.forecast_start
LIBRARY_2023 = [
    name for name in library.available() if library.resolve(name).timeline.end < FORECAST_START
]


@pytest.mark.parametrize("name", LIBRARY_2023)
def test_no_new_mechanism_reaches_a_2023_scenario(name):
    """At full strength, the forecast's mechanisms leave every schedule of a 2023 run as it is:
    they act from the forecast start (16 Jan 2024), after the run ends, except a card's validity,
    whose holders no 2023 scenario models before they are targeted."""
    scenario = library.resolve(name)
    extreme = scenario.with_overrides(EXTREME)
    for key, values in schedules(scenario).items():
        np.testing.assert_array_equal(schedules(extreme)[key], values, err_msg=f"{name}: {key}")


def test_the_library_has_2023_scenarios_and_the_check_can_fail():
    assert {"baseline", "phase2_acc", "phase3_por"} <= set(LIBRARY_2023)
    # The same extremes over a run that goes on past the forecast start do change it.
    scenario = long_scenario()
    extreme = scenario.with_overrides(EXTREME)
    for key in ("pressure", "exposure", "enforcement", "season"):
        assert not np.array_equal(schedules(extreme)[key], schedules(scenario)[key]), key


def test_persistent_fear_fades_from_the_forecast_start_to_its_floor():
    scenario = long_scenario(**{"behaviour.fear_floor": 0.25, "behaviour.fear_fade_days": 30.0})
    pressure = risk_schedule(scenario)[0][:, UNDOCUMENTED]
    start = day(scenario, FORECAST_START)
    rho = scenario.behaviour.fear_persistence
    unfaded = risk_schedule(scenario.with_overrides({"behaviour.fear_floor": 1.0}))[0]
    np.testing.assert_array_equal(pressure[:start], unfaded[:start, UNDOCUMENTED])
    # A year on, the fear is near its floor (what is left of the deadline's spike is tiny).
    later = day(scenario, date(2025, 1, 3))
    assert pressure[later] == pytest.approx(0.25 * rho, rel=1e-3)
    assert (np.diff(pressure[start : day(scenario, date(2025, 3, 7))]) <= 1e-12).all()
    assert rules.persistence_fading(0, scenario.behaviour) == 1.0


def test_a_later_phase_raises_the_fear_and_arrests_of_those_targeted_before():
    scenario = long_scenario(
        **{"behaviour.later_phase_fear": 0.8, "enforcement.later_phase_share": 0.6}
    )
    pressure, _ = risk_schedule(scenario)
    levels = enforcement_levels(scenario)
    deadline = day(scenario, date(2025, 3, 31))  # phase 2's, when its pressure peaks at 1
    assert pressure[deadline, UNDOCUMENTED] == pytest.approx(0.8)
    assert pressure[deadline, ACC] == pytest.approx(1.0)
    first = day(scenario, date(2025, 4, 1))
    assert levels[first, ACC] == pytest.approx(1.0)  # ramp_days = 1: full from its first day
    assert levels[first, UNDOCUMENTED] == pytest.approx(0.6)
    off = scenario.with_overrides(
        {"behaviour.later_phase_fear": 0.0, "enforcement.later_phase_share": 0.0}
    )
    assert risk_schedule(off)[0][deadline, UNDOCUMENTED] < 0.5
    assert enforcement_levels(off)[first, UNDOCUMENTED] < 0.1


def test_a_card_near_its_end_raises_its_holders_fear_and_an_extension_lowers_it():
    scenario = long_scenario(
        **{"behaviour.card_warning_days": 30.0, "behaviour.lapsed_card_fear": 0.5}
    )
    exposure = card_exposure(scenario)[:, POR]
    epsilon = scenario.behaviour.exempt_fear_factor
    full = epsilon + (1 - epsilon) * 0.5
    assert exposure[day(scenario, date(2023, 11, 1))] == epsilon  # no validity announced yet
    assert exposure[day(scenario, date(2023, 11, 20))] == epsilon  # 41 days left: calm
    assert exposure[day(scenario, date(2023, 12, 30))] == pytest.approx(
        epsilon + (1 - epsilon) * 0.5 * (1 - 1 / 30)
    )
    assert exposure[day(scenario, date(2023, 12, 31))] == epsilon  # extended that day
    assert exposure[day(scenario, date(2025, 6, 30))] == pytest.approx(full)  # last valid day
    assert exposure[day(scenario, date(2025, 7, 31))] == pytest.approx(full)  # lapsed
    assert (card_exposure(scenario)[:, ACC] == epsilon).all()  # ACC cards: no rows
    # Once phase 3 is announced (6 Aug 2025) PoR holders are targeted: exposure 1.
    assert risk_schedule(scenario)[1][day(scenario, date(2025, 8, 6)), POR] == 1.0


def test_a_lapsed_card_without_warning_counts_only_after_its_end():
    behaviour = long_scenario(**{"behaviour.card_warning_days": 0.0}).behaviour
    np.testing.assert_array_equal(rules.card_expiry([5, 0, -1, -30], behaviour), [0, 0, 1, 1])


def test_winter_lowers_departures_relative_to_the_forecast_start():
    scenario = long_scenario(**{"behaviour.winter_dip": 0.4})
    factors = season_factors(scenario)
    start = day(scenario, FORECAST_START)
    assert (factors[:start] == 1.0).all()
    assert factors[start] == pytest.approx(1.0)
    summer, winter = day(scenario, date(2024, 7, 16)), day(scenario, date(2025, 1, 15))
    assert factors.argmax() in range(summer - 3, summer + 4)
    assert factors[summer] / factors[winter] == pytest.approx(1 / 0.6, rel=1e-3)
    assert (season_factors(scenario.with_overrides({"behaviour.winter_dip": 0.0})) == 1).all()


def test_departures_fall_in_winter_in_a_run():
    """The season reaches the households: more leave in a summer month than in a winter month
    of 2024, and fewer than without the dip in winter."""
    from support import run

    quiet = {"behaviour.fear_floor": 1.0, "behaviour.later_phase_fear": 0.0}
    base = long_scenario(**{"population.undocumented": 20_000, "timeline.end": "2024-12-31"})
    dips = run(base.with_overrides({**quiet, "behaviour.winter_dip": 0.6}), seed=4)
    flat = run(base.with_overrides({**quiet, "behaviour.winter_dip": 0.0}), seed=4)

    def left(model, month: int) -> int:
        days = [i for i, d in enumerate(model.dates) if d.year == 2024 and d.month == month]
        return int(model.ledger.left_home[days, :, UNDOCUMENTED].sum())

    assert left(dips, 7) > 1.5 * left(dips, 12)
    assert left(dips, 12) < left(flat, 12) * 1.05
    assert left(dips, 7) > left(flat, 7)


def test_card_validity_rows_need_a_card_status_and_order():
    with pytest.raises(ValueError, match=r"card_validity\[0\]\.status"):
        long_scenario(
            card_validity=[
                {"status": "undocumented", "announced": "2024-01-01", "valid_until": "2024-06-30"}
            ]
        )
    with pytest.raises(ValueError, match=r"card_validity\[0\]\.valid_until"):
        row = {"status": "por", "announced": "2024-01-01", "valid_until": "2023-12-31"}
        long_scenario(card_validity=[row])


def test_the_drive_scenario_holds_the_reported_events_and_stocks():
    drive = library.resolve("drive_2023_2025")
    assert drive.timeline.end == date(2025, 12, 31)
    assert drive.population.acc == 840_000  # midpoint of 880,000 (2017) and 800,000 (2025)
    assert drive.population.por == 1_304_000 + 145_716
    phases = {p.id: p for p in drive.phases}
    assert (phases["phase2"].announcement, phases["phase2"].deadline) == (
        date(2025, 3, 7),
        date(2025, 3, 31),
    )
    assert phases["phase2"].enforcement_start == date(2025, 4, 1)
    assert phases["phase3"].enforcement_start == date(2025, 9, 1)
    assert [c.valid_until for c in drive.card_validity] == [
        date(2023, 12, 31),
        date(2024, 6, 30),
        date(2025, 6, 30),
    ]
    # The day after the last observation the calibration fits (IOM's count of 15 Jan 2024).
    assert drive.timeline.forecast_start == date(2024, 1, 16)
