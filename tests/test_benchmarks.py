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

import pytest

from benchmarks.__main__ import main

# Written out here, not imported: a step dropped from the benchmark must fail this test.
STEPS = ("replicate", "drive", "scaling", "plain_mesa", "sweep", "explorer")


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
