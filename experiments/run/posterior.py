"""Scenarios whose calibrated parameters are drawn from the adopted posterior sample.

With `ifrp run SCENARIO --posterior`, replicate r takes the posterior draw chosen by its own
seed, applies it over the defaults, then applies the scenario file: the scenario's own
values win (a relative value such as `{ times = 2.0 }` multiplies the drawn value), and its
results carry calibration uncertainty. A scenario that runs past the calibrated window
(`timeline.forecast_start`) also draws, from the replicate's seed, the forecast's priors
(`experiments.forecast.priors`), under the scenario file in the same way. `posterior_run`
also says what each replicate used: the row it drew, its forecast draws, and the parameters'
values after the scenario file, for the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.core import library
from experiments.core.calibrated import Levers, adopted_posterior, lever_overrides, with_levers
from experiments.forecast.priors import ForecastPriors, applies, forecast_priors
from model.scenario import Scenario, default_scenario


@dataclass
class PosteriorRun:
    """One scenario per replicate, and what the manifest records about them."""

    scenarios: list[Scenario]
    rows: list[int]  # the posterior row each replicate drew
    draws: list[dict]  # per replicate: replicate, seed, row, drawn values, parameters used
    file: Path
    sha256: str  # of the posterior file as read (the rows index it)
    size: int  # rows in the posterior file
    forecast: ForecastPriors | None = None  # the forecast's priors, if the run drew them


def posterior_run(
    name_or_path: str,
    seeds: list[int],
    sample: Levers | None = None,
    priors: ForecastPriors | None = None,
) -> PosteriorRun:
    """One scenario per replicate seed, each with its own draw from `sample` (default: the
    adopted posterior) and, past the calibrated window, from `priors` (default: the
    forecast's, less the calibrated parameters)."""
    sample = sample or adopted_posterior()
    defaults = default_scenario()
    if priors is None and applies(library.resolve(name_or_path)):
        priors = forecast_priors(
            calibrated=tuple(lever_overrides(defaults, sample.names, sample.rows[0]))
        )
    result, rows, draws = [], [], []
    for replicate, seed in enumerate(seeds):
        row = int(np.random.default_rng([seed, 1]).integers(len(sample.rows)))
        base = with_levers(defaults, sample, row)
        forecast = priors.draw(seed) if priors else {}
        if forecast:
            base = base.with_overrides(
                forecast, source=f"{priors.file} (draw of replicate {replicate})"
            )
        scenario = library.resolve(name_or_path, base=base)
        values = sample.rows[row]
        drawn = lever_overrides(defaults, sample.names, values)
        result.append(scenario)
        rows.append(row)
        entry = {
            "replicate": replicate,
            "seed": seed,
            "row": row,
            "drawn": dict(zip(sample.names, map(float, values), strict=True)),
        }
        if priors:
            entry["forecast_drawn"] = forecast
        entry["parameters"] = {key: scenario.value(key) for key in [*drawn, *forecast]}
        draws.append(entry)
    return PosteriorRun(
        result, rows, draws, sample.file, sample.sha256, len(sample.rows), priors or None
    )
