"""What every figure shares: route names and colours, the reported totals, a median line
with a 5-95% band over replicates, and the policy calendar marked on a time axis."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import numpy as np

from experiments.core.replicates import ReplicateResult
from experiments.observed.observations import DEFAULT_OBSERVATIONS, load_observations
from model.scenario import Scenario
from model.schema import ROUTES, STATUSES, UNDOCUMENTED

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


STATUS_LABELS = {"undocumented": "undocumented", "acc": "ACC holders", "por": "PoR holders"}
STATUS_COLOURS = {"undocumented": "tab:red", "acc": "tab:olive", "por": "tab:cyan"}


def returns_window(scenario: Scenario) -> slice:
    """The days from `timeline.returns_count_start` (UN/IOM count returns from 15 Sep 2023), or
    from the run's first day if that is later, to its end."""
    first = max(0, scenario.timeline.index(scenario.timeline.returns_count_start))
    return slice(min(first, scenario.timeline.days - 1), scenario.timeline.days)


def status_series(results: list[ReplicateResult], scenario: Scenario) -> dict[str, np.ndarray]:
    """Cumulative departures (crossings) of each legal status modelled, counted from
    `returns_window`: arrays of replicates x its days; "all" sums the statuses."""
    window = returns_window(scenario)
    crossed = np.stack([r.ledger.crossed[window].sum(axis=1) for r in results])
    series = {
        status: np.cumsum(crossed[:, :, index], axis=1)
        for index, status in enumerate(STATUSES)
        if scenario.population.persons(status)
    }
    series["all"] = np.cumsum(crossed.sum(axis=2), axis=1)
    return series


REPORTED_SERIES = "ministry"  # the interior ministry's figures of 2 January 2024


def reported_targets(path: Path = DEFAULT_OBSERVATIONS) -> dict[str, tuple[int, date]]:
    """The interior ministry's figures drawn on the plots, by route, `total` and `remaining`,
    with their dates (the rows of series `ministry` in the observations file)."""
    figures = {}
    for o in load_observations(path):
        if o.series != REPORTED_SERIES or o.use == "none":
            continue
        if o.quantity == "remaining":
            figures["remaining"] = (int(o.value), o.date)
        elif o.places == ("all",):
            figures["total"] = (int(o.value), o.date)
        elif len(o.places) == 1 and o.places[0] in ROUTES:
            figures[o.places[0]] = (int(o.value), o.date)
    return figures


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
