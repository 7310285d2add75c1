"""First- and total-order Sobol' indices of the headline outputs, with bootstrap intervals.

The `sobol_indices` design runs Saltelli's A, B and AB_i points (see `experiments.sweep.designs`);
each point's output is the mean over its replicates (every point uses the same seeds: common
random numbers, so replicate noise does not pass for sensitivity). The indices come from
`scipy.stats.sobol_indices` given those evaluations; the 90% intervals from a seeded percentile
bootstrap over the n base rows (scipy's own `bootstrap()` method cannot be seeded).

`sobol_precision` says whether the indices can be read as they stand. With few base points the
estimators are noisy (indices above 1 or below 0 are sampling error, not sensitivity): the
sample is flagged too small when the widest 90% interval of an index is wider than
`MAX_INTERVAL_WIDTH` (0.2, i.e. about +-0.1: our choice, enough to tell a main factor from a
minor one), or when there are fewer than `MIN_BASE_POINTS` base points, below which the
bootstrap, resampling so few rows, is itself unreliable. The intervals narrow about as
1/sqrt(n), so the width gives the n that would bring them under the limit: on this model,
typically several hundred to a thousand or more base points, the base sample sizes commonly
used with these estimators (hundreds to thousands; e.g. Saltelli et al. 2010).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import sobol_indices

from experiments.sweep.designs import DESIGN_STREAM
from experiments.sweep.figures import save
from experiments.sweep.plan import SweepPlan

OUTPUTS = ("total", "khyber_pakhtunkhwa", "balochistan", "other", "deported", "peak_queue")
RESAMPLES = 1000
LEVEL = 0.90
MAX_INTERVAL_WIDTH = 0.2  # widest acceptable 90% interval of an index (about +-0.1)
MIN_BASE_POINTS = 32  # fewer base rows than this: the bootstrap itself cannot be trusted


def sobol_table(plan: SweepPlan, points: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    """One row per output x factor: indices and 90% bootstrap intervals, or None and why not."""
    n, d = plan.sweep.points or 0, len(plan.sweep.factors)
    outputs = [name for name in OUTPUTS if f"{name}_mean" in points.columns]
    values = points[[f"{name}_mean" for name in outputs]].to_numpy(dtype=float).T
    missing = int(np.isnan(values).any(axis=0).sum())
    if missing or not outputs:
        return None, f"Sobol' indices not computed: {missing} points have no successful run"
    f_a, f_b = values[:, :n], values[:, n : 2 * n]
    f_ab = values[:, 2 * n :].reshape(len(outputs), d, n).transpose(1, 0, 2)
    first, total = _indices(f_a, f_b, f_ab, n)
    rng = np.random.default_rng(
        np.random.SeedSequence(plan.sweep.entropy, spawn_key=(DESIGN_STREAM, 1))
    )
    draws = [_indices(f_a[:, i], f_b[:, i], f_ab[:, :, i], n) for i in _resamples(rng, n)]
    tail = 100 * (1 - LEVEL) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an output that never varies has only NaN draws
        low, high = np.nanpercentile(np.array(draws), [tail, 100 - tail], axis=0)
    rows = []
    for s, output in enumerate(outputs):
        for j, factor in enumerate(plan.sweep.factors):
            rows.append(
                {
                    "output": output,
                    "factor": factor.name,
                    "role": factor.role,
                    "first_order": first[s, j],
                    "first_order_low": low[0, s, j],
                    "first_order_high": high[0, s, j],
                    "total_order": total[s, j],
                    "total_order_low": low[1, s, j],
                    "total_order_high": high[1, s, j],
                    "base_points": n,
                    "replicates": plan.sweep.replicates,
                }
            )
    note = (
        f"Sobol' indices from {n} base points x {d + 2} ({n * (d + 2)} points), "
        f"{LEVEL:.0%} bootstrap intervals"
    )
    return pd.DataFrame(rows), note


def sobol_precision(table: pd.DataFrame, n: int) -> dict:
    """Whether the indices are precise enough to read: the widest 90% interval (and where),
    the base points that would narrow it to MAX_INTERVAL_WIDTH, and a warning if not."""
    widest, where = 0.0, ""
    for order in ("first_order", "total_order"):
        width = (table[f"{order}_high"] - table[f"{order}_low"]).to_numpy(dtype=float)
        if np.isfinite(width).any():
            i = int(np.nanargmax(width))
            if width[i] > widest:
                row = table.iloc[i]
                widest = float(width[i])
                where = f"{order.replace('_', ' ')}, {row['factor']} on {row['output']}"
    # Widths shrink about as 1/sqrt(n): the power of 2 that would bring the widest under limit.
    needed = n * (widest / MAX_INTERVAL_WIDTH) ** 2
    suggested = max(n, MIN_BASE_POINTS, 2 ** math.ceil(math.log2(max(needed, 1))))
    problems = []
    if widest > MAX_INTERVAL_WIDTH:
        problems.append(
            f"the widest {LEVEL:.0%} interval is {widest:.2f} wide ({where}; "
            f"limit {MAX_INTERVAL_WIDTH})"
        )
    if n < MIN_BASE_POINTS:
        problems.append(f"{n} base points are too few to trust the bootstrap ({MIN_BASE_POINTS}+)")
    warning = None
    if problems:
        warning = (
            f"too few points for stable Sobol' indices: {' and '.join(problems)}. Treat the "
            "indices as rough (values above 1 or below 0 are sampling error); about "
            f"points = {suggested} would narrow the intervals to {MAX_INTERVAL_WIDTH}"
        )
    return {
        "base_points": n,
        "widest_interval": round(widest, 4),
        "widest_at": where,
        "max_interval_width": MAX_INTERVAL_WIDTH,
        "min_base_points": MIN_BASE_POINTS,
        "suggested_base_points": suggested,
        "stable": warning is None,
        "warning": warning,
    }


def _resamples(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    return [rng.integers(0, n, n) for _ in range(RESAMPLES)]


def _indices(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray, n: int) -> np.ndarray:
    """First and total order, shape (2, outputs, factors); NaN where an output does not vary."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=n)
    shape = (f_a.shape[0], f_ab.shape[0])
    return np.array([np.reshape(result.first_order, shape), np.reshape(result.total_order, shape)])


def draw_indices(table: pd.DataFrame, path: Path, warning: str | None = None) -> None:
    """Bar plot: first- and total-order index of each factor, one panel per output (with a
    caption when the sample is too small for stable indices)."""
    outputs = list(dict.fromkeys(table["output"]))
    factors = list(dict.fromkeys(table["factor"]))
    columns = min(3, len(outputs))
    rows = -(-len(outputs) // columns)
    height = 0.45 * len(factors) + 1.5
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(2.5 + 3.3 * columns, height * rows),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    y = np.arange(len(factors))
    for ax, output in zip(axes.flat, outputs, strict=False):
        part = table[table["output"] == output].set_index("factor").loc[factors]
        for offset, order, colour in (
            (-0.2, "first_order", "tab:blue"),
            (0.2, "total_order", "tab:orange"),
        ):
            value = part[order].to_numpy(dtype=float)
            error = np.abs(np.vstack([value - part[f"{order}_low"], part[f"{order}_high"] - value]))
            ax.barh(y + offset, value, height=0.4, color=colour, label=order.replace("_", " "))
            ax.errorbar(
                value, y + offset, xerr=error, fmt="none", ecolor="black", lw=0.8, capsize=2
            )
        ax.set_title(output, fontsize=10)
        ax.axvline(0, color="grey", lw=0.6)
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].set_yticks(y, factors)
    for ax in axes[:, 0]:
        ax.tick_params(axis="y", labelsize=8)
    axes[0, 0].invert_yaxis()  # shared: once inverts every panel
    for ax in list(axes.flat)[len(outputs) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=8, loc="lower right")
    fig.suptitle(f"Sobol' indices with {LEVEL:.0%} bootstrap intervals", fontsize=11)
    if warning:
        base = int(table["base_points"].iloc[0])
        fig.text(
            0.5,
            0.005,
            f"Too few points for stable indices ({base} base points; see the manifest's "
            "sobol_precision): read them as rough",
            ha="center",
            va="bottom",
            fontsize=8,
            color="tab:red",
        )
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    else:
        fig.tight_layout()
    save(fig, path)
