"""The benchmark runs end to end (`python -m benchmarks --quick`): a smoke test.

It checks that every step writes its file, the figure is drawn and the manifest says which
command measured each step (`--only` re-measures one and keeps the others' entries, `--redraw`
measures nothing), never how fast anything is: speed is measured by `make bench` on a quiet
machine, not asserted in tests.
It runs in the test's process (the command is `main` behind a one-line `__main__` guard): a
fresh Python would import NumPy, pandas, SciPy and Mesa again for nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.__main__ import main

# Written out here, not imported: a step dropped from the benchmark must fail this test.
STEPS = ("replicate", "drive", "scaling", "plain_mesa", "sweep", "explorer")
# The committed results (read, never written): a full run's files, the explorer measured.
COMMITTED = Path(__file__).resolve().parents[1] / "results" / "benchmarks"


def test_the_quick_benchmark_writes_every_result_and_the_figure(tmp_path, capsys):
    main(["--quick", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    for step in STEPS:
        report = json.loads((tmp_path / f"{step}.json").read_text(encoding="utf-8"))
        assert report["machine"], step
    assert json.loads((tmp_path / "sweep.json").read_text())["identical_results"] is True
    figure = (tmp_path / "benchmark.png").read_bytes()
    assert figure.startswith(b"\x89PNG") and len(figure) > 10_000
    assert "| measurement | result |" in printed

    measured_by = json.loads((tmp_path / "manifest.json").read_text())["steps"]
    assert set(measured_by) == set(STEPS)
    for step in STEPS:
        assert measured_by[step]["command"] == f"python -m benchmarks --quick --out {tmp_path}"
        assert set(measured_by[step]["git"]) == {"commit", "dirty"}

    main(["--quick", "--only", "scaling", "--out", str(tmp_path)])  # the others are kept
    remeasured = json.loads((tmp_path / "manifest.json").read_text())["steps"]
    assert remeasured["scaling"]["command"].endswith("--only scaling --out " + str(tmp_path))
    assert remeasured["scaling"]["started"] >= measured_by["scaling"]["finished"]
    assert {k: v for k, v in remeasured.items() if k != "scaling"} == {
        k: v for k, v in measured_by.items() if k != "scaling"
    }

    main(["--redraw", "--out", str(tmp_path)])  # measures nothing
    redrawn = json.loads((tmp_path / "manifest.json").read_text())
    assert redrawn["steps"] == remeasured
    assert redrawn["figure"]["command"] == f"python -m benchmarks --redraw --out {tmp_path}"


@pytest.mark.parametrize("damage", ["missing", "not JSON", "no machine field"])
def test_only_is_refused_before_measuring_when_a_kept_result_is_unusable(tmp_path, capsys, damage):
    kept = tmp_path / "replicate.json"
    if damage != "missing":
        kept.write_text("{" if damage == "not JSON" else "{}", encoding="utf-8")
    before = sorted(tmp_path.iterdir())
    with pytest.raises(SystemExit) as stop:
        main(["--quick", "--only", "scaling", "--out", str(tmp_path)])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"python -m benchmarks: error: {kept}: ")
    assert "--only and --redraw read the steps they do not run" in error
    assert sorted(tmp_path.iterdir()) == before  # nothing measured, nothing written


@pytest.mark.parametrize("out", ["file", "file/inside"])
def test_an_out_that_cannot_be_a_folder_is_refused_before_measuring(tmp_path, capsys, out):
    (tmp_path / "file").write_text("kept", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["--quick", "--out", str(tmp_path / out)])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"python -m benchmarks: error: {tmp_path / out}: --out: ")
    assert f"{tmp_path / 'file'} is a file, not a folder" in error
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
    assert (tmp_path / "file").read_text(encoding="utf-8") == "kept"


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def damaged(folder: Path, step: str, damage) -> Path:
    """A copy of the committed results in `folder`, `damage` done to one step's report."""
    shutil.copytree(COMMITTED, folder)
    path = folder / f"{step}.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    damage(report)
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


# (step, damage, key named, problem, allowed): each a value the table or the figure reads.
DAMAGES = {
    "no seconds_median": (
        "drive",
        lambda report: report.pop("seconds_median"),
        "seconds_median",
        "missing",
        "a number",
    ),
    "seconds_median a text": (
        "drive",
        lambda report: report.update(seconds_median="x"),
        "seconds_median",
        'is "x"',
        "a number",
    ),
    "a size without its plain time": (
        "plain_mesa",
        lambda report: report["sizes"][1]["plain"].pop("replicate_seconds"),
        "sizes[1].plain.replicate_seconds",
        "missing",
        "a number",
    ),
    "no sweep runs": (
        "sweep",
        lambda report: report.update(runs=[]),
        "runs",
        "is []",
        "a non-empty list",
    ),
    "the machine without its date": (
        "replicate",
        lambda report: report["machine"].pop("measured"),
        "machine.measured",
        "missing",
        "a text",
    ),
    "identical_results not true or false": (
        "sweep",
        lambda report: report.update(identical_results=None),
        "identical_results",
        "is null",
        "true or false",
    ),
}


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("how", [["--redraw"], ["--quick", "--only", "scaling"]])
def test_a_kept_result_lacking_a_value_the_table_reads_is_refused_before_measuring(
    tmp_path, capsys, damage, how
):
    step, change, key, problem, allowed = DAMAGES[damage]
    out = tmp_path / "copy"
    path = damaged(out, step, change)
    before = files(out)
    with pytest.raises(SystemExit) as stop:
        main([*how, "--out", str(out)])
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert "benchmark:" not in captured.out  # no step started
    assert captured.err.count("\n") == 1, captured.err  # one line, no traceback
    assert captured.err.startswith(
        f"python -m benchmarks: error: {path}: {key}: {problem} (allowed: {allowed}, in "
    )
    assert "--only and --redraw read the steps they do not run" in captured.err
    assert files(out) == before  # nothing measured, nothing rewritten (figure, manifest)


def test_redraw_accepts_the_committed_results(tmp_path, capsys):
    out = tmp_path / "copy"
    shutil.copytree(COMMITTED, out)
    main(["--redraw", "--out", str(out)])  # measures nothing
    assert "| explorer, drive_2023_2025, one replicate" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["--only", "nope"], ["--redraw", "--only", "drive"], ["--bogus"], ["--out"]],
)
def test_a_bad_option_is_one_line(capsys, argv):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    assert error.startswith("python -m benchmarks: error: ")
    assert error.endswith("(see python -m benchmarks --help)\n")
