"""A first-in, first-out queue of whole households, counted in persons."""

from __future__ import annotations

from collections import deque

import numpy as np


class HouseholdQueue:
    def __init__(self) -> None:
        self._chunks: deque[tuple[np.ndarray, np.ndarray]] = deque()
        self.persons = 0

    def push(self, households: np.ndarray, sizes: np.ndarray) -> None:
        if len(households):
            self._chunks.append((households, sizes))
            self.persons += int(sizes.sum())

    def take(self, capacity: int) -> tuple[list[np.ndarray], int]:
        """Remove households from the front while their persons fit in `capacity`.

        Families are not split: a household that does not fit waits, and so does everyone
        behind it. Returns the households taken and their persons.
        """
        taken, taken_persons = [], 0
        while self._chunks and capacity > 0:
            households, sizes = self._chunks[0]
            cumulative = np.cumsum(sizes)
            fit = int(np.searchsorted(cumulative, capacity, side="right"))
            if fit == 0:
                break
            taken.append(households[:fit])
            persons = int(cumulative[fit - 1])
            capacity -= persons
            taken_persons += persons
            self.persons -= persons
            if fit == len(households):
                self._chunks.popleft()
            else:
                self._chunks[0] = (households[fit:], sizes[fit:])
                break
        return taken, taken_persons
