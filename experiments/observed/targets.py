"""Calibration targets: reported figures with their periods, kinds and observation errors,
and the model discrepancy allowed for each (how far a perfect parameter set may still miss).

Only the three route totals are independent ("primary"); the total and the remaining stock
follow from them ("derived", reported but not fitted); a few structural facts serve as soft
"secondary" targets. A user can pass another targets file (a later report) with the same
columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from experiments.core.inputs import read_csv_rows
from model.ledger import Ledger
from model.population import State
from model.scenario import Scenario
from model.schema import ROUTES, UNDOCUMENTED, Field, ScenarioError, parse_value

DEFAULT_TARGETS = Path(__file__).resolve().parent / "targets.csv"
KINDS = ("primary", "secondary", "derived")
QUANTITIES = (
    *ROUTES,
    "total",
    "remaining",
    "arrests",
    "deported_share",
    "balochistan_arrest_share",
)
COLUMNS = {
    "quantity": Field("str"),
    "value": Field("float", 0.0, 1e9),
    "period_start": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
    "period_end": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
    "kind": Field("str"),
    "counts": Field("str"),
    "source": Field("str"),
}
# Required on the fitted (primary and secondary) rows, optional on derived ones.
PER_FITTED_TARGET = {
    "observation_sd": Field("float", 1e-12, 1e9),  # in the target's own units
    "model_discrepancy": Field("float", 0.0, 1.0),  # a share of the target's value
}


@dataclass(frozen=True)
class Target:
    quantity: str
    value: float
    period_start: date
    period_end: date
    kind: str
    observation_sd: float
    model_discrepancy: float  # sd of the model's structural error, as a share of the value
    counts: str
    source: str


def load_targets(path: Path = DEFAULT_TARGETS) -> list[Target]:
    """Read and check a targets file; errors name the file, the row and the field."""
    file = str(path)
    rows = read_csv_rows(path, "a targets .csv file", list(COLUMNS))
    targets = [_parse(row, i, file) for i, row in enumerate(rows, start=2)]
    if not any(t.kind == "primary" for t in targets):
        raise ScenarioError(file, "kind", "no primary target", "at least one primary row")
    return targets


def _parse(row: dict, line: int, file: str) -> Target:
    values = {}
    for name, spec in COLUMNS.items():
        if name not in row:
            raise ScenarioError(
                file, name, "missing column", ", ".join([*COLUMNS, *PER_FITTED_TARGET])
            )
        values[name] = parse_value(row[name], spec, file, f"line {line}, {name}", text=True)
    where = f"line {line}"
    if values["quantity"] not in QUANTITIES:
        raise ScenarioError(
            file, f"{where}, quantity", repr(values["quantity"]), ", ".join(QUANTITIES)
        )
    if values["kind"] not in KINDS:
        raise ScenarioError(file, f"{where}, kind", repr(values["kind"]), ", ".join(KINDS))
    if values["period_start"] > values["period_end"]:
        raise ScenarioError(file, f"{where}, period_end", "before period_start", ">= period_start")
    for name, spec in PER_FITTED_TARGET.items():
        text = row.get(name) or ""
        if values["kind"] != "derived" or text:
            values[name] = parse_value(text, spec, file, f"{where}, {name}", True)
        else:
            values[name] = float("nan")
    return Target(**values)


def calibration_scenario(base: Scenario, targets: list[Target]) -> Scenario:
    """The base scenario run to the last date any target needs."""
    end = max(t.period_end for t in targets)
    return base.with_overrides({"timeline.end": end}, source="targets")


def observe(ledger: Ledger, scenario: Scenario, targets: list[Target]) -> np.ndarray:
    """The simulated value of each target, in the targets' order."""
    return np.array([_quantity(ledger, scenario, t) for t in targets], dtype=float)


def _quantity(ledger: Ledger, scenario: Scenario, target: Target) -> float:
    timeline = scenario.timeline
    window = slice(
        max(0, timeline.index(target.period_start)), timeline.index(target.period_end) + 1
    )
    crossed = ledger.crossed[window, :, UNDOCUMENTED]
    routes = scenario.checkpoint_routes
    arrests = ledger.arrests[window, :, UNDOCUMENTED]
    q = target.quantity
    if q in ROUTES:
        return float(crossed[:, routes == q].sum())
    if q == "total":
        return float(crossed.sum())
    if q == "remaining":
        last = timeline.index(target.period_end)
        return float(ledger.states[last, : State.DEPARTED, UNDOCUMENTED].sum())
    if q == "arrests":
        return float(arrests.sum())
    if q == "deported_share":
        return float(ledger.deported[window, :, UNDOCUMENTED].sum() / max(crossed.sum(), 1))
    if q == "balochistan_arrest_share":
        provinces = [p.id for p in scenario.provinces]
        balochistan = arrests[:, provinces.index("balochistan")].sum()
        return float(balochistan / max(arrests.sum(), 1))
    # load_targets refuses unknown quantities; a Target built in code can still name one.
    raise ScenarioError("targets", "quantity", f"{q!r} is not known", ", ".join(QUANTITIES))
