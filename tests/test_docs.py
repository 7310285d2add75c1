"""Keep docs/ODD.md and docs/parameters.md in step with the code and the data tables.

parameters.md must list every scalar parameter with its default, units and range as written in
model/data/parameters.csv, and every table with its columns, ranges and default rows. ODD.md must
name every process by an importable dotted path (`model.module.Class.method`), and every such
path it names must exist.
"""

from __future__ import annotations

import ast
import csv
import importlib
import inspect
import re
from pathlib import Path

import pytest

from model import rules
from model.checkpoint import Checkpoint
from model.enforcement import ProvincialEnforcement
from model.model import RepatriationModel
from model.schema import TABLE_FIELDS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "model" / "data"
ODD = ROOT / "docs" / "ODD.md"
PARAMETERS = ROOT / "docs" / "parameters.md"
TABLES = (
    "provinces",
    "checkpoints",
    "routes",
    "capacity_changes",
    "closures",
    "phases",
    "deadline_extensions",
)
# The processes the ODD must describe, whatever else the classes grow.
PROCESSES = (
    "model.model.RepatriationModel.step",
    "model.model.RepatriationModel.decide_departures",
    "model.model.RepatriationModel.leave_home",
    "model.model.RepatriationModel.detain",
    "model.model.RepatriationModel.deport",
    "model.model.RepatriationModel.arrive",
    "model.model.RepatriationModel.cross",
    "model.enforcement.ProvincialEnforcement.step",
    "model.enforcement.ProvincialEnforcement.arrest",
    "model.enforcement.ProvincialEnforcement.hand_over_for_deportation",
    "model.checkpoint.Checkpoint.step",
    "model.checkpoint.Checkpoint.admit",
)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
SPAN = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"^(model|experiments)(\.[A-Za-z_]\w*)+$")
NO_VALUE = "—"


# --- helpers ---------------------------------------------------------------------------------


def read_csv(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def cell_text(cell: str) -> str:
    cell = cell.strip().replace("\\|", "|")
    if len(cell) >= 2 and cell[0] == cell[-1] == "`":
        cell = cell[1:-1]
    return cell


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row in `text`, backticks around whole cells removed."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            rows.append([cell_text(c) for c in re.split(r"(?<!\\)\|", line[1:-1])])
    return rows


def table_blocks(text: str) -> list[list[list[str]]]:
    """Each Markdown table in `text` as a list of rows (header first, separator dropped)."""
    blocks: list[list[list[str]]] = []
    previous_was_table = False
    for line in text.splitlines():
        is_table = line.strip().startswith("|")
        if is_table:
            if not previous_was_table:
                blocks.append([])
            row = table_rows(line)[0]
            if not all(set(cell) <= set("-: ") for cell in row):
                blocks[-1].append(row)
        previous_was_table = is_table
    return blocks


def section(text: str, filename: str) -> str:
    """The part of parameters.md under the `## ...` heading that names `filename`."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("## ") and filename in line]
    assert starts, f"docs/parameters.md has no '## ...' heading naming `{filename}`"
    end = next(
        (i for i in range(starts[0] + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
    )
    return "\n".join(lines[starts[0] : end])


def backticked(text: str) -> set[str]:
    """Inline code spans outside fenced code blocks."""
    return set(SPAN.findall(FENCE.sub("", text)))


def dotted_paths(text: str, prefix: str) -> set[str]:
    return {span for span in backticked(text) if DOTTED.match(span) and span.startswith(prefix)}


def resolve(path: str) -> object:
    """Import the longest importable module prefix of `path`, then follow attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(path)


def defined_in_source(path: str) -> bool:
    """Whether `package.module.Name[.member]` is defined in the module's source (no import)."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        file = ROOT.joinpath(*parts[:cut]).with_suffix(".py")
        if file.is_file():
            break
    else:
        return False
    body = ast.parse(file.read_text(encoding="utf-8")).body
    for name in parts[cut:]:
        found = None
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
                found = node
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    found = node
        if found is None:
            return False
        body = getattr(found, "body", [])
    return True


def own_public_methods(cls: type) -> list[str]:
    return [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member)
    ]


def public_rules() -> list[str]:
    return [
        f"model.rules.{name}"
        for name, function in inspect.getmembers(rules, inspect.isfunction)
        if function.__module__ == rules.__name__ and not name.startswith("_")
    ]


PARAMETERS_TEXT = PARAMETERS.read_text(encoding="utf-8")
ODD_TEXT = ODD.read_text(encoding="utf-8")
SCALARS = read_csv("parameters.csv")[1]


# --- (a) scalar parameters -------------------------------------------------------------------


@pytest.mark.parametrize("row", SCALARS, ids=[row["name"] for row in SCALARS])
def test_scalar_parameter_documented_with_its_default(row: dict[str, str]) -> None:
    rows = table_rows(section(PARAMETERS_TEXT, "parameters.csv"))
    documented = [cells for cells in rows if cells[0] == row["name"]]
    assert documented, f"{row['name']} is missing from the parameter table of parameters.md"
    bounds = f"[{row['min']}, {row['max']}]" if row["min"] or row["max"] else NO_VALUE
    expected = [row["name"], row["value"], row["type"], row["units"] or NO_VALUE, bounds]
    assert any(cells[:5] == expected for cells in documented), (
        f"parameters.md documents {row['name']} as {documented[0][:5]}, "
        f"parameters.csv says {expected}"
    )


def test_no_stale_scalar_parameters() -> None:
    names = {row["name"] for row in SCALARS}
    rows = table_rows(section(PARAMETERS_TEXT, "parameters.csv"))
    documented = {cells[0] for cells in rows if re.fullmatch(r"[a-z]+\.[a-z_]+", cells[0])}
    assert documented <= names, f"parameters.md lists unknown parameters {documented - names}"


# --- (b) tables, columns and identifiers -----------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_table_columns_documented_with_types_and_ranges(table: str) -> None:
    header, _ = read_csv(f"{table}.csv")
    blocks = table_blocks(section(PARAMETERS_TEXT, f"{table}.csv"))
    columns = [block for block in blocks if block and block[0][:3] == ["column", "type", "range"]]
    assert len(columns) == 1, (
        f"parameters.md needs one column table (column | type | range ...) for {table}"
    )
    by_column = {cells[0]: cells for cells in columns[0][1:]}
    for column in header:
        assert column in by_column, f"{table}.csv column {column!r} missing from parameters.md"
        spec = TABLE_FIELDS[table].get(column)
        if spec is None:  # the key column of a keyed table
            continue
        assert by_column[column][1] == spec.kind, f"{table}.{column}: type"
        if spec.low is not None:
            bounds = f"[{spec.low}, {spec.high}]"
            assert by_column[column][2] == bounds, f"{table}.{column}: range should be {bounds}"
    for column in TABLE_FIELDS[table]:
        assert column in header, f"TABLE_FIELDS[{table!r}] has {column!r}, the CSV does not"


@pytest.mark.parametrize("table", TABLES)
def test_table_default_rows_documented(table: str) -> None:
    header, defaults = read_csv(f"{table}.csv")
    rows = table_rows(section(PARAMETERS_TEXT, f"{table}.csv"))
    for row in defaults:
        expected = [row[column] or NO_VALUE for column in header]
        assert any(cells[: len(header)] == expected for cells in rows), (
            f"default row of {table}.csv not in parameters.md (or changed): {expected}"
        )
    if not defaults:
        assert "No default rows" in section(PARAMETERS_TEXT, f"{table}.csv")


@pytest.mark.parametrize(
    ("table", "key"), [("checkpoints", "checkpoint"), ("provinces", "province")]
)
def test_identifiers_documented(table: str, key: str) -> None:
    _, rows = read_csv(f"{table}.csv")
    assert rows
    for row in rows:
        assert f"`{row[key]}`" in PARAMETERS_TEXT, f"{key} {row[key]!r} missing from parameters.md"


def test_parameters_md_states_calibration_status() -> None:
    head = PARAMETERS_TEXT[:1500].lower()
    assert "set by hand" in head and "facts.md" in head and "assumption" in head


# --- (c) every dotted path in the ODD exists -------------------------------------------------


def test_model_paths_in_odd_resolve() -> None:
    paths = dotted_paths(ODD_TEXT, "model.")
    assert len(paths) >= 40, f"only {len(paths)} `model.…` paths found in ODD.md"
    broken = []
    for path in sorted(paths):
        try:
            resolve(path)
        except (ImportError, AttributeError) as error:
            broken.append(f"{path} ({type(error).__name__}: {error})")
    assert not broken, "ODD.md names paths that do not exist:\n" + "\n".join(broken)


def test_experiments_paths_in_odd_exist() -> None:
    broken = [p for p in sorted(dotted_paths(ODD_TEXT, "experiments.")) if not defined_in_source(p)]
    assert not broken, f"ODD.md names experiments paths that do not exist: {broken}"


def test_path_checks_can_fail() -> None:
    with pytest.raises(AttributeError):
        resolve("model.rules.no_such_rule")
    with pytest.raises(ModuleNotFoundError):
        resolve("no_such_package.module")
    assert not defined_in_source("experiments.core.tables.no_such_table")
    assert defined_in_source("experiments.core.tables.summary_table")


# --- (d) every process is named in the ODD ---------------------------------------------------


def test_processes_named_in_odd() -> None:
    named = dotted_paths(ODD_TEXT, "model.")
    required = [
        *PROCESSES,
        *own_public_methods(RepatriationModel),
        *own_public_methods(Checkpoint),
        *own_public_methods(ProvincialEnforcement),
        *public_rules(),
    ]
    assert len(public_rules()) >= 8
    missing = sorted(set(required) - named)
    assert not missing, "ODD.md does not name (as `model.…` paths): " + ", ".join(missing)


def test_odd_has_the_protocol_sections() -> None:
    headings = [line for line in ODD_TEXT.splitlines() if line.startswith("## ")]
    for number, title in enumerate(
        (
            "Purpose and patterns",
            "Entities, state variables and scales",
            "Process overview and scheduling",
            "Design concepts",
            "Initialisation",
            "Input data",
            "Submodels",
        ),
        start=1,
    ):
        assert any(h.startswith(f"## {number}. {title}") for h in headings), title


def test_citation_matches_the_package() -> None:
    """CITATION.cff (GitHub's "Cite this repository") names the version and licence released."""
    import tomllib

    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == project["version"]
    assert citation["license"] == project["license"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith(f"{project['license']} License")
