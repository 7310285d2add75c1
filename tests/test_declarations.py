"""Each parameter is declared once, and the typed dataclasses are checked against it.

A scalar parameter is declared by its row of model/data/parameters.csv (type, units, range,
source), a table's column by model.schema.TABLE_FIELDS (and TABLE_KEYS). The dataclasses of
model.parameters must agree with them, and a table's header with its declaration: if not,
reading the tables stops with a ScenarioError naming the file, the field and what is allowed,
not a TypeError from deep inside, nor a silently dropped or mistyped value.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from model.defaults import DATA_DIR, default_tree, read_table
from model.scenario import ScenarioError, build_scenario
from model.schema import TABLE_FIELDS, Field


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of model/data/ for a test to break."""
    return shutil.copytree(DATA_DIR, tmp_path / "data")


def write_table(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)


def edit_scalars(data: Path, rows_of) -> None:
    """Rewrite parameters.csv with `rows_of(rows)` for its rows."""
    header, rows = read_table("parameters.csv", data)
    write_table(data / "parameters.csv", header, rows_of(rows))


def refused(data: Path) -> ScenarioError:
    """The error that loading the defaults from `data` raises."""
    with pytest.raises(ScenarioError) as caught:
        build_scenario(default_tree(data), "defaults", str(data))
    return caught.value


def test_the_shipped_declarations_agree_with_the_dataclasses(data):
    scenario = build_scenario(default_tree(data), "defaults", str(data))
    assert scenario.behaviour.peer_window_days == 7


# --- scalar parameters: a row of parameters.csv per dataclass field --------------------------


def test_a_parameter_row_without_a_dataclass_field_is_refused(data):
    row = dict(
        name="enforcement.curfew_hours", value="6", type="int", units="hours", min="0", max="24"
    )
    edit_scalars(data, lambda rows: [*rows, {**row, "source": "assumption"}])
    error = refused(data)
    assert error.file == str(data / "parameters.csv")
    assert error.field == "enforcement.curfew_hours"
    assert "model.parameters.Enforcement has no such field" in error.problem
    assert "arrest_hazard" in error.allowed


def test_a_dataclass_field_without_a_parameter_row_is_refused(data):
    edit_scalars(data, lambda rows: [r for r in rows if r["name"] != "behaviour.fear_shape"])
    error = refused(data)
    assert (error.file, error.field) == (str(data / "parameters.csv"), "behaviour.fear_shape")
    assert "model.parameters.Behaviour.fear_shape is not declared" in error.problem
    assert "fear_hazard" in error.allowed


def test_a_parameter_type_that_disagrees_with_its_field_is_refused(data):
    def as_float(rows):
        for row in rows:
            if row["name"] == "behaviour.peer_window_days":
                row["type"] = "float"
        return rows

    edit_scalars(data, as_float)  # 7 would otherwise reach the model as 7.0
    error = refused(data)
    assert (error.file, error.field) == (str(data / "parameters.csv"), "behaviour.peer_window_days")
    assert "declared float" in error.problem
    assert error.allowed == "int"


# --- table columns: TABLE_FIELDS per dataclass field, and the CSV header ----------------------


def add_column(path: Path, column: str, value: str) -> None:
    header, rows = read_table(path.name, path.parent)
    write_table(path, [*header, column], [{**row, column: value} for row in rows])


def drop_column(path: Path, column: str) -> None:
    header, rows = read_table(path.name, path.parent)
    kept = [name for name in header if name != column]
    write_table(path, kept, [{name: row[name] for name in kept} for row in rows])


def redeclare(monkeypatch, table: str, **columns: Field | None) -> None:
    """Change a table's declared columns (None drops one) for one test. The table gets a new
    dict: restoring a column deleted from the shared one would move it to the end."""
    declared = {**TABLE_FIELDS[table], **columns}
    kept = {name: spec for name, spec in declared.items() if spec is not None}
    monkeypatch.setitem(TABLE_FIELDS, table, kept)


def test_a_declared_column_without_a_dataclass_field_is_refused(data, monkeypatch):
    redeclare(monkeypatch, "provinces", curfew_hours=Field("int", 0, 24, "hours"))
    add_column(data / "provinces.csv", "curfew_hours", "6")
    error = refused(data)
    assert (error.file, error.field) == (str(data / "provinces.csv"), "provinces.curfew_hours")
    assert "model.parameters.Province has no such field" in error.problem
    assert "holding_capacity" in error.allowed


def test_a_dataclass_field_without_a_declared_column_is_refused(data, monkeypatch):
    redeclare(monkeypatch, "provinces", holding_capacity=None)
    drop_column(data / "provinces.csv", "holding_capacity")
    error = refused(data)
    assert (error.file, error.field) == (str(data / "provinces.csv"), "provinces.holding_capacity")
    assert "model.parameters.Province.holding_capacity is not declared" in error.problem


def test_a_column_type_that_disagrees_with_its_field_is_refused(data, monkeypatch):
    redeclare(monkeypatch, "provinces", holding_capacity=Field("float", 0.0, 1e7, "persons"))
    error = refused(data)
    assert (error.file, error.field) == (str(data / "provinces.csv"), "provinces.holding_capacity")
    assert "declared float" in error.problem
    assert error.allowed == "int"


def test_an_undeclared_column_in_a_table_is_refused(data):
    add_column(data / "checkpoints.csv", "notes", "")
    error = refused(data)
    assert (error.file, error.field) == (str(data / "checkpoints.csv"), "checkpoints.notes")
    assert "capacity_per_hour" in error.allowed


def test_a_declared_column_missing_from_a_table_is_refused(data):
    drop_column(data / "closures.csv", "end")  # an empty table: no row to notice it
    error = refused(data)
    assert (error.file, error.field) == (str(data / "closures.csv"), "closures.end")
    assert error.problem == "missing column"
