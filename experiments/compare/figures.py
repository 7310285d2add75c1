"""Figures of a comparison: cumulative departures by route for every run, and each run's
differences from the reference with 90% intervals."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.core.plotting import ROUTE_LABELS, reported_targets
from model.schema import ROUTES

PANELS = (*ROUTES, "total")


def _thousands(axis) -> None:
    axis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))


def cumulative(table: pd.DataFrame, path: Path) -> None:
    """One panel per route (and the total): median line and 5-95% band of each run."""
    runs = list(dict.fromkeys(table["run"]))
    colours = plt.get_cmap("tab10" if len(runs) <= 10 else "tab20")
    targets = _targets()
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5), sharex=True)
    for ax, route in zip(axes.flat, PANELS, strict=True):
        for index, run in enumerate(runs):
            part = table[(table["run"] == run) & (table["route"] == route)]
            dates = pd.to_datetime(part["date"])
            colour = colours(index % colours.N)
            width = 2.2 if index == 0 else 1.2
            ax.plot(dates, part["p50"], color=colour, lw=width, label=run)
            ax.fill_between(dates, part["p5"], part["p95"], color=colour, alpha=0.15, lw=0)
        if route in targets:
            value, when = targets[route]
            ax.plot(when, value, "D", color="black", ms=6, mec="white", label="reported")
        ax.set_title(ROUTE_LABELS[route], fontsize=10)
        ax.grid(alpha=0.3)
        _thousands(ax.yaxis)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    axes[0, 0].set_ylabel("persons")
    axes[1, 0].set_ylabel("persons")
    axes[1, 1].legend(fontsize=7, loc="upper left", ncol=1 + len(runs) // 6)
    fig.suptitle(
        f"Cumulative departures by route (median, 5-95% band over replicates); "
        f"reference: {runs[0]}",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _targets() -> dict:
    try:
        return reported_targets()
    except (OSError, KeyError, ValueError):  # the targets file is the calibration's to change
        return {}


def differences(table: pd.DataFrame, path: Path) -> None:
    """One panel per output: each run's difference from the reference and its 90% interval."""
    # Outputs the reference lacks (e.g. acc_departed against a run without ACC) have no panel.
    compared = table.groupby("output", sort=False)["difference"].apply(lambda d: d.notna().any())
    outputs = list(compared[compared].index)
    runs = list(dict.fromkeys(table["run"]))
    columns = min(4, max(1, len(outputs)))
    rows = -(-len(outputs) // columns)
    height = max(2.2, 0.35 * len(runs) + 1.2)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, height * rows), squeeze=False)
    y = np.arange(len(runs))
    for ax, output in zip(axes.flat, outputs, strict=False):
        part = table[table["output"] == output].set_index("run").reindex(runs)
        centre = part["difference"].to_numpy(dtype=float)
        low = centre - part["difference_ci90_low"].to_numpy(dtype=float)
        high = part["difference_ci90_high"].to_numpy(dtype=float) - centre
        ax.errorbar(centre, y, xerr=np.abs([low, high]), fmt="o", ms=4, capsize=2, lw=1)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, runs if ax in axes[:, 0] else [""] * len(runs), fontsize=8)
        ax.invert_yaxis()
        ax.set_title(output, fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))
        _thousands(ax.xaxis)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(outputs) :]:
        ax.set_visible(False)
    fig.suptitle("Difference from the reference (persons; 90% interval of the mean)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
