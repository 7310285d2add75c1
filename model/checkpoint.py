"""Border crossings: a daily capacity, opening dates and closures, and queues of households."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from model.household_queue import HouseholdQueue
from model.scenario import CheckpointSpec, Scenario

if TYPE_CHECKING:
    from model.model import RepatriationModel


def daily_capacity(spec: CheckpointSpec, scenario: Scenario) -> np.ndarray:
    """Persons the crossing can process on each day of the run (0 when closed).

    Capacity is persons per hour x opening hours; a capacity change (e.g. Torkham's facilities
    tripled and hours extended on 3 Nov 2023) rescales the base hourly rate from its date on.
    """
    timeline = scenario.timeline
    days = np.arange(timeline.days)
    per_hour = np.full(timeline.days, spec.capacity_per_hour)
    hours = np.full(timeline.days, spec.hours)
    changes = sorted(
        (c for c in scenario.capacity_changes if c.checkpoint == spec.id), key=lambda c: c.date
    )
    for change in changes:
        later = days >= timeline.index(change.date)
        per_hour[later] = spec.capacity_per_hour * change.capacity_factor
        hours[later] = change.hours
    capacity = np.floor(per_hour * hours).astype(np.int64)
    capacity[days < timeline.index(spec.opens)] = 0
    capacity[days > timeline.index(spec.closes)] = 0
    for closure in scenario.closures:
        if closure.checkpoint == spec.id:
            shut = (days >= timeline.index(closure.start)) & (days <= timeline.index(closure.end))
            capacity[shut] = 0
    return capacity


class Checkpoint(mesa.Agent):
    """A border crossing. Each day it processes its queue, deportees first, up to capacity."""

    def __init__(self, model: RepatriationModel, spec: CheckpointSpec, index: int) -> None:
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.capacity = daily_capacity(spec, model.scenario)
        self._capacity = self.capacity.tolist()  # Python ints for the daily lookups
        self.deportees = HouseholdQueue()
        self.voluntary = HouseholdQueue()
        # Today's arrivals, in order, until the day's processing lines them up or lets them
        # through: (households, sizes, deported flags or None), and their persons.
        self._arrived: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = []
        self._arrived_persons = 0

    @property
    def queue_persons(self) -> int:
        """Persons waiting: in both lines, and arrived today."""
        return self.deportees.persons + self.voluntary.persons + self._arrived_persons

    def is_open(self, day: int) -> bool:
        return self._capacity[day] > 0

    def first_open_day(self, day: int) -> int | None:
        """The first day from `day` on when the crossing is open (None: not in the run)."""
        open_days = np.flatnonzero(self.capacity[day:] > 0)
        return day + int(open_days[0]) if len(open_days) else None

    def expected_wait(self, day: int) -> float:
        """Days a household arriving on `day` expects to wait: until the crossing opens, then
        for the queue ahead of it to clear (closures are assumed to be announced)."""
        opens = self.first_open_day(day)
        if opens is None:
            return float("inf")
        return opens - day + self.queue_persons / self.capacity[opens]

    def admit(
        self,
        households: np.ndarray,
        sizes: np.ndarray | None = None,
        deported: np.ndarray | None = None,
    ) -> None:
        """Households join the back of the queue (escorted deportees in their own line), as
        `step` lines them up.

        `sizes` and `deported` are the households' own, looked up when not given.
        """
        if sizes is None:
            sizes = self.model.population.size[households]
        self._arrived.append((households, sizes, deported))
        self._arrived_persons += int(sizes.sum())

    def _line_up(self) -> None:
        """Today's arrivals join the back of the lines, in the order they arrived."""
        population = self.model.population
        for households, sizes, deported in self._arrived:
            if self.model.scenario.enforcement.deportee_priority:
                if deported is None:
                    deported = population.deported[households]
                if deported.any():
                    self.deportees.push(households[deported], sizes[deported])
                    kept = ~deported
                    households, sizes = households[kept], sizes[kept]
            self.voluntary.push(households, sizes)
        self._arrived.clear()
        self._arrived_persons = 0

    def _let_through(self) -> int:
        """With nobody waiting from earlier days and room for all of today's arrivals, they
        cross at once: what lining them up and serving the lines would give, in one step.
        Returns the persons who crossed."""
        arrived = [households for households, _, _ in self._arrived]
        households = np.concatenate(arrived) if len(arrived) > 1 else arrived[0]
        persons = self._arrived_persons
        self._arrived.clear()
        self._arrived_persons = 0
        self.model.cross(households, self.index, persons)
        return persons

    def step(self) -> None:
        day = self.model.day
        remaining = self._capacity[day]
        waiting = self.deportees.persons or self.voluntary.persons
        if self._arrived:
            if remaining and not waiting and self._arrived_persons <= remaining:
                remaining -= self._let_through()
            else:
                self._line_up()
                waiting = True
        if remaining and waiting:
            # With priority, the deportee line holds every deportee and the other line none.
            priority = self.model.scenario.enforcement.deportee_priority
            lines = ((self.deportees, True), (self.voluntary, False if priority else None))
            for line, deported in lines:
                households, persons = line.take(remaining)
                if persons:
                    self.model.cross(households, self.index, persons, deported)
                    remaining -= persons
        self.model.ledger.record_queue(day, self.index, self.queue_persons)
