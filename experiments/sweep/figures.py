"""Figures of a sweep: a response curve for the first factor, a heat map for the first two, and
the trade-off between departures, deportations and the peak queue.

Intervals are 5-95% over replicates (pooled over any other factors of a grid)."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.core.outputs import write_atomic
from experiments.sweep.definition import Factor
from experiments.sweep.plan import SweepPlan

RESPONSES = {
    "total": "departures (persons)",
    "deported": "deportations (persons)",
    "peak_queue": "peak queue (persons)",
}
MAX_LINES = 6


def draw_all(plan: SweepPlan, runs: pd.DataFrame, points: pd.DataFrame, folder: Path) -> list[str]:
    """Draw what the design allows; returns notes on what was left out and why."""
    ok = runs[runs["error"] == ""]
    if ok.empty:
        return ["no successful run: no figures"]
    folder.mkdir(parents=True, exist_ok=True)
    factors = plan.sweep.factors
    grid = plan.sweep.design == "grid"
    response(ok, points, factors, grid, folder / "response.png")
    notes = []
    if len(factors) >= 2:
        heat_map(ok, points, factors, grid, folder / "heat_map.png")
    else:
        notes.append("one factor: no heat map")
    tradeoff(points, folder / "tradeoff.png")
    return notes


def save(fig, path: Path) -> None:
    """Write the PNG atomically: a half-written figure never replaces a good one."""
    png = io.BytesIO()
    fig.savefig(png, dpi=110, format="png")
    plt.close(fig)
    write_atomic(path, png.getvalue())


def axis_values(factor: Factor, column: pd.Series) -> tuple[pd.Series, list | None]:
    """Values to plot a factor's column on an axis, and category labels if it has no scale."""
    if factor.kind == "date":
        return pd.to_datetime(column), None
    if factor.kind in ("int", "float"):
        return column.astype(float), None
    labels = list(dict.fromkeys(str(v) for v in (factor.values or column)))
    return column.astype(str).map(labels.index).astype(float), labels


def _label_axis(ax, factor: Factor, labels: list | None, axis: str = "x") -> None:
    getattr(ax, f"set_{axis}label")(f"{factor.name} ({factor.role})", fontsize=9)
    if labels:
        getattr(ax, f"set_{axis}ticks")(range(len(labels)), labels)
    if factor.kind == "date":
        # A few ticks, labelled concisely (day numbers, the month at its start, the year once
        # at the axis end): full ISO dates on a panel this narrow run into each other.
        locator = matplotlib.dates.AutoDateLocator(minticks=3, maxticks=6)
        formatter = matplotlib.dates.ConciseDateFormatter(locator)
        ends = factor.values or (factor.low, factor.high)
        if len({(d.year, d.month) for d in (min(ends), max(ends))}) > 1:
            # Months are named on the ticks; the offset would name only the last one.
            formatter.offset_formats[2] = "%Y"
        scale = getattr(ax, f"{axis}axis")
        scale.set_major_locator(locator)
        scale.set_major_formatter(formatter)
        ax.tick_params(axis=axis, labelsize=8)
    elif axis == "x":
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)


def response(ok, points, factors: tuple[Factor, ...], grid: bool, path: Path) -> None:
    first = factors[0]
    fig, axes = plt.subplots(1, len(RESPONSES), figsize=(4.6 * len(RESPONSES), 4))
    split = factors[1] if grid and len(factors) > 1 else None
    if split is not None and ok[split.name].nunique() > MAX_LINES:
        split = None
    for ax, (output, label) in zip(axes, RESPONSES.items(), strict=True):
        if grid:
            _grid_curves(ax, ok, first, split, output)
        else:
            x, _labels = axis_values(first, points[first.name])
            mid = points[f"{output}_mean"]
            spread = [mid - points[f"{output}_p5"], points[f"{output}_p95"] - mid]
            ax.errorbar(x, mid, yerr=np.abs(spread), fmt="o", ms=3, lw=0.6, alpha=0.7)
        _label_axis(ax, first, axis_values(first, ok[first.name])[1])
        ax.set_ylabel(label, fontsize=9)
        low, high = ax.get_ylim()
        if high - low < 2:  # an output that hardly varies (e.g. no queue): not 0, 0, -0 ticks
            middle = round((low + high) / 2)
            ax.set_ylim(middle - 1 if middle > 0 else -0.1, middle + 1)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # persons
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.grid(alpha=0.3)
    if split is not None:
        axes[0].legend(title=split.name, fontsize=7, title_fontsize=7)
    how = "mean, 5-95% band over replicates" if grid else "point means, 5-95% over replicates"
    fig.suptitle(f"Response to {first.name} ({how})", fontsize=11)
    fig.tight_layout()
    save(fig, path)


def _grid_curves(ax, ok, first: Factor, split: Factor | None, output: str) -> None:
    groups = [(None, ok)] if split is None else list(ok.groupby(split.name, sort=True))
    for level, part in groups:
        stats = part.groupby(first.name)[output].agg(
            mean="mean", low=lambda v: v.quantile(0.05), high=lambda v: v.quantile(0.95)
        )
        x, _ = axis_values(first, pd.Series(stats.index))
        label = None if split is None else f"{level}"
        line = ax.plot(x, stats["mean"].to_numpy(), marker="o", ms=3, label=label)[0]
        ax.fill_between(
            x,
            stats["low"].astype(float),
            stats["high"].astype(float),
            color=line.get_color(),
            alpha=0.15,
            lw=0,
        )


def heat_map(ok, points, factors: tuple[Factor, ...], grid: bool, path: Path) -> None:
    first, second = factors[0], factors[1]
    fig, ax = plt.subplots(figsize=(7, 5))
    if grid:
        table = ok.pivot_table(
            index=first.name, columns=second.name, values="total", aggfunc="mean"
        )
        image = ax.imshow(
            table.to_numpy(dtype=float), aspect="auto", cmap="viridis", origin="lower"
        )
        values = table.to_numpy(dtype=float)
        for (i, j), value in np.ndenumerate(values):
            bright = image.norm(value) > 0.6  # dark text on the light end of the colour map
            colour = "black" if bright else "white"
            ax.text(j, i, f"{value:,.0f}", ha="center", va="center", fontsize=7, color=colour)
        ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns])
        ax.set_yticks(range(len(table.index)), [str(i) for i in table.index])
        ax.set_xlabel(f"{second.name} ({second.role})", fontsize=9)
        ax.set_ylabel(f"{first.name} ({first.role})", fontsize=9)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    else:
        x, xlabels = axis_values(second, points[second.name])
        y, ylabels = axis_values(first, points[first.name])
        image = ax.scatter(x, y, c=points["total_mean"], cmap="viridis", s=30)
        _label_axis(ax, second, xlabels, "x")
        _label_axis(ax, first, ylabels, "y")
    fig.colorbar(image, ax=ax, label="mean departures (persons)", format="{x:,.0f}")
    ax.set_title("Mean departures over replicates", fontsize=11)
    fig.tight_layout()
    save(fig, path)


def tradeoff(points: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 5))
    image = ax.scatter(
        points["total_mean"],
        points["deported_mean"],
        c=points["peak_queue_mean"],
        cmap="plasma",
        s=35,
        edgecolor="black",
        lw=0.3,
    )
    if len(points) <= 30:
        for _, row in points.iterrows():
            ax.annotate(
                str(int(row["point"])),
                (row["total_mean"], row["deported_mean"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    fig.colorbar(image, ax=ax, label="peak queue at a crossing (persons)", format="{x:,.0f}")
    ax.set_xlabel("departures (persons, mean over replicates)")
    ax.set_ylabel("deportations (persons, mean over replicates)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title(
        "Trade-off: departures, deportations and the peak queue (one dot per point)", fontsize=10
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, path)
