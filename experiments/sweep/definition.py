"""Read and check a sweep file: levers and uncertainties, their ranges, the design, the base.

A sweep file is TOML (see README, "Sweeps"). Every problem raises `ScenarioError` naming the
file, the field and what is allowed, before anything runs or is written.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from experiments.core import library as scenarios
from experiments.core.arguments import DEFAULT_SEED
from model.scenario import Scenario, ScenarioError

DESIGNS = ("grid", "lhs", "sobol", "sobol_indices")
TOP_KEYS = (
    "name",
    "base",
    "design",
    "points",
    "replicates",
    "entropy",
    "overrides",
    "levers",
    "uncertainties",
)
FACTOR_KEYS = ("name", "values", "low", "high", "levels", "shift_with")
ROLES = {"levers": "lever", "uncertainties": "uncertainty"}
NAME_HINT = (
    "a dotted parameter name of the base scenario, e.g. enforcement.arrest_hazard, "
    "provinces.balochistan.enforcement_factor, phases.phase1.deadline"
)
MAX_LEVELS = 1_000  # a grid factor's `levels`
MAX_POINTS = 1_000_000  # a sweep's points, whatever the design (and the `points` field's top)


@dataclass(frozen=True)
class Factor:
    """One swept parameter: a lever (what policy sets) or an uncertainty (what we do not know).

    Either `values` (a list: grid levels, or categories drawn uniformly by lhs/sobol) or a range
    `low`..`high` (grid: `levels` evenly spaced values; lhs/sobol: uniform; integers and dates
    are drawn as whole numbers / whole days). `shift_with` names parameters moved by the same
    amount as this one moves from its base value (e.g. the enforcement start with the deadline).
    """

    name: str
    role: str
    kind: str
    base: Any
    values: tuple = ()
    low: Any = None
    high: Any = None
    levels: int | None = None
    shift_with: tuple[str, ...] = ()
    shift_base: tuple = ()

    def overrides(self, value: Any) -> dict:
        """The dotted-key overrides that set this factor to `value` (shifted names included)."""
        result = {self.name: value}
        for name, other in zip(self.shift_with, self.shift_base, strict=True):
            if self.kind == "date":
                result[name] = other + timedelta(days=(value - self.base).days)
            else:
                moved = other + (value - self.base)
                result[name] = round(moved) if isinstance(other, int) else float(moved)
        return result


@dataclass(frozen=True)
class SweepDefinition:
    name: str
    path: str
    base: str
    design: str
    points: int | None
    replicates: int
    entropy: int
    overrides: dict
    factors: tuple[Factor, ...]
    base_scenario: Scenario = field(repr=False, compare=False)

    def resolved(self) -> dict:
        """Everything that decides the results, as plain JSON-able values."""
        return {
            "name": self.name,
            "base": self.base,
            "design": self.design,
            "points": self.points,
            "replicates": self.replicates,
            "entropy": self.entropy,
            "overrides": self.overrides,
            "factors": [asdict(f) for f in self.factors],
            "base_parameters": self.base_scenario.to_dict(),
        }

    def point_count(self) -> int:
        """How many points the design has, counted without building them."""
        if self.design == "grid":
            return math.prod(len(f.values) or f.levels or 0 for f in self.factors)
        if self.design == "sobol_indices":
            return (self.points or 0) * (len(self.factors) + 2)
        return self.points or 0


def definition_hash(resolved: dict, points: list[dict]) -> str:
    """A short hash of a sweep's resolved definition and its points (resume only if equal)."""
    text = json.dumps({"sweep": resolved, "points": points}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_sweep(path: str | Path, require_design: str | None = None) -> SweepDefinition:
    """Read a sweep file and check every field; `require_design` forces one design."""
    path = Path(path)
    file = str(path)
    raw = _read(path)
    for key in raw:
        if key not in TOP_KEYS:
            raise ScenarioError(file, key, "unknown key", ", ".join(TOP_KEYS))
    design = _design(raw, file, require_design)
    points = _points(raw, design, file)
    replicates = _integer(raw, "replicates", 1, 100_000, file)
    # As `ifrp run --seed`: 1 when left out. resolved() holds the value, so an omitted entropy
    # and `entropy = 1` give the same definition hash (one can resume the other).
    entropy = _integer(raw, "entropy", 0, 2**63 - 1, file, default=DEFAULT_SEED)
    name = _text(raw.get("name", path.stem), file, "name")
    base_name = _text(raw.get("base", "baseline"), file, "base")
    overrides = _table(raw.get("overrides", {}), file, "overrides")
    base = _base_scenario(base_name, overrides, path)
    sweep = SweepDefinition(
        name=name,
        path=file,
        base=base_name,
        design=design,
        points=points,
        replicates=replicates,
        entropy=entropy,
        overrides=overrides,
        factors=tuple(_factors(raw, base, design, file)),
        base_scenario=base,
    )
    _check_point_count(sweep)
    return sweep


def _check_point_count(sweep: SweepDefinition) -> None:
    """At most MAX_POINTS points: each is built and checked before anything runs."""
    count = sweep.point_count()
    if count <= MAX_POINTS:
        return
    if sweep.design == "grid":
        sizes = " x ".join(str(len(f.values) or f.levels) for f in sweep.factors)
        raise ScenarioError(
            sweep.path,
            "levels",
            f"the grid has {sizes} = {count:,} points",
            f"at most {MAX_POINTS:,} points (the product of the factors' levels or values)",
        )
    d = len(sweep.factors)
    raise ScenarioError(
        sweep.path,
        "points",
        f"{sweep.points:,} x ({d} factors + 2) = {count:,} points",
        f"a power of 2 giving at most {MAX_POINTS:,} points (n x (d + 2))",
    )


# --- top-level fields ----------------------------------------------------------------------


def _read(path: Path) -> dict:
    file = str(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ScenarioError(file, "(file)", "no such file", "a sweep .toml file") from None
    except IsADirectoryError:
        raise ScenarioError(file, "(file)", "is a folder", "a sweep .toml file") from None
    except UnicodeDecodeError as error:
        raise ScenarioError(file, "(file)", f"not UTF-8 text: {error}", "UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(file, "(syntax)", f"not valid TOML: {error}") from None


def _design(raw: dict, file: str, required: str | None) -> str:
    design = raw.get("design", required)
    if design is None:
        raise ScenarioError(file, "design", "missing", ", ".join(DESIGNS))
    if design not in DESIGNS:
        raise ScenarioError(file, "design", f"{design!r} is not a design", ", ".join(DESIGNS))
    if required and design != required:
        raise ScenarioError(file, "design", f"{design!r}: this command needs {required}", required)
    return design


def _integer(
    raw: dict, key: str, low: int, high: int, file: str, default: int | None = None
) -> int:
    if key not in raw and default is None:
        raise ScenarioError(file, key, "missing", f"an integer from {low} to {high}")
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScenarioError(file, key, f"{value!r} is out of range", f"an integer {low}..{high}")
    return value


def _points(raw: dict, design: str, file: str) -> int | None:
    if design == "grid":
        if "points" in raw:
            raise ScenarioError(
                file, "points", "not used by the grid design", "omit it (the grid sets the points)"
            )
        return None
    points = _integer(raw, "points", 1, MAX_POINTS, file)
    if design in ("sobol", "sobol_indices") and points & (points - 1):
        raise ScenarioError(
            file, "points", f"{points} is not a power of 2", "2, 4, 8, 16, ... (Sobol' balance)"
        )
    if design == "sobol_indices" and points < 2:
        raise ScenarioError(file, "points", f"{points} is too few", "a power of 2, at least 2")
    return points


def _text(value: Any, file: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(file, where, f"{value!r} is not text", "a non-empty string")
    return value.strip()


def _table(value: Any, file: str, where: str) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(file, where, f"{value!r} is not a table", f"a [{where}] table")
    return value


def _base_scenario(name: str, overrides: dict, path: Path) -> Scenario:
    """The named base scenario (a path is relative to the sweep file), with the overrides."""
    candidate = path.parent / name
    source = str(candidate) if name.endswith(".toml") and candidate.is_file() else name
    base = scenarios.resolve(source)
    return base.with_overrides(overrides, f"{path} [overrides]") if overrides else base


# --- factors -------------------------------------------------------------------------------


def kind_of(value: Any) -> str:
    for kind, types in (("bool", bool), ("int", int), ("float", float), ("date", date)):
        if isinstance(value, types):
            return kind
    return "str"


def _factors(raw: dict, base: Scenario, design: str, file: str) -> list[Factor]:
    factors = []
    for table, role in ROLES.items():
        entries = raw.get(table, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ScenarioError(file, table, "is not a list of tables", f"[[{table}]] entries")
        for i, entry in enumerate(entries):
            factors.append(_factor(entry, role, f"{table}[{i}]", base, design, file))
    if not factors:
        raise ScenarioError(file, "levers", "nothing to sweep", "at least one [[levers]] entry")
    names = [f.name for f in factors] + [n for f in factors for n in f.shift_with]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ScenarioError(file, "levers", f"{', '.join(repeated)} swept twice", "each once")
    return factors


def _factor(entry: dict, role: str, where: str, base: Scenario, design: str, file: str) -> Factor:
    for key in entry:
        if key not in FACTOR_KEYS:
            raise ScenarioError(file, f"{where}.{key}", "unknown key", ", ".join(FACTOR_KEYS))
    name = _text(entry.get("name"), file, f"{where}.name")
    current = _base_value(base, name, file, f"{where}.name")
    kind = kind_of(current)
    shifts = _shifts(entry, base, kind, where, file)
    factor = Factor(
        name,
        role,
        kind,
        current,
        shift_with=shifts,
        shift_base=tuple(base.value(other) for other in shifts),
    )
    if "values" in entry:
        if {"low", "high", "levels"} & set(entry):
            raise ScenarioError(file, where, "both values and a range", "values, or low and high")
        return _with_values(factor, entry["values"], where, base, file)
    return _with_range(factor, entry, where, base, design, file)


def _base_value(base: Scenario, name: str, file: str, where: str) -> Any:
    try:
        return base.value(name)
    except (KeyError, TypeError):
        raise ScenarioError(file, where, f"{name!r} is not a parameter", NAME_HINT) from None


def _shifts(entry: dict, base: Scenario, kind: str, where: str, file: str) -> tuple[str, ...]:
    names = entry.get("shift_with", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ScenarioError(file, f"{where}.shift_with", f"{names!r}", "a list of parameter names")
    if names and kind not in ("int", "float", "date"):
        raise ScenarioError(file, f"{where}.shift_with", f"cannot shift a {kind}", "numbers, dates")
    for name in names:
        other = kind_of(_base_value(base, name, file, f"{where}.shift_with"))
        if (other == "date") != (kind == "date"):
            raise ScenarioError(
                file, f"{where}.shift_with", f"{name} is a {other}, not a {kind}", f"{kind}s"
            )
    return tuple(names)


def _with_values(factor: Factor, values: Any, where: str, base: Scenario, file: str) -> Factor:
    if not isinstance(values, list) or not values:
        raise ScenarioError(file, f"{where}.values", f"{values!r}", "a non-empty list")
    checked = tuple(
        _checked(factor, value, f"{where}.values[{i}]", base, file)
        for i, value in enumerate(values)
    )
    if len(set(checked)) < len(checked):
        raise ScenarioError(file, f"{where}.values", "repeated values", "distinct values")
    return replace(factor, values=checked)


def _with_range(
    factor: Factor, entry: dict, where: str, base: Scenario, design: str, file: str
) -> Factor:
    if factor.kind not in ("int", "float", "date"):
        raise ScenarioError(file, where, f"a {factor.kind} has no range", "values = [...]")
    for key in ("low", "high"):
        if key not in entry:
            raise ScenarioError(file, f"{where}.{key}", "missing", "low and high, or values")
    low = _checked(factor, entry["low"], f"{where}.low", base, file)
    high = _checked(factor, entry["high"], f"{where}.high", base, file)
    if not low < high:
        raise ScenarioError(file, f"{where}.high", f"{high} is not above low {low}", f"> {low}")
    levels = entry.get("levels")
    if design == "grid":
        ranged = replace(factor, low=low, high=high, levels=_levels(levels, where, file))
        _check_distinct_levels(ranged, where, file)
        return ranged
    if levels is not None:
        raise ScenarioError(file, f"{where}.levels", f"not used by {design}", "grid only")
    return replace(factor, low=low, high=high)


def _levels(levels: Any, where: str, file: str) -> int:
    allowed = f"an integer 2..{MAX_LEVELS:,} (grid over a range)"
    if isinstance(levels, bool) or not isinstance(levels, int):
        raise ScenarioError(file, f"{where}.levels", f"{levels!r}", allowed)
    if not 2 <= levels <= MAX_LEVELS:
        raise ScenarioError(file, f"{where}.levels", f"{levels!r} is out of range", allowed)
    return levels


def _check_distinct_levels(factor: Factor, where: str, file: str) -> None:
    """A grid's levels must be distinct values: no more than the whole numbers or days from
    low to high (rather than fewer points than asked for, silently)."""
    levels = factor.levels or 0
    if factor.kind in ("int", "date"):
        span = factor.high - factor.low
        count = (span.days if factor.kind == "date" else span) + 1
        unit = "days" if factor.kind == "date" else "whole numbers"
        if levels > count:
            raise ScenarioError(
                file,
                f"{where}.levels",
                f"{levels} levels, but only {count} {unit} from {factor.low} to {factor.high}",
                f"at most {min(count, MAX_LEVELS)} levels, or a wider range",
            )


def _checked(factor: Factor, value: Any, where: str, base: Scenario, file: str) -> Any:
    """A value of the factor's type that the base scenario accepts (its range, its rules)."""
    if kind_of(value) != factor.kind and not (factor.kind == "float" and kind_of(value) == "int"):
        raise ScenarioError(
            file, where, f"{value!r} is a {kind_of(value)}", f"a {factor.kind} like {factor.base!r}"
        )
    value = float(value) if factor.kind == "float" else value
    try:
        base.with_overrides(factor.overrides(value), file)
    except ScenarioError as error:
        raise ScenarioError(
            file, f"{where} ({factor.name})", error.problem, error.allowed
        ) from None
    return value
