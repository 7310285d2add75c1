"""A scenario: every parameter of a run, from the data tables plus a TOML file of overrides.

The defaults live in plain CSV tables under `model/data/` (each row with its source); a
scenario file overrides only what it names. `load_scenario` returns a frozen, validated
`Scenario`; any bad input raises `ScenarioError` naming the file, the field and the range.
"""

from __future__ import annotations

import copy
import csv
import math
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from model.schema import (
    KEYED_TABLES,
    LIST_TABLES,
    STATUSES,
    TABLE_FIELDS,
    Field,
    ScenarioError,
    parse_value,
    scalar_fields,
)

DATA_DIR = Path(__file__).parent / "data"
SCALAR_SECTIONS = ("timeline", "population", "behaviour", "enforcement")


@dataclass(frozen=True)
class Timeline:
    start: date
    end: date
    count_start: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def index(self, day: date) -> int:
        """Day number of a date, 0 on `start` (may be negative or beyond the horizon)."""
        return (day - self.start).days


@dataclass(frozen=True)
class PopulationSettings:
    undocumented: int
    acc: int
    por: int
    household_size_mean: float
    attachment_alpha: float
    attachment_beta: float
    pipeline_share: float
    max_household_size: int

    def persons(self, status: str) -> int:
        return getattr(self, status)

    @property
    def total(self) -> int:
        """Persons of every status in the population."""
        return sum(self.persons(status) for status in STATUSES)


@dataclass(frozen=True)
class Behaviour:
    base_hazard: float
    fear_hazard: float
    announcement_fear: float
    fear_shape: float
    fear_persistence: float
    fear_decay_days: float
    arrest_salience: float
    peer_weight: float
    peer_window_days: int
    attachment_effect: float
    pipeline_readiness: float
    exempt_fear_factor: float
    hiding_effect: float
    reroute_days: int


@dataclass(frozen=True)
class Enforcement:
    arrest_hazard: float
    ramp_days: int
    detention_days: int
    protection_letters_honoured: bool
    deportee_priority: bool


@dataclass(frozen=True)
class Province:
    id: str
    name: str
    population_share: float
    enforcement_factor: float
    holding_capacity: int
    deportation_checkpoint: str
    deportation_travel_days: int


@dataclass(frozen=True)
class CheckpointSpec:
    id: str
    name: str
    province: str
    route: str
    capacity_per_hour: float
    hours: float
    opens: date
    closes: date
    fallback: str


@dataclass(frozen=True)
class Route:
    province: str
    checkpoint: str
    share: float
    travel_days_min: int
    travel_days_max: int


@dataclass(frozen=True)
class Phase:
    id: str
    statuses: tuple[str, ...]
    announcement: date
    deadline: date
    enforcement_start: date


@dataclass(frozen=True)
class CapacityChange:
    checkpoint: str
    date: date
    capacity_factor: float
    hours: float


@dataclass(frozen=True)
class Closure:
    checkpoint: str
    start: date
    end: date


@dataclass(frozen=True)
class DeadlineExtension:
    phase: str
    announced: date
    new_deadline: date


@dataclass(frozen=True)
class Scenario:
    """All parameters of a run. Build with `load_scenario` or `default_scenario`."""

    name: str
    timeline: Timeline
    population: PopulationSettings
    behaviour: Behaviour
    enforcement: Enforcement
    provinces: tuple[Province, ...]
    checkpoints: tuple[CheckpointSpec, ...]
    routes: tuple[Route, ...]
    phases: tuple[Phase, ...]
    capacity_changes: tuple[CapacityChange, ...]
    closures: tuple[Closure, ...]
    deadline_extensions: tuple[DeadlineExtension, ...]
    tree: dict = field(compare=False, repr=False)

    @property
    def checkpoint_routes(self) -> np.ndarray:
        """Each checkpoint's reported route (`model.schema.ROUTES`), in `checkpoints` order.

        An array, so that `ledger.crossed[:, scenario.checkpoint_routes == route]` selects a
        route's crossings; a new one each call, so callers cannot change each other's.
        """
        return np.array([spec.route for spec in self.checkpoints])

    def value(self, name: str) -> Any:
        """The value of a dotted parameter name, e.g. "enforcement.arrest_hazard" (KeyError if
        the name is not a single value: unknown, or a whole table)."""
        node: Any = self.tree
        for part in name.split("."):
            if not isinstance(node, dict):
                raise KeyError(name)
            node = node[part]
        if isinstance(node, dict | list):
            raise KeyError(name)
        return node

    def with_overrides(self, overrides: dict, source: str = "overrides") -> Scenario:
        """A new scenario with `overrides` applied (nested, or with dotted keys)."""
        tree = merge_overrides(self.tree, expand_dotted(overrides), source)
        return build_scenario(tree, self.name, source)

    def to_dict(self) -> dict:
        """The resolved parameters as plain JSON-able values (dates as ISO text)."""
        return _jsonable(self.tree)


def default_scenario() -> Scenario:
    return build_scenario(default_tree(), "defaults", str(DATA_DIR))


def load_scenario(
    path: str | Path, name: str | None = None, base: Scenario | None = None
) -> Scenario:
    """Read a TOML scenario file and apply it over `base` (default: the data tables)."""
    path = Path(path)
    overrides = read_toml(path)
    tree = merge_overrides(base.tree if base else default_tree(), overrides, str(path))
    return build_scenario(tree, name or path.stem, str(path))


def read_toml(path: Path) -> dict:
    """A TOML file as a dict, or a ScenarioError naming the file."""
    try:
        with path.open("rb") as handle:
            overrides = tomllib.load(handle)
    except FileNotFoundError:
        raise ScenarioError(str(path), "(file)", "no such file", "a scenario .toml file") from None
    except IsADirectoryError:
        raise ScenarioError(str(path), "(file)", "is a folder", "a scenario .toml file") from None
    except UnicodeDecodeError as error:
        raise ScenarioError(str(path), "(file)", f"not UTF-8 text: {error}", "UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(str(path), "(syntax)", f"not valid TOML: {error}") from None
    return overrides


# --- defaults from the CSV tables ---------------------------------------------------------


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def scalar_specs() -> dict[str, dict[str, Field]]:
    return scalar_fields(_read_csv("parameters.csv"), str(DATA_DIR / "parameters.csv"))


def default_tree() -> dict:
    """The default parameters as a nested dict: sections, keyed tables and list tables."""
    tree: dict[str, Any] = {section: {} for section in SCALAR_SECTIONS}
    file = str(DATA_DIR / "parameters.csv")
    specs = scalar_specs()
    for row in _read_csv("parameters.csv"):
        section, _, name = row["name"].partition(".")
        if section not in tree:
            raise ScenarioError(file, row["name"], "unknown section", ", ".join(SCALAR_SECTIONS))
        spec = specs[section][name]
        tree[section][name] = parse_value(row["value"], spec, file, row["name"], text=True)
    for table in ("provinces", "checkpoints", "phases"):
        key = {"provinces": "province", "checkpoints": "checkpoint", "phases": "phase"}[table]
        tree[table] = {
            row[key]: _parse_row(row, table, f"{table}.{row[key]}", f"{table}.csv")
            for row in _read_csv(f"{table}.csv")
        }
    tree["routes"] = {}
    for row in _read_csv("routes.csv"):
        where = f"routes.{row['province']}.{row['checkpoint']}"
        parsed = _parse_row(row, "routes", where, "routes.csv")
        tree["routes"].setdefault(row["province"], {})[row["checkpoint"]] = parsed
    for table in LIST_TABLES:
        tree[table] = [
            _parse_row(row, table, f"{table}[{i}]", f"{table}.csv")
            for i, row in enumerate(_read_csv(f"{table}.csv"))
        ]
    return tree


def _parse_row(row: dict[str, str], table: str, where: str, filename: str) -> dict:
    file = str(DATA_DIR / filename)
    specs = TABLE_FIELDS[table]
    parsed = {}
    for name, spec in specs.items():
        if name not in row:
            raise ScenarioError(file, f"{where}.{name}", "missing column", ", ".join(specs))
        parsed[name] = parse_value(row[name] or "", spec, file, f"{where}.{name}", text=True)
    return parsed


# --- overrides from a scenario file --------------------------------------------------------


def expand_dotted(overrides: dict) -> dict:
    """Turn {"a.b.c": 1} into {"a": {"b": {"c": 1}}}; nested dicts pass through."""
    nested: dict = {}
    for key, value in copy.deepcopy(overrides).items():
        parts = key.split(".")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            node[parts[-1]].update(value)
        else:
            node[parts[-1]] = value
    return nested


def merge_overrides(tree: dict, overrides: dict, file: str) -> dict:
    """A copy of `tree` with the scenario's overrides applied, each one checked."""
    tree = copy.deepcopy(tree)
    allowed_top = (*SCALAR_SECTIONS, *KEYED_TABLES, "routes", *LIST_TABLES)
    specs = scalar_specs()
    for key, value in overrides.items():
        if key not in allowed_top:
            raise ScenarioError(file, key, "unknown key", ", ".join(allowed_top))
        if key in LIST_TABLES:
            tree[key] = _merge_list(key, value, file)
            continue
        _require_table(value, key, file)
        if key in SCALAR_SECTIONS:
            for name, raw in value.items():
                if name not in specs[key]:
                    allowed = ", ".join(specs[key])
                    raise ScenarioError(file, f"{key}.{name}", "unknown key", allowed)
                spec, where = specs[key][name], f"{key}.{name}"
                tree[key][name] = override_value(raw, tree[key][name], spec, file, where)
        elif key == "routes":
            for province, choices in value.items():
                _require_table(choices, f"routes.{province}", file)
                current = tree["routes"].setdefault(province, {})
                for checkpoint, row in choices.items():
                    where = f"routes.{province}.{checkpoint}"
                    current[checkpoint] = _merge_row(current.get(checkpoint), row, key, where, file)
        else:
            for ident, row in value.items():
                where = f"{key}.{ident}"
                tree[key][ident] = _merge_row(tree[key].get(ident), row, key, where, file)
    return tree


def _require_table(value: Any, where: str, file: str) -> None:
    if not isinstance(value, dict):
        raise ScenarioError(file, where, f"{value!r} is not a table", f"a [{where}] table")


def _merge_row(current: dict | None, row: Any, table: str, where: str, file: str) -> dict:
    _require_table(row, where, file)
    specs = TABLE_FIELDS[table]
    merged = dict(current) if current else {"source": f"{file} (scenario)"}
    for name, raw in row.items():
        if name not in specs:
            raise ScenarioError(file, f"{where}.{name}", "unknown key", ", ".join(specs))
        merged[name] = override_value(raw, merged.get(name), specs[name], file, f"{where}.{name}")
    missing = [name for name, spec in specs.items() if spec.required and name not in merged]
    if missing:
        raise ScenarioError(file, where, f"a new row needs {', '.join(missing)}", ", ".join(specs))
    return merged


# The relative form of a numeric override, `field = { times = FACTOR }`: FACTOR x the value in
# the scenario the file is applied over. It lets a scenario say what it means ("twice the
# calibrated arrest hazard") instead of a number that goes stale with every recalibration.
RELATIVE_KEYS = ("times",)
RELATIVE_ALLOWED = "{ times = FACTOR }, FACTOR a finite number > 0"


def override_value(raw: Any, current: Any, spec: Field, file: str, where: str) -> Any:
    """The value an override sets: `raw` itself, or `{ times = FACTOR }` x `current`.

    `current` is the field's value in the base scenario (None for a new row, or a row of a
    list table, which has nothing to multiply). An int field's product is rounded to the
    nearest whole number (halves away from zero); either way the result is range-checked.
    """
    if not isinstance(raw, dict):
        return parse_value(raw, spec, file, where)
    if spec.kind not in ("int", "float"):
        raise ScenarioError(
            file,
            where,
            f"the relative form {{ times = ... }} applies to numbers only, and this is a "
            f"{spec.kind} field",
            spec.allowed(),
        )
    unknown = [key for key in raw if key not in RELATIVE_KEYS]
    if unknown:
        raise ScenarioError(
            file, f"{where}.{unknown[0]}", "unknown key in a relative override", RELATIVE_ALLOWED
        )
    if "times" not in raw:
        raise ScenarioError(file, where, "a relative override needs its factor", RELATIVE_ALLOWED)
    factor = raw["times"]
    valid_number = isinstance(factor, int | float) and not isinstance(factor, bool)
    if not (valid_number and math.isfinite(factor) and factor > 0):
        raise ScenarioError(
            file, f"{where}.times", f"{factor!r} is not a factor > 0", RELATIVE_ALLOWED
        )
    if current is None:
        raise ScenarioError(
            file,
            where,
            "nothing to multiply: a relative override needs the field's value in the base "
            "scenario, and a new row (or a row of a list table) has none",
            spec.allowed(),
        )
    product = current * factor
    if not math.isfinite(product):
        raise ScenarioError(file, where, f"{factor!r} x {current!r} is not finite", spec.allowed())
    value = _round_half_away_from_zero(product) if spec.kind == "int" else float(product)
    try:
        return parse_value(value, spec, file, where)
    except ScenarioError as error:
        rounded = f"{product:g}, rounded to " if value != product else ""
        problem = f"{factor!r} x {current!r} = {rounded}{error.problem}"
        raise ScenarioError(file, where, problem, error.allowed) from None


def _round_half_away_from_zero(value: float) -> int:
    """The nearest whole number; a half goes away from zero (2.5 -> 3), unlike `round` (-> 2)."""
    whole = math.floor(abs(value))
    if abs(value) - whole >= 0.5:
        whole += 1
    return int(whole) if value >= 0 else -int(whole)


def _merge_list(table: str, value: Any, file: str) -> list[dict]:
    if not isinstance(value, list):
        raise ScenarioError(file, table, "is not a list", f"[[{table}]] entries")
    return [_merge_row(None, row, table, f"{table}[{i}]", file) for i, row in enumerate(value)]


# --- building and cross-checking ----------------------------------------------------------


def build_scenario(tree: dict, name: str, file: str) -> Scenario:
    """Turn a merged parameter tree into a validated `Scenario`."""

    def rows(table: str, cls: type, key: str | None = None) -> tuple:
        names = {f.name for f in fields(cls)}
        if key is None:
            return tuple(cls(**{k: v for k, v in r.items() if k in names}) for r in tree[table])
        return tuple(
            cls(**{key: ident}, **{k: v for k, v in r.items() if k in names})
            for ident, r in tree[table].items()
        )

    routes = tuple(
        Route(province, checkpoint, r["share"], r["travel_days_min"], r["travel_days_max"])
        for province, choices in tree["routes"].items()
        for checkpoint, r in choices.items()
    )
    scenario = Scenario(
        name=name,
        timeline=Timeline(**tree["timeline"]),
        population=PopulationSettings(**tree["population"]),
        behaviour=Behaviour(**tree["behaviour"]),
        enforcement=Enforcement(**tree["enforcement"]),
        provinces=rows("provinces", Province, "id"),
        checkpoints=rows("checkpoints", CheckpointSpec, "id"),
        routes=routes,
        phases=rows("phases", Phase, "id"),
        capacity_changes=rows("capacity_changes", CapacityChange),
        closures=rows("closures", Closure),
        deadline_extensions=rows("deadline_extensions", DeadlineExtension),
        tree=tree,
    )
    check_consistency(scenario, file)
    return scenario


def check_consistency(s: Scenario, file: str) -> None:
    """Checks that span fields: date order, shares summing to one, references that exist."""
    t = s.timeline
    if not t.start < t.end:
        raise ScenarioError(
            file, "timeline.end", f"{t.end} is not after start {t.start}", f"a date after {t.start}"
        )
    if not t.start <= t.count_start <= t.end:
        raise ScenarioError(
            file,
            "timeline.count_start",
            f"{t.count_start} is outside the run",
            f"{t.start}..{t.end}",
        )
    if s.population.total <= 0:
        raise ScenarioError(file, "population", "nobody to simulate", "at least one person")
    largest = s.population.max_household_size
    if largest < s.population.household_size_mean:
        # Sizes are capped at the largest household: a cap below the mean would not give it.
        raise ScenarioError(
            file,
            "population.max_household_size",
            f"{largest} is below population.household_size_mean "
            f"({s.population.household_size_mean:g})",
            "at least population.household_size_mean",
        )
    province_ids = {p.id for p in s.provinces}
    checkpoint_ids = {c.id for c in s.checkpoints}
    _check_sum(
        [p.population_share for p in s.provinces], file, "provinces.*.population_share", "provinces"
    )
    for p in s.provinces:
        _check_ref(
            p.deportation_checkpoint,
            checkpoint_ids,
            file,
            f"provinces.{p.id}.deportation_checkpoint",
        )
    for c in s.checkpoints:
        where = f"checkpoints.{c.id}"
        _check_ref(c.province, province_ids, file, f"{where}.province")
        if c.fallback:
            _check_ref(c.fallback, checkpoint_ids - {c.id}, file, f"{where}.fallback")
        if c.opens > c.closes:
            raise ScenarioError(
                file, f"{where}.closes", f"{c.closes} is before opens {c.opens}", f">= {c.opens}"
            )
        _check_capacity(c.capacity_per_hour * c.hours, largest, file, where)
    by_id = {c.id: c for c in s.checkpoints}
    for i, change in enumerate(s.capacity_changes):
        where = f"capacity_changes[{i}]"
        _check_ref(change.checkpoint, checkpoint_ids, file, f"{where}.checkpoint")
        base = by_id[change.checkpoint].capacity_per_hour
        _check_capacity(base * change.capacity_factor * change.hours, largest, file, where)
    for i, closure in enumerate(s.closures):
        _check_ref(closure.checkpoint, checkpoint_ids, file, f"closures[{i}].checkpoint")
        if closure.start > closure.end:
            raise ScenarioError(
                file,
                f"closures[{i}].end",
                f"{closure.end} is before its start",
                f">= {closure.start}",
            )
    _check_routes(s, province_ids, checkpoint_ids, file)
    _check_phases(s, file)


def _check_routes(s: Scenario, province_ids: set, checkpoint_ids: set, file: str) -> None:
    for province in s.provinces:
        shares = [r.share for r in s.routes if r.province == province.id]
        if province.population_share > 0 and not shares:
            raise ScenarioError(
                file, f"routes.{province.id}", "a province with people has no route out", "routes"
            )
        _check_sum(shares, file, f"routes.{province.id}.*.share", "routes")
    for r in s.routes:
        where = f"routes.{r.province}.{r.checkpoint}"
        _check_ref(r.province, province_ids, file, where)
        _check_ref(r.checkpoint, checkpoint_ids, file, where)
        if r.travel_days_min > r.travel_days_max:
            raise ScenarioError(
                file, f"{where}.travel_days_max", "is below travel_days_min", "max >= min"
            )


def _check_phases(s: Scenario, file: str) -> None:
    seen: dict[str, str] = {}
    for phase in s.phases:
        where = f"phases.{phase.id}"
        for status in phase.statuses:
            if status in seen:
                raise ScenarioError(
                    file,
                    f"{where}.statuses",
                    f"{status} is already targeted by {seen[status]}",
                    "each status in at most one phase",
                )
            seen[status] = phase.id
        if not phase.announcement <= phase.deadline <= phase.enforcement_start:
            raise ScenarioError(
                file,
                where,
                f"dates out of order: announcement {phase.announcement}, deadline "
                f"{phase.deadline}, enforcement_start {phase.enforcement_start}",
                "announcement <= deadline <= enforcement_start",
            )
    phase_ids = {phase.id: phase for phase in s.phases}
    for i, ext in enumerate(s.deadline_extensions):
        where = f"deadline_extensions[{i}]"
        _check_ref(ext.phase, set(phase_ids), file, f"{where}.phase")
        phase = phase_ids[ext.phase]
        if ext.new_deadline > phase.enforcement_start:
            raise ScenarioError(
                file,
                f"{where}.new_deadline",
                f"{ext.new_deadline} is after the enforcement start of {ext.phase} "
                f"({phase.enforcement_start}); move phases.{ext.phase}.enforcement_start too",
                "new_deadline <= the phase's enforcement_start",
            )
        if not phase.announcement <= ext.announced <= ext.new_deadline:
            raise ScenarioError(
                file,
                where,
                "dates out of order",
                f"phase announcement ({phase.announcement}) <= announced <= new_deadline",
            )


def _check_sum(shares: list[float], file: str, where: str, table: str) -> None:
    total = sum(shares)
    if shares and abs(total - 1.0) > 1e-6:
        raise ScenarioError(file, where, f"the {table} shares sum to {total:.6g}", "a sum of 1")


def _check_ref(ident: str, known: set, file: str, where: str) -> None:
    if ident not in known:
        raise ScenarioError(file, where, f"unknown identifier {ident!r}", ", ".join(sorted(known)))


def _check_capacity(daily: float, largest_household: int, file: str, where: str) -> None:
    # Families leave together, so an open crossing must be able to pass the largest in a day.
    if 0 < daily < largest_household:
        raise ScenarioError(
            file,
            where,
            f"a daily capacity of {daily:g} persons cannot pass the largest household",
            f"0 (closed) or at least {largest_household} persons per day "
            "(population.max_household_size)",
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
