"""Exact random draws for population synthesis, cheaper than numpy's general-purpose ones.

Synthesis draws a few values for each of about 243,000 households; numpy's Poisson (for small
means) and Beta samplers cost 60-80 ns a value, uniforms about 4 ns. Both helpers here turn
uniforms into draws of exactly the required distribution.
"""

from __future__ import annotations

import math

import numpy as np

# Guide-table buckets: with many more buckets than table entries, few values need a search.
BUCKETS = 4096


def search_sorted_table(
    table: np.ndarray, values: np.ndarray, low: float, high: float
) -> np.ndarray:
    """`np.searchsorted(table, values, side="right")` for a short sorted table, faster.

    A guide table (Chen and Asau 1974) splits [low, high) into equal buckets: a value whose
    bucket holds no table entry has the same answer as the whole bucket, read from the guide;
    only values in the few buckets that hold an entry are searched. The result is identical to
    searchsorted's (bucket numbers are a monotone function of the value, so an entry in an
    earlier bucket is never above the value, nor one in a later bucket below it). Values must
    lie in [low, high).
    """
    table = np.asarray(table, dtype=float)
    scale = BUCKETS / (high - low)
    entry_bucket = ((table - low) * scale).astype(np.intp)
    # One spare bucket catches a value rounded up to `high`; it is always searched.
    guide = np.searchsorted(entry_bucket, np.arange(BUCKETS + 1), side="left")
    holds_entry = np.zeros(BUCKETS + 1, dtype=bool)
    holds_entry[np.minimum(entry_bucket, BUCKETS)] = True
    holds_entry[BUCKETS] = True
    bucket = ((values - low) * scale).astype(np.intp)
    index = guide[bucket]
    searched = np.flatnonzero(holds_entry[bucket])
    index[searched] = np.searchsorted(table, values[searched], side="right")
    return index


def capped_poisson_cdf(mean: float, cap: int) -> np.ndarray:
    """CDF of min(Poisson(mean), cap) at 0..cap (the last entry is exactly 1)."""
    pmf = [math.exp(-mean)]
    for k in range(1, cap):
        pmf.append(pmf[-1] * mean / k)
    cdf = np.cumsum(pmf)
    return np.append(np.minimum(cdf, 1.0), 1.0)


def capped_poisson(mean: float, cap: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` draws of min(Poisson(mean), cap), by inverse transform of one uniform each."""
    cdf = capped_poisson_cdf(mean, cap)
    return search_sorted_table(cdf[:-1], rng.random(count), 0.0, 1.0)


def beta(a: float, b: float, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` draws of Beta(a, b), as float32.

    When a and b are whole numbers with a + b <= 4, Beta(a, b) is exactly the a-th smallest of
    a + b - 1 independent uniforms (e.g. Beta(2, 2) is the median of three), which costs a
    fraction of numpy's sampler; other shapes use numpy's.
    """
    if a == int(a) and b == int(b) and a + b <= 4:
        return _uniform_order_statistic(int(a), int(a + b - 1), count, rng)
    return rng.beta(a, b, count).astype(np.float32)


def _uniform_order_statistic(rank: int, of: int, count: int, rng: np.random.Generator):
    u = rng.random((of, count), dtype=np.float32)
    if of == 1:
        return u[0]
    if of == 2:
        return np.minimum(u[0], u[1]) if rank == 1 else np.maximum(u[0], u[1])
    low, high = np.minimum(u[0], u[1]), np.maximum(u[0], u[1])
    if rank == 1:
        return np.minimum(low, u[2])
    if rank == 3:
        return np.maximum(high, u[2])
    return np.maximum(low, np.minimum(high, u[2]))
