"""The forecast against what was reported after the calibrated window, as a check, not a fit.

Each row of `checks.csv` names a period, the legal statuses counted, a measure (`persons`: their
departures in the period; `share`: their share of everyone's departures in it) and the reported
value with its source. None of these figures was used to calibrate or to set a prior: they say
how far the 2023 calibration, run forward, lands from what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.core.inputs import read_csv_rows
from experiments.core.replicates import ReplicateResult
from experiments.core.tables import BANDS
from model.schema import STATUSES, Field, ScenarioError, parse_value

CHECKS = Path(__file__).resolve().parent / "checks.csv"
COLUMNS = ["check", "what", "start", "end", "statuses", "measure", "reported", "source"]
MEASURES = ("persons", "share")


@dataclass(frozen=True)
class Check:
    name: str
    what: str  # a short label, with its source in brief
    start: date
    end: date
    statuses: tuple[str, ...]
    measure: str
    reported: float
    source: str


def load_checks(path: Path = CHECKS) -> list[Check]:
    """The checks of `path`, each field checked (one line naming the file and field if not)."""
    file, checks = str(path), []
    for line, row in enumerate(read_csv_rows(path, "a forecast checks .csv file", COLUMNS), 2):
        where = f"line {line}"
        start = parse_value(row["start"], Field("date"), file, f"{where}, start", text=True)
        end = parse_value(row["end"], Field("date"), file, f"{where}, end", text=True)
        statuses = parse_value(row["statuses"], Field("statuses"), file, f"{where}, statuses", True)
        reported = parse_value(
            row["reported"], Field("float", 0.0), file, f"{where}, reported", True
        )
        if row["measure"] not in MEASURES:
            raise ScenarioError(
                file, f"{where}, measure", repr(row["measure"]), ", ".join(MEASURES)
            )
        if end < start:
            raise ScenarioError(file, f"{where}, end", f"{end} is before {start}", f">= {start}")
        checks.append(
            Check(
                row["check"],
                row["what"],
                start,
                end,
                statuses,
                row["measure"],
                reported,
                row["source"],
            )
        )
    return checks


def check_table(results: list[ReplicateResult], checks: list[Check]) -> pd.DataFrame:
    """Per check: the reported value and the model's over the replicates (mean and quantiles),
    for the checks whose period the run covers."""
    dates = results[0].dates
    rows = []
    for check in checks:
        if check.start < dates[0] or check.end > dates[-1]:
            continue
        days = slice(dates.index(check.start), dates.index(check.end) + 1)
        values = np.array([_measure(r, days, check) for r in results])
        row = {
            "check": check.name,
            "what": check.what,
            "start": check.start.isoformat(),
            "end": check.end.isoformat(),
            "statuses": ";".join(check.statuses),
            "measure": check.measure,
            "reported": check.reported,
            "mean": float(values.mean()),
        }
        row |= {label: float(np.quantile(values, q)) for label, q in BANDS.items()}
        rows.append(row | {"source": check.source})
    return pd.DataFrame(rows)


def _measure(result: ReplicateResult, days: slice, check: Check) -> float:
    crossed = result.ledger.crossed[days].sum(axis=(0, 1))  # by status
    counted = sum(int(crossed[STATUSES.index(status)]) for status in check.statuses)
    if check.measure == "persons":
        return float(counted)
    everyone = int(crossed.sum())
    return counted / everyone if everyone else float("nan")
