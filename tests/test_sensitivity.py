"""`ifrp sensitivity`: Sobol' indices from Saltelli's design, with seeded bootstrap intervals."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pandas as pd
import pytest

from experiments.sweep.definition import load_sweep
from experiments.sweep.designs import design_points, saltelli_matrices
from experiments.sweep.plan import plan_sweep
from experiments.sweep.sensitivity import (
    MAX_INTERVAL_WIDTH,
    MIN_BASE_POINTS,
    sobol_precision,
    sobol_table,
)

SWEEP = """\
    # Does Torkham's capacity matter at a small population? (It never binds: it should not.)
    points = 8
    replicates = 1
    entropy = 5

    [overrides]
    "population.undocumented" = 10000

    [[uncertainties]]
    name = "behaviour.fear_hazard"
    low = 0.01
    high = 0.08

    [[levers]]
    name = "checkpoints.torkham.capacity_per_hour"
    low = 300.0
    high = 800.0
    """


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from experiments.cli import main

    root = tmp_path_factory.mktemp("sensitivity")
    path = root / "sobol.toml"
    path.write_text(textwrap.dedent(SWEEP), encoding="utf-8")
    out = root / "out"
    assert main(["sensitivity", str(path), "--workers", "1", "--out", str(out), "--quiet"]) == 0
    return path, out


def test_saltelli_points_are_a_b_and_their_mixtures():
    rng = np.random.default_rng(1)
    stacked = saltelli_matrices(8, 3, rng)
    assert stacked.shape == (8 * 5, 3)
    a, b = stacked[:8], stacked[8:16]
    for i in range(3):
        mixed = stacked[(2 + i) * 8 : (3 + i) * 8]
        np.testing.assert_array_equal(mixed[:, i], b[:, i])
        others = [j for j in range(3) if j != i]
        np.testing.assert_array_equal(mixed[:, others], a[:, others])


def test_table_of_indices_with_intervals(result):
    _, out = result
    table = pd.read_csv(out / "sensitivity.csv")
    assert len(table) == 6 * 2  # six headline outputs x two factors
    for column in ("first_order", "first_order_low", "first_order_high", "total_order"):
        assert column in table.columns
    assert (table["base_points"] == 8).all()
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 8 * (2 + 2)
    assert (out / "figures" / "sobol_indices.png").read_bytes()[:4] == b"\x89PNG"


def test_an_inert_factor_has_zero_total_index_and_a_live_one_does_not(result):
    """Common random numbers: changing only an inert parameter changes no output at all."""
    _, out = result
    table = pd.read_csv(out / "sensitivity.csv").set_index(["output", "factor"])
    inert = table.loc[("total", "checkpoints.torkham.capacity_per_hour")]
    assert inert["total_order"] == pytest.approx(0.0, abs=1e-12)
    assert inert["first_order"] == pytest.approx(0.0, abs=1e-12)
    live = table.loc[("total", "behaviour.fear_hazard")]
    assert live["total_order"] > 0.5
    assert live["first_order_low"] <= live["first_order_high"]


def test_indices_and_intervals_are_reproducible(result):
    path, out = result
    plan = plan_sweep(load_sweep(path, require_design="sobol_indices"))
    points = pd.read_csv(out / "points.csv")
    first, _ = sobol_table(plan, points)
    second, _ = sobol_table(plan, points)
    pd.testing.assert_frame_equal(first, second)
    stored = pd.read_csv(out / "sensitivity.csv")
    np.testing.assert_allclose(first["total_order_high"], stored["total_order_high"], rtol=1e-12)
    assert design_points(plan.sweep) == plan.points


def test_a_small_sample_is_flagged_in_the_manifest_figure_and_on_stderr(result, capsys):
    """8 base points give indices like 1.05 and -0.06 with intervals over 1 wide: say so."""
    from experiments.cli import main

    path, out = result
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    precision = manifest["sobol_precision"]
    assert precision["stable"] is False and precision["base_points"] == 8
    assert precision["widest_interval"] > MAX_INTERVAL_WIDTH
    assert precision["suggested_base_points"] >= 256
    assert "too few points for stable Sobol' indices" in precision["warning"]
    assert any("too few points" in note for note in manifest["notes"])
    # Said on stderr even with --quiet (re-running resumes: nothing runs, the tables are rebuilt).
    capsys.readouterr()
    assert main(["sensitivity", str(path), "--workers", "1", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "ifrp: warning: too few points for stable Sobol' indices" in captured.err
    assert f"points = {precision['suggested_base_points']}" in captured.err
    assert captured.out == f"results written to {out}\n"


def _table(width: float, n: int) -> pd.DataFrame:
    rows = []
    for output in ("total", "deported"):
        for factor, value in (("a", 0.6), ("b", 0.1)):
            rows.append(
                {
                    "output": output,
                    "factor": factor,
                    **{
                        f"{order}{end}": value + sign * width / 2
                        for order in ("first_order", "total_order")
                        for end, sign in (("", 0), ("_low", -1), ("_high", 1))
                    },
                    "base_points": n,
                }
            )
    rows[3]["total_order_high"] += 0.1  # the widest: total order of b on deported
    return pd.DataFrame(rows)


def test_precision_rule():
    wide = sobol_precision(_table(0.4, 64), 64)
    assert not wide["stable"]
    assert wide["widest_interval"] == pytest.approx(0.5)
    assert wide["widest_at"] == "total order, b on deported"
    # Widths shrink as 1/sqrt(n): 64 x (0.5 / 0.2)^2 = 400, so the next power of 2.
    assert wide["suggested_base_points"] == 512
    narrow = sobol_precision(_table(0.05, 64), 64)
    assert narrow["stable"] and narrow["warning"] is None
    assert narrow["suggested_base_points"] == 64
    few = sobol_precision(_table(0.05, 16), 16)
    assert not few["stable"] and "16 base points are too few" in few["warning"]
    assert few["suggested_base_points"] == MIN_BASE_POINTS


def test_sensitivity_refuses_another_design(tmp_path, capsys):
    from experiments.cli import main

    path = tmp_path / "grid.toml"
    path.write_text(
        'design = "grid"\n' + textwrap.dedent(SWEEP).replace("points = 8\n", ""),
        encoding="utf-8",
    )
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "sobol_indices" in capsys.readouterr().err
