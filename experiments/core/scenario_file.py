"""Write a scenario as a TOML file that `ifrp run` reads back to the same parameters.

The file names only what differs from the scenario it will be applied over (the calibrated
baseline, for `ifrp run FILE`), as the library's scenario files do. Keyed tables are written
field by field; a list table that differs is written whole, since a scenario's list replaces
the base's.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from model.scenario import Scenario
from model.schema import KEYED_TABLES, LIST_TABLES, SCALAR_SECTIONS

NOT_WRITTEN = ("source",)  # a row's provenance note, set by the file it comes from


def differences(tree: dict, base: dict) -> dict:
    """The overrides that turn `base` into `tree` (both `Scenario.tree`s)."""
    changed: dict[str, Any] = {}
    for section in SCALAR_SECTIONS:
        fields = {k: v for k, v in tree[section].items() if base[section].get(k) != v}
        if fields:
            changed[section] = fields
    for table in KEYED_TABLES:
        rows = _keyed_differences(tree[table], base[table])
        if rows:
            changed[table] = rows
    routes = {
        province: rows
        for province, choices in tree["routes"].items()
        if (rows := _keyed_differences(choices, base["routes"].get(province, {})))
    }
    if routes:
        changed["routes"] = routes
    for table in LIST_TABLES:
        rows = [_written(row) for row in tree[table]]
        if rows != [_written(row) for row in base[table]]:
            changed[table] = rows
    return changed


def _keyed_differences(rows: dict, base_rows: dict) -> dict:
    changed = {}
    for ident, row in rows.items():
        base_row = base_rows.get(ident)
        if base_row is None:
            changed[ident] = _written(row)
            continue
        fields = {k: v for k, v in _written(row).items() if base_row.get(k) != v}
        if fields:
            changed[ident] = fields
    return changed


def _written(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in NOT_WRITTEN and v is not None}


def scenario_toml(scenario: Scenario, base: Scenario, comment: str) -> str:
    """`scenario` as a TOML scenario file over `base`, headed by `comment`."""
    return overrides_toml(differences(scenario.tree, base.tree), comment)


def overrides_toml(overrides: dict, comment: str) -> str:
    """Nested scenario overrides (as `differences` or `expand_dotted` give them) as a scenario
    file headed by `comment`."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    if not overrides:
        lines.append("# (no differences from the calibrated baseline)")
    for section, values in overrides.items():
        if section in LIST_TABLES:
            lines += _list_table(section, values)
        elif section == "routes":
            for province, rows in values.items():
                for checkpoint, row in rows.items():
                    lines += _table(f"routes.{province}.{checkpoint}", row)
        elif section in KEYED_TABLES:
            for ident, row in values.items():
                lines += _table(f"{section}.{ident}", row)
        else:
            lines += _table(section, values)
    return "\n".join(lines) + "\n"


def _table(name: str, values: dict) -> list[str]:
    return ["", f"[{name}]", *(f"{key} = {toml_value(value)}" for key, value in values.items())]


def _list_table(name: str, rows: list[dict]) -> list[str]:
    if not rows:
        return ["", f"{name} = []"]
    lines = []
    for row in rows:
        lines += ["", f"[[{name}]]", *(f"{k} = {toml_value(v)}" for k, v in row.items())]
    return lines


def toml_value(value: Any) -> str:
    """One value in TOML syntax: booleans, numbers, dates, strings and lists of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} has no place in a scenario file")
        return repr(float(value))  # shortest text that reads back to the same float
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} ({type(value).__name__}) to a scenario file")
