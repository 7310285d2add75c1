"""Households on the road to a crossing, by the day they arrive."""

from __future__ import annotations

from collections import defaultdict

import numpy as np


class Transit:
    def __init__(self) -> None:
        self._arrivals: defaultdict[int, list[np.ndarray]] = defaultdict(list)

    def send(self, households: np.ndarray, arrival_days: np.ndarray | int) -> None:
        if len(households) == 0:
            return
        if np.isscalar(arrival_days):
            self._arrivals[int(arrival_days)].append(households)
            return
        first, last = int(arrival_days.min()), int(arrival_days.max())
        if first == last:
            self._arrivals[first].append(households)
            return
        for day in range(first, last + 1):
            arriving = households[arrival_days == day]
            if len(arriving):
                self._arrivals[day].append(arriving)

    def arriving(self, day: int) -> np.ndarray:
        """Remove and return the households that arrive on `day`."""
        chunks = self._arrivals.pop(day, [])
        if not chunks:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(chunks)
