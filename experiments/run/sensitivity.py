"""Which drawn parameters move a --posterior run's results: rank correlations over replicates.

Each replicate of a `--posterior` run draws its calibrated parameters (a row of the posterior
sample) and, past the calibrated window, the forecast's priors. Across replicates, Spearman's
rank correlation of each drawn value with each year's departures by legal status says which
assumptions the departures follow (monotone, not necessarily linear): near ±1, that parameter
orders the outcomes; near 0, it does not, or others hide it. With n replicates, |rho| above
about 2 / sqrt(n) (0.31 for 40) is unlikely by chance alone (p < 0.05). It measures one
parameter at a time against the joint draw, not a variance decomposition (`ifrp sensitivity`
gives Sobol' indices of a designed sweep).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from experiments.core.calibrated import is_observation_lever

CALIBRATED = "calibrated posterior"
FORECAST = "forecast prior"
OUTPUT = "departed"


def drawn_values(draws: list[dict]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The values each replicate drew (rows: replicates, by number), and each one's kind."""
    kinds: dict[str, str] = {}
    rows = {}
    for draw in draws:
        # The observation model's levels (observation.NAME) change no run: nothing to rank.
        drawn = {k: v for k, v in draw["drawn"].items() if not is_observation_lever(k)}
        values = dict(drawn)
        kinds.update(dict.fromkeys(drawn, CALIBRATED))
        values.update(draw.get("forecast_drawn", {}))
        kinds.update(dict.fromkeys(draw.get("forecast_drawn", {}), FORECAST))
        rows[draw["replicate"]] = values
    return pd.DataFrame.from_dict(rows, orient="index"), kinds


def sensitivity_table(draws: list[dict], yearly: pd.DataFrame) -> pd.DataFrame:
    """Spearman's rho (and its p-value) of every drawn parameter with each year's departures
    of each status (yearly.csv's `departed`), over the replicates. Forecast priors first."""
    values, kinds = drawn_values(draws)
    outcome = yearly.pivot_table(
        index="replicate", columns=["year", "status"], values=OUTPUT, sort=False
    )
    outcome = outcome.loc[values.index]
    rows = []
    for parameter in sorted(values, key=lambda name: (kinds[name] != FORECAST, name)):
        for year, status in outcome.columns:
            rho, p_value = _spearman(values[parameter], outcome[(year, status)])
            rows.append(
                {
                    "parameter": parameter,
                    "kind": kinds[parameter],
                    "year": year,
                    "status": status,
                    "output": OUTPUT,
                    "spearman": rho,
                    "p_value": p_value,
                    "replicates": len(values),
                }
            )
    return pd.DataFrame(rows)


def _spearman(x: pd.Series, y: pd.Series) -> tuple[float, float]:
    """Spearman's rho and p-value; NaN when either side does not vary."""
    if x.nunique() < 2 or y.nunique() < 2:
        return np.nan, np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)
