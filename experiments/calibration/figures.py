"""A calibration's figures: the course of the drive against every observed series (the main
one), posterior marginals and pairs, and the diagnostics of each stage."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from experiments.calibration.pipeline import Calibration
from experiments.calibration.simulate import Problem
from experiments.core.plotting import ROUTE_COLOURS, ROUTE_LABELS
from experiments.observed.observation_model import Layout, daily_counts
from experiments.observed.observations import Observation

COUNTS = ("crossed", "deported", "arrested")
MARKERS = {"": "o", "lower": "^", "upper": "v"}


def draw_figures(problem: Problem, result: Calibration, predictive, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    course_figure(problem, result, predictive, folder / "course.png")
    headline_figure(problem, result, predictive, folder / "course_headline.png")
    _marginals_figure(problem, result, folder / "marginals.png")
    _pairs_figure(problem, result, folder / "pairs.png")
    _abc_figure(result, folder / "abc_diagnostics.png")
    _waves_figure(result, folder / "history_matching.png")
    _screening_figure(problem, result, folder / "screening.png")


# --- the course of the drive ----------------------------------------------------------------


def course_figure(problem: Problem, result: Calibration, predictive, path: Path) -> None:
    """One panel per observed series (shares apart): observations (triangles: bounds; grey:
    compared, not fitted) against the posterior's 50% and 90% predictive intervals at each,
    and the predictive bands of the cumulative counts over every day."""
    panels = _panels(problem.observations)
    columns = 3
    rows = int(np.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(13, 3.3 * rows), squeeze=False)
    layout = Layout.of(problem.base)
    draws = result.posterior[: len(predictive.posterior_records)]
    for ax, (title, indices) in zip(axes.ravel(), panels.items(), strict=False):
        chosen = [problem.observations[i] for i in indices]
        for o in _curve_templates(chosen):
            _cumulative_band(ax, o, predictive.posterior_records, layout, problem, draws)
        for i in indices:
            _observation(ax, problem.observations[i], predictive.posterior[:, i])
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        dates = {o.date for o in chosen}
        if len(dates) == 1:  # one date: a month around it, so that the axis has a span
            (only,) = dates
            ax.set_xlim(only - timedelta(days=15), only + timedelta(days=15))
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 5))
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    handles = [
        plt.Line2D([], [], color="black", marker="o", ls="", label="observed (fitted)"),
        plt.Line2D([], [], color="grey", marker="o", ls="", label="observed (compared only)"),
        plt.Line2D([], [], color="black", marker="^", ls="", label="lower bound"),
        plt.Line2D([], [], color="C0", lw=6, alpha=0.6, label="model, posterior 50%"),
        plt.Line2D([], [], color="C0", lw=2, alpha=0.6, label="model, posterior 90%"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8)
    fig.suptitle("The course of the drive: every observation against the calibrated model")
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def headline_figure(problem: Problem, result: Calibration, predictive, path: Path) -> None:
    """The drive's course in three panels (the README's first figure): the UN/IOM count of
    returns, departures by route with the ministry's totals and Balochistan officials' counts,
    and arrests; posterior 50% and 90% bands, observations as points."""
    bands = _Bands(problem, predictive, result.posterior[: len(predictive.posterior_records)])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    _returns_panel(axes[0], bands, problem.observations)
    _routes_panel(axes[1], bands, problem.observations)
    _arrests_panel(axes[2], bands, problem.observations, problem.base.timeline.start)
    for ax in axes:
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


@dataclass
class _Bands:
    """Draws a row's cumulative count over the posterior draws, to the run's last day."""

    problem: Problem
    predictive: object
    draws: np.ndarray

    def band(self, ax, o: Observation, colour: str = "C0", label: str | None = None) -> None:
        template = replace(o, model_to=self.problem.base.timeline.end, measure="cumulative")
        layout = Layout.of(self.problem.base)
        records = self.predictive.posterior_records
        _cumulative_band(ax, template, records, layout, self.problem, self.draws, colour, label)


def _points(ax, rows: list[Observation], colour: str = "black", label: str | None = None):
    for k, o in enumerate(rows):
        shade = colour if o.use == "fit" else "grey"
        marker = MARKERS[o.bound]
        ax.plot(o.date, o.value, marker, color=shade, ms=6, zorder=3, label=None if k else label)


def _returns_panel(ax, bands: _Bands, observations) -> None:
    rows = [o for o in observations if o.series == "un_iom_returns" and o.measure == "cumulative"]
    first = min(o.model_from for o in rows)
    rows = [o for o in rows if o.model_from == first]
    bands.band(ax, max(rows, key=lambda o: o.model_to), label="model, posterior 50% / 90%")
    _points(ax, rows, label="UN/IOM (triangles: 'more than')")
    ax.set_title(f"Returns counted by UN/IOM since {first:%d %b %Y} (every status)", fontsize=9)


def _routes_panel(ax, bands: _Bands, observations) -> None:
    for o in observations:
        route = o.places[0] if o.series == "ministry" and len(o.places) == 1 else None
        if route in ROUTE_LABELS and route != "total":
            bands.band(ax, o, ROUTE_COLOURS[route], ROUTE_LABELS[route])
            _points(ax, [o], ROUTE_COLOURS[route])
    officials = [o for o in observations if o.series == "balochistan_officials"]
    _points(ax, officials, ROUTE_COLOURS["balochistan"], "Balochistan officials")
    ax.set_title("Departures by route since 17 Sep 2023 (the ministry's count)", fontsize=9)


def _arrests_panel(ax, bands: _Bands, observations, start) -> None:
    rows = [
        o
        for o in observations
        if o.series == "arrests"
        and o.quantity == "arrested"
        and o.places == ("all",)
        and o.model_from <= start
    ]
    bands.band(ax, rows[0], "C3")
    _points(ax, rows, "C3", "UNHCR (grey: compared only)")
    ax.set_title(f"Arrests since the run's start ({start:%d %b %Y})", fontsize=9)


def _panels(observations: tuple[Observation, ...]) -> dict[str, list[int]]:
    """Panels by series, with shares, stocks and (beside cumulative counts) counts over a
    period apart, so that each panel has one scale."""
    cumulative = {o.series for o in observations if o.measure == "cumulative"}
    panels: dict[str, list[int]] = {}
    for i, o in enumerate(observations):
        if o.use == "none":
            continue
        title = o.series
        if o.is_share:
            title += " (share)"
        elif o.quantity == "remaining":
            title += " (still in the country)"
        elif o.measure != "cumulative" and o.series in cumulative:
            title += " (over a period)"
        panels.setdefault(title, []).append(i)
    return panels


def _curve_templates(observations: list[Observation]) -> list[Observation]:
    """One cumulative count per start and place: the latest row of each stands for them."""
    latest: dict[tuple, Observation] = {}
    for o in observations:
        if o.measure == "cumulative" and o.quantity in COUNTS:
            key = (o.model_from, o.places, o.status_adjustment, o.reporting, o.quantity)
            if key not in latest or o.model_to > latest[key].model_to:
                latest[key] = o
    return list(latest.values())


def _cumulative_band(
    ax, o: Observation, records, layout, problem: Problem, draws, colour="C0", label=None
) -> None:
    """The posterior's 50% and 90% bands of the row's count, cumulated from its first day
    to the run's last."""
    curves = []
    for (run, start), values in zip(records, draws, strict=False):
        levels = problem.observation_levels(values)
        counts = daily_counts(run, replace(layout, start=start), o, levels)
        first = (o.model_from - start).days
        curves.append(np.cumsum(counts[first:]))
    curves = np.array(curves)
    dates = [o.model_from + timedelta(days=d) for d in range(curves.shape[1])]
    p5, p25, p75, p95 = np.percentile(curves, [5, 25, 75, 95], axis=0)
    ax.fill_between(dates, p5, p95, color=colour, alpha=0.15, lw=0)
    ax.fill_between(dates, p25, p75, color=colour, alpha=0.3, lw=0, label=label)


def _observation(ax, o: Observation, simulated: np.ndarray) -> None:
    finite = simulated[np.isfinite(simulated)]
    if len(finite):
        p5, p25, p75, p95 = np.percentile(finite, [5, 25, 75, 95])
        ax.vlines(o.date, p5, p95, color="C0", lw=2, alpha=0.6)
        ax.vlines(o.date, p25, p75, color="C0", lw=6, alpha=0.6)
    colour = "black" if o.use == "fit" else "grey"
    ax.plot(o.date, o.value, MARKERS[o.bound], color=colour, ms=5, zorder=3)


# --- the posterior ------------------------------------------------------------------------


def _marginals_figure(problem: Problem, result: Calibration, path: Path) -> None:
    d = problem.dimension
    cols = 3
    fig, axes = plt.subplots(int(np.ceil(d / cols)), cols, figsize=(10, 2.4 * np.ceil(d / cols)))
    unit = problem.unit(result.posterior)
    best = problem.unit(result.best_fit)[0]
    low, high = result.box
    for i, ax in enumerate(np.ravel(axes)):
        if i >= d:
            ax.axis("off")
            continue
        # On the prior's own scale (uniform in the unit cube), so that a flat prior looks flat.
        ax.hist(unit[:, i], bins=20, range=(0, 1), density=True, color="C0", alpha=0.7)
        ax.axhline(1.0, color="grey", ls="--", lw=1, label="prior")
        ax.axvspan(low[i], high[i], color="C2", alpha=0.1, label="ABC box")
        ax.axvline(best[i], color="C3", label="best fit")
        prior = problem.priors[i]
        ticks = np.linspace(0, 1, 3)
        ax.set_xticks(ticks, [f"{v:.3g}" for v in prior.from_unit(ticks)], fontsize=7)
        ax.set_title(f"{prior.name} ({prior.distribution})", fontsize=8)
        ax.set_yticks([])
    np.ravel(axes)[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals on each prior's scale (flat prior: dashed)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _pairs_figure(problem: Problem, result: Calibration, path: Path) -> None:
    unit = problem.unit(result.posterior)
    d = problem.dimension
    fig, axes = plt.subplots(d, d, figsize=(1.1 * d, 1.1 * d))
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(unit[:, i], bins=15, range=(0, 1), color="C0")
            elif i > j:
                ax.plot(unit[:, j], unit[:, i], ".", ms=1.5, alpha=0.5)
                ax.set_xlim(0, 1)
                ax.set_ylim(0, 1)
            else:
                ax.axis("off")
            if j == 0:
                ax.set_ylabel(str(i + 1), fontsize=7)
            if i == d - 1:
                ax.set_xlabel(str(j + 1), fontsize=7)
    legend = "\n".join(f"{i + 1}: {p.name}" for i, p in enumerate(problem.priors))
    fig.text(0.55, 0.95, legend, fontsize=7, va="top")
    fig.suptitle("Posterior pairs, on the priors' unit scale", x=0.3)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# --- diagnostics --------------------------------------------------------------------------


def _abc_figure(result: Calibration, path: Path) -> None:
    gens = result.generations
    x = np.arange(len(gens))
    fig, axes = plt.subplots(1, 3, figsize=(10, 3))
    axes[0].plot(x[1:], [g.epsilon for g in gens[1:]], "o-")
    axes[0].set_title("tolerance epsilon")
    axes[1].plot(x, [g.acceptance_rate for g in gens], "o-")
    axes[1].set_title("acceptance rate")
    axes[2].plot(x, [g.ess for g in gens], "o-")
    axes[2].set_title("effective sample size")
    for ax in axes:
        ax.set_xlabel("generation")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _waves_figure(result: Calibration, path: Path) -> None:
    """Each history-matching wave's implausibility: its points' distribution, the cutoff (3),
    and the largest of the points kept to draw the next box."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    scores = [w.implausibility for w in result.waves]
    ax.boxplot(scores, whis=(5, 95), showfliers=False)
    for k, wave in enumerate(result.waves, start=1):
        ax.plot(k, wave.implausibility[wave.kept].max(), "v", color="C2")
    ax.axhline(3.0, color="C3", ls="--", lw=1, label="cutoff (3)")
    ax.set_yscale("log")
    ax.set_xlabel("history-matching wave")
    ax.set_ylabel("implausibility (5-95%; ▼ largest kept)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _screening_figure(problem: Problem, result: Calibration, path: Path) -> None:
    fitted = [o.label for o in problem.observations if o.use == "fit"]
    mu = result.screening.mu_star
    fig, ax = plt.subplots(figsize=(11, 4.5))
    image = ax.imshow(mu / np.maximum(mu.max(axis=0, keepdims=True), 1e-12), aspect="auto")
    ax.set_yticks(range(problem.dimension), list(problem.names), fontsize=7)
    ax.set_xticks(range(len(fitted)), fitted, rotation=60, ha="right", fontsize=6)
    fig.colorbar(image, label="Morris mu* (share of the largest, per observation)")
    ax.set_title("Screening: which parameters move which observations (within the search)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
