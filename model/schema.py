"""Field types, ranges and parsing for every value a scenario can set.

Scalar parameters take their type and range from `data/parameters.csv`; the fields of the
tables (provinces, checkpoints, routes, ...) are declared here, because their shape is part
of the code. Every error names the file, the field and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

STATUSES = ("undocumented", "acc", "por")
ROUTES = ("khyber_pakhtunkhwa", "balochistan", "other")
UNDOCUMENTED = STATUSES.index("undocumented")  # the population the ministry's figures count


class ScenarioError(ValueError):
    """Bad input: names the file, the field and what is allowed."""

    def __init__(self, file: str, field: str, problem: str, allowed: str | None = None):
        self.file, self.field, self.problem, self.allowed = file, field, problem, allowed
        message = f"{file}: {field}: {problem}"
        if allowed:
            message += f" (allowed: {allowed})"
        super().__init__(message)


@dataclass(frozen=True)
class Field:
    kind: str  # int, float, date, bool, str, statuses, route, id
    low: Any = None
    high: Any = None
    units: str = ""
    required: bool = True

    def allowed(self) -> str:
        if self.kind == "statuses":
            return f"a list drawn from {', '.join(STATUSES)}"
        if self.kind == "route":
            return ", ".join(ROUTES)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "id":
            return "an identifier defined in the tables (or empty)"
        if self.low is None and self.high is None:
            return {"str": "text", "date": "a date YYYY-MM-DD"}.get(self.kind, self.kind)
        noun = {"int": "an integer", "float": "a number", "date": "a date"}[self.kind]
        units = f" {self.units}" if self.units else ""
        return f"{noun} from {self.low} to {self.high}{units}"


def parse_value(raw: Any, spec: Field, file: str, field: str, text: bool = False) -> Any:
    """Convert a value to the field's type, or raise.

    `text=True` for values read from the CSV tables, where everything is text; values from a
    TOML file or from Python must already have the right type (a date may be ISO text).
    """
    if not text and isinstance(raw, str) and spec.kind in ("int", "float", "bool"):
        raise ScenarioError(file, field, f"{raw!r} is text, not {spec.kind}", spec.allowed())
    value = _coerce(raw, spec, file, field)
    too_low = spec.low is not None and value < spec.low
    too_high = spec.high is not None and value > spec.high
    if spec.kind in ("int", "float", "date") and (too_low or too_high):
        raise ScenarioError(file, field, f"{value} is out of range", spec.allowed())
    return value


def _coerce(raw: Any, spec: Field, file: str, field: str) -> Any:
    def wrong(expected: str) -> ScenarioError:
        return ScenarioError(file, field, f"{raw!r} is not {expected}", spec.allowed())

    kind = spec.kind
    if kind == "int":
        if isinstance(raw, str):
            try:
                return int(raw.strip())
            except ValueError:
                raise wrong("an integer") from None
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise wrong("an integer")
        return raw
    if kind == "float":
        if isinstance(raw, str):
            try:
                raw = float(raw.strip())
            except ValueError:
                raise wrong("a number") from None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise wrong("a number")
        if not math.isfinite(raw):
            raise wrong("a finite number")
        return float(raw)
    if kind == "date":
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                raise wrong("a date YYYY-MM-DD") from None
        if not isinstance(raw, date) or hasattr(raw, "hour"):
            raise wrong("a date YYYY-MM-DD")
        return raw
    if kind == "bool":
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        if not isinstance(raw, bool):
            raise wrong("true or false")
        return raw
    if kind == "statuses":
        items = raw.split(";") if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items:
            raise wrong("a non-empty list of statuses")
        statuses = tuple(str(item).strip() for item in items)
        for status in statuses:
            if status not in STATUSES:
                raise ScenarioError(file, field, f"unknown status {status!r}", spec.allowed())
        return statuses
    if kind == "route":
        if raw not in ROUTES:
            raise wrong("a route")
        return raw
    if not isinstance(raw, str):
        raise wrong("text")
    return raw.strip()


def scalar_fields(rows: list[dict[str, str]], file: str) -> dict[str, dict[str, Field]]:
    """Field specs of the scalar parameters, grouped by section, from parameters.csv rows."""
    groups: dict[str, dict[str, Field]] = {}
    for number, row in enumerate(rows, start=2):
        section, _, name = row["name"].partition(".")
        kind = row["type"]
        if kind not in ("int", "float", "date", "bool"):
            raise ScenarioError(file, f"line {number} ({row['name']}), type", repr(kind))
        bound = Field(kind if kind != "bool" else "str")
        low = (
            parse_value(row["min"], bound, file, f"{row['name']}.min", True) if row["min"] else None
        )
        high = (
            parse_value(row["max"], bound, file, f"{row['name']}.max", True) if row["max"] else None
        )
        groups.setdefault(section, {})[name] = Field(kind, low, high, row["units"])
    return groups


TABLE_FIELDS: dict[str, dict[str, Field]] = {
    "provinces": {
        "name": Field("str"),
        "population_share": Field("float", 0.0, 1.0, "share of persons"),
        "enforcement_factor": Field("float", 0.0, 100.0, "x arrest hazard"),
        "holding_capacity": Field("int", 0, 10_000_000, "persons"),
        "deportation_checkpoint": Field("id"),
        "deportation_travel_days": Field("int", 0, 60, "days"),
        "source": Field("str", required=False),
    },
    "checkpoints": {
        "name": Field("str"),
        "province": Field("id"),
        "route": Field("route"),
        "capacity_per_hour": Field("float", 0.0, 1_000_000.0, "persons per hour"),
        "hours": Field("float", 0.0, 24.0, "hours per day"),
        "opens": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "closes": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "fallback": Field("id"),
        "source": Field("str", required=False),
    },
    "routes": {
        "share": Field("float", 0.0, 1.0, "share of the province's households"),
        "travel_days_min": Field("int", 0, 60, "days"),
        "travel_days_max": Field("int", 0, 60, "days"),
        "source": Field("str", required=False),
    },
    "phases": {
        "statuses": Field("statuses"),
        "announcement": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "deadline": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "enforcement_start": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "source": Field("str", required=False),
    },
    "capacity_changes": {
        "checkpoint": Field("id"),
        "date": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "capacity_factor": Field("float", 0.0, 1000.0, "x base capacity per hour"),
        "hours": Field("float", 0.0, 24.0, "hours per day"),
        "source": Field("str", required=False),
    },
    "closures": {
        "checkpoint": Field("id"),
        "start": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "end": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "source": Field("str", required=False),
    },
    "deadline_extensions": {
        "phase": Field("id"),
        "announced": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "new_deadline": Field("date", date(2000, 1, 1), date(2100, 12, 31)),
        "source": Field("str", required=False),
    },
}

# The sections of parameters.csv (a parameter's name is `section.name`).
SCALAR_SECTIONS = ("timeline", "population", "behaviour", "enforcement")
# Tables keyed by an identifier (a scenario edits single rows) and tables given as lists (a
# scenario that names one replaces it whole).
KEYED_TABLES = ("provinces", "checkpoints", "phases")
LIST_TABLES = ("capacity_changes", "closures", "deadline_extensions")
