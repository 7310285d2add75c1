"""The calibrated parameters: priors from a data file, and their mapping onto a scenario.

Most names are scenario parameters (dotted keys). Two are derived levers, because shares must
keep summing to one: `kp_other_share` (the part of Khyber Pakhtunkhwa's route shares that goes
to crossings outside KP's count) and `balochistan_population_share` (the other provinces keep
their relative sizes); `experiments.core.calibrated.lever_overrides` maps them.
`load_priors` refuses, as it reads the file, a name that is no such lever (or not a decimal
number), a lever named twice, and a range reaching outside the lever's own: a calibration
would otherwise fail after its runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.core.calibrated import (
    BALOCHISTAN_POPULATION_SHARE,
    KP_OTHER_SHARE,
    OBSERVATION,
    lever_overrides,
)
from experiments.core.inputs import read_csv_rows
from model.defaults import default_tree, scalar_specs
from model.scenario import Scenario
from model.schema import SCALAR_SECTIONS, TABLE_FIELDS, Field, ScenarioError, parse_value

DEFAULT_PRIORS = Path(__file__).resolve().parent / "priors.csv"
# The research fit the default search is centred on (ifrp calibrate --start).
DEFAULT_START = Path(__file__).resolve().parent / "start.csv"
DISTRIBUTIONS = ("uniform", "loguniform")
PRIOR_COLUMNS = ("name", "distribution", "low", "high", "units", "source")
# A lever that sets a share (the rest rescaled to keep the sum one), and a level of the
# observation model (a factor or share, never negative).
SHARE_LEVER = Field("float", 0.0, 1.0, "share")
OBSERVATION_LEVEL = Field("float", 0.0, None)
# Table columns that must sum to one: varied by a derived lever instead.
SUMMED = {
    "population_share": BALOCHISTAN_POPULATION_SHARE,
    "share": KP_OTHER_SHARE,
}
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
    """The priors of `path`, each a lever the calibration can set (`lever_spec`, rows and
    crossings as in `base`, by default the data tables), once only, and within the lever's
    range: refused before any run, naming the file, the line and the column."""
    file = str(path)
    rows = read_csv_rows(path, "a priors .csv file", list(PRIOR_COLUMNS))
    tree = base.tree if base is not None else default_tree()
    priors: list[Prior] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        name = row["name"] or ""
        spec = lever_spec(name, tree, file, f"line {line}, name")
        if name in seen:
            problem = f"{name!r} repeats line {seen[name]}"
            raise ScenarioError(file, f"line {line}, name", problem, "one row per lever")
        seen[name] = line
        low = parse_value(row["low"], Field("float"), file, f"line {line}, low", text=True)
        high = parse_value(row["high"], Field("float"), file, f"line {line}, high", text=True)
        if row["distribution"] not in DISTRIBUTIONS:
            raise ScenarioError(
                file, f"line {line}, distribution", repr(row["distribution"]), "uniform, loguniform"
            )
        if not low < high or (row["distribution"] == "loguniform" and low <= 0):
            raise ScenarioError(file, f"line {line}, high", f"[{low}, {high}]", "0 < low < high")
        _check_range(name, low, high, spec, file, line)
        priors.append(Prior(name, row["distribution"], low, high, row["units"], row["source"]))
    return priors


def lever_spec(name: str, tree: dict, file: str, where: str) -> Field:
    """The declaration (type and range) of the lever `name`, or a ScenarioError (`file`,
    `where`) saying what is allowed: a decimal scalar parameter, a decimal column of a
    province or crossing that `tree` holds, a derived share lever, or `observation.NAME`."""
    if name in (KP_OTHER_SHARE, BALOCHISTAN_POPULATION_SHARE):
        return SHARE_LEVER
    if name.startswith(OBSERVATION):
        level = name.removeprefix(OBSERVATION)
        if not level or "." in level or level != level.strip():
            raise ScenarioError(file, where, f"{name!r}: no level name", f"{OBSERVATION}NAME")
        return OBSERVATION_LEVEL
    parts = name.split(".")
    if parts[0] in SCALAR_SECTIONS and len(parts) == 2:
        specs = scalar_specs()[parts[0]]
        decimals = ", ".join(f"{parts[0]}.{key}" for key, s in specs.items() if s.kind == "float")
        decimals = decimals or LEVERS  # a section without decimals (timeline)
        spec = specs.get(parts[1])
        if spec is None:
            raise ScenarioError(file, where, f"{name!r} is not a parameter", decimals)
        if spec.kind != "float":
            problem = f"{name} is {_kind(spec)}, not a decimal number"
            raise ScenarioError(file, where, problem, decimals)
        return spec
    if parts[0] in ("provinces", "checkpoints") and len(parts) == 3:
        return _column_spec(name, parts[0], parts[1], parts[2], tree, file, where)
    if parts[0] == "routes" and len(parts) == 4:
        ident = f"{parts[1]}.{parts[2]}"
        if parts[2] not in tree["routes"].get(parts[1], {}):
            known = ", ".join(f"{p}.{c}" for p, choices in tree["routes"].items() for c in choices)
            raise ScenarioError(file, where, f"{name!r}: no route {ident}", known)
        return _column_spec(name, "routes", ident, parts[3], None, file, where)
    raise ScenarioError(file, where, f"{name!r} is not a lever", LEVERS)


def _column_spec(
    name: str, table: str, ident: str, column: str, tree: dict | None, file: str, where: str
) -> Field:
    """A decimal column of a row of `table` (`tree`: checked that the row exists)."""
    if tree is not None and ident not in tree[table]:
        known = ", ".join(tree[table])
        raise ScenarioError(file, where, f"{name!r}: no {table} row {ident!r}", known)
    decimals = [key for key, s in TABLE_FIELDS[table].items() if s.kind == "float"]
    allowed = ", ".join(f"{table}.{ident}.{key}" for key in decimals if key not in SUMMED)
    if column not in SUMMED:
        allowed = allowed or LEVERS  # a table whose one decimal is a share (routes)
    spec = TABLE_FIELDS[table].get(column)
    if spec is None:
        raise ScenarioError(file, where, f"{name!r} is not a column of {table}", allowed)
    if spec.kind != "float":
        raise ScenarioError(file, where, f"{name} is {_kind(spec)}, not a decimal number", allowed)
    if column in SUMMED:
        problem = f"{name} must sum to one with its table's other rows: set the lever instead"
        raise ScenarioError(
            file, where, problem, ", ".join(filter(None, (SUMMED[column], allowed)))
        )
    return spec


def _kind(spec: Field) -> str:
    return {
        "int": "an integer",
        "date": "a date",
        "bool": "true or false",
        "str": "text",
        "id": "an identifier",
        "route": "a route",
        "statuses": "a list of statuses",
    }.get(spec.kind, spec.kind)


def _check_range(name: str, low: float, high: float, spec: Field, file: str, line: int) -> None:
    """Refuse a prior reaching outside its lever's declared range (the column named)."""
    below = spec.low is not None and low < spec.low
    above = spec.high is not None and high > spec.high
    if not (below or above):
        return
    lowest = "" if spec.low is None else f"{spec.low:g}"
    highest = "" if spec.high is None else f"{spec.high:g}"
    allowed = (
        f"within [{lowest}, {highest}] {spec.units}".rstrip()
        if spec.high is not None
        else f"at least {lowest}"
    )
    column, value = ("low", low) if below else ("high", high)
    problem = f"{column} {value:g} leaves {name}'s range"
    raise ScenarioError(file, f"line {line}, low/high", problem, allowed)


def overrides(base: Scenario, priors: list[Prior], values: np.ndarray) -> dict:
    """Scenario overrides (dotted keys) that set the parameters to `values`."""
    return lever_overrides(base, [prior.name for prior in priors], values)
