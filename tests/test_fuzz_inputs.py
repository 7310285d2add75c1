"""Malformed input of every kind, generated, to every command: each must end with exit status 2
and one line naming the file (or --out) and what is wrong, with no traceback, and write or
delete nothing anywhere (issue 15).

Hypothesis draws the mutations (derandomized: the same cases on every run). The commands run
in this process, with the simulations replaced by a stub that fails the test if reached: a
malformed input must be refused before anything runs. A few cases run `python -m experiments`
end to end, to see what a user sees.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import string
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.cli import main
from experiments.core.arguments import MAX_REPLICATES

REPOSITORY = Path(__file__).resolve().parents[1]
CALIBRATED = REPOSITORY / "experiments" / "calibrated"
OBSERVATIONS = REPOSITORY / "experiments" / "observed" / "observations.csv"
PRIORS = REPOSITORY / "experiments" / "calibration" / "priors.csv"
SCENARIO = "[population]\nundocumented = 30000\n"
SWEEP_TOP = {"design": '"grid"', "base": '"baseline"', "replicates": "1"}
SWEEP_TABLES = """
[overrides]
"population.undocumented" = 10000

[[levers]]
name = "enforcement.arrest_hazard"
values = [0.001, 0.002]
"""
OBSERVED = [  # date, series, value, kind: each series and kind has a value above 0
    ("2023-10-01", "total", "1000", "cumulative"),
    ("2023-11-01", "total", "9000", "cumulative"),
    ("2023-11-02", "torkham", "300", "daily"),
    ("2023-11-03", "torkham", "0", "daily"),
]
# One fuzz run: enough cases to reach every branch of the checks, in a few seconds per kind.
FUZZ = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COUNT = {"cases": 0}  # cases run in this module (the report of issue 15 quotes it)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

WORD = st.text(string.ascii_lowercase, min_size=1, max_size=8)
NOT_A_NAME = WORD.map(lambda word: f"zz{word}")  # never a series, kind, quantity, ...


class Reached(BaseException):
    """A simulation was about to start: the input under test was accepted."""


def _reached(*args, **kwargs):
    raise Reached


@dataclass
class World:
    """Valid inputs in a temporary folder, and a nested working folder for default outputs
    (results/sweeps/../../../x stays inside the temporary folder)."""

    root: Path
    work: Path
    scenario: Path
    sweep: Path
    observed: Path
    run: Path
    run2: Path
    calibration: Path  # a calibration folder, for `ifrp adopt`
    results: dict  # the repository's results/ folder before the tests

    def write(self, name: str, data: bytes | str) -> Path:
        path = self.root / "cases" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path


def sweep_text(top: dict[str, str], tables: str = SWEEP_TABLES) -> str:
    return "".join(f"{key} = {value}\n" for key, value in top.items()) + tables


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("fuzz")
    work = root / "a" / "b" / "c" / "d" / "work"
    work.mkdir(parents=True)
    (root / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    (root / "sweep.toml").write_text(sweep_text(SWEEP_TOP), encoding="utf-8")
    observed = csv_text(["date", "series", "value", "kind"], [list(row) for row in OBSERVED])
    (root / "observed.csv").write_text(observed, encoding="utf-8")
    calibration = root / "calibration"
    calibration.mkdir()
    shutil.copyfile(CALIBRATED / "best_fit.csv", calibration / "best_fit.csv")
    posterior = (CALIBRATED / "posterior.csv").read_text(encoding="utf-8").splitlines()[:4]
    (calibration / "posterior.csv").write_text("\n".join(posterior) + "\n", encoding="utf-8")
    manifest = {"command": "ifrp calibrate", "entropy": 1, "budget": {"particles": 3}}
    (calibration / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("experiments.run.figures.draw_all", lambda *args: [])
        for name, seed in (("run", "1"), ("run2", "2")):
            args = ["run", str(root / "scenario.toml"), "--replicates", "2", "--seed", seed]
            assert main([*args, "--out", str(root / name), "--quiet"]) == 0
    return World(
        root,
        work,
        root / "scenario.toml",
        root / "sweep.toml",
        root / "observed.csv",
        root / "run",
        root / "run2",
        calibration,
        snapshot(REPOSITORY / "results"),
    )


@pytest.fixture(autouse=True)
def no_simulations(world, monkeypatch):
    """Simulations and figures replaced (a refusal must come first); work in world.work."""
    for target in (
        "experiments.run.one.run_jobs",
        "experiments.sweep.execution.execute",
        "experiments.calibration.command.calibrate",
    ):
        monkeypatch.setattr(target, _reached)
    for target in (
        "experiments.compare.figures.cumulative",
        "experiments.compare.figures.differences",
        "experiments.compare.validate.plot",
    ):
        monkeypatch.setattr(target, lambda *args: None)
    monkeypatch.chdir(world.work)


def snapshot(folder: Path) -> dict[str, tuple[int, int] | None]:
    """Every file under `folder` with its size and modification time, and every folder (whose
    own times change when a probe or a temporary folder comes and goes)."""
    found: dict[str, tuple[int, int] | None] = {}
    # os.walk, not Path.rglob: taken twice for each of the 400 cases, and about 5 times faster.
    for parent, folders, files in os.walk(folder):
        relative = os.path.relpath(parent, folder)
        for name in folders:
            found[os.path.normpath(os.path.join(relative, name))] = None
        for name in files:
            stat = os.lstat(os.path.join(parent, name))
            found[os.path.normpath(os.path.join(relative, name))] = (
                stat.st_size,
                stat.st_mtime_ns,
            )
    return found


def refused(world: World, capsys, args: list, *named: str) -> str:
    """Run `ifrp ARGS`: exit 2, one line naming each of `named`, nothing written or deleted."""
    before = snapshot(world.root)
    capsys.readouterr()
    status = main([str(arg) for arg in args])
    err = capsys.readouterr().err
    COUNT["cases"] += 1
    lines = err.strip().splitlines()
    assert status == 2, err
    assert len(lines) == 1 and lines[0].startswith("ifrp: error: "), err
    assert "Traceback" not in err
    for name in named:
        assert str(name) in lines[0], (name, err)
    assert snapshot(world.root) == before, "a refused command wrote or deleted something"
    return lines[0]


def test_the_unmutated_inputs_are_accepted(world, capsys):
    """The cases below differ from these by their mutation alone."""
    for args in (
        ["run", world.scenario, "--quiet"],
        ["sweep", world.sweep, "--workers", "1", "--quiet"],
        ["calibrate", "--workers", "1", "--out", world.root / "calibrated", "--quiet"],
    ):
        with pytest.raises(Reached):
            main([str(arg) for arg in args])
    shutil.rmtree(world.work / "results", ignore_errors=True)
    shutil.rmtree(world.root / "calibrated", ignore_errors=True)
    args = ["validate", world.run, "--observed", world.observed, "--out", world.root / "v"]
    assert main([str(arg) for arg in args]) == 0
    args = ["compare", world.run, world.run2, "--out", world.root / "c", "--quiet"]
    assert main([str(arg) for arg in args]) == 0
    assert main(["adopt", str(world.calibration), "--into", str(world.root / "adopted")]) == 0
    for folder in ("v", "c", "adopted"):
        shutil.rmtree(world.root / folder)
    capsys.readouterr()


# --- bytes that are not text ---------------------------------------------------------------

NOT_UTF8 = st.sampled_from([b"\xff", b"\xe9", b"\xc3\x28", b"\x80", b"\0"])


def unreadable(data: bytes) -> st.SearchStrategy[bytes]:
    """`data` with a NUL or an invalid UTF-8 sequence inserted, or binary garbage."""
    inserted = st.tuples(st.integers(0, len(data)), NOT_UTF8).map(
        lambda cut: data[: cut[0]] + cut[1] + data[cut[0] :]
    )
    garbage = st.binary(max_size=300).map(lambda noise: noise + b"\xff")
    return st.one_of(inserted, garbage)


def _input_files(world: World) -> dict[str, tuple[bytes, list]]:
    """Each kind of input file: its valid bytes and the command reading it (FILE: the mutant)."""
    out = world.root / "out"
    return {
        "scenario": (world.scenario.read_bytes(), ["run", "FILE", "--out", out]),
        "sweep": (world.sweep.read_bytes(), ["sweep", "FILE", "--out", out]),
        "observed": (
            world.observed.read_bytes(),
            ["validate", world.run, "--observed", "FILE", "--out", out],
        ),
        "observations": (
            OBSERVATIONS.read_bytes(),
            ["calibrate", "--observations", "FILE", "--out", out],
        ),
        "priors": (PRIORS.read_bytes(), ["calibrate", "--priors", "FILE", "--out", out]),
        "levers": (
            (CALIBRATED / "best_fit.csv").read_bytes(),
            ["adopt", "FOLDER", "--into", out],
        ),
    }


def _with_file(world: World, kind: str, data: bytes | str, command: list) -> tuple[Path, list]:
    """The mutant file (for `adopt`: a calibration folder holding it as its best fit, which
    the refusal names, or its posterior if their levers now differ) and the command's
    arguments."""
    if kind != "levers":
        path = world.write(f"{kind}.bad", data)
        return path, [path if arg == "FILE" else arg for arg in command]
    folder = world.root / "cases" / "calibration"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(world.calibration, folder)
    (folder / "best_fit.csv").write_bytes(data.encode() if isinstance(data, str) else data)
    return folder, [folder if arg == "FOLDER" else arg for arg in command]


KINDS = ["scenario", "sweep", "observed", "observations", "priors", "levers"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_that_is_not_text_is_one_line(kind, world, capsys):
    data, command = _input_files(world)[kind]

    @FUZZ
    @given(unreadable(data))
    def check(mutant: bytes):
        path, args = _with_file(world, kind, mutant, command)
        refused(world, capsys, args, path)

    check()
    for empty in ("", "\n\n") if kind != "scenario" else ():  # an empty TOML is valid
        path, args = _with_file(world, kind, empty, command)
        refused(world, capsys, args, path)


# --- scenario files ------------------------------------------------------------------------


def _scalar_fields() -> list[tuple[str, object]]:
    from model.defaults import scalar_specs

    return [
        (f"{section}.{name}", spec)
        for section, fields in scalar_specs().items()
        for name, spec in fields.items()
    ]


def bad_literal(spec) -> st.SearchStrategy[str]:
    """A TOML value that the field `spec` refuses: a wrong type, or out of its range."""
    wrong = {
        "int": ['"7"', "true", "1.5", "[1]", "{ plus = 1 }", "2023-10-01"],
        "float": ['"0.5"', "true", "inf", "-inf", "nan", "[0.1]", "{ times = -1.0 }"],
        "date": ["17", "true", '"soon"', "[2023-10-01]"],
        "bool": ["1", '"true"', "0.5"],
    }[spec.kind]
    choices = [st.sampled_from(wrong)]
    if spec.kind == "int":
        if spec.low is not None:
            choices.append(st.integers(spec.low - 10**6, spec.low - 1).map(str))
        if spec.high is not None:
            choices.append(st.integers(spec.high + 1, spec.high + 10**6).map(str))
    if spec.kind == "float":
        if spec.low is not None:
            choices.append(st.floats(spec.low - 100, spec.low, exclude_max=True).map(repr))
        if spec.high is not None:
            choices.append(st.floats(spec.high, spec.high * 10 + 100, exclude_min=True).map(repr))
    if spec.kind == "date":
        outside = [f"{spec.low.year - 1}-06-01", f"{spec.high.year + 1}-01-01"]
        choices.append(st.sampled_from(outside))
    return st.one_of(choices)


@st.composite
def bad_scenario(draw) -> tuple[str, str]:
    """A scenario file and the field its refusal must name."""
    how = draw(st.sampled_from(["value", "unknown key", "unknown section"]))
    if how == "unknown key":
        section = draw(st.sampled_from(["timeline", "population", "behaviour", "enforcement"]))
        key = f"zz_{draw(WORD)}"
        return f"[{section}]\n{key} = 1\n", f"{section}.{key}"
    if how == "unknown section":
        section = f"zz_{draw(WORD)}"
        return f"[{section}]\nx = 1\n", section
    name, spec = draw(st.sampled_from(_scalar_fields()))
    section, key = name.split(".")
    return f"[{section}]\n{key} = {draw(bad_literal(spec))}\n", name


@FUZZ
@given(bad_scenario())
def test_a_bad_scenario_is_refused(world, capsys, case):
    text, field = case
    path = world.write("scenario.toml", text)
    refused(world, capsys, ["run", path, "--out", world.root / "out"], path, field)


# --- sweep files ---------------------------------------------------------------------------

UNSAFE_NAMES = st.one_of(
    st.sampled_from(["..", "../../../escape", ".hidden", "a/b", "a\\\\b", "tab\\there", "x" * 101]),
    WORD.map(lambda word: f"../{word}"),
    WORD.map(lambda word: f"{word}/../../{word}"),
)


@st.composite
def bad_sweep(draw) -> tuple[str, str, bool]:
    """A sweep file, the field its refusal must name, and whether to give --out."""
    top = dict(SWEEP_TOP)
    how = draw(st.sampled_from(["name", "design", "replicates", "guard", "key", "lever", "range"]))
    if how == "name":  # a name that would put results/sweeps/NAME elsewhere
        top["name"] = f'"{draw(UNSAFE_NAMES)}"'
        return sweep_text(top), "name", False
    if how == "design":
        top["design"] = json.dumps(draw(WORD.filter(lambda w: w not in ("grid", "lhs", "sobol"))))
    elif how in ("replicates", "guard"):
        bad = ["0", "-3", "100001", '"ten"', "1.5", "true"]
        guarded = st.integers(MAX_REPLICATES + 1, 100_000).map(str)
        top["replicates"] = draw(guarded if how == "guard" else st.sampled_from(bad))
        how = "replicates"
    elif how == "key":
        how = f"zz_{draw(WORD)}"
        top[how] = "1"
    elif how == "lever":
        tables = SWEEP_TABLES.replace("enforcement.arrest_hazard", f"zz.{draw(WORD)}")
        return sweep_text(top, tables), "levers[0].name", True
    else:
        values = draw(st.sampled_from(["[]", '["high"]', "[0.5]", "[0.001, 0.001]", "0.001"]))
        tables = SWEEP_TABLES.replace("[0.001, 0.002]", values)
        return sweep_text(top, tables), "levers[0].values", True
    return sweep_text(top), how, True


@FUZZ
@given(bad_sweep())
def test_a_bad_sweep_is_refused(world, capsys, case):
    text, field, out = case
    path = world.write("sweep.toml", text)
    args = ["sweep", path, "--workers", "1", "--quiet"]
    refused(world, capsys, [*args, *(["--out", world.root / "out"] if out else [])], path, field)


# --- observed series -----------------------------------------------------------------------


@st.composite
def bad_observed(draw) -> tuple[str, str]:
    """An observed series file, and the column its refusal must name."""
    header = ["date", "series", "value", "kind"]
    rows = [list(row) for row in OBSERVED]
    how = draw(st.sampled_from(["value", "date", "series", "kind", "repeat", "column", "field"]))
    line = draw(st.integers(0, len(rows) - 1))
    if how == "field":  # a row with more fields than the header (the first: read as an index)
        rows[line].append(draw(st.sampled_from(["", "x", "12"])))
        return csv_text(header, rows), f"line {line + 2}"
    if how == "column":
        dropped = draw(st.integers(0, 3))
        name = header.pop(dropped)
        return csv_text(header, [row[:dropped] + row[dropped + 1 :] for row in rows]), name
    if how == "repeat":  # the same date, series and kind twice, with the same or another value
        value = draw(st.sampled_from([rows[line][2], "12345"]))
        rows.append([*rows[line][:2], value, rows[line][3]])
        return csv_text(header, rows), f"line {len(rows) + 1}, date"
    column = header.index(how)
    rows[line][column] = draw(
        {
            "value": st.one_of(
                st.sampled_from(["inf", "-inf", "nan", "1e400", "-1", "abc", ""]),
                st.floats(0.01, 1e6).filter(lambda x: x != int(x)).map(repr),
                st.integers(-(10**6), -1).map(str),
            ),
            "date": st.sampled_from(["2023-13-01", "yesterday", "", "2030-01-01", "2020-01-01"]),
            "series": NOT_A_NAME,
            "kind": NOT_A_NAME,
        }[how]
    )
    return csv_text(header, rows), f"line {line + 2}, {how}"


@FUZZ
@given(bad_observed())
def test_a_bad_observed_series_is_refused(world, capsys, case):
    text, field = case
    path = world.write("observed.csv", text)
    args = ["validate", world.run, "--observed", path, "--out", world.root / "out"]
    refused(world, capsys, args, path, field)


# --- observations and priors ---------------------------------------------------------------


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


BAD_CELLS = {
    "value": ["inf", "nan", "-1", "x", "2e9", "12.5"],
    "observation_sd": ["0", "-1", "inf", "x", "11"],
    "date": ["2023-02-30", "1999-01-01", "soon"],
    "model_from": ["2023-02-30", "2024-01-03", "soon"],  # the second: after model_to
    "model_to": ["2023-09-01", "2023-13-01"],  # the first: before model_from
    "low": ["x", "inf", "nan", "1000"],  # the last: above high
    "high": ["x", "-inf", "0"],
    "distribution": ["normal", "", "beta"],
}


@st.composite
def bad_table(draw, path: Path, columns: tuple[str, ...], free: tuple[str, ...]) -> tuple:
    """An observations or priors file with one cell changed (or a column dropped), and the
    field its refusal must name. `free`: columns a word can replace (quantity, use, ...)."""
    header, rows = _rows(path)
    line = draw(st.integers(0, 2))  # the ministry's fitted totals; priors with ranges above 0
    column = draw(st.sampled_from(columns + free + ("(drop)",)))
    if column == "(drop)":
        dropped = draw(st.sampled_from([c for c in columns if c not in ("low", "high")][:3]))
        index = header.index(dropped)
        header.pop(index)
        return csv_text(header, [row[:index] + row[index + 1 :] for row in rows]), dropped
    value = draw(st.sampled_from(BAD_CELLS[column]) if column in BAD_CELLS else NOT_A_NAME)
    rows[line][header.index(column)] = value
    return csv_text(header, rows), f"line {line + 2}"


@FUZZ
@given(
    bad_table(
        OBSERVATIONS,
        ("value", "observation_sd", "date", "model_from", "model_to"),
        ("use", "quantity", "measure", "bound", "status_adjustment", "model_place", "reporting"),
    )
)
def test_a_bad_observations_file_is_refused(world, capsys, case):
    text, field = case
    path = world.write("observations.csv", text)
    args = ["calibrate", "--observations", path, "--out", world.root / "out", "--quiet"]
    refused(world, capsys, args, path, field)


@FUZZ
@given(bad_table(PRIORS, ("low", "high", "distribution"), ()))
def test_a_bad_priors_file_is_refused(world, capsys, case):
    text, field = case
    path = world.write("priors.csv", text)
    args = ["calibrate", "--priors", path, "--out", world.root / "out", "--quiet"]
    refused(world, capsys, args, path, field)


@st.composite
def bad_levers(draw) -> str:
    """A best fit for `ifrp adopt` with a lever or a value it must refuse."""
    header, rows = _rows(CALIBRATED / "best_fit.csv")
    column = draw(st.integers(0, len(header) - 1))
    how = draw(st.sampled_from(["name", "value", "count"]))
    if how == "name":
        header[column] = f"behaviour.{draw(NOT_A_NAME)}"
    elif how == "value":
        rows[0][column] = draw(st.sampled_from(["x", "inf", "nan", "", "1e6", "-5"]))
    else:
        rows[0] = rows[0][:column] if draw(st.booleans()) else [*rows[0], "0.1"]
    return csv_text(header, rows)


@FUZZ
@given(bad_levers())
def test_a_bad_calibration_to_adopt_is_refused(world, capsys, text):
    path, args = _with_file(world, "levers", text, ["adopt", "FOLDER", "--into", "INTO"])
    into = world.root / "adopted"
    refused(world, capsys, [into if arg == "INTO" else arg for arg in args], path)


# --- run folders ---------------------------------------------------------------------------


@st.composite
def damage(draw) -> tuple[str, object]:
    """A change to a run folder's file: (file name, function of its bytes; None deletes it)."""
    name = draw(st.sampled_from(["manifest.json", "summary.csv", "daily.csv"]))
    how = draw(st.sampled_from(["delete", "truncate", "drop line", "cell", "field", "unreadable"]))
    if how == "delete":
        return name, None
    if how == "unreadable":
        noise = draw(NOT_UTF8)
        return name, lambda data: data[:10] + noise + data[10:]
    if name == "manifest.json":
        return name, draw(_manifest_damage())
    if how == "truncate":  # short of the last line's end: a line (or more) is lost or cut
        share = draw(st.floats(0.0, 0.999))
        return name, lambda data: data[: int(share * len(data.rstrip(b"\n")))]
    if how == "drop line":
        return name, _drop_line(draw(st.integers(0, 1_000_000)))
    if how == "field":  # a row with one more field than the header
        return name, _extra_field(draw(st.integers(0, 1_000_000)))
    # Not a count (persons, replicates): a fraction, a negative, more than floats count exactly.
    cell = draw(st.sampled_from(["x", "", "inf", "-nan", "-5", "2.5", "1e300"]))
    return name, _replace_cell(draw(st.integers(0, 1_000_000)), cell)


def _manifest_damage() -> st.SearchStrategy:
    def edit(key, value):
        def change(data: bytes) -> bytes:
            manifest = json.loads(data)
            manifest[key] = value(manifest)
            return json.dumps(manifest).encode()

        return change

    truncate = st.floats(0.0, 0.999).map(
        lambda share: lambda data: data[: int(share * len(data.rstrip(b"}\n")))]
    )
    edits = st.sampled_from(
        [
            edit("seeds", lambda m: m["seeds"][:-1]),
            edit("seeds", lambda m: [*m["seeds"][:-1], m["seeds"][-1] + 1]),
            edit("replicates", lambda m: m["replicates"] + 1),
            edit("scenario", lambda m: None),
            edit("report_date", lambda m: "2024-02-30"),
            edit("count_start", lambda m: 17),
            lambda data: b"[" + data + b"]",
        ]
    )
    return st.one_of(truncate, edits)


def _drop_line(number: int):
    def change(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        lines.pop(number % len(lines))
        return b"".join(lines)

    return change


def _extra_field(number: int):
    def change(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        row = 1 + number % (len(lines) - 1)
        lines[row] = lines[row].rstrip(b"\n") + b",0\n"
        return b"".join(lines)

    return change


def _replace_cell(number: int, value: str):
    def change(data: bytes) -> bytes:
        lines = data.decode().splitlines(keepends=True)
        row = 1 + number % (len(lines) - 1)
        cells = lines[row].rstrip("\n").split(",")
        cells[number % len(cells)] = value
        lines[row] = ",".join(cells) + "\n"
        return "".join(lines).encode()

    return change


@FUZZ
@given(damage(), st.sampled_from(["compare", "validate"]))
def test_a_damaged_run_folder_is_refused(world, capsys, change, command):
    name, edit = change
    folder = world.root / "cases" / "damaged"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(world.run, folder)
    if edit is None:
        (folder / name).unlink()
    else:
        (folder / name).write_bytes(edit((folder / name).read_bytes()))
    out = world.root / "out"
    if command == "compare":
        args = ["compare", world.run2, folder, "--out", out, "--quiet"]
    else:
        args = ["validate", folder, "--observed", world.observed, "--out", out]
    refused(world, capsys, args, folder)


def test_a_manifest_naming_another_folder_is_not_followed(world, capsys):
    folder = world.root / "cases" / "named"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(world.run, folder)
    for name in ("../../../../../escape", "..", ".hidden"):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest["scenario"] = name
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        refused(world, capsys, ["compare", folder, world.run, "--quiet"], "manifest.json")


# --- output paths --------------------------------------------------------------------------


def _commands(world: World) -> dict[str, list]:
    return {
        "run": ["run", world.scenario, "--quiet"],
        "sweep": ["sweep", world.sweep, "--workers", "1", "--quiet"],
        "validate": ["validate", world.run, "--observed", world.observed],
        "compare": ["compare", world.run, world.run2, "--quiet"],
        "calibrate": ["calibrate", "--workers", "1", "--quiet"],
        "adopt": ["adopt", world.calibration],
    }


def _bad_outs(world: World) -> dict[str, Path]:
    (world.root / "a_file").write_text("x\n", encoding="utf-8")
    foreign = world.root / "foreign"
    foreign.mkdir(exist_ok=True)
    (foreign / "thesis.docx").write_text("x\n", encoding="utf-8")
    return {
        "under a file": world.root / "a_file" / "out",
        "a file": world.root / "a_file",
        "under /proc": Path("/proc/ifrp-fuzz/out"),
        "a name too long": world.root / ("n" * 300) / "out",
        "a foreign folder": foreign,
    }


COMMANDS = ["run", "sweep", "validate", "compare", "calibrate", "adopt"]


def _option(command: str) -> str:
    return "--into" if command == "adopt" else "--out"


@pytest.mark.parametrize("command", COMMANDS)
def test_an_output_path_that_cannot_be_written_is_refused_first(command, world, capsys):
    for label, out in _bad_outs(world).items():
        if command in ("calibrate", "adopt") and label == "a foreign folder":
            continue  # they write in place: calibrate resumes there, adopt replaces two files
        option = _option(command)
        refused(world, capsys, [*_commands(world)[command], option, out], option)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_read_only_file_system_is_refused_first(command, world, capsys, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("experiments.core.outputs.tempfile.mkdtemp", read_only)
    out = world.root / "out"
    line = refused(world, capsys, [*_commands(world)[command], _option(command), out], out)
    assert "Read-only file system" in line


@pytest.mark.parametrize("command", ["validate", "compare"])
def test_a_disk_that_fills_while_writing_leaves_nothing(command, world, capsys, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("experiments.core.outputs.write_json", full)
    module = {"validate": "validate", "compare": "command"}[command]
    monkeypatch.setattr(f"experiments.compare.{module}.write_json", full)
    out = world.root / "out"
    line = refused(world, capsys, [*_commands(world)[command], "--out", out], out)
    assert "No space left on device" in line and "nothing was written" in line


@FUZZ
@given(st.integers(MAX_REPLICATES + 1, 10**12))
def test_more_than_the_replicate_bound_needs_yes(world, capsys, replicates):
    args = ["run", world.scenario, "--replicates", replicates, "--out", world.root / "out"]
    refused(world, capsys, args, "--replicates", "--yes")


# --- end to end ----------------------------------------------------------------------------


def test_what_a_user_sees_is_one_line_without_a_traceback(world):
    """Two refusals through `python -m experiments`, at once: a file name that would have
    put a sweep outside results/, and a binary file (each process takes seconds to load)."""
    unsafe = world.write("escape.toml", sweep_text({**SWEEP_TOP, "name": '"../../../../x"'}))
    binary = world.write("binary.csv", b"date,series\n\0\xff\xfe")
    commands = [
        ["sweep", unsafe, "--workers", "1"],
        ["validate", world.run, "--observed", binary],
    ]
    before = snapshot(world.root)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "experiments", *map(str, command)],
            cwd=world.work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    named = [unsafe, binary]
    for process, path in zip(processes, named, strict=True):
        out, err = process.communicate(timeout=120)
        COUNT["cases"] += 1
        assert process.returncode == 2, err
        assert err.count("\n") == 1 and err.startswith("ifrp: error: "), err
        assert str(path) in err and not out
    assert snapshot(world.root) == before


def test_nothing_was_written_in_the_repository(world):
    """The last test of the module: no default output escaped into the repository."""
    assert snapshot(REPOSITORY / "results") == world.results
    print(f"{COUNT['cases']} malformed cases refused")
