"""Departure and arrest timing without a daily random draw per household.

A household whose daily hazard is its own fixed propensity times a level shared by its group
leaves (or is arrested) on the first day the group's cumulative hazard, times the propensity,
passes an Exp(1) threshold drawn once. That has exactly the distribution of daily draws with
probability 1 - exp(-propensity x hazard), but costs nothing for households that stay: sorting
each group once by threshold / propensity turns every day's work into a pointer move.
"""

from __future__ import annotations

import numpy as np


class ThresholdQueue:
    """The households of one group, in the order a rising cumulative hazard reaches them."""

    def __init__(self, households: np.ndarray, propensity: np.ndarray, rng: np.random.Generator):
        thresholds = rng.standard_exponential(len(households), dtype=np.float32)
        with np.errstate(divide="ignore"):
            keys = thresholds / propensity.astype(np.float32)
        order = np.argsort(keys)
        self.households = households[order]
        self.keys = keys[order]
        self.position = 0
        self.level = 0.0

    def raise_level(self, hazard: float) -> np.ndarray:
        """Add a day's hazard; return the households newly reached (not yet released)."""
        self.level += hazard
        # Compare in float32: a float64 level would make searchsorted convert the whole array.
        end = int(np.searchsorted(self.keys, np.float32(self.level), side="right"))
        return self.households[self.position : end]

    def release(self, count: int) -> None:
        """Mark the first `count` reached households as handled."""
        self.position += count
