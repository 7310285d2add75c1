"""Crossings respect their daily capacity and closures; enforcement waits for its start."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from support import (
    check_capacity,
    check_enforcement_start,
    expected_capacity,
    run,
    small_scenario,
)

from model.population import State

# Torkham at 2 persons/hour: 24 a day, 84 a day after the 3 Nov capacity change.
QUEUES = {"checkpoints.torkham.capacity_per_hour": 2.0, "checkpoints.chaman.capacity_per_hour": 2.0}


@pytest.fixture(scope="module")
def queued():
    return run(small_scenario(**QUEUES), seed=21)


def test_torkham_queue_forms_and_crossings_stay_within_capacity(queued):
    torkham = queued.checkpoint_index["torkham"]
    crossed = queued.ledger.crossed[:, torkham].sum(axis=1)
    capacity = expected_capacity(queued.scenario, "torkham")
    assert queued.ledger.queue[:, torkham].max() > 300, "the override should force a queue"
    # While a long queue waits, the crossing works at (almost) full capacity: a household that
    # does not fit waits for tomorrow, so up to 19 places may stay unused.
    busy = np.flatnonzero(queued.ledger.queue[:, torkham] > 100)
    assert len(busy) > 10
    assert (crossed[busy] > capacity[busy] - 20).all()
    check_capacity(queued)


def test_deportees_are_processed_within_the_same_capacity(queued):
    chaman = queued.checkpoint_index["chaman"]
    deported = queued.ledger.deported[:, chaman].sum(axis=1)
    crossed = queued.ledger.crossed[:, chaman].sum(axis=1)
    assert deported.sum() > 0
    assert (deported <= crossed).all()
    check_capacity(queued)


def test_closed_crossing_processes_nobody_during_the_closure():
    closure = {"checkpoint": "chaman", "start": "2023-10-25", "end": "2023-11-15"}
    model = run(small_scenario(closures=[closure]), seed=22)
    s = model.scenario
    chaman = model.checkpoint_index["chaman"]
    first, last = s.timeline.index(date(2023, 10, 25)), s.timeline.index(date(2023, 11, 15))
    crossed = model.ledger.crossed[:, chaman].sum(axis=1)
    assert crossed[first : last + 1].sum() == 0
    assert crossed[:first].sum() > 0, "Chaman works before the closure"
    assert crossed[last + 1 :].sum() > 0, "and after it"
    check_capacity(model)


def test_closed_crossing_without_open_fallback_keeps_its_queue():
    # Chaman and Badini are each other's fallback: shut both and arrivals must wait.
    closures = [
        {"checkpoint": "chaman", "start": "2023-11-01", "end": "2023-11-20"},
        {"checkpoint": "badini", "start": "2023-11-01", "end": "2023-11-20"},
    ]
    model = run(small_scenario(closures=closures), seed=23)
    s = model.scenario
    chaman = model.checkpoint_index["chaman"]
    last = s.timeline.index(date(2023, 11, 20))
    assert model.ledger.queue[last, chaman] > 0
    reopened = model.ledger.crossed[last + 1, chaman].sum()
    assert reopened > 0, "the waiting households cross on reopening"
    check_capacity(model)


@pytest.mark.parametrize("seed", [31, 32])
def test_no_arrest_or_deportation_before_enforcement_starts(seed):
    model = run(small_scenario(**{"phases.phase1.enforcement_start": "2023-11-20"}), seed)
    start = model.scenario.timeline.index(date(2023, 11, 20))
    assert not model.ledger.arrests[:start].any()
    assert not model.ledger.deported[:start].any()
    assert model.ledger.arrests[start:].sum() > 0, "arrests do begin on the start date"
    check_enforcement_start(model)


def test_enforcement_start_after_the_run_means_no_arrests():
    model = run(small_scenario(**{"phases.phase1.enforcement_start": "2024-06-01"}), seed=33)
    assert model.ledger.arrests.sum() == 0
    assert model.ledger.deported.sum() == 0
    assert model.counts[State.DETAINED].sum() == 0


def test_capacity_change_applies_from_its_date():
    model = run(small_scenario(), seed=34)
    torkham = model.checkpoints[model.checkpoint_index["torkham"]]
    change = model.scenario.timeline.index(date(2023, 11, 3))
    per_hour = torkham.spec.capacity_per_hour
    assert torkham.capacity[change - 1] == per_hour * 12
    assert torkham.capacity[change] == per_hour * 3 * 14


def test_the_drive_to_2025_stays_within_capacity_through_phases_2_and_3():
    """Torkham and Chaman squeezed, Torkham further from 1 Jan 2025, so that the 2025 phases
    queue; the change applies from its date; no crossing ever passes more than its capacity."""
    from experiments.core import library

    squeeze = {
        "population.undocumented": 20_000,
        "population.acc": 8_000,
        "population.por": 12_000,
        "checkpoints.torkham.capacity_per_hour": 2.0,
        "checkpoints.chaman.capacity_per_hour": 2.0,
        "capacity_changes": [
            {"checkpoint": "torkham", "date": "2023-11-03", "capacity_factor": 3.0, "hours": 14.0},
            {"checkpoint": "torkham", "date": "2025-01-01", "capacity_factor": 1.0, "hours": 10.0},
        ],
    }
    model = run(library.resolve("drive_2023_2025").with_overrides(squeeze), seed=24)
    check_capacity(model)
    check_enforcement_start(model)
    torkham = model.checkpoints[model.checkpoint_index["torkham"]]
    new_year = model.scenario.timeline.index(date(2025, 1, 1))
    assert torkham.capacity[new_year - 1] == 2 * 3 * 14
    assert torkham.capacity[new_year] == 2 * 1 * 10
    phase2 = model.scenario.timeline.index(date(2025, 4, 1))
    assert model.ledger.queue[phase2:, torkham.index].max() > 300, "phase 2 queues at Torkham"
