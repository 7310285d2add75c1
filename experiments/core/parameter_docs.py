"""Generate the tables of docs/parameters.md from the data tables and their declarations.

The page's prose is written by hand; every table that mirrors `model/data/` or
`model.schema` sits between marker comments and is rewritten from them:

    <!-- generated: parameters.csv -->            the scalar parameters
    <!-- generated: provinces.csv columns -->     a table's declared columns
    <!-- generated: provinces.csv rows -->        a table's default rows
    <!-- generated: constants -->                 the constants of model.schema
    ...
    <!-- end generated -->

Run `make docs` (`python -m experiments.core.parameter_docs`) after changing a table or a
declaration; `--check` only says whether the page is current (tests/test_docs.py runs it).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from experiments.core.outputs import write_atomic
from model.defaults import DATA_DIR, SCALARS_FILE, default_tree, read_table
from model.schema import ROUTES, STATUSES, TABLE_FIELDS, TABLE_KEYS, Field

PAGE = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"
COMMAND = "make docs (python -m experiments.core.parameter_docs)"
NO_VALUE = "—"
BLOCK = re.compile(
    r"(?P<start><!-- generated: (?P<name>[^>]*?) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<end><!-- end generated -->)",
    re.DOTALL,
)
# The constants of model.schema that the page lists, with what each one means.
CONSTANTS = {
    "STATUSES": (
        STATUSES,
        "legal statuses; summary columns for acc/por appear only when those populations are > 0",
    ),
    "ROUTES": (ROUTES, "the three reported totals (facts.md §1)"),
}


def generated_blocks(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Each generated table of the page, by its marker's name."""
    default_tree(data_dir)  # the tables must load: document nothing the model would refuse
    blocks = {SCALARS_FILE: scalar_table(data_dir), "constants": constants_table()}
    for table in TABLE_FIELDS:
        blocks[f"{table}.csv columns"] = column_table(table)
        blocks[f"{table}.csv rows"] = default_rows_table(table, data_dir)
    return blocks


def render(page: str, data_dir: Path = DATA_DIR) -> str:
    """`page` with every generated table rewritten; a ValueError if a marker names no table,
    or a table has no marker (or two), since the page would then drop or repeat it."""
    blocks = generated_blocks(data_dir)
    names = [match["name"] for match in BLOCK.finditer(page)]
    unknown = sorted(set(names) - set(blocks))
    if unknown:
        raise ValueError(f"markers name no generated table: {unknown}; known: {sorted(blocks)}")
    counts = {name: names.count(name) for name in blocks}
    wrong = sorted(name for name, count in counts.items() if count != 1)
    if wrong:
        raise ValueError(f"each generated table needs exactly one marker; wrong: {wrong}")
    # Blank lines around a table: Markdown would otherwise read the end marker as its last row.
    return BLOCK.sub(lambda m: f"{m['start']}\n{blocks[m['name']]}\n{m['end']}", page)


def scalar_table(data_dir: Path) -> str:
    _, rows = read_table(SCALARS_FILE, data_dir)
    cells = [
        [
            f"`{row['name']}`",
            row["value"],
            row["type"],
            row["units"] or NO_VALUE,
            f"[{row['min']}, {row['max']}]" if row["min"] or row["max"] else NO_VALUE,
            row["source"],
        ]
        for row in rows
    ]
    return markdown_table(["name", "default", "type", "units", "range", "source"], cells)


def column_table(table: str) -> str:
    keys = [(name, spec, "id (key)") for name, spec in TABLE_KEYS.get(table, {}).items()]
    columns = [(name, spec, spec.kind) for name, spec in TABLE_FIELDS[table].items()]
    cells = [
        [
            f"`{name}`",
            kind,
            range_text(spec),
            spec.units or NO_VALUE,
            "yes" if spec.required else "no",
            spec.meaning,
        ]
        for name, spec, kind in [*keys, *columns]
    ]
    return markdown_table(["column", "type", "range", "units", "required", "meaning"], cells)


def default_rows_table(table: str, data_dir: Path) -> str:
    header, rows = read_table(f"{table}.csv", data_dir)
    if not rows:
        return "No default rows (the table ships empty: header only).\n"
    specs = {**TABLE_KEYS.get(table, {}), **TABLE_FIELDS[table]}

    def cell(column: str, text: str) -> str:
        # Identifiers are code-formatted, as the names they refer to are elsewhere on the page.
        if not text:
            return NO_VALUE
        return f"`{text}`" if specs[column].kind == "id" else text

    return markdown_table(header, [[cell(c, row[c]) for c in header] for row in rows])


def constants_table() -> str:
    cells = [
        [f"`model.schema.{name}`", ", ".join(values), meaning]
        for name, (values, meaning) in CONSTANTS.items()
    ]
    return markdown_table(["constant", "value", "meaning"], cells)


def range_text(spec: Field) -> str:
    """The values a column allows, as the page shows them."""
    if spec.kind == "route":
        return " / ".join(ROUTES)
    if spec.kind == "statuses":
        return " / ".join(STATUSES)
    if spec.low is not None:
        return f"[{spec.low}, {spec.high}]"
    return NO_VALUE


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |\n"

    return line(header) + "|" + "---|" * len(header) + "\n" + "".join(map(line, rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.core.parameter_docs",
        description="Rewrite the generated tables of docs/parameters.md from model/data/ and "
        "model.schema.",
    )
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    arguments = parser.parse_args(argv)
    page = PAGE.read_text(encoding="utf-8")
    current = render(page)
    if current == page:
        print(f"{PAGE}: up to date")
        return 0
    if arguments.check:
        print(f"{PAGE} is out of date: run {COMMAND}", file=sys.stderr)
        return 1
    write_atomic(PAGE, current)
    print(f"{PAGE}: tables rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
