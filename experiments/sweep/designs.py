"""Designs: the points of a sweep, each a value for every factor.

- `grid`: every combination of the factors' levels (first factor varies slowest);
- `lhs`: `scipy.stats.qmc.LatinHypercube`; `sobol`: scrambled `qmc.Sobol` (power-of-2 points);
- `sobol_indices`: Saltelli's A, B and AB_i matrices for first- and total-order Sobol' indices
  (n base points give n x (d + 2) points, in the order A, B, AB_0, ..., AB_{d-1}, as
  `scipy.stats.sobol_indices` expects).

The design's random numbers come from their own stream of the sweep's entropy,
`SeedSequence(entropy, spawn_key=(DESIGN_STREAM,))`, apart from the replicate seeds
(`spawn_key=(point, replicate)`), so adding replicates never moves the points.
"""

from __future__ import annotations

import itertools
import math
from datetime import timedelta
from typing import Any

import numpy as np
from scipy.stats import qmc

from experiments.sweep.definition import Factor, SweepDefinition

DESIGN_STREAM = 2**32 - 1


def design_rng(entropy: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(DESIGN_STREAM,)))


def design_points(sweep: SweepDefinition) -> list[dict[str, Any]]:
    """The sweep's points: one {factor name: value} per point, in point order."""
    factors = sweep.factors
    if sweep.design == "grid":
        combos = itertools.product(*(grid_levels(f) for f in factors))
        return [dict(zip((f.name for f in factors), combo, strict=True)) for combo in combos]
    unit = unit_sample(sweep.design, sweep.points or 0, len(factors), design_rng(sweep.entropy))
    return [from_unit(factors, row) for row in unit]


def unit_sample(design: str, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """Points in the unit cube, one row per point."""
    if design == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(n)
    if design == "sobol":
        return qmc.Sobol(d, scramble=True, rng=rng).random_base2(int(math.log2(n)))
    if design == "sobol_indices":
        return saltelli_matrices(n, d, rng)
    raise ValueError(f"no unit sample for design {design!r}")


def saltelli_matrices(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """A, B and AB_i stacked: n x (d + 2) rows. AB_i is A with column i taken from B.

    A and B are the two halves of one 2d-dimensional scrambled Sobol' sample (Saltelli et al.
    2010, sec. 5), as in `scipy.stats.sobol_indices`.
    """
    both = qmc.Sobol(2 * d, scramble=True, rng=rng).random_base2(int(math.log2(n)))
    a, b = both[:, :d], both[:, d:]
    mixed = []
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        mixed.append(ab)
    return np.vstack([a, b, *mixed])


def from_unit(factors: tuple[Factor, ...], row: np.ndarray) -> dict[str, Any]:
    return {f.name: value_from_unit(f, float(u)) for f, u in zip(factors, row, strict=True)}


def value_from_unit(factor: Factor, u: float) -> Any:
    """Map u in [0, 1) to a value: uniform over the range (whole numbers and days uniform over
    their values), or a uniform choice among the listed values."""
    if factor.values:
        return factor.values[_index(u, len(factor.values))]
    if factor.kind == "float":
        return float(qmc.scale([[u]], [factor.low], [factor.high])[0, 0])
    if factor.kind == "int":
        return factor.low + _index(u, factor.high - factor.low + 1)
    span = (factor.high - factor.low).days
    return factor.low + timedelta(days=_index(u, span + 1))


def _index(u: float, count: int) -> int:
    return min(math.floor(u * count), count - 1)


def grid_levels(factor: Factor) -> list[Any]:
    """The values a grid takes for a factor: its list, or `levels` evenly spaced values."""
    if factor.values:
        return list(factor.values)
    steps = np.linspace(0.0, 1.0, factor.levels or 2)
    if factor.kind == "float":
        # 12 significant digits: 0.0015, not 0.0015000000000000002, in tables and file names.
        levels = np.linspace(factor.low, factor.high, len(steps))
        return [float(f"{v:.12g}") for v in levels]
    if factor.kind == "int":
        return sorted({round(factor.low + s * (factor.high - factor.low)) for s in steps})
    span = (factor.high - factor.low).days
    return sorted({factor.low + timedelta(days=round(s * span)) for s in steps})


def point_overrides(factors: tuple[Factor, ...], point: dict[str, Any]) -> dict[str, Any]:
    """Dotted-key overrides for one point, parameters shifted with a factor included."""
    overrides: dict[str, Any] = {}
    for factor in factors:
        overrides.update(factor.overrides(point[factor.name]))
    return overrides
