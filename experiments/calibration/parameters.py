"""The calibrated parameters: priors from a data file, and their mapping onto a scenario.

Most names are scenario parameters (dotted keys). Two are derived levers, because shares must
keep summing to one: `kp_other_share` (the part of Khyber Pakhtunkhwa's route shares that goes
to crossings outside KP's count) and `balochistan_population_share` (the other provinces keep
their relative sizes); `experiments.core.calibrated.lever_overrides` maps them.
`load_priors` refuses, as it reads the file, a name that is no such lever (or not a decimal
number), a lever named twice, and a range whose ends the scenario's own checks refuse: a
calibration would otherwise fail after its runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.core.calibrated import (
    BALOCHISTAN_POPULATION_SHARE,
    KP_OTHER_SHARE,
    OBSERVATION,
    is_observation_lever,
    lever_overrides,
)
from experiments.core.inputs import read_csv_rows
from model.scenario import Scenario, default_scenario
from model.schema import Field, ScenarioError, parse_value

DEFAULT_PRIORS = Path(__file__).resolve().parent / "priors.csv"
# The research fit the default search is centred on (ifrp calibrate --start).
DEFAULT_START = Path(__file__).resolve().parent / "start.csv"
DISTRIBUTIONS = ("uniform", "loguniform")
PRIOR_COLUMNS = ("name", "distribution", "low", "high", "units", "source")
DERIVED = (KP_OTHER_SHARE, BALOCHISTAN_POPULATION_SHARE)
# A level of the observation model: a factor or a share, never negative.
OBSERVATION_LEVEL = Field("float", 0.0, None)
LEVERS = (
    "a decimal parameter of the scenario (section.name, provinces.ID.COLUMN or "
    f"checkpoints.ID.COLUMN), {KP_OTHER_SHARE}, {BALOCHISTAN_POPULATION_SHARE}, or "
    f"{OBSERVATION}NAME (a level of the observation model)"
)


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


def load_priors(path: Path = DEFAULT_PRIORS, base: Scenario | None = None) -> list[Prior]:
    """The priors of `path`, each a lever the calibration can set on `base` (by default the
    data tables' scenario), once only, and settable at both ends of its range: refused before
    any run, naming the file, the line and the column."""
    file = str(path)
    rows = read_csv_rows(path, "a priors .csv file", list(PRIOR_COLUMNS))
    base = base if base is not None else default_scenario()
    priors: list[Prior] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        name = row["name"] or ""
        _check_name(name, base, file, f"line {line}, name")
        if name in seen:
            problem = f"{name!r} repeats line {seen[name]}"
            raise ScenarioError(file, f"line {line}, name", problem, "one row per lever")
        seen[name] = line
        low = parse_value(row["low"], Field("float"), file, f"line {line}, low", text=True)
        high = parse_value(row["high"], Field("float"), file, f"line {line}, high", text=True)
        if row["distribution"] not in DISTRIBUTIONS:
            raise ScenarioError(
                file, f"line {line}, distribution", row["distribution"], ", ".join(DISTRIBUTIONS)
            )
        if not low < high or (row["distribution"] == "loguniform" and low <= 0):
            raise ScenarioError(file, f"line {line}, high", f"[{low}, {high}]", "0 < low < high")
        for column, value in (("low", low), ("high", high)):
            _check_setting(name, value, base, file, f"line {line}, {column}")
        priors.append(Prior(name, row["distribution"], low, high, row["units"], row["source"]))
    return priors


def _check_name(name: str, base: Scenario, file: str, where: str) -> None:
    """A lever the calibration can set: a derived share, a level `observation.NAME`, or a
    decimal parameter that `base` holds (a scalar, or a column of an existing row)."""
    if name in DERIVED:
        return
    if is_observation_lever(name):
        if not name.removeprefix(OBSERVATION).isidentifier():
            raise ScenarioError(file, where, f"{name!r}: no level name", f"{OBSERVATION}NAME")
        return
    try:
        value = base.value(name)
    except KeyError:
        raise ScenarioError(file, where, f"{name!r} is not a parameter", LEVERS) from None
    if not isinstance(value, float):
        problem = f"{name} is {value} in the scenario, not a decimal number"
        raise ScenarioError(file, where, problem, LEVERS)


def _check_setting(name: str, value: float, base: Scenario, file: str, where: str) -> None:
    """The lever at `value` on `base`, checked as any scenario is (the parameter's range, and
    shares still summing to one), refused naming the priors file and `where`."""
    if is_observation_lever(name):
        parse_value(value, OBSERVATION_LEVEL, file, where)
        return
    try:
        base.with_overrides(lever_overrides(base, [name], [value]))
    except ScenarioError as error:
        problem = f"{name} = {value:g} gives {error.field}: {error.problem}"
        raise ScenarioError(file, where, problem, error.allowed) from None


def overrides(base: Scenario, priors: list[Prior], values: np.ndarray) -> dict:
    """Scenario overrides (dotted keys) that set the parameters to `values`."""
    return lever_overrides(base, [prior.name for prior in priors], values)
