"""The default parameters: the CSV tables under `model/data/`, read into a parameter tree.

The tree is the nested dict that scenario files override and `model.scenario.build_scenario`
turns into typed values: a dict per scalar section, a dict of rows per keyed table (routes by
province, then crossing) and a list of rows per list table. Reading the tables also checks
that the typed dataclasses of `model.parameters` agree with what the tables declare.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from model.parameters import ROW_CLASSES, SECTION_CLASSES
from model.schema import (
    KEYED_TABLES,
    LIST_TABLES,
    SCALAR_SECTIONS,
    TABLE_FIELDS,
    TABLE_KEYS,
    Field,
    ScenarioError,
    check_typed_fields,
    parse_value,
    scalar_fields,
    typed_columns,
)

DATA_DIR = Path(__file__).parent / "data"
SCALARS_FILE = "parameters.csv"


def read_table(filename: str, data_dir: Path = DATA_DIR) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV table's header and rows, as text."""
    with (data_dir / filename).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def scalar_specs(data_dir: Path = DATA_DIR) -> dict[str, dict[str, Field]]:
    """The scalar parameters' declarations, by section, from parameters.csv."""
    _, rows = read_table(SCALARS_FILE, data_dir)
    return scalar_fields(rows, str(data_dir / SCALARS_FILE))


def default_tree(data_dir: Path = DATA_DIR) -> dict:
    """The default parameters as a nested dict: sections, keyed tables and list tables."""
    tree: dict[str, Any] = _scalar_tree(data_dir)
    for table in KEYED_TABLES:
        (key,) = TABLE_KEYS[table]
        rows, file = _checked_table(table, data_dir)
        tree[table] = {
            row[key]: _parse_row(row, table, f"{table}.{row[key]}", file) for row in rows
        }
    tree["routes"] = {}
    rows, file = _checked_table("routes", data_dir)
    for row in rows:
        where = f"routes.{row['province']}.{row['checkpoint']}"
        parsed = _parse_row(row, "routes", where, file)
        tree["routes"].setdefault(row["province"], {})[row["checkpoint"]] = parsed
    for table in LIST_TABLES:
        rows, file = _checked_table(table, data_dir)
        tree[table] = [_parse_row(row, table, f"{table}[{i}]", file) for i, row in enumerate(rows)]
    return tree


def _scalar_tree(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The scalar sections, each checked against its dataclass: a row per field."""
    file = str(data_dir / SCALARS_FILE)
    _, rows = read_table(SCALARS_FILE, data_dir)
    for row in rows:
        if row["name"].partition(".")[0] not in SCALAR_SECTIONS:
            raise ScenarioError(file, row["name"], "unknown section", ", ".join(SCALAR_SECTIONS))
    specs = scalar_fields(rows, file)
    for section in SCALAR_SECTIONS:
        declared = specs.get(section, {})
        check_typed_fields(SECTION_CLASSES[section], declared, file, section, SCALARS_FILE)
    tree: dict[str, dict[str, Any]] = {section: {} for section in SCALAR_SECTIONS}
    for row in rows:
        section, _, name = row["name"].partition(".")
        spec = specs[section][name]
        tree[section][name] = parse_value(row["value"], spec, file, row["name"], text=True)
    return tree


def _checked_table(table: str, data_dir: Path) -> tuple[list[dict[str, str]], str]:
    """A table's rows and its file's path (for errors), once its header and its typed dataclass
    are checked against the table's declaration."""
    file = str(data_dir / f"{table}.csv")
    declared_in = f"model.schema.TABLE_FIELDS[{table!r}]"
    check_typed_fields(ROW_CLASSES[table], typed_columns(table), file, table, declared_in)
    header, rows = read_table(f"{table}.csv", data_dir)
    columns = [*TABLE_KEYS.get(table, {}), *TABLE_FIELDS[table]]
    for column in header:
        if column not in columns:
            problem = f"a column not declared in {declared_in}"
            raise ScenarioError(file, f"{table}.{column}", problem, ", ".join(columns))
    for column in columns:
        if column not in header:
            raise ScenarioError(file, f"{table}.{column}", "missing column", ", ".join(columns))
    return rows, file


def _parse_row(row: dict[str, str], table: str, where: str, file: str) -> dict:
    return {
        name: parse_value(row[name] or "", spec, file, f"{where}.{name}", text=True)
        for name, spec in TABLE_FIELDS[table].items()
    }
