"""Read an input file (CSV tables, JSON manifests) or refuse it with one line naming it.

Every command reads its files through these, so that an empty, binary, truncated or wrongly
encoded file stops with exit status 2 and a `ScenarioError` (file, field, problem, allowed)
instead of a traceback from the csv, json or pandas parser. No pandas at import time: the
targets module, which `ifrp --help` loads, reads its file here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.schema import ScenarioError

if TYPE_CHECKING:
    import pandas as pd


def read_text(path: Path, what: str) -> str:
    """The file's text; `what` says what the file should be (the error's allowed part)."""
    return read_file(path, what)[1]


def read_file(path: Path, what: str) -> tuple[bytes, str]:
    """The file's bytes (to hash: the very bytes read) and its text."""
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError(file, "(file)", "no such file", what) from None
    except IsADirectoryError:
        raise ScenarioError(file, "(file)", "is a folder", what) from None
    except OSError as error:
        raise ScenarioError(file, "(file)", f"cannot be read: {error.strerror}", what) from None
    if b"\0" in data:
        raise ScenarioError(file, "(file)", "holds NUL bytes: a binary file, not text", what)
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is harmless
    except UnicodeDecodeError as error:
        problem = f"not UTF-8 text (byte {error.start}: {data[error.start : error.end]!r})"
        raise ScenarioError(file, "(file)", problem, f"{what}, in UTF-8") from None
    if not text.strip():
        raise ScenarioError(file, "(file)", "is empty", what)
    return data, text


def read_csv_rows(path: Path, what: str, columns: list[str]) -> list[dict[str, str]]:
    """The rows of a CSV file whose header holds `columns` (in any order, among others)."""
    file = str(path)
    reader = csv.DictReader(io.StringIO(read_text(path, what), newline=""))
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ScenarioError(file, f"line {reader.line_num}", f"not valid CSV: {error}") from None
    missing = [name for name in columns if name not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError(file, ", ".join(missing), "missing column", ", ".join(columns))
    return rows


def read_json(path: Path, what: str, kind: type = dict) -> Any:
    """A JSON file holding an object (a manifest), or a list with `kind=list` (a chunk's rows)."""
    file, text = str(path), read_text(path, what)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON ({error.msg}; truncated?)"
        raise ScenarioError(file, f"line {error.lineno}", problem, what) from None
    if not isinstance(data, kind):
        problem = f"a JSON {type(data).__name__}, not a {kind.__name__}"
        raise ScenarioError(file, "(file)", problem, what)
    return data


def read_frame(path: Path, what: str, **options: Any) -> pd.DataFrame:
    """A CSV file as a pandas DataFrame (`options` go to `pandas.read_csv`)."""
    import pandas as pd  # only the commands that need it pay for pandas

    file, text = str(path), read_text(path, what)
    line = _longer_first_row(text)
    if line is not None and "index_col" not in options:
        raise ScenarioError(file, f"line {line}", "more fields than the header names", what)
    try:
        return pd.read_csv(io.StringIO(text), **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        problem = f"not a valid table: {str(error).strip().splitlines()[-1]}"
        raise ScenarioError(file, "(file)", problem, what) from None


def _longer_first_row(text: str) -> int | None:
    """The line of the first row if it has more fields than the header, else None. (pandas
    would read the extra leading fields as an index and shift every column; a later row with
    too many fields is a ParserError.)"""
    reader = csv.reader(io.StringIO(text))
    rows = (row for row in reader if row)  # blank lines hold no row
    try:
        header, first = next(rows, None), next(rows, None)
    except csv.Error:
        return None  # pandas names what is wrong
    if header is None or first is None or len(first) <= len(header):
        return None
    return reader.line_num
