"""The figures of a run: daily crossings, cumulative departures against the reported totals,
the remaining stock and the queues. Replicates are drawn as a median line with a 5-95% band."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from experiments.core.plotting import (
    ROUTE_COLOURS,
    ROUTE_LABELS,
    STATUS_COLOURS,
    STATUS_LABELS,
    band,
    mark_policy,
    reported_targets,
    returns_window,
    route_series,
    status_series,
)
from experiments.core.replicates import ReplicateResult
from model.population import State
from model.scenario import Scenario
from model.schema import ROUTES, STATUSES, UNDOCUMENTED


def _finish(fig, ax, title: str, ylabel: str, path: Path) -> None:
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def daily_crossings(results, scenario: Scenario, path: Path) -> None:
    series = route_series(results, scenario)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for route in ROUTES:
        band(ax, results[0].dates, series[route], ROUTE_COLOURS[route], ROUTE_LABELS[route])
    mark_policy(ax, scenario)
    _finish(
        fig,
        ax,
        f"Daily crossings by route — {scenario.name} ({len(results)} replicates, 5–95% band)",
        "persons per day",
        path,
    )


def cumulative_departures(results, scenario: Scenario, path: Path) -> None:
    series = route_series(results, scenario)
    start = scenario.timeline.index(scenario.timeline.count_start)
    dates = results[0].dates[start:]
    targets = reported_targets()
    fig, ax = plt.subplots(figsize=(9, 5))
    for route in (*ROUTES, "total"):
        cumulative = np.cumsum(series[route][:, start:], axis=1)
        band(ax, dates, cumulative, ROUTE_COLOURS[route], ROUTE_LABELS[route])
        if route in targets:
            value, when = targets[route]
            ax.plot(when, value, marker="D", color=ROUTE_COLOURS[route], ms=7, mec="white")
    ax.plot([], [], "D", color="grey", label="reported (interior ministry, 2 Jan 2024)")
    mark_policy(ax, scenario)
    _finish(
        fig,
        ax,
        f"Cumulative departures since {scenario.timeline.count_start:%d %b %Y} — {scenario.name}",
        "persons",
        path,
    )


def remaining_stock(results, scenario: Scenario, path: Path) -> None:
    remaining = np.stack(
        [r.ledger.states[:, : State.DEPARTED, UNDOCUMENTED].sum(axis=1) for r in results]
    )
    targets = reported_targets()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    band(ax, results[0].dates, remaining, "tab:purple", "undocumented still in Pakistan")
    if "remaining" in targets:
        value, when = targets["remaining"]
        ax.plot(when, value, "D", color="tab:purple", mec="white", ms=7, label="reported")
    mark_policy(ax, scenario)
    _finish(fig, ax, f"Remaining undocumented stock — {scenario.name}", "persons", path)


def queues(results, scenario: Scenario, path: Path) -> None:
    queue = np.stack([r.ledger.queue for r in results])
    fig, ax = plt.subplots(figsize=(9, 4.5))
    colours = plt.get_cmap("tab10")
    for index, spec in enumerate(scenario.checkpoints):
        if queue[:, :, index].max() > 0:
            band(ax, results[0].dates, queue[:, :, index], colours(index), spec.name)
    mark_policy(ax, scenario)
    _finish(fig, ax, f"Persons queueing at each crossing — {scenario.name}", "persons", path)


def cumulative_by_status(results, scenario: Scenario, path: Path) -> None:
    """Returns by legal status since `timeline.returns_count_start` (15 Sep 2023, when the UN
    and IOM begin their count), over the whole run."""
    series = status_series(results, scenario)
    dates = results[0].dates[returns_window(scenario)]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for status in STATUSES:
        if status in series:
            band(ax, dates, series[status], STATUS_COLOURS[status], STATUS_LABELS[status])
    if len(series) > 2:  # more than one status: their sum too
        band(ax, dates, series["all"], "black", "all statuses")
    mark_policy(ax, scenario)
    since = f"{dates[0]:%d %b %Y}"
    _finish(fig, ax, f"Departures by legal status since {since} — {scenario.name}", "persons", path)


FIGURES = {
    "daily_crossings.png": daily_crossings,
    "cumulative_departures.png": cumulative_departures,
    "remaining_stock.png": remaining_stock,
    "queues.png": queues,
    "cumulative_by_status.png": cumulative_by_status,
}


def draw_all(results: list[ReplicateResult], scenario: Scenario, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in FIGURES.items():
        draw(results, scenario, folder / name)
        paths.append(folder / name)
    return paths
