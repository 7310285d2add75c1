"""Overrides: what a scenario file (or a dict from Python) changes in a parameter tree.

A scenario names only what it changes, nested (`[behaviour]` then `fear_hazard = 0.05`) or with
dotted keys (`behaviour.fear_hazard = 0.05`); a number may be given relative to the value it
replaces (`{ times = 2.0 }`). Each value is checked against its declaration as it is applied.
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any

from model.defaults import scalar_specs
from model.schema import (
    KEYED_TABLES,
    LIST_TABLES,
    SCALAR_SECTIONS,
    TABLE_FIELDS,
    Field,
    ScenarioError,
    parse_value,
)


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
