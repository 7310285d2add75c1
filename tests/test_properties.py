"""The invariants hold under random valid parameters, not just the defaults.

Hypothesis draws scenarios that validation must accept (hazards, dates in order, capacities,
shares summing to one, holding capacity, detention, closures, extensions, documented groups,
card validity, the forecast's mechanisms),
runs each one day by day at a small population, and checks after every step that persons are
conserved, no count is negative, no crossing exceeds its capacity, and nobody is arrested or
deported before enforcement of their status has started.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support import check_capacity, check_conservation, check_enforcement_start, run

from model.scenario import default_scenario

DEFAULTS = default_scenario()
PROVINCES = [p.id for p in DEFAULTS.provinces]
CHECKPOINTS = [c.id for c in DEFAULTS.checkpoints]
ROUTES = {p: [r.checkpoint for r in DEFAULTS.routes if r.province == p] for p in PROVINCES}


def unit(low: float = 0.0, high: float = 1.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def shares(draw, n: int) -> list[float]:
    """n non-negative shares that sum to one (some may be zero)."""
    weights = np.array(draw(st.lists(unit(), min_size=n, max_size=n)))
    weights[draw(st.integers(0, n - 1))] += 0.01  # at least one positive
    return [float(w) for w in weights / weights.sum()]


@st.composite
def valid_overrides(draw) -> dict:
    start = date(2023, 9, 1) + timedelta(days=draw(st.integers(0, 30)))
    days = draw(st.integers(10, 150))
    end = start + timedelta(days=days - 1)
    count_start = start + timedelta(days=draw(st.integers(0, days - 1)))

    def day(low: int, high: int, after: date = start) -> date:
        return after + timedelta(days=draw(st.integers(low, high)))

    announcement = day(-30, days // 2)
    deadline = day(0, 40, announcement)
    enforcement_start = day(0, 14, deadline)
    acc, por = (draw(st.sampled_from([0, 0, 500, 3_000])) for _ in range(2))
    household_size_mean = draw(unit(1.5, 15.0))
    overrides = {
        "timeline": {
            "start": start,
            "end": end,
            "count_start": count_start,
            # The forecast's mechanisms (fading, later phases, winter) switched on in the run.
            "forecast_start": day(-10, days + 10),
        },
        "population": {
            "undocumented": draw(st.integers(5_000, 30_000)),
            "acc": acc,
            "por": por,
            "household_size_mean": household_size_mean,
            # At least the mean (validated), at most 25 (the checkpoints below pass 25 a day).
            "max_household_size": draw(st.integers(math.ceil(household_size_mean), 25)),
            "attachment_alpha": draw(unit(0.1, 20.0)),
            "attachment_beta": draw(unit(0.1, 20.0)),
            "pipeline_share": draw(unit(0.0, 0.5)),
        },
        "behaviour": {
            "base_hazard": draw(unit(0.0, 0.01)),
            "fear_hazard": draw(unit(0.0, 0.1) | unit(0.0, 1.0)),
            "announcement_fear": draw(unit()),
            "fear_shape": draw(unit(0.1, 10.0)),
            "fear_persistence": draw(unit()),
            "fear_decay_days": draw(unit(0.5, 365.0)),
            "arrest_salience": draw(unit(0.0, 1000.0)),
            "peer_weight": draw(unit(0.0, 1000.0)),
            "peer_window_days": draw(st.integers(1, 30)),
            "attachment_effect": draw(unit(0.0, 20.0)),
            "pipeline_readiness": draw(unit()),
            "exempt_fear_factor": draw(unit()),
            "hiding_effect": draw(unit()),
            "reroute_days": draw(st.integers(1, 30)),
            "card_base_share": draw(unit()),
            "fear_fade_days": draw(unit(1.0, 3650.0)),
            "fear_floor": draw(unit()),
            "later_phase_fear": draw(unit()),
            "card_warning_days": draw(unit(0.0, 365.0)),
            "lapsed_card_fear": draw(unit()),
            "winter_dip": draw(unit(0.0, 0.9)),
            "winter_trough_day": draw(st.integers(1, 366)),
        },
        "enforcement": {
            "arrest_hazard": draw(unit(0.0, 0.02) | unit(0.0, 0.1)),
            "ramp_days": draw(st.integers(0, 180)),
            "detention_days": draw(st.integers(1, 10) | st.integers(1, 90)),
            "protection_letters_honoured": draw(st.booleans()),
            "deportee_priority": draw(st.booleans()),
            "later_phase_share": draw(unit()),
        },
        "phases": {
            "phase1": {
                "announcement": announcement,
                "deadline": deadline,
                "enforcement_start": enforcement_start,
            }
        },
    }
    province_shares = draw(shares(len(PROVINCES)))
    overrides["provinces"] = {
        province: {
            "population_share": share,
            "enforcement_factor": draw(unit(0.0, 100.0)),
            "holding_capacity": draw(st.integers(0, 5_000)),
            "deportation_checkpoint": draw(st.sampled_from(CHECKPOINTS)),
            "deportation_travel_days": draw(st.integers(0, 5) | st.integers(0, 60)),
        }
        for province, share in zip(PROVINCES, province_shares, strict=True)
    }
    overrides["routes"] = {}
    for province, checkpoints in ROUTES.items():
        route_shares = draw(shares(len(checkpoints)))
        overrides["routes"][province] = {}
        for checkpoint, share in zip(checkpoints, route_shares, strict=True):
            low = draw(st.integers(0, 10))
            overrides["routes"][province][checkpoint] = {
                "share": share,
                "travel_days_min": low,
                "travel_days_max": low + draw(st.integers(0, 10)),
            }
    # Every checkpoint is open at least 10 hours, so 2.5 persons/hour already passes 25 a day.
    overrides["checkpoints"] = {
        checkpoint: {"capacity_per_hour": draw(st.sampled_from([0.0]) | unit(2.5, 500.0))}
        for checkpoint in CHECKPOINTS
    }
    overrides["capacity_changes"] = [
        {
            "checkpoint": draw(st.sampled_from(CHECKPOINTS)),
            "date": day(0, days),
            "capacity_factor": draw(st.sampled_from([0.0]) | unit(1.0, 10.0)),
            "hours": draw(unit(10.0, 24.0)),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    closures = []
    for _ in range(draw(st.integers(0, 3))):
        closure_start = day(-5, days)
        closures.append(
            {
                "checkpoint": draw(st.sampled_from(CHECKPOINTS)),
                "start": closure_start,
                "end": day(0, 40, closure_start),
            }
        )
    overrides["closures"] = closures
    validity = []
    for _ in range(draw(st.integers(0, 3))):
        announced = day(-20, days)
        validity.append(
            {
                "status": draw(st.sampled_from(["acc", "por"])),
                "announced": announced,
                "valid_until": day(0, 90, announced),
            }
        )
    overrides["card_validity"] = validity
    if draw(st.booleans()):
        # An extension may not move the deadline past the phase's enforcement start.
        announced = day(0, (enforcement_start - announcement).days, announcement)
        new_deadline = day(0, (enforcement_start - announced).days, announced)
        overrides["deadline_extensions"] = [
            {"phase": "phase1", "announced": announced, "new_deadline": new_deadline}
        ]
    # The card holders' phases (2025 in the defaults: phase 2 against ACC holders, phase 3
    # against PoR holders), either or both moved into the run.
    for phase in draw(st.sampled_from([[], ["phase2"], ["phase3"], ["phase2", "phase3"]])):
        announcement_day = day(-10, days)
        deadline = day(0, 40, announcement_day)
        overrides["phases"][phase] = {
            "announcement": announcement_day,
            "deadline": deadline,
            "enforcement_start": day(0, 20, deadline),
        }
    return overrides


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(overrides=valid_overrides(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_random_valid_scenarios(overrides, seed):
    scenario = DEFAULTS.with_overrides(overrides)
    model = run(scenario, seed, check=check_conservation)
    assert model.day == scenario.timeline.days - 1
    check_capacity(model)
    check_enforcement_start(model)
    event("arrests" if model.ledger.arrests.any() else "no arrests")
    event("queues" if (model.ledger.queue > 0).any() else "no queues")
    event("deportations" if model.ledger.deported.any() else "no deportations")
    assert (model.population.size >= 1).all()
    assert (model.population.size <= scenario.population.max_household_size).all()
