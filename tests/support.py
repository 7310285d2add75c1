"""Helpers shared by the test files: running a model and checking its invariants.

Every check here compares the model's incremental bookkeeping with something computed
independently (a fresh census of the household arrays, the scenario's own tables), so that
a bookkeeping error cannot hide behind itself.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from model.model import RepatriationModel
from model.population import State
from model.scenario import Scenario, default_scenario
from model.schema import STATUSES

SMALL = 20_000


def small_scenario(persons: int = SMALL, **overrides) -> Scenario:
    """The default scenario at a small population, with dotted-key overrides."""
    return default_scenario().with_overrides({"population.undocumented": persons, **overrides})


def run(scenario: Scenario, seed: int, check=None) -> RepatriationModel:
    """Run a model to its end, calling `check(model)` after every step if given."""
    model = RepatriationModel(scenario, rng=seed)
    while model.running:
        model.step()
        if check is not None:
            check(model)
    return model


def scenario_persons(scenario: Scenario) -> int:
    return sum(scenario.population.persons(status) for status in STATUSES)


def persons_by_status(model: RepatriationModel, mask: np.ndarray) -> np.ndarray:
    pop = model.population
    counts = np.bincount(pop.status[mask], pop.size[mask], len(STATUSES))
    return counts.astype(np.int64)


def check_conservation(model: RepatriationModel) -> None:
    """Invariants that must hold after every step of any run."""
    day = model.day
    counts = model.counts
    ledger = model.ledger
    expected_total = scenario_persons(model.scenario)

    # Incremental bookkeeping equals a fresh count of the household arrays.
    np.testing.assert_array_equal(model.census(), counts, err_msg=f"day {day}: census")
    assert model.initial_persons == expected_total
    assert int(counts.sum()) == expected_total, f"day {day}: persons not conserved"
    assert (counts >= 0).all(), f"day {day}: negative count\n{counts}"
    np.testing.assert_array_equal(ledger.states[day], counts, err_msg=f"day {day}: states")

    # The daily records add up to the states they produced.
    so_far = slice(0, day + 1)
    departed = counts[State.DEPARTED]
    np.testing.assert_array_equal(
        ledger.crossed[so_far].sum(axis=(0, 1)), departed, err_msg=f"day {day}: crossed"
    )
    arrested = persons_by_status(model, model.population.deported)
    np.testing.assert_array_equal(
        ledger.arrests[so_far].sum(axis=(0, 1)), arrested, err_msg=f"day {day}: arrests"
    )
    removed = model.population.deported & (model.population.state == State.DEPARTED)
    np.testing.assert_array_equal(
        ledger.deported[so_far].sum(axis=(0, 1)),
        persons_by_status(model, removed),
        err_msg=f"day {day}: deported",
    )
    left_home = int(ledger.left_home[so_far].sum()) + int(arrested.sum())
    assert left_home == expected_total - int(counts[State.HOME].sum()), f"day {day}: left home"
    assert int(ledger.queue[day].sum()) == int(counts[State.QUEUEING].sum()), f"day {day}: queue"

    # Holding centres: their head count is the DETAINED state, and never above capacity.
    detained = 0
    for agent in model.enforcement:
        assert 0 <= agent.detained_persons <= agent.province.holding_capacity, agent.province.id
        detained += agent.detained_persons
    assert detained == int(counts[State.DETAINED].sum()), f"day {day}: detained"

    # Nothing is recorded for days not yet simulated.
    later = slice(day + 1, None)
    for name in ("crossed", "deported", "queue", "arrests", "left_home", "states"):
        assert not getattr(ledger, name)[later].any(), f"day {day}: {name} has future entries"


def expected_capacity(scenario: Scenario, checkpoint_id: str) -> np.ndarray:
    """Daily capacity of a crossing computed from the scenario's tables, independently."""
    spec = next(c for c in scenario.checkpoints if c.id == checkpoint_id)
    timeline = scenario.timeline
    capacity = []
    for offset in range(timeline.days):
        today = timeline.start + timedelta(days=offset)
        per_hour, hours = spec.capacity_per_hour, spec.hours
        for change in sorted(scenario.capacity_changes, key=lambda c: c.date):
            if change.checkpoint == checkpoint_id and change.date <= today:
                per_hour, hours = spec.capacity_per_hour * change.capacity_factor, change.hours
        closed = not spec.opens <= today <= spec.closes or any(
            c.checkpoint == checkpoint_id and c.start <= today <= c.end for c in scenario.closures
        )
        capacity.append(0 if closed else int(np.floor(per_hour * hours)))
    return np.array(capacity, dtype=np.int64)


def check_capacity(model: RepatriationModel) -> None:
    """No crossing ever processes more persons in a day than its capacity that day."""
    crossed = model.ledger.crossed.sum(axis=2)
    for checkpoint in model.checkpoints:
        capacity = expected_capacity(model.scenario, checkpoint.spec.id)
        np.testing.assert_array_equal(checkpoint.capacity, capacity, err_msg=checkpoint.spec.id)
        over = np.flatnonzero(crossed[:, checkpoint.index] > capacity)
        assert len(over) == 0, f"{checkpoint.spec.id} over capacity on days {over.tolist()}"


def check_enforcement_start(model: RepatriationModel) -> None:
    """No arrest and no deportation of a status before a phase targeting it enforces."""
    s = model.scenario
    ledger = model.ledger
    for index, status in enumerate(STATUSES):
        starts = [
            s.timeline.index(phase.enforcement_start)
            for phase in s.phases
            if status in phase.statuses
        ]
        first = max(0, min(starts)) if starts else s.timeline.days
        assert not ledger.arrests[:first, :, index].any(), f"{status} arrested before day {first}"
        assert not ledger.deported[:first, :, index].any(), f"{status} deported before day {first}"


def mean_departure_day(model: RepatriationModel) -> float:
    """Mean day of crossing over the persons who crossed."""
    daily = model.ledger.crossed.sum(axis=(1, 2))
    return float((np.arange(len(daily)) * daily).sum() / daily.sum())


def crossed_at(model: RepatriationModel, checkpoint_id: str) -> int:
    return int(model.ledger.crossed[:, model.checkpoint_index[checkpoint_id]].sum())


def paired_difference(values_a, values_b) -> tuple[float, float]:
    """Mean and standard error of the paired differences b - a."""
    diff = np.asarray(values_b, dtype=float) - np.asarray(values_a, dtype=float)
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))
