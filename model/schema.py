"""Field types, ranges and parsing for every value a scenario can set.

Each value is declared once. A scalar parameter is declared by its row of
`data/parameters.csv` (type, units, range, source); the columns of the tables (provinces,
checkpoints, routes, ...) are declared here, in `TABLE_FIELDS` and `TABLE_KEYS`, because their
shape is part of the code. The typed dataclasses of `model.parameters` are checked against these
declarations (`check_typed_fields`), and docs/parameters.md is generated from them. Every error
names the file, the field and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from typing import Any, get_type_hints

STATUSES = ("undocumented", "acc", "por")
ROUTES = ("khyber_pakhtunkhwa", "balochistan", "other")
UNDOCUMENTED = STATUSES.index("undocumented")  # the population the ministry's figures count
CARD_STATUSES = ("acc", "por")  # the statuses that hold a card (and can lose its protection)


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
    meaning: str = ""  # what the value is, for docs/parameters.md

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
        units = f" {self.units}" if self.units and self.units != self.kind else ""  # not "date"
        if self.high is None:
            return f"{noun} >= {self.low}{units}"
        if self.low is None:
            return f"{noun} <= {self.high}{units}"
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


# Dates a table may hold (a guard against typos such as 2203 for 2023).
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
# Every table's last column: where the row's values come from. The parameter tree and the docs
# keep it; the typed rows do not, as the model never reads it.
SOURCE_COLUMN = "source"
SOURCE = Field("str", required=False, meaning="provenance of the row (free text)")

TABLE_FIELDS: dict[str, dict[str, Field]] = {
    "provinces": {
        "name": Field("str", meaning="display name"),
        "population_share": Field(
            "float",
            0.0,
            1.0,
            "share of persons",
            meaning="share of each status's persons living in the province (one split for all "
            "statuses); must sum to 1 over provinces",
        ),
        "enforcement_factor": Field(
            "float",
            0.0,
            100.0,
            "x arrest hazard",
            meaning="multiplier $f_p$ of `enforcement.arrest_hazard` in this province",
        ),
        "holding_capacity": Field(
            "int",
            0,
            10_000_000,
            "persons",
            meaning="persons the province's holding centres can hold at once ($K_p$); arrests "
            "stop when full",
        ),
        "deportation_checkpoint": Field(
            "id", meaning="crossing to which detainees are escorted (a `checkpoint` id)"
        ),
        "deportation_travel_days": Field(
            "int", 0, 60, "days", meaning="days from hand-over to arrival at that crossing"
        ),
        SOURCE_COLUMN: SOURCE,
    },
    "checkpoints": {
        "name": Field("str", meaning="display name"),
        "province": Field(
            "id",
            meaning="province where the crossing lies (a `province` id); descriptive only, not "
            "used by the dynamics",
        ),
        "route": Field(
            "route",
            meaning="which reported total its crossings count towards: one of " + ", ".join(ROUTES),
        ),
        "capacity_per_hour": Field(
            "float", 0.0, 1_000_000.0, "persons per hour", meaning="base processing rate $c_k$"
        ),
        "hours": Field(
            "float", 0.0, 24.0, "hours per day", meaning="base opening hours per day $H_k$"
        ),
        "opens": Field("date", EARLIEST, LATEST, meaning="first day with capacity (inclusive)"),
        "closes": Field("date", EARLIEST, LATEST, meaning="last day with capacity (inclusive)"),
        "fallback": Field(
            "id",
            meaning="crossing to which arrivals are redirected while this one is closed and the "
            "fallback is open; empty: arrivals wait in the queue",
        ),
        SOURCE_COLUMN: SOURCE,
    },
    "routes": {
        "share": Field(
            "float",
            0.0,
            1.0,
            "share of the province's households",
            meaning="probability that a household of the province uses this crossing; must sum "
            "to 1 per province; 0 disables the route",
        ),
        "travel_days_min": Field("int", 0, 60, "days", meaning="shortest trip, days (inclusive)"),
        "travel_days_max": Field(
            "int",
            0,
            60,
            "days",
            meaning="longest trip, days (inclusive); must be >= `travel_days_min`",
        ),
        SOURCE_COLUMN: SOURCE,
    },
    "phases": {
        "statuses": Field(
            "statuses",
            meaning="statuses targeted, from " + ", ".join(STATUSES) + "; `;`-separated in the "
            "CSV, a list in TOML; each status may be targeted by one phase only",
        ),
        "announcement": Field(
            "date", EARLIEST, LATEST, meaning="day the phase is announced (pressure starts)"
        ),
        "deadline": Field(
            "date",
            EARLIEST,
            LATEST,
            meaning="day by which the targeted must leave (pressure peaks)",
        ),
        "enforcement_start": Field(
            "date",
            EARLIEST,
            LATEST,
            meaning="first day of arrests of the targeted statuses; announcement <= deadline <= "
            "enforcement_start",
        ),
        SOURCE_COLUMN: SOURCE,
    },
    "capacity_changes": {
        "checkpoint": Field("id", meaning="crossing affected"),
        "date": Field(
            "date",
            EARLIEST,
            LATEST,
            meaning="first day of the new regime (in force until a later change)",
        ),
        "capacity_factor": Field(
            "float",
            0.0,
            1000.0,
            "x base capacity per hour",
            meaning="multiplier $\\phi$ of the crossing's *base* `capacity_per_hour` (changes do "
            "not compound)",
        ),
        "hours": Field(
            "float", 0.0, 24.0, "hours per day", meaning="opening hours per day from this date"
        ),
        SOURCE_COLUMN: SOURCE,
    },
    "closures": {
        "checkpoint": Field("id", meaning="crossing closed"),
        "start": Field("date", EARLIEST, LATEST, meaning="first closed day (inclusive)"),
        "end": Field(
            "date",
            EARLIEST,
            LATEST,
            meaning="last closed day (inclusive); must not precede `start`",
        ),
        SOURCE_COLUMN: SOURCE,
    },
    "card_validity": {
        "status": Field(
            "id",
            meaning="legal status whose card it is: acc or por (the undocumented hold none)",
        ),
        "announced": Field(
            "date",
            EARLIEST,
            LATEST,
            meaning="day the card's validity (or its extension) becomes known",
        ),
        "valid_until": Field(
            "date",
            EARLIEST,
            LATEST,
            meaning="last day the card is valid, as announced (not before `announced`); the "
            "latest row announced by a day is in force on it",
        ),
        SOURCE_COLUMN: SOURCE,
    },
    "deadline_extensions": {
        "phase": Field("id", meaning="phase whose deadline moves (a `phase` id)"),
        "announced": Field(
            "date",
            EARLIEST,
            LATEST,
            meaning="day the extension becomes known (not before the phase's announcement)",
        ),
        "new_deadline": Field(
            "date",
            EARLIEST,
            LATEST,
            meaning="the new deadline (not before `announced`); does not move `enforcement_start`",
        ),
        SOURCE_COLUMN: SOURCE,
    },
}

# The columns that name a row, in the tables that have them: a scenario edits
# `[provinces.<province>]`, or `[routes.<province>.<checkpoint>]`. A typed row holds a table's
# one key column as its `id`.
TABLE_KEYS: dict[str, dict[str, Field]] = {
    "provinces": {
        "province": Field(
            "id",
            meaning="identifier (row key); referenced by `checkpoints.province` and `routes`",
        )
    },
    "checkpoints": {"checkpoint": Field("id", meaning="identifier (row key)")},
    "routes": {
        "province": Field("id", meaning="province of residence (key, first part)"),
        "checkpoint": Field("id", meaning="crossing (key, second part)"),
    },
    "phases": {"phase": Field("id", meaning="identifier (row key)")},
}

# The sections of parameters.csv (a parameter's name is `section.name`).
SCALAR_SECTIONS = ("timeline", "population", "behaviour", "enforcement")
# Tables keyed by an identifier (a scenario edits single rows) and tables given as lists (a
# scenario that names one replaces it whole).
KEYED_TABLES = ("provinces", "checkpoints", "phases")
LIST_TABLES = ("capacity_changes", "closures", "deadline_extensions", "card_validity")

# The Python type that a typed dataclass gives each kind of value.
PYTHON_TYPES: dict[str, Any] = {
    "int": int,
    "float": float,
    "date": date,
    "bool": bool,
    "str": str,
    "id": str,
    "route": str,
    "statuses": tuple[str, ...],
}


def typed_columns(table: str) -> dict[str, Field]:
    """The declared columns a table's typed row holds: its key (as `id`, if the table has one
    key column) and every column but the source."""
    keys = TABLE_KEYS.get(table, {})
    if len(keys) == 1:
        keys = {"id": next(iter(keys.values()))}
    columns = {name: spec for name, spec in TABLE_FIELDS[table].items() if name != SOURCE_COLUMN}
    return {**keys, **columns}


def check_typed_fields(
    cls: type, declared: dict[str, Field], file: str, prefix: str, declared_in: str
) -> None:
    """Check that the dataclass `cls` has a field for each declared value, of its kind's type,
    and none other: the declaration (in `declared_in`) and the code must not drift apart.

    `prefix` is the section or table, for the error's field name (`prefix.name`).
    """
    where = f"{cls.__module__}.{cls.__qualname__}"
    annotations = _resolved_annotations(cls)
    names = [f.name for f in fields(cls)]
    for name, spec in declared.items():
        if name not in names:
            problem = f"declared in {declared_in}, but {where} has no such field"
            raise ScenarioError(file, f"{prefix}.{name}", problem, ", ".join(names))
        annotation = annotations[name]
        if PYTHON_TYPES[spec.kind] != annotation:
            problem = (
                f"declared {spec.kind} in {declared_in}, but {where}.{name} is "
                f"{_type_name(annotation)}"
            )
            kinds = [
                kind for kind, python_type in PYTHON_TYPES.items() if python_type == annotation
            ]
            raise ScenarioError(file, f"{prefix}.{name}", problem, ", ".join(kinds))
    for name in names:
        if name not in declared:
            problem = f"{where}.{name} is not declared in {declared_in}"
            raise ScenarioError(file, f"{prefix}.{name}", problem, ", ".join(declared))


@cache
def _resolved_annotations(cls: type) -> dict[str, Any]:
    # Resolving the annotation text (`from __future__ import annotations`) costs more than the
    # rest of the check, and a class's annotations do not change while the program runs.
    return get_type_hints(cls)


def _type_name(annotation: Any) -> str:
    """`int` for a class, `tuple[str, ...]` for a generic alias."""
    return annotation.__name__ if type(annotation) is type else str(annotation)
