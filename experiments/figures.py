"""The figures of a run: daily crossings, cumulative departures against the reported totals,
the remaining stock and the queues. Replicates are drawn as a median line with a 5-95% band."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from experiments.calibration.targets import DEFAULT_TARGETS, load_targets
from experiments.runner import ReplicateResult
from model.population import State
from model.scenario import Scenario
from model.schema import ROUTES, UNDOCUMENTED

ROUTE_LABELS = {
    "khyber_pakhtunkhwa": "Khyber Pakhtunkhwa",
    "balochistan": "Balochistan",
    "other": "Other (IBMS)",
    "total": "Total",
}
ROUTE_COLOURS = {
    "khyber_pakhtunkhwa": "tab:blue",
    "balochistan": "tab:orange",
    "other": "tab:green",
    "total": "black",
}


def reported_targets(path: Path = DEFAULT_TARGETS) -> dict[str, tuple[int, date]]:
    """The reported figures drawn on the plots: primary and derived targets, at their dates."""
    return {
        t.quantity: (int(t.value), t.period_end)
        for t in load_targets(path)
        if t.kind in ("primary", "derived")
    }


def route_series(results: list[ReplicateResult], scenario: Scenario) -> dict[str, np.ndarray]:
    """Daily crossings of undocumented persons by route: arrays of replicates x days."""
    routes = scenario.checkpoint_routes
    crossed = np.stack([r.ledger.crossed[:, :, UNDOCUMENTED] for r in results])
    series = {route: crossed[:, :, routes == route].sum(axis=2) for route in ROUTES}
    series["total"] = crossed.sum(axis=2)
    return series


def band(ax, dates, values: np.ndarray, colour: str, label: str) -> None:
    low, mid, high = np.percentile(values, [5, 50, 95], axis=0)
    ax.plot(dates, mid, color=colour, label=label, lw=1.6)
    if len(values) > 1:
        ax.fill_between(dates, low, high, color=colour, alpha=0.2, lw=0)


def mark_policy(ax, scenario: Scenario) -> None:
    """Vertical lines, labelled, at each phase's announcement and deadline and at each change
    of a crossing's capacity."""
    marks = []
    for phase in scenario.phases:
        suffix = f" ({phase.id})" if len(scenario.phases) > 1 else ""
        marks.append((phase.announcement, f"announcement{suffix}", ":", "grey"))
        marks.append((phase.deadline, f"deadline{suffix}", "--", "grey"))
    names = {checkpoint.id: checkpoint.name for checkpoint in scenario.checkpoints}
    for change in scenario.capacity_changes:
        label = f"{names[change.checkpoint]} capacity ×{change.capacity_factor:g}"
        marks.append((change.date, label, "-.", "tab:red"))
    for when, label, style, colour in marks:
        if scenario.timeline.start <= when <= scenario.timeline.end:
            ax.axvline(when, color=colour, ls=style, lw=1)
            ax.annotate(
                label,
                (mdates.date2num(when), 1.0),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
                fontsize=8,
                color=colour,
            )


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


FIGURES = {
    "daily_crossings.png": daily_crossings,
    "cumulative_departures.png": cumulative_departures,
    "remaining_stock.png": remaining_stock,
    "queues.png": queues,
}


def draw_all(results: list[ReplicateResult], scenario: Scenario, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in FIGURES.items():
        draw(results, scenario, folder / name)
        paths.append(folder / name)
    return paths
