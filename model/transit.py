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
        # Group by arrival day (a radix sort: the days are small integers), keeping the order.
        order = np.argsort(arrival_days, kind="stable")
        days = arrival_days[order]
        first, last = int(days[0]), int(days[-1])
        if first == last:
            self._arrivals[first].append(households)
            return
        households = households[order]
        ends = np.searchsorted(days, np.arange(first, last + 1), side="right").tolist()
        start = 0
        for day, end in enumerate(ends, start=first):
            if end > start:
                self._arrivals[day].append(households[start:end])
            start = end

    def arriving(self, day: int) -> np.ndarray:
        """Remove and return the households that arrive on `day`."""
        chunks = self._arrivals.pop(day, [])
        if not chunks:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(chunks)
