"""A scenario: every parameter of a run, from the data tables plus a TOML file of overrides.

The defaults live in plain CSV tables under `model/data/` (each row with its source); a
scenario file overrides only what it names. `load_scenario` returns a frozen, validated
`Scenario`; any bad input raises `ScenarioError` naming the file, the field and the range.

The work is shared by job: `model.parameters` types the values, `model.defaults` reads the
tables, `model.overrides` applies a scenario's changes and `model.checks` checks what spans
fields. This module assembles them, and is where callers get a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from model.checks import check_consistency
from model.defaults import DATA_DIR, default_tree
from model.overrides import expand_dotted, merge_overrides, read_toml
from model.parameters import (
    Behaviour,
    CapacityChange,
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
from model.schema import ScenarioError

# The names callers import from here; each is defined in the module that does its job.
__all__ = [
    "Behaviour",
    "CapacityChange",
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
        population=PopulationParameters(**tree["population"]),
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
