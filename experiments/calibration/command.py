"""`ifrp calibrate`: fit the model to the reported figures and write results/calibration/."""

from __future__ import annotations

import argparse
import shutil
from dataclasses import asdict, replace

import numpy as np

from experiments.calibration import algorithms as alg
from experiments.calibration.budget import Budget
from experiments.calibration.parameters import load_priors
from experiments.calibration.pipeline import calibrate
from experiments.calibration.report import draw_figures, write_report, write_tables
from experiments.calibration.simulate import Problem, simulate_many
from experiments.core.executors import open_executor
from experiments.core.manifest import build_manifest, now
from experiments.core.outputs import write_json
from experiments.observed.targets import calibration_scenario, load_targets
from model.scenario import default_scenario, load_scenario

BEST_FIT_REPLICATES = 20
POSTERIOR_DRAWS = 100


def command_calibrate(args: argparse.Namespace) -> int:
    targets = load_targets(args.targets)
    priors = load_priors(args.priors)
    base = load_scenario(args.base) if args.base else default_scenario()
    problem = Problem(calibration_scenario(base, targets), tuple(priors), tuple(targets), args.seed)
    budget = Budget()
    for name in ("particles", "generations", "waves"):
        if getattr(args, name) is not None:
            budget = replace(budget, **{name: getattr(args, name)})
    started = now()
    with open_executor(args.workers, args.scheduler) as execution:
        result = calibrate(problem, budget, args.out, execution, not args.quiet, args.force)
        predictive = predictive_runs(problem, result, execution, not args.quiet)
    figures = args.out / "figures"
    shutil.rmtree(figures, ignore_errors=True)
    write_tables(problem, result, predictive, args.out)
    draw_figures(problem, result, predictive, figures)
    write_report(problem, result, predictive, args.out)
    # A calibration starts from its base scenario, not from an earlier calibration's best fit.
    uncalibrated = {"parameters": "the base scenario, uncalibrated", "file": None, "sha256": None}
    base_name = str(args.base or "defaults")
    manifest = build_manifest(problem.base, base_name, args.seed, [], started, uncalibrated)
    manifest.update(
        {
            "targets_file": str(args.targets),
            "priors_file": str(args.priors),
            "budget": asdict(budget),
        }
    )
    write_json(args.out / "manifest.json", manifest)
    print(f"calibration written to {args.out} (report: {args.out / 'report.md'})")
    return 0


def predictive_runs(problem: Problem, result, execution, progress: bool) -> dict[str, np.ndarray]:
    """Targets simulated at the best fit (replicates) and at posterior draws."""
    best_seeds = [problem.seed(alg.STAGE_PREDICTIVE, 2, i) for i in range(BEST_FIT_REPLICATES)]
    best = np.repeat(result.best_fit[None, :], BEST_FIT_REPLICATES, axis=0)
    draws = result.posterior[: min(POSTERIOR_DRAWS, len(result.posterior))]
    draw_seeds = [problem.seed(alg.STAGE_PREDICTIVE, 1, i) for i in range(len(draws))]
    return {
        "best fit": simulate_many(problem, best, best_seeds, execution, "best fit", progress),
        "posterior": simulate_many(problem, draws, draw_seeds, execution, "posterior", progress),
    }
