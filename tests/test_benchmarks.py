"""The benchmark runs end to end (`python -m benchmarks --quick`): a smoke test.

It checks that every step writes its file and the figure is drawn, never how fast anything
is: speed is measured by `make bench` on a quiet machine, not asserted in tests. It runs in the
test's process (the command is `main` behind a one-line `__main__` guard): a fresh Python
would import NumPy, pandas, SciPy and Mesa again for nothing.
"""

from __future__ import annotations

import json

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
