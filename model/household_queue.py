"""A first-in, first-out queue of whole households, counted in persons."""

from __future__ import annotations

import numpy as np


class HouseholdQueue:
    """Households in arrival order, with the running total of persons pushed so far.

    Keeping the cumulative persons of everyone ever pushed makes a day's `take` one binary
    search, however long the queue.
    """

    def __init__(self) -> None:
        self._households = np.empty(16, dtype=np.int64)
        self._cumulative = np.empty(16, dtype=np.int64)  # persons pushed up to and including
        self._head = 0
        self._tail = 0
        self._pushed = 0  # persons ever pushed
        self._taken = 0  # persons ever taken
        self.persons = 0

    def push(self, households: np.ndarray, sizes: np.ndarray) -> None:
        count = len(households)
        if count == 0:
            return
        if self._head == self._tail:  # empty: start again at the front
            self._head = self._tail = 0
        if self._tail + count > len(self._households):
            self._make_room(count)
        end = self._tail + count
        cumulative = self._cumulative[self._tail : end]
        np.add.accumulate(sizes, dtype=np.int64, out=cumulative)
        cumulative += self._pushed
        self._households[self._tail : end] = households
        self._tail = end
        added = int(cumulative[-1]) - self._pushed
        self._pushed += added
        self.persons += added

    def take(self, capacity: int) -> tuple[np.ndarray, int]:
        """Remove households from the front while their persons fit in `capacity`.

        Families are not split: a household that does not fit waits, and so does everyone
        behind it. Returns the households taken (a copy) and their persons.
        """
        if capacity <= 0 or self._head == self._tail:
            return self._households[:0].copy(), 0
        waiting = self._cumulative[self._head : self._tail]
        fit = int(waiting.searchsorted(self._taken + capacity, side="right"))
        if fit == 0:
            return self._households[:0].copy(), 0
        taken = self._households[self._head : self._head + fit].copy()
        persons = int(waiting[fit - 1]) - self._taken
        self._head += fit
        self._taken += persons
        self.persons -= persons
        return taken, persons

    def _make_room(self, count: int) -> None:
        """Move the waiting households to the front, into larger arrays if they need them."""
        waiting = self._tail - self._head
        size = len(self._households)
        if waiting + count > size // 2:
            size = 2 * (waiting + count)
        for name in ("_households", "_cumulative"):
            old = getattr(self, name)
            new = old if size == len(old) else np.empty(size, dtype=old.dtype)
            new[:waiting] = old[self._head : self._tail]  # numpy copes with the overlap
            setattr(self, name, new)
        self._head, self._tail = 0, waiting
