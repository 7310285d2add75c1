"""`ifrp sweep`: designs, identical tables whatever the executor, resume after a kill, refusal of
another sweep's folder, failed runs recorded and counted, and bad sweep files (exit 2)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.core.replicates import replicate_seeds
from experiments.sweep import chunks
from experiments.sweep.definition import load_sweep
from experiments.sweep.designs import design_points, grid_levels, value_from_unit

ROUTES = ["khyber_pakhtunkhwa", "balochistan", "other"]
HEAD = """
base = "baseline"
replicates = {replicates}
entropy = 11

[overrides]
"population.undocumented" = 10000
"""
GRID = """
design = "grid"
[[levers]]
name = "phases.phase1.deadline"
values = [2023-10-31, 2023-11-30]
shift_with = ["phases.phase1.enforcement_start"]

[[uncertainties]]
name = "enforcement.arrest_hazard"
low = 0.0005
high = 0.002
levels = 3
"""
LHS = """
design = "lhs"
points = 5
[[levers]]
name = "provinces.balochistan.enforcement_factor"
low = 0.5
high = 4.0

[[uncertainties]]
name = "behaviour.fear_hazard"
low = 0.01
high = 0.06
"""


def sweep_text(body: str, replicates: int = 2) -> str:
    head = textwrap.dedent(HEAD).format(replicates=replicates)
    # TOML: top-level keys before any table, so the design's keys go first.
    design, _, tables = textwrap.dedent(body).strip().partition("\n[")
    return f"{design}\n{head}\n[{tables}\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweeps")
    paths = {}
    for name, body in (("grid", GRID), ("lhs", LHS)):
        paths[name] = folder / f"{name}.toml"
        paths[name].write_text(sweep_text(body), encoding="utf-8")
    return paths


def sweep(*args) -> int:
    from experiments.cli import main

    return main(["sweep", *map(str, args), "--quiet"])


@pytest.fixture(scope="module")
def reference(files, tmp_path_factory):
    """Each sweep run in this process (--workers 1): the tables every other way must equal."""
    root = tmp_path_factory.mktemp("reference")
    for name, path in files.items():
        assert sweep(path, "--workers", "1", "--out", root / name) == 0
    return root


@pytest.fixture
def no_figures(monkeypatch):
    """Tests of the tables only skip drawing (the reference sweeps draw every figure)."""
    monkeypatch.setattr("experiments.sweep.execution.sweep_figures.draw_all", lambda *args: [])


def table(folder: Path, name: str = "runs.csv") -> str:
    return (folder / name).read_text(encoding="utf-8")


# --- the tables -----------------------------------------------------------------------------


def test_runs_table_has_a_row_per_point_and_replicate(reference, files):
    runs = pd.read_csv(reference / "grid" / "runs.csv", dtype={"seed": "uint64"})
    assert len(runs) == 2 * 3 * 2
    for column in ["point", "replicate", "seed", "phases.phase1.deadline", "total", *ROUTES]:
        assert column in runs.columns, column
    assert {"remaining", "deported", "arrested", "peak_queue", "error"} <= set(runs.columns)
    # Every point reuses the same replicate seeds: comparisons between points are paired.
    seeds = replicate_seeds(11, 2, point=0)
    for _, group in runs.groupby("point"):
        assert [int(s) for s in group["seed"]] == seeds
    assert (runs[ROUTES].sum(axis=1) == runs["total"]).all()
    assert runs["error"].isna().all()
    # The linked parameter moves with the lever.
    deadline = pd.to_datetime(runs["phases.phase1.deadline"])
    start = pd.to_datetime(runs["phases.phase1.enforcement_start"])
    assert ((start - deadline).dt.days == 1).all()


def test_points_table_aggregates_the_replicates(reference):
    runs = pd.read_csv(reference / "grid" / "runs.csv")
    points = pd.read_csv(reference / "grid" / "points.csv")
    assert len(points) == 6
    assert (points["runs"] == 2).all() and (points["failed"] == 0).all()
    for output in ("total", "deported", "peak_queue"):
        expected = runs.groupby("point")[output].mean().to_numpy()
        np.testing.assert_allclose(points[f"{output}_mean"], expected)
        assert (points[f"{output}_p5"] <= points[f"{output}_p50"]).all()
        assert (points[f"{output}_p50"] <= points[f"{output}_p95"]).all()


def test_folder_holds_manifest_and_figures(reference):
    folder = reference / "grid"
    manifest = json.loads(table(folder, "manifest.json"))
    assert manifest["kind"] == "sweep" and manifest["status"] == "complete"
    assert manifest["failed"] == 0 and manifest["runs"] == 12 and manifest["points"] == 6
    assert manifest["seeds"] == replicate_seeds(11, 2, point=0)
    assert len(manifest["sweep_hash"]) == 16
    assert manifest["parameters"]["population"]["undocumented"] == 10_000
    for name in ("response.png", "heat_map.png", "tradeoff.png"):
        assert (folder / "figures" / name).read_bytes()[:4] == b"\x89PNG", name
    assert not [p for p in folder.rglob(".*tmp*")], "no temporary file may remain"


def test_a_run_in_a_sweep_equals_a_plain_run(reference, files):
    """The sweep machinery adds nothing: point 0, replicate 1 is `ifrp run`'s replicate 1."""
    from experiments.core.replicates import run_replicate
    from experiments.core.tables import summary_table

    runs = pd.read_csv(reference / "grid" / "runs.csv", dtype={"seed": "uint64"})
    scenario = load_sweep(files["grid"]).base_scenario.with_overrides(
        {
            "phases.phase1.deadline": date(2023, 10, 31),
            "phases.phase1.enforcement_start": date(2023, 11, 1),
            "enforcement.arrest_hazard": 0.0005,
        }
    )
    seed = replicate_seeds(11, 2)[1]
    expected = summary_table([run_replicate(scenario, seed, 1)], scenario).iloc[0]
    row = runs[(runs["point"] == 0) & (runs["replicate"] == 1)].iloc[0]
    for column in ["total", *ROUTES, "deported", "remaining", "peak_queue"]:
        assert row[column] == expected[column], column


# --- identical whatever the executor, the chunking or interruptions ------------------------------


@pytest.mark.parametrize("name", ["grid", "lhs"])
def test_two_local_workers_and_other_chunking_give_identical_tables(
    name, files, reference, tmp_path, no_figures
):
    out = tmp_path / name
    assert sweep(files[name], "--workers", "2", "--chunk-runs", "3", "--out", out) == 0
    assert table(out) == table(reference / name)
    assert table(out, "points.csv") == table(reference / name, "points.csv")


def test_a_dask_cluster_gives_identical_tables(
    files, reference, tmp_path, no_figures, no_run_figures
):
    from experiments.cli import main

    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=40,
    ) as cluster:
        for name in ("grid", "lhs"):
            out = tmp_path / name
            status = sweep(files[name], "--scheduler", cluster.scheduler_address, "--out", out)
            assert status == 0
            assert table(out) == table(reference / name), name
            manifest = json.loads(table(out, "manifest.json"))
            assert manifest["executor"].startswith("on Dask cluster")
        # `ifrp run` takes the same executors: the same replicates, to the same bytes.
        small = tmp_path / "small.toml"
        small.write_text("[population]\nundocumented = 10000\n", encoding="utf-8")
        runs = {}
        for where in (["--workers", "1"], ["--scheduler", cluster.scheduler_address]):
            runs[where[0]] = out = tmp_path / f"run{where[0]}"
            argv = ["run", str(small), "--replicates", "3", *where, "--quiet"]
            assert main([*argv, "--out", str(out)]) == 0
        for name in ("summary.csv", "daily.csv"):
            assert table(runs["--workers"], name) == table(runs["--scheduler"], name)
        with distributed.Client(cluster) as client:
            plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
        assert all("ifrp-heap-tuning" in names for names in plugins.values()), plugins


def test_killed_sweep_resumes_to_the_same_table(files, reference, tmp_path, no_figures):
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "experiments", "sweep", str(files["grid"]), "--quiet"]
    command += ["--workers", "1", "--chunk-runs", "1", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list((out / "chunks").glob("runs-*.json")) and process.poll() is None:
        assert time.monotonic() < deadline, "no chunk written in time"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    saved = len(list((out / "chunks").glob("runs-*.json")))
    assert 1 <= saved < 12, f"the kill came too late to test resuming ({saved} chunks)"
    assert not (out / "runs.csv").exists()
    assert json.loads(table(out, "manifest.json"))["status"] == "running"

    assert sweep(files["grid"], "--workers", "1", "--out", out) == 0
    assert table(out) == table(reference / "grid")
    assert table(out, "points.csv") == table(reference / "grid", "points.csv")


def test_interrupt_exits_130_and_keeps_finished_chunks(files, tmp_path, monkeypatch, capsys):
    from experiments.cli import main

    calls = []
    original = chunks.run_chunk

    def interrupted_after_two(runs):
        calls.append(len(runs))
        if len(calls) > 2:
            raise KeyboardInterrupt
        return original(runs)

    monkeypatch.setattr("experiments.sweep.execution.run_chunk", interrupted_after_two)
    out = tmp_path / "interrupted"
    args = ["sweep", str(files["grid"]), "--workers", "1", "--chunk-runs", "2", "--out", str(out)]
    assert main([*args, "--quiet"]) == 130
    assert "run the same command again to resume" in capsys.readouterr().err
    assert len(list((out / "chunks").glob("runs-*.json"))) == 2


def test_the_folder_of_another_sweep_is_refused_unless_forced(
    files, reference, tmp_path, capsys, no_figures
):
    out = tmp_path / "other"
    assert sweep(files["grid"], "--workers", "1", "--out", out) == 0
    before = table(out)
    assert sweep(files["lhs"], "--workers", "1", "--out", out) == 2
    err = capsys.readouterr().err
    assert "different sweep" in err and "--force" in err
    assert table(out) == before, "a refused sweep must not touch the folder"
    assert sweep(files["lhs"], "--workers", "1", "--out", out, "--force") == 0
    assert table(out) == table(reference / "lhs")


def test_a_folder_that_is_not_a_sweep_is_refused(files, tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert sweep(files["grid"], "--workers", "1", "--out", out) == 2
    assert "not a sweep folder" in capsys.readouterr().err


# --- failures ------------------------------------------------------------------------------


def test_a_failing_point_is_recorded_counted_and_retried(
    files, reference, tmp_path, monkeypatch, no_figures
):
    from experiments.cli import main

    original = chunks.run_replicate

    def fails_at_point_4(scenario, seed, replicate=0):
        if scenario.enforcement.arrest_hazard == 0.002 and scenario.phases[0].deadline.month == 11:
            raise RuntimeError("injected failure")
        return original(scenario, seed, replicate)

    monkeypatch.setattr(chunks, "run_replicate", fails_at_point_4)
    out = tmp_path / "failing"
    args = ["sweep", str(files["grid"]), "--workers", "1", "--out", str(out), "--quiet"]
    assert main(args) == 1
    runs = pd.read_csv(out / "runs.csv")
    failed = runs[runs["error"].notna()]
    assert list(failed["point"]) == [5, 5]
    assert failed["error"].str.contains("RuntimeError: injected failure").all()
    assert runs.loc[runs["error"].isna(), "total"].notna().all(), "the sweep went on"
    failures = pd.read_csv(out / "failures.csv")
    assert len(failures) == 2 and failures["traceback"].str.contains("injected").all()
    points = pd.read_csv(out / "points.csv")
    assert points.loc[5, "failed"] == 2 and np.isnan(points.loc[5, "total_mean"])
    manifest = json.loads(table(out, "manifest.json"))
    assert manifest["failed"] == 2 and "2 runs failed" in manifest["status"]

    monkeypatch.setattr(chunks, "run_replicate", original)
    assert main(args) == 0, "re-running retries the failed runs"
    assert table(out) == table(reference / "grid")


# --- defaults, messages and figures ---------------------------------------------------------

ONE_RUN = """\
design = "grid"
replicates = 1
{entropy}
[overrides]
"population.undocumented" = 10000
[[levers]]
name = "enforcement.arrest_hazard"
values = [0.001]
"""


def test_entropy_defaults_to_1_as_ifrp_run_and_resumes_a_sweep_that_sets_1(
    tmp_path, capsys, no_figures
):
    from experiments.cli import main
    from experiments.sweep.plan import plan_sweep

    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    omitted, explicit = tmp_path / "a" / "one.toml", tmp_path / "b" / "one.toml"  # one name
    omitted.write_text(ONE_RUN.format(entropy=""), encoding="utf-8")
    explicit.write_text(ONE_RUN.format(entropy="entropy = 1"), encoding="utf-8")
    assert load_sweep(omitted).entropy == 1
    assert plan_sweep(load_sweep(omitted)).hash == plan_sweep(load_sweep(explicit)).hash
    run_default = next(a for a in _subcommand("run")._actions if a.dest == "seed").default
    assert run_default == 1, "the sweep default follows ifrp run --seed"

    out = tmp_path / "out"
    assert main(["sweep", str(omitted), "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # Singular where it is one, and "in this process", not "on in-process".
    assert "1 point x 1 replicate, in this process (1 worker)" in printed, printed
    assert "1 run in 1 task (one run each)" in printed, printed
    assert "1 of 1 run succeeded" in printed, printed
    manifest = json.loads(table(out, "manifest.json"))
    assert manifest["entropy"] == 1 and manifest["sweep"]["entropy"] == 1
    assert manifest["seeds"] == replicate_seeds(1, 1)
    assert manifest["executor"] == "in this process (1 worker)"

    # The explicit file is the same sweep: it resumes the folder, with nothing left to run.
    assert main(["sweep", str(explicit), "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "nothing left to run: all 1 run already done" in printed, printed
    assert "0 runs" not in printed and "tasks of" not in printed, printed


def _subcommand(name: str):
    from experiments.cli import build_parser

    commands = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices)
    return commands.choices[name]


def test_quiet_prints_only_the_folder_as_ifrp_run_says(
    files, reference, tmp_path, capsys, no_figures
):
    def quiet_help(command: str) -> str:
        return next(a for a in _subcommand(command)._actions if a.dest == "quiet").help

    assert quiet_help("sweep") == quiet_help("run") == quiet_help("sensitivity")
    assert "only the folder written is printed" in quiet_help("sweep")
    out = tmp_path / "quiet"
    shutil.copytree(reference / "grid", out)  # resumed: nothing runs, the tables are rebuilt
    capsys.readouterr()
    assert sweep(files["grid"], "--workers", "1", "--out", out) == 0
    assert capsys.readouterr().out == f"results written to {out}\n"


def test_date_labels_of_the_response_figure_do_not_overlap(monkeypatch):
    """Four deadlines two weeks apart on a panel 4.6 inches wide: ISO dates ran into each other."""
    from matplotlib.transforms import Bbox

    from experiments.sweep import figures as sweep_figures
    from experiments.sweep.definition import Factor

    drawn = []
    monkeypatch.setattr(sweep_figures, "save", lambda fig, path: drawn.append(fig))
    deadlines = [date(2023, 10, 31), date(2023, 11, 15), date(2023, 11, 30), date(2023, 12, 15)]
    deadline = Factor(DEADLINE, "lever", "date", deadlines[0], values=tuple(deadlines))
    hazard = Factor(ARREST, "lever", "float", 0.0005, values=(0.00025, 0.002))
    rows = [
        {DEADLINE: d.isoformat(), ARREST: h, "replicate": r, "total": 1000 * i + r,
         "deported": 10 * i, "peak_queue": 0}
        for i, d in enumerate(deadlines) for h in hazard.values for r in range(2)
    ]  # fmt: skip
    sweep_figures.response(pd.DataFrame(rows), None, (deadline, hazard), True, Path("unused"))
    (fig,) = drawn
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [
            label.get_window_extent(renderer)
            for label in ax.get_xticklabels()
            if label.get_visible() and label.get_text()
        ]
        assert len(boxes) >= 3, "the dates are labelled"
        for i, box in enumerate(boxes):
            for other in boxes[i + 1 :]:
                assert not Bbox.intersection(box, other), "x labels overlap"
        peak = [label.get_text() for label in ax.get_yticklabels() if label.get_text()]
        assert len(peak) == len(set(peak)), f"repeated y labels {peak}"


# --- bad sweep files -----------------------------------------------------------------------

G = "design = 'grid'\nreplicates = 1\nentropy = 1\n"


def lever(name: str, body: str) -> str:
    """A grid sweep file with one lever."""
    return G + f"[[levers]]\nname = '{name}'\n{body}"


HAZARD, ARREST = "behaviour.fear_hazard", "enforcement.arrest_hazard"
LETTERS, DEADLINE = "enforcement.protection_letters_honoured", "phases.phase1.deadline"
TWICE = lever(HAZARD, "values = [0.1]\n") + f"[[levers]]\nname = '{HAZARD}'\nvalues = [0.2]\n"
BAD = [
    ("unknown top-level key", G + "repetitions = 2\n", "repetitions"),
    ("unknown design", "design = 'random'\nreplicates = 1\nentropy = 1\n", "design"),
    ("missing replicates", "design = 'lhs'\npoints = 4\nentropy = 1\n", "replicates"),
    ("negative entropy", "design = 'grid'\nreplicates = 1\nentropy = -1\n", "entropy"),
    ("points for a grid", G + "points = 4\n", "points"),
    ("sobol points not a power of 2", G.replace("grid", "sobol") + "points = 6\n", "points"),
    ("unknown base", G + "base = 'basline'\n", "(scenario)"),
    ("bad override", G + "[overrides]\n'population.undocumented' = -1\n", "undocumented"),
    ("unknown parameter", lever(ARREST + "z", "values = [0.1]\n"), "levers[0].name"),
    ("value out of range", lever(ARREST, "values = [0.5]\n"), "values[0]"),
    ("high above range", lever(HAZARD, "low = 0.1\nhigh = 3.0\nlevels = 2\n"), "levers[0].high"),
    ("low above high", lever(HAZARD, "low = 0.1\nhigh = 0.05\nlevels = 2\n"), "levers[0].high"),
    ("grid range without levels", lever(HAZARD, "low = 0.1\nhigh = 0.2\n"), "levers[0].levels"),
    ("text for a number", lever(HAZARD, "values = ['high']\n"), "levers[0].values[0]"),
    ("range for a bool", lever(LETTERS, "low = 0\nhigh = 1\n"), "levers[0]"),
    ("unknown key in a lever", lever(HAZARD, "values = [0.1]\nstep = 2\n"), "levers[0].step"),
    ("swept twice", TWICE, "swept twice"),
    ("nothing to sweep", G, "levers"),
    ("deadline after enforcement", lever(DEADLINE, "values = [2023-11-30]\n"), "phase1"),
    ("not TOML", G + "[[levers]\n", "(syntax)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "field"), [pytest.param(t, f, id=i) for i, t, f in BAD])
def test_bad_sweep_files_exit_2_naming_file_and_field_and_write_nothing(
    text, field, tmp_path, capsys
):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert sweep(path, "--workers", "1", "--out", out) == 2
    err = capsys.readouterr().err
    assert field in err, err
    assert "allowed" in err or "(syntax)" in err, err
    assert not out.exists(), "nothing may be written"


def test_a_bad_point_is_caught_before_anything_runs(tmp_path, capsys):
    """Each value is fine alone; one combination breaks the phase's date order."""
    path = tmp_path / "combo.toml"
    path.write_text(
        textwrap.dedent(
            """\
            design = "grid"
            replicates = 1
            entropy = 1
            [[levers]]
            name = "phases.phase1.deadline"
            values = [2023-10-20, 2023-10-31]
            [[levers]]
            name = "phases.phase1.announcement"
            values = [2023-10-03, 2023-10-25]
            """
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert sweep(path, "--workers", "1", "--out", out) == 2
    err = capsys.readouterr().err
    assert "(point 1:" in err and "phases.phase1" in err and "allowed" in err
    assert not out.exists()


# --- designs -------------------------------------------------------------------------------


def test_the_readme_and_example_sweeps_are_valid(tmp_path):
    from experiments.sweep.plan import plan_sweep

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Sweeps and sensitivity", 1)[1].split("```toml\n", 1)[1]
    path = tmp_path / "readme.toml"
    path.write_text(example.split("```", 1)[0], encoding="utf-8")
    assert len(plan_sweep(load_sweep(path)).points) == 16
    folder = Path(__file__).resolve().parent.parent / "experiments" / "sweeps"
    for sweep_file in sorted(folder.glob("*.toml")):
        plan = plan_sweep(load_sweep(sweep_file))
        assert plan.points, sweep_file.name


def test_grid_is_every_combination_first_factor_slowest(files):
    points = design_points(load_sweep(files["grid"]))
    assert len(points) == 6
    assert [p["phases.phase1.deadline"].day for p in points] == [31, 31, 31, 30, 30, 30]
    assert [p["enforcement.arrest_hazard"] for p in points[:3]] == [0.0005, 0.00125, 0.002]


def test_lhs_puts_one_point_in_each_stratum_and_is_seeded(files):
    definition = load_sweep(files["lhs"])
    points = design_points(definition)
    assert points == design_points(definition), "the design depends on the entropy only"
    for factor in definition.factors:
        values = np.array([p[factor.name] for p in points])
        strata = np.floor((values - factor.low) / (factor.high - factor.low) * 5)
        assert sorted(strata) == [0, 1, 2, 3, 4], factor.name


def test_whole_numbers_and_days_are_drawn_uniformly(files):
    factor = load_sweep(files["lhs"]).factors[0]
    from dataclasses import replace

    days = replace(factor, kind="date", low=date(2023, 11, 1), high=date(2023, 11, 3))
    drawn = [value_from_unit(days, u) for u in np.linspace(0, 0.999, 300)]
    assert {d.day: drawn.count(d) for d in drawn} == {1: 100, 2: 100, 3: 100}
    whole = replace(factor, kind="int", low=2, high=5, levels=4)
    assert grid_levels(whole) == [2, 3, 4, 5]


def test_chunk_size_aims_at_tens_of_seconds_and_keeps_workers_busy(files):
    from experiments.core.replicates import seconds_per_run
    from experiments.sweep.plan import plan_sweep

    runs = plan_sweep(load_sweep(files["grid"])).runs()
    assert chunks.chunk_size(runs, slots=2) == 3  # 12 quick runs: 2 tasks per slot
    assert chunks.chunk_size(runs, slots=2, requested=7) == 7
    full_scale = load_sweep(files["grid"]).base_scenario.with_overrides(
        {"population.undocumented": 1_700_000}
    )
    seconds = seconds_per_run(full_scale)
    assert 0.05 < seconds < 1
    big = [chunks.Run(0, i, 1, full_scale) for i in range(10_000)]
    assert 10 <= chunks.chunk_size(big, slots=2) * seconds <= 60


# --- Mesa's own batch runner -----------------------------------------------------------------


@pytest.fixture
def restore_start_method():
    """batch_run forces the "spawn" start method process-wide: put the old one back."""
    import multiprocessing

    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_mesa_batch_run_runs_the_model(restore_start_method, files):
    import mesa

    from model.model import RepatriationModel

    scenario = load_sweep(files["grid"]).base_scenario
    results = mesa.batch_run(
        RepatriationModel,
        parameters={"scenario": [scenario]},
        rng=[3, 4],
        number_processes=2,
        max_steps=1_000,
        display_progress=False,
    )
    assert len(results) == 2
    direct = RepatriationModel(scenario, rng=3)
    direct.run_model()
    expected = direct.datacollector.get_model_vars_dataframe().iloc[-1]
    first = next(r for r in results if r["rng"] == 3)
    assert first["Step"] == scenario.timeline.days
    for name in ("departed", "remaining_undocumented", "home"):
        assert first[name] == expected[name], name


# --- bounds on what a sweep file may ask for, and damaged chunks ----------------------------

SOBOL = "design = '{design}'\npoints = {points}\nreplicates = {replicates}\nentropy = 1\n"
HUGE = [
    ("levels without bound", lever(ARREST, "low = 0.0005\nhigh = 0.002\nlevels = 100000000\n"),
     [], "levers[0].levels", "2..1,000"),
    ("grid of 2,000,000 points", G + "".join(
        f"[[levers]]\nname = '{name}'\nlow = {low}\nhigh = {high}\nlevels = {levels}\n"
        for name, low, high, levels in ((ARREST, 0.0005, 0.002, 1000), (HAZARD, 0.01, 0.06, 1000),
                                        ("enforcement.detention_days", 1, 2, 2))
    ), ["--yes"], "levels", "at most 1,000,000 points"),
    ("sobol runs without --yes", SOBOL.format(design="sobol", points=8192, replicates=10000)
     + f"[[levers]]\nname = '{ARREST}'\nlow = 0.0005\nhigh = 0.002\n",
     [], "points x replicates", "--yes"),
    ("grid runs without --yes", lever(ARREST, "low = 0.0005\nhigh = 0.002\nlevels = 1000\n")
     .replace("replicates = 1", "replicates = 1001"), [], "levels x replicates", "--yes"),
    ("sobol_indices points", SOBOL.format(design="sobol_indices", points=2**19, replicates=1)
     + f"[[levers]]\nname = '{ARREST}'\nlow = 0.0005\nhigh = 0.002\n",
     ["--yes"], "points", "at most 1,000,000 points"),
    ("more levels than whole numbers",
     lever("enforcement.detention_days", "low = 1\nhigh = 2\nlevels = 5\n"),
     [], "levers[0].levels", "at most 2 levels"),
    ("more levels than days", lever(DEADLINE, "low = 2023-10-30\nhigh = 2023-10-31\nlevels = 3\n"
     "shift_with = ['phases.phase1.enforcement_start']\n"), [], "levers[0].levels",
     "at most 2 levels"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "options", "field", "allowed"), [pytest.param(*case[1:], id=case[0]) for case in HUGE]
)
def test_oversized_sweeps_are_refused_before_planning(
    text, options, field, allowed, tmp_path, capsys, monkeypatch
):
    """No point is built (that alone took minutes, or all the memory) and nothing is written."""

    def no_plan(*args):
        raise AssertionError("the sweep was planned")

    monkeypatch.setattr("experiments.sweep.execution.plan_sweep", no_plan)
    path = tmp_path / "huge.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert sweep(path, "--workers", "1", "--out", out, *options) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "huge.toml" in err, err
    assert f": {field}:" in err and allowed in err and "allowed" in err, err
    assert not out.exists(), "nothing may be written"


def test_a_grid_of_all_the_whole_numbers_in_a_range_is_accepted(tmp_path):
    path = tmp_path / "whole.toml"
    path.write_text(lever("enforcement.detention_days", "low = 1\nhigh = 4\nlevels = 4\n"))
    assert [p["enforcement.detention_days"] for p in design_points(load_sweep(path))] == [
        1,
        2,
        3,
        4,
    ]


def _tamper_total(row: dict, how: str) -> None:
    if how == "missing":
        del row["total"]
    else:
        row["total"] = {"text": "x", "null": None, "nan": float("nan"), "bool": True}[how]


@pytest.mark.parametrize("how", ["text", "null", "nan", "bool", "missing"])
def test_a_damaged_chunk_is_refused_on_resume_naming_it(
    how, reference, files, tmp_path, capsys, no_figures
):
    """As a truncated chunk file: exit 2, one line naming the file, the tables left as they were."""
    out = tmp_path / "grid"
    shutil.copytree(reference / "grid", out)
    chunk = sorted((out / "chunks").glob("runs-*.json"))[-1]
    rows = json.loads(chunk.read_text(encoding="utf-8"))
    ok = [row for row in rows if not row.get("error")]
    _tamper_total(ok[-1], how)
    chunk.write_text(json.dumps(rows), encoding="utf-8")
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert sweep(files["grid"], "--workers", "1", "--out", out) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and chunk.name in err and "delete it" in err, err
    assert "total" in err, err
    assert table(out) == table(reference / "grid")
    assert (out / "manifest.json").read_text(encoding="utf-8") == manifest
