"""Scenarios whose calibrated parameters are drawn from the committed posterior sample.

With `ifrp run SCENARIO --posterior`, replicate r takes the posterior draw chosen by its own
seed, applies it over the defaults, then applies the scenario file: the scenario's own
settings win, and its results carry calibration uncertainty.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from experiments import scenarios
from experiments.calibration.parameters import load_priors, overrides
from model.scenario import Scenario, ScenarioError, default_scenario

POSTERIOR = Path(__file__).resolve().parent.parent / "results" / "calibration" / "posterior.csv"


def load_posterior(path: Path = POSTERIOR) -> pd.DataFrame:
    if not path.is_file():
        raise ScenarioError(str(path), "--posterior", "no posterior sample", "run ifrp calibrate")
    return pd.read_csv(path)


def posterior_scenarios(
    name_or_path: str, seeds: list[int], path: Path = POSTERIOR
) -> tuple[list[Scenario], list[int]]:
    """One scenario per replicate seed, each with its own posterior draw; and the draws."""
    sample = load_posterior(path)
    priors = load_priors()
    names = [p.name for p in priors]
    missing = sorted(set(names) - set(sample.columns))
    if missing:
        raise ScenarioError(str(path), ", ".join(missing), "missing column", ", ".join(names))
    defaults = default_scenario()
    chosen, result = [], []
    for seed in seeds:
        draw = int(np.random.default_rng([seed, 1]).integers(len(sample)))
        values = sample.loc[draw, names].to_numpy(dtype=float)
        base = defaults.with_overrides(overrides(defaults, priors, values), "posterior")
        result.append(scenarios.resolve(name_or_path, base=base))
        chosen.append(draw)
    return result, chosen
