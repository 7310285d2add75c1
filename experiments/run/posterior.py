"""Scenarios whose calibrated parameters are drawn from the adopted posterior sample.

With `ifrp run SCENARIO --posterior`, replicate r takes the posterior draw chosen by its own
seed, applies it over the defaults, then applies the scenario file: the scenario's own
values win (a relative value such as `{ times = 2.0 }` multiplies the drawn value), and its
results carry calibration uncertainty. `posterior_run` also says what each replicate used: the
row it drew, and the calibrated parameters' values after the scenario file, for the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.core import library
from experiments.core.calibrated import Levers, adopted_posterior, lever_overrides, with_levers
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


def posterior_run(
    name_or_path: str, seeds: list[int], sample: Levers | None = None
) -> PosteriorRun:
    """One scenario per replicate seed, each with its own draw from `sample` (default: the
    adopted posterior)."""
    sample = sample or adopted_posterior()
    defaults = default_scenario()
    result, rows, draws = [], [], []
    for replicate, seed in enumerate(seeds):
        row = int(np.random.default_rng([seed, 1]).integers(len(sample.rows)))
        scenario = library.resolve(name_or_path, base=with_levers(defaults, sample, row))
        values = sample.rows[row]
        drawn = lever_overrides(defaults, sample.names, values)
        result.append(scenario)
        rows.append(row)
        draws.append(
            {
                "replicate": replicate,
                "seed": seed,
                "row": row,
                "drawn": dict(zip(sample.names, map(float, values), strict=True)),
                "parameters": {key: scenario.value(key) for key in drawn},
            }
        )
    return PosteriorRun(result, rows, draws, sample.file, sample.sha256, len(sample.rows))
