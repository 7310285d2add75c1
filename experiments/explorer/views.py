"""The explorer's charts: the scenario in colour (median, 5-95% band over replicates) with the
calibrated baseline drawn behind it in grey, and the policy dates marked.

Figures are built with `matplotlib.figure.Figure`, not pyplot, so that the page's threads
never share pyplot's global state.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from experiments.explorer.outcome import Outcome
from experiments.figures import ROUTE_COLOURS, ROUTE_LABELS, band, mark_policy, reported_targets
from model.schema import ROUTES

BASELINE_STYLE = {"color": "0.55", "lw": 1.2, "ls": "--"}
SIZE = (7.5, 3.6)
ENFORCEMENT_COLOURS = {"arrested": "tab:red", "detained": "tab:brown", "deported": "black"}


def _axes(title: str, ylabel: str) -> tuple[Figure, object]:
    figure = Figure(figsize=SIZE, layout="constrained")
    ax = figure.add_subplot()
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(alpha=0.3)
    return figure, ax


def _baseline(ax, dates, values: np.ndarray, label: str | None = None) -> None:
    ax.plot(dates, np.median(values, axis=0), label=label, **BASELINE_STYLE)


def _legend(ax) -> None:
    ax.legend(fontsize=7, loc="upper left", ncols=2, framealpha=0.8)


def daily_crossings(outcome: Outcome, baseline: Outcome) -> Figure:
    figure, ax = _axes("Daily crossings by route", "persons per day")
    for route in ROUTES:
        _baseline(ax, baseline.dates, baseline.crossings[route])
        band(ax, outcome.dates, outcome.crossings[route], ROUTE_COLOURS[route], ROUTE_LABELS[route])
    ax.plot([], [], label="calibrated baseline", **BASELINE_STYLE)
    mark_policy(ax, outcome.scenario)
    _legend(ax)
    return figure


def cumulative_departures(outcome: Outcome, baseline: Outcome) -> Figure:
    start = outcome.scenario.timeline.count_start
    figure, ax = _axes(f"Cumulative departures since {start:%d %b %Y}", "persons")
    targets = reported_targets()
    for route in (*ROUTES, "total"):
        _baseline(ax, baseline.counted_dates, baseline.cumulative[route])
        colour = ROUTE_COLOURS[route]
        band(ax, outcome.counted_dates, outcome.cumulative[route], colour, ROUTE_LABELS[route])
        if route in targets:
            value, when = targets[route]
            ax.plot(when, value, marker="D", color=colour, ms=6, mec="white", ls="none")
    ax.plot([], [], "D", color="grey", label="reported, 2 Jan 2024")
    ax.plot([], [], label="calibrated baseline", **BASELINE_STYLE)
    mark_policy(ax, outcome.scenario)
    _legend(ax)
    return figure


def queues(outcome: Outcome, baseline: Outcome) -> Figure:
    figure, ax = _axes("Persons queueing at each crossing", "persons")
    for index, spec in enumerate(outcome.scenario.checkpoints):
        queue, base = outcome.queues[:, :, index], baseline.queues[:, :, index]
        if max(queue.max(), base.max()) == 0:
            continue
        _baseline(ax, baseline.dates, base)
        band(ax, outcome.dates, queue, f"C{index}", spec.name)
    ax.plot([], [], label="calibrated baseline", **BASELINE_STYLE)
    mark_policy(ax, outcome.scenario)
    _legend(ax)
    return figure


def enforcement(outcome: Outcome, baseline: Outcome) -> Figure:
    figure, ax = _axes("Arrests and deportations per day; persons in detention", "persons")
    for name, colour in ENFORCEMENT_COLOURS.items():
        _baseline(ax, baseline.dates, baseline.enforcement[name])
        band(ax, outcome.dates, outcome.enforcement[name], colour, name)
    ax.plot([], [], label="calibrated baseline", **BASELINE_STYLE)
    mark_policy(ax, outcome.scenario)
    _legend(ax)
    return figure


def at_home(outcome: Outcome, baseline: Outcome) -> Figure:
    figure, ax = _axes("Persons still at home, by province", "persons")
    for index, province in enumerate(outcome.scenario.provinces):
        _baseline(ax, baseline.dates, baseline.at_home[:, :, index])
        band(ax, outcome.dates, outcome.at_home[:, :, index], f"C{index}", province.name)
    ax.plot([], [], label="calibrated baseline", **BASELINE_STYLE)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    mark_policy(ax, outcome.scenario)
    _legend(ax)
    return figure


VIEWS = {
    "Daily crossings": daily_crossings,
    "Cumulative departures": cumulative_departures,
    "Queues": queues,
    "Arrests and deportations": enforcement,
    "Still at home": at_home,
}
