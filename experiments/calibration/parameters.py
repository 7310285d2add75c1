"""The calibrated parameters: priors from a data file, and their mapping onto a scenario.

Most names are scenario parameters (dotted keys). Two are derived levers, because shares must
keep summing to one: `kp_other_share` (the part of Khyber Pakhtunkhwa's route shares that goes
to crossings outside KP's count) and `balochistan_population_share` (the other provinces keep
their relative sizes); `experiments.core.calibrated.lever_overrides` maps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.core.calibrated import lever_overrides
from experiments.core.inputs import read_csv_rows
from model.scenario import Scenario
from model.schema import Field, ScenarioError, parse_value

DEFAULT_PRIORS = Path(__file__).resolve().parent / "priors.csv"
# The research fit the default search is centred on (ifrp calibrate --start).
DEFAULT_START = Path(__file__).resolve().parent / "start.csv"
DISTRIBUTIONS = ("uniform", "loguniform")
PRIOR_COLUMNS = ("name", "distribution", "low", "high", "units", "source")


@dataclass(frozen=True)
class Prior:
    name: str
    distribution: str
    low: float
    high: float
    units: str
    source: str

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map u in [0, 1] to the parameter (the prior is uniform in u)."""
        if self.distribution == "loguniform":
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        return self.low + u * (self.high - self.low)

    def to_unit(self, value: np.ndarray) -> np.ndarray:
        if self.distribution == "loguniform":
            return (np.log(value) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))
        return (value - self.low) / (self.high - self.low)


def load_priors(path: Path = DEFAULT_PRIORS) -> list[Prior]:
    file = str(path)
    rows = read_csv_rows(path, "a priors .csv file", list(PRIOR_COLUMNS))
    priors = []
    for line, row in enumerate(rows, start=2):
        low = parse_value(row["low"], Field("float"), file, f"line {line}, low", text=True)
        high = parse_value(row["high"], Field("float"), file, f"line {line}, high", text=True)
        if row["distribution"] not in DISTRIBUTIONS:
            raise ScenarioError(
                file, f"line {line}, distribution", repr(row["distribution"]), "uniform, loguniform"
            )
        if not low < high or (row["distribution"] == "loguniform" and low <= 0):
            raise ScenarioError(file, f"line {line}, high", f"[{low}, {high}]", "0 < low < high")
        priors.append(
            Prior(row["name"], row["distribution"], low, high, row["units"], row["source"])
        )
    return priors


def overrides(base: Scenario, priors: list[Prior], values: np.ndarray) -> dict:
    """Scenario overrides (dotted keys) that set the parameters to `values`."""
    return lever_overrides(base, [prior.name for prior in priors], values)
