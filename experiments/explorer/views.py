"""The explorer's charts: the scenario in colour (median, 5-95% band over replicates) with its
reference (the calibrated baseline, or the drive to 2025) drawn behind it in grey, and the
policy dates marked; the time axis follows the scenario's timeline.

Figures are built with `matplotlib.figure.Figure`, not pyplot, so that the page's threads
never share pyplot's global state.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from experiments.core.plotting import (
    ROUTE_COLOURS,
    ROUTE_LABELS,
    STATUS_COLOURS,
    STATUS_LABELS,
    band,
    mark_policy,
    reported_targets,
)
from experiments.explorer.outcome import Outcome
from model.schema import ROUTES, STATUSES

BASELINE_STYLE = {"color": "0.55", "lw": 1.2, "ls": "--"}
SIZE = (7.5, 3.6)
ENFORCEMENT_COLOURS = {"arrested": "tab:red", "detained": "tab:brown", "deported": "black"}


def reference_label(name: str) -> str:
    """How the grey reference curve is named on the page."""
    return "the calibrated baseline" if name == "baseline" else f"the reference ({name})"


def _axes(title: str, ylabel: str, outcome: Outcome):
    figure = Figure(figsize=SIZE, layout="constrained")
    ax = figure.add_subplot()
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    timeline = outcome.scenario.timeline
    long = timeline.days > 200  # months and years, not days, on a multi-year axis
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y" if long else "%d %b"))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(alpha=0.3)
    return ax


def _compared(ax, dates, values: np.ndarray, baseline: np.ndarray, colour: str, label: str):
    """The scenario's band and median over the baseline's median (same dates)."""
    ax.plot(dates, np.median(baseline, axis=0), **BASELINE_STYLE)
    band(ax, dates, values, colour, label)


def _finish(ax, outcome: Outcome, baseline: Outcome) -> Figure:
    label = reference_label(baseline.scenario.name).removeprefix("the ")
    ax.plot([], [], label=label, **BASELINE_STYLE)
    mark_policy(ax, outcome.scenario)
    # Below the axes (the constrained layout makes room): inside, it covered the policy marks.
    ax.figure.legend(fontsize=7, loc="outside lower center", ncols=4, frameon=False)
    return ax.figure


def daily_crossings(outcome: Outcome, baseline: Outcome) -> Figure:
    ax = _axes("Daily crossings by route", "persons per day", outcome)
    for route in ROUTES:
        values, base = outcome.crossings[route], baseline.crossings[route]
        _compared(ax, outcome.dates, values, base, ROUTE_COLOURS[route], ROUTE_LABELS[route])
    return _finish(ax, outcome, baseline)


def cumulative_departures(outcome: Outcome, baseline: Outcome) -> Figure:
    start = outcome.scenario.timeline.count_start
    ax = _axes(f"Cumulative departures since {start:%d %b %Y}", "persons", outcome)
    targets = reported_targets()
    for route in (*ROUTES, "total"):
        colour = ROUTE_COLOURS[route]
        values, base = outcome.cumulative[route], baseline.cumulative[route]
        _compared(ax, outcome.counted_dates, values, base, colour, ROUTE_LABELS[route])
        if route in targets:
            value, when = targets[route]
            ax.plot(when, value, marker="D", color=colour, ms=6, mec="white", ls="none")
    ax.plot([], [], "D", color="grey", label="reported, 2 Jan 2024")
    return _finish(ax, outcome, baseline)


def queues(outcome: Outcome, baseline: Outcome) -> Figure:
    ax = _axes("Persons queueing at each crossing", "persons", outcome)
    for index, spec in enumerate(outcome.scenario.checkpoints):
        queue, base = outcome.queues[:, :, index], baseline.queues[:, :, index]
        if max(queue.max(), base.max()) > 0:
            _compared(ax, outcome.dates, queue, base, f"C{index}", spec.name)
    return _finish(ax, outcome, baseline)


def enforcement(outcome: Outcome, baseline: Outcome) -> Figure:
    ax = _axes("Arrests and deportations per day; persons in detention", "persons", outcome)
    for name, colour in ENFORCEMENT_COLOURS.items():
        values, base = outcome.enforcement[name], baseline.enforcement[name]
        _compared(ax, outcome.dates, values, base, colour, name)
    return _finish(ax, outcome, baseline)


def at_home(outcome: Outcome, baseline: Outcome) -> Figure:
    ax = _axes("Persons still at home, by province", "persons", outcome)
    for index, province in enumerate(outcome.scenario.provinces):
        values, base = outcome.at_home[:, :, index], baseline.at_home[:, :, index]
        _compared(ax, outcome.dates, values, base, f"C{index}", province.name)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    return _finish(ax, outcome, baseline)


def by_status(outcome: Outcome, baseline: Outcome) -> Figure:
    dates = outcome.returns_dates
    ax = _axes(f"Departures by legal status since {dates[0]:%d %b %Y}", "persons", outcome)
    for status in STATUSES:
        if status not in outcome.by_status:
            continue
        colour, label = STATUS_COLOURS[status], STATUS_LABELS[status]
        if status in baseline.by_status:
            _compared(
                ax, dates, outcome.by_status[status], baseline.by_status[status], colour, label
            )
        else:  # the reference has none of them
            band(ax, dates, outcome.by_status[status], colour, label)
    return _finish(ax, outcome, baseline)


VIEWS = {
    "Daily crossings": daily_crossings,
    "Cumulative departures": cumulative_departures,
    "Queues": queues,
    "Arrests and deportations": enforcement,
    "Still at home": at_home,
    "By legal status": by_status,
}
