"""`ifrp crossvalidate`: leave-one-series-out cross-validation of a calibration.

For each time series fitted by the calibration (every series but the ministry's totals, the
anchor), the same search is run with that series left out of the distance: an ABC-SMC in the
calibration's searched box (a smaller budget than the calibration's: `--particles`,
`--generations`), then `--draws` draws of that posterior predict the left-out rows. The
averaged relative difference (ARD) of the median prediction, beside the in-sample ARD, says how
well the model predicts what it was not fitted to. A control fold runs the same smaller search
with nothing left out, so that the cost of leaving a series out is told apart from that of the
smaller budget. Written into the calibration folder
(`crossvalidation.csv`) and its report; resumable like the calibration (`state/crossvalidation`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration import algorithms as alg
from experiments.calibration.budget import Budget
from experiments.calibration.command import assemble_problem
from experiments.calibration.pipeline import Stages, StateFolder
from experiments.calibration.report import report_inputs, series_scores, write_report
from experiments.calibration.simulate import Problem, simulate_many
from experiments.core.estimate import announce
from experiments.core.executors import open_executor
from experiments.core.inputs import read_json
from experiments.core.manifest import ROOT, file_entry
from experiments.core.outputs import check_writable, write_atomic, writing_to
from experiments.core.replicates import seconds_per_run
from experiments.observed.observation_model import relative_differences
from model.scenario import ScenarioError, default_scenario, load_scenario

ANCHOR = "ministry"  # the route totals: the level every fold keeps
CONTROL = "(none)"  # the fold that leaves nothing out
STAGE_CROSSVALIDATION = 6
EXIT_INTERRUPTED = 130


def command_crossvalidate(args: argparse.Namespace) -> int:
    folder: Path = args.calibration
    check_writable(folder, "--calibration")
    problem = problem_of(folder)
    _, tables = report_inputs(folder)  # the report is rewritten at the end: refuse a bad one now
    budget = Budget(particles=args.particles, generations=args.generations, abc_max_batches=10)
    series = held_out_series(problem)
    fit = tables["fit"]
    rows = []
    try:
        with (
            writing_to(folder, "finished folds are kept: run the same command to resume"),
            open_executor(args.workers, args.scheduler) as execution,
        ):
            folds = len(series) + 1  # and the control, with nothing left out
            runs = folds * (budget.generations * budget.particles * 2 + args.draws)
            announce(runs, seconds_per_run(problem.base), max(1, execution.slots // 2))
            control = _control(problem, series, budget, folder, execution, args)
            for number, name in enumerate(series):
                rows.append(_fold(problem, name, number, budget, folder, execution, args))
    except KeyboardInterrupt:
        message = "ifrp: interrupted: finished folds are saved; run it again to resume"
        print(message, file=sys.stderr)
        return EXIT_INTERRUPTED
    table = series_scores(fit).merge(control, on="series", how="right")
    table = table.merge(pd.DataFrame(rows), on="series")
    write_atomic(folder / "crossvalidation.csv", table.to_csv(index=False))
    write_report(folder)
    if not args.quiet:
        print(table.to_string(index=False))
    print(f"cross-validation written to {folder / 'crossvalidation.csv'}")
    return 0


def problem_of(folder: Path) -> Problem:
    """The calibration a folder holds, rebuilt from its manifest: the same observations,
    levels, priors, base scenario, seed and searched box (its input files unchanged)."""
    manifest = read_json(folder / "manifest.json", "the manifest of a calibration folder")
    if manifest.get("kind") != "calibration":
        raise ScenarioError(str(folder / "manifest.json"), "kind", "not a calibration", "")
    files = {
        key: _unchanged(manifest.get(key), folder, key)
        for key in ("observations_file", "levels_file", "priors_file")
    }
    source = manifest.get("scenario_source", "defaults")
    base = default_scenario() if source == "defaults" else load_scenario(source)
    problem = assemble_problem(
        files["observations_file"],
        files["levels_file"],
        files["priors_file"],
        base,
        int(manifest["entropy"]),
    )
    box = manifest.get("searched_box_unit") or {}
    if sorted(box) != sorted(problem.names):
        problem_text = "not the priors' levers"
        raise ScenarioError(str(folder / "manifest.json"), "searched_box_unit", problem_text, "")
    low = tuple(float(box[name][0]) for name in problem.names)
    high = tuple(float(box[name][1]) for name in problem.names)
    return replace(problem, box=(low, high))


def _unchanged(entry, folder: Path, key: str) -> Path:
    """An input file the manifest names, refused if it has changed since the calibration."""
    manifest = str(folder / "manifest.json")
    if not isinstance(entry, dict) or "file" not in entry:
        raise ScenarioError(manifest, key, "missing", "the file and sha256 ifrp calibrate wrote")
    path = Path(entry["file"])
    path = path if path.is_absolute() else ROOT / path
    if not path.is_file() or file_entry(path)["sha256"] != entry.get("sha256"):
        problem = f"{path} is missing or has changed since the calibration"
        raise ScenarioError(manifest, key, problem, "the calibration's own inputs")
    return path


def held_out_series(problem: Problem) -> list[str]:
    """The fitted series, each a fold, the anchor's route totals apart."""
    return list(
        dict.fromkeys(
            o.series for o in problem.observations if o.use == "fit" and o.series != ANCHOR
        )
    )


def _fold(problem, name, number, budget, folder, execution, args) -> dict:
    """Calibrate without series `name`, then predict its rows from that posterior."""
    left_out = [o.series == name and o.use == "fit" for o in problem.observations]
    predicted, tolerance = _fold_predictions(
        problem, left_out, name, number, budget, folder, execution, args
    )
    scores = _scores(predicted, problem.observations, left_out)
    return {
        "series": name,
        **{f"left_out_{k}": v for k, v in scores.items()},
        "fold_tolerance": tolerance,
    }


def _control(problem, series, budget, folder, execution, args) -> pd.DataFrame:
    """The same smaller search with nothing left out: each series' ARD at the folds' budget,
    so that what leaving a series out costs is told apart from what the smaller budget does."""
    nothing = [False] * len(problem.observations)
    predicted, tolerance = _fold_predictions(
        problem, nothing, CONTROL, len(series), budget, folder, execution, args
    )
    rows = []
    for name in series:
        chosen = [o.series == name and o.use == "fit" for o in problem.observations]
        scores = _scores(predicted, problem.observations, chosen)
        rows.append({"series": name, "fold_budget_ard": scores["ard"]})
    return pd.DataFrame(rows).assign(control_tolerance=tolerance)


def _fold_predictions(problem, left_out, name, number, budget, folder, execution, args):
    """The observations predicted by `args.draws` draws of the posterior of an ABC-SMC in the
    calibration's searched box with the `left_out` rows out of the distance."""
    observations = tuple(
        replace(o, use="check") if out else o
        for o, out in zip(problem.observations, left_out, strict=True)
    )
    fold = replace(problem, observations=observations, entropy=_fold_entropy(problem, number))
    config = {"fold": name, "of": str(folder), "entropy": fold.entropy, "budget": str(budget)}
    fold_folder = folder / "state" / "crossvalidation" / name
    state = StateFolder(fold_folder, config, args.force, option="--calibration")
    stages = Stages(fold, budget, state)
    stages.execution, stages.progress = execution, not args.quiet
    low, high = (np.array(corner) for corner in fold.box)
    generations = stages.abc_smc((low, high))
    posterior, _ = stages.posterior(generations)
    draws = posterior[: args.draws]
    seeds = [fold.seed(alg.STAGE_PREDICTIVE, 3, i) for i in range(len(draws))]
    predicted = simulate_many(fold, draws, seeds, execution, f"predict {name}", not args.quiet)
    return predicted, float(generations[-1].epsilon)


def _scores(predicted: np.ndarray, observations, chosen) -> dict:
    """ARD of the chosen rows' median prediction, and the 5-95% of each draw's ARD."""
    columns = np.flatnonzero(chosen)
    rows = [observations[j] for j in columns]
    median = np.median(predicted[:, columns], axis=0)
    per_draw = relative_differences(predicted[:, columns], rows).mean(axis=1)
    return {
        "ard": float(relative_differences(median, rows).mean()),
        "p5": float(np.percentile(per_draw, 5)),
        "p95": float(np.percentile(per_draw, 95)),
    }


def _fold_entropy(problem: Problem, number: int) -> int:
    """Each fold's own stream of random numbers, derived from the calibration's seed."""
    return problem.seed(STAGE_CROSSVALIDATION, number, 0) % 2**32
