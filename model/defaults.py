"""The default parameters: the CSV tables under `model/data/`, read into a parameter tree.

The tree is the nested dict that scenario files override and `model.scenario.build_scenario`
turns into typed values: a dict per scalar section, a dict of rows per keyed table (routes by
province, then crossing) and a list of rows per list table.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from model.schema import (
    LIST_TABLES,
    SCALAR_SECTIONS,
    TABLE_FIELDS,
    Field,
    ScenarioError,
    parse_value,
    scalar_fields,
)

DATA_DIR = Path(__file__).parent / "data"


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
