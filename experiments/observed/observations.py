"""The observed course of the drive: sourced observations, each with how the model reads it.

`observations.csv` holds every sourced observation of the drive (the interior ministry's route
totals of 2 January 2024 and the time-resolved rows of the project brief), with the brief's
columns (what each counts, from when, where, for whom, its source and URL) and the observation
model's: how much it weighs (`use`: `fit` enters the calibration's distance, `check` is
compared but not fitted, `none` has no counterpart in the model), which model quantity over
which crossings or provinces and days it is read from, how the statuses it counts and its
reporting level are matched, whether it is a bound, its error, and a note saying why. Fixed
levels of the observation model (the documented share of returnees) are in `levels.csv`;
calibrated ones (the UN/IOM coverage) are levers of the calibration (`priors.csv`).

A user can pass another file with the same columns (`ifrp calibrate --observations`,
`ifrp validate --observed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from experiments.core.inputs import read_csv_rows
from model.schema import Field, ScenarioError, parse_value

HERE = Path(__file__).resolve().parent
DEFAULT_OBSERVATIONS = HERE / "observations.csv"
DEFAULT_LEVELS = HERE / "levels.csv"

USES = ("fit", "check", "none")
MEASURES = ("cumulative", "period_total", "daily", "rate_per_day", "share", "stock")
QUANTITIES = ("crossed", "deported", "arrested", "deported_share", "arrest_share", "remaining")
STATUS_ADJUSTMENTS = ("", "documented_share")
BOUNDS = ("", "lower", "upper")
DATES = Field("date", date(2000, 1, 1), date(2100, 12, 31))
# A share is at most 1; persons at most a billion.
VALUE = Field("float", 0.0, 1e9)
SHARE = Field("float", 0.0, 1.0)
OBSERVATION_SD = Field("float", 1e-6, 10.0)  # a share of the observed value

SOURCE_COLUMNS = ("series", "date", "period_start", "value", "measure", "counts_from", "place")
MORE_SOURCE_COLUMNS = ("statuses", "source", "url", "note")
MODEL_COLUMNS = (
    "use",
    "quantity",
    "model_place",
    "model_from",
    "model_to",
    "status_adjustment",
    "reporting",
    "bound",
    "observation_sd",
    "model_note",
)
COLUMNS = (*SOURCE_COLUMNS, *MORE_SOURCE_COLUMNS, *MODEL_COLUMNS)
WHAT = "an observations .csv file (the columns of experiments/observed/observations.csv)"


@dataclass(frozen=True)
class Observation:
    """One observed figure and the model quantity it is compared with."""

    file: str  # the file it was read from, and its line there (the header is line 1)
    line: int
    series: str
    date: date
    value: float
    measure: str
    place: str
    source: str
    url: str
    use: str
    quantity: str
    places: tuple[str, ...]  # crossings, routes or provinces (or "all")
    model_from: date | None
    model_to: date | None
    status_adjustment: str
    reporting: str  # a level's name (its value multiplies the model's count), or ""
    bound: str
    observation_sd: float  # a share of the value
    note: str
    model_note: str

    @property
    def label(self) -> str:
        return f"{self.series} {self.date.isoformat()}"

    @property
    def is_share(self) -> bool:
        return self.quantity.endswith("_share")

    @property
    def days(self) -> int:
        return (self.model_to - self.model_from).days + 1

    def describe(self) -> dict:
        """The row as result tables show it: what was observed, and how it is used."""
        return {
            "line": self.line,
            "series": self.series,
            "date": self.date.isoformat(),
            "measure": self.measure,
            "place": self.place,
            "use": self.use,
            "bound": self.bound,
            "observed": self.value,
        }


@dataclass(frozen=True)
class Level:
    name: str
    value: float
    units: str
    source: str


def load_observations(path: Path = DEFAULT_OBSERVATIONS) -> list[Observation]:
    """Read and check an observations file; errors name the file, the line and the field."""
    rows = read_csv_rows(path, WHAT, list(COLUMNS))
    observations = [_observation(row, line, str(path)) for line, row in enumerate(rows, 2)]
    if not any(o.use == "fit" for o in observations):
        raise ScenarioError(str(path), "use", "no row to fit", "at least one row with use = fit")
    _refuse_repeats(observations, str(path))
    return observations


def _observation(row: dict[str, str], line: int, file: str) -> Observation:
    def cell(name: str, allowed: tuple[str, ...] | None = None) -> str:
        text = (row.get(name) or "").strip()
        if allowed is not None and text not in allowed:
            shown = ", ".join(value or "(empty)" for value in allowed)
            raise ScenarioError(file, f"line {line}, {name}", repr(text), shown)
        return text

    use = cell("use", USES)
    measure = cell("measure", MEASURES)
    series = cell("series")
    if not series:
        raise ScenarioError(file, f"line {line}, series", "empty", "a series name")
    value = parse_value(cell("value"), VALUE, file, f"line {line}, value", text=True)
    fields = {
        "file": file,
        "line": line,
        "series": series,
        "date": parse_value(cell("date"), DATES, file, f"line {line}, date", text=True),
        "value": value,
        "measure": measure,
        "place": cell("place"),
        "source": cell("source"),
        "url": cell("url"),
        "use": use,
        "note": cell("note"),
        "model_note": cell("model_note"),
    }
    if use == "none":
        return Observation(**fields, **_unread())
    return Observation(**fields, **_model_columns(cell, value, line, file))


def _unread() -> dict:
    """The model columns of a row the model has no counterpart for."""
    return {
        "quantity": "",
        "places": (),
        "model_from": None,
        "model_to": None,
        "status_adjustment": "",
        "reporting": "",
        "bound": "",
        "observation_sd": float("nan"),
    }


def _model_columns(cell, value: float, line: int, file: str) -> dict:
    quantity = cell("quantity", QUANTITIES)
    where = f"line {line}"
    if quantity.endswith("_share"):
        parse_value(str(value), SHARE, file, f"{where}, value", text=True)
    elif value != int(value):
        raise ScenarioError(
            file, f"{where}, value", f"{value:g} is not a whole number", "persons: 0, 1, 2, ..."
        )
    places = tuple(cell("model_place").split())
    if not places:
        raise ScenarioError(file, f"{where}, model_place", "empty", "crossings, routes, provinces")
    first = parse_value(cell("model_from"), DATES, file, f"{where}, model_from", text=True)
    last = parse_value(cell("model_to"), DATES, file, f"{where}, model_to", text=True)
    if first > last:
        raise ScenarioError(file, f"{where}, model_to", f"{last} is before model_from", ">= it")
    sd = parse_value(cell("observation_sd"), OBSERVATION_SD, file, f"{where}, observation_sd", True)
    return {
        "quantity": quantity,
        "places": places,
        "model_from": first,
        "model_to": last,
        "status_adjustment": cell("status_adjustment", STATUS_ADJUSTMENTS),
        "reporting": cell("reporting"),
        "bound": cell("bound", BOUNDS),
        "observation_sd": sd,
    }


def _refuse_repeats(observations: list[Observation], file: str) -> None:
    """One row per series, date, measure and place: a second would count it twice."""
    seen: dict[tuple, Observation] = {}
    for o in observations:
        key = (o.series, o.date, o.measure, o.place, o.model_from)
        if key in seen:
            first = seen[key]
            how = f"repeats line {first.line}"
            if first.value != o.value:
                how = f"conflicts with line {first.line} ({o.value:g} here, {first.value:g} there)"
            problem = f"{o.series}, {o.date}, {o.measure}, {o.place!r} {how}"
            allowed = "one row per series, date, measure, place and model_from"
            raise ScenarioError(file, f"line {o.line}, date", problem, allowed)
        seen[key] = o


def load_levels(path: Path = DEFAULT_LEVELS) -> dict[str, Level]:
    """The observation model's fixed levels, by name."""
    file = str(path)
    levels = {}
    rows = read_csv_rows(path, "a levels .csv file", ["name", "value", "min", "max", "source"])
    for line, row in enumerate(rows, start=2):
        low = parse_value(row["min"], Field("float"), file, f"line {line}, min", text=True)
        high = parse_value(row["max"], Field("float"), file, f"line {line}, max", text=True)
        if low > high:
            problem = f"{high:g} is below min ({low:g})"
            raise ScenarioError(file, f"line {line}, max", problem, f"a number >= {low:g}")
        spec = Field("float", low, high)
        value = parse_value(row["value"], spec, file, f"line {line}, value", text=True)
        name = (row.get("name") or "").strip()
        if not name or name in levels:
            problem = "empty" if not name else f"{name!r} named twice"
            raise ScenarioError(file, f"line {line}, name", problem, "a new name")
        levels[name] = Level(name, value, row.get("units", ""), row["source"])
    return levels
