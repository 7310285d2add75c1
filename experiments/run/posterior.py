"""Scenarios whose calibrated parameters are drawn from the committed posterior sample.

With `ifrp run SCENARIO --posterior`, replicate r takes the posterior draw chosen by its own
seed, applies it over the defaults, then applies the scenario file: the scenario's own
settings win (a relative setting such as `{ times = 2.0 }` multiplies the drawn value), and its
results carry calibration uncertainty. `posterior_run` also says what each replicate used: the
row it drew, and the calibrated parameters' values after the scenario file, for the manifest.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.parameters import load_priors, overrides
from experiments.core import library as scenarios
from model.scenario import Scenario, ScenarioError, default_scenario

POSTERIOR = Path(__file__).resolve().parents[2] / "results" / "calibration" / "posterior.csv"


@dataclass
class PosteriorRun:
    """One scenario per replicate, and what the manifest records about them."""

    scenarios: list[Scenario]
    rows: list[int]  # the posterior row each replicate drew
    draws: list[dict]  # per replicate: replicate, seed, row, drawn values, parameters used
    file: Path
    sha256: str  # of the posterior file as read (the rows index it)
    size: int  # rows in the posterior file


def _read_posterior(path: Path) -> tuple[pd.DataFrame, str]:
    """The posterior sample and the sha256 of the very bytes it was read from."""
    if not path.is_file():
        raise ScenarioError(str(path), "--posterior", "no posterior sample", "run ifrp calibrate")
    data = path.read_bytes()
    return pd.read_csv(io.BytesIO(data)), hashlib.sha256(data).hexdigest()


def posterior_run(name_or_path: str, seeds: list[int], path: Path | None = None) -> PosteriorRun:
    """One scenario per replicate seed, each with its own posterior draw."""
    path = Path(path or POSTERIOR)
    sample, sha256 = _read_posterior(path)
    priors = load_priors()
    names = [p.name for p in priors]
    missing = sorted(set(names) - set(sample.columns))
    if missing:
        raise ScenarioError(str(path), ", ".join(missing), "missing column", ", ".join(names))
    if sample.empty:
        raise ScenarioError(str(path), "--posterior", "no rows", "run ifrp calibrate")
    defaults = default_scenario()
    result, rows, draws = [], [], []
    for replicate, seed in enumerate(seeds):
        row = int(np.random.default_rng([seed, 1]).integers(len(sample)))
        values = sample.loc[row, names].to_numpy(dtype=float)
        drawn = overrides(defaults, priors, values)
        base = defaults.with_overrides(drawn, "posterior")
        scenario = scenarios.resolve(name_or_path, base=base)
        result.append(scenario)
        rows.append(row)
        draws.append(
            {
                "replicate": replicate,
                "seed": seed,
                "row": row,
                "drawn": {name: float(value) for name, value in zip(names, values, strict=True)},
                "parameters": {key: scenario.value(key) for key in drawn},
            }
        )
    return PosteriorRun(result, rows, draws, path, sha256, len(sample))
