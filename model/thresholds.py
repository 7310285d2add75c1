"""Departure and arrest timing without a daily random draw per household.

A household whose daily hazard is its own fixed propensity times a level shared by its group
leaves (or is arrested) on the first day the group's cumulative hazard, times the propensity,
passes an Exp(1) threshold drawn once. That has exactly the distribution of daily draws with
probability 1 - exp(-propensity x hazard), but costs nothing for households that stay: keeping
each group in order of threshold / propensity turns every day's work into a pointer move.

Most households never act (about two thirds never leave, and few are ever arrested), so the
keys are sorted lazily. At the start they are only grouped by octave (powers of two, read
exactly from the float's exponent); an octave is sorted when the level first reaches it.
"""

from __future__ import annotations

import math

import numpy as np

# Octave b holds the keys in [2**(b - 1), 2**b); the first also holds everything smaller and the
# last everything larger (infinite keys included: households that never act).
LOWEST, HIGHEST = -30, 64


def octave(values: np.ndarray | np.float32) -> np.ndarray:
    """The octave of each value: 2**(octave - 1) <= value < 2**octave, clipped to the range."""
    clipped = np.clip(values, np.float32(2.0 ** (LOWEST - 2)), np.float32(2.0**HIGHEST))
    return np.clip(np.frexp(clipped)[1], LOWEST, HIGHEST).astype(np.int8)


def _octave_of(value: float) -> int:
    """`octave` of one number, without numpy's per-call overhead."""
    if value < 2.0 ** (LOWEST - 1):
        return LOWEST
    if value >= 2.0 ** (HIGHEST - 1):
        return HIGHEST
    return math.frexp(value)[1]


class ThresholdLine:
    """The households of one group, in the order a rising cumulative hazard reaches them."""

    def __init__(self, households: np.ndarray, propensity: np.ndarray, rng: np.random.Generator):
        thresholds = rng.standard_exponential(len(households), dtype=np.float32)
        propensity = propensity.astype(np.float32, copy=False)
        # Zero (or float32-subnormal) propensity: an infinite key, never reached, even where
        # the threshold drawn is 0 (float32 draws can be), which would make 0 / 0 a NaN key.
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            keys = np.where(propensity > 0, thresholds / propensity, np.float32(np.inf))
        octaves = octave(keys)
        by_octave = np.argsort(octaves, kind="stable")  # a radix sort: linear time
        self._unsorted_keys = keys[by_octave]
        self._unsorted = households[by_octave]
        ends = np.searchsorted(octaves[by_octave], np.arange(LOWEST, HIGHEST + 1), side="right")
        self._octave_ends = ends.tolist()
        self._sorted_octave = LOWEST - 1  # octaves up to this one are in the sorted part
        self._limit = np.float32(0.0)  # every key below the limit is in the sorted part
        self.households = households[:0]
        self.keys = keys[:0]
        self.position = 0
        self.level = 0.0
        self._nobody = households[:0]
        self._next = self._limit  # no key still in line is below this one

    def raise_level(self, hazard: float) -> np.ndarray:
        """Add a day's hazard; return the households newly reached (not yet released)."""
        self.level += hazard
        # Compare in float32: a float64 level would make searchsorted convert the whole array.
        level = np.float32(self.level)
        if level < self._next:  # nobody reached: most groups on most days, without a search
            return self._nobody
        if level >= self._limit:
            self._sort_through(_octave_of(float(level)))
        end = int(self.keys.searchsorted(level, side="right"))
        return self.households[self.position : end]

    def release(self, count: int) -> None:
        """Mark the first `count` reached households as handled."""
        self.position += count
        self._find_next()

    def _find_next(self) -> None:
        """The first key still in line (the limit, if the sorted part is used up)."""
        self._next = self.keys[self.position] if self.position < len(self.keys) else self._limit

    def _sort_through(self, last: int) -> None:
        """Sort the octaves after the sorted part, up to `last`, onto its end."""
        first = self._sorted_octave + 1
        start = self._octave_ends[first - LOWEST - 1] if first > LOWEST else 0
        end = self._octave_ends[last - LOWEST]
        order = np.argsort(self._unsorted_keys[start:end])
        # Drop what was released: nothing can return to it, and it would only be copied.
        self.keys = np.concatenate(
            (self.keys[self.position :], self._unsorted_keys[start:end][order])
        )
        self.households = np.concatenate(
            (self.households[self.position :], self._unsorted[start:end][order])
        )
        self.position = 0
        self._sorted_octave = last
        self._limit = np.float32(np.inf if last == HIGHEST else 2.0**last)
        self._find_next()
