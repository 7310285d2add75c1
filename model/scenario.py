"""A scenario: every parameter of a run, from the data tables plus a TOML file of overrides.

The defaults live in plain CSV tables under `model/data/` (each row with its source); a
scenario file overrides only what it names. `load_scenario` returns a frozen, validated
`Scenario`; any bad input raises `ScenarioError` naming the file, the field and the range.

The work is shared by job: `model.parameters` types the values, `model.defaults` reads the
tables, `model.overrides` applies a scenario's changes and `model.checks` checks what spans
fields. This module assembles them, and is where callers get a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from model.checks import check_consistency
from model.defaults import DATA_DIR, default_tree
from model.overrides import expand_dotted, merge_overrides, read_toml
from model.parameters import (
    ROW_CLASSES,
    SECTION_CLASSES,
    Behaviour,
    CapacityChange,
    CardValidity,
    CheckpointSpec,
    Closure,
    DeadlineExtension,
    Enforcement,
    Parameters,
    Phase,
    PopulationParameters,
    Province,
    Route,
    Timeline,
)
from model.schema import LIST_TABLES, ScenarioError, typed_columns

# The names callers import from here; each is defined in the module that does its job.
__all__ = [
    "Behaviour",
    "CapacityChange",
    "CardValidity",
    "CheckpointSpec",
    "Closure",
    "DeadlineExtension",
    "Enforcement",
    "Phase",
    "PopulationParameters",
    "Province",
    "Route",
    "Scenario",
    "ScenarioError",
    "Timeline",
    "build_scenario",
    "default_scenario",
    "load_scenario",
]


@dataclass(frozen=True)
class Scenario(Parameters):
    """All parameters of a run, named, with the tree they were built from. Build with
    `load_scenario` or `default_scenario`."""

    name: str
    tree: dict = field(compare=False, repr=False)

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


def build_scenario(tree: dict, name: str, file: str) -> Scenario:
    """Turn a merged parameter tree into a validated `Scenario`."""
    sections = {section: cls(**tree[section]) for section, cls in SECTION_CLASSES.items()}
    tables = {table: _typed_rows(tree, table) for table in ROW_CLASSES}
    scenario = Scenario(name=name, tree=tree, **sections, **tables)
    check_consistency(scenario, file)
    return scenario


def _typed_rows(tree: dict, table: str) -> tuple:
    """A table's rows in the tree as its dataclass, keys included, in the tree's order."""
    cls, columns = ROW_CLASSES[table], typed_columns(table)

    def typed(row: dict, **keys: str) -> Any:
        return cls(**keys, **{name: value for name, value in row.items() if name in columns})

    if table in LIST_TABLES:
        return tuple(typed(row) for row in tree[table])
    if table == "routes":
        return tuple(
            typed(row, province=province, checkpoint=checkpoint)
            for province, choices in tree[table].items()
            for checkpoint, row in choices.items()
        )
    return tuple(typed(row, id=ident) for ident, row in tree[table].items())


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
