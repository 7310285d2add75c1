"""`ifrp calibrate`: fit the model to the reported figures and write results/calibration/."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import asdict, replace

import numpy as np

from experiments.calibration import algorithms as alg
from experiments.calibration.budget import Budget
from experiments.calibration.parameters import load_priors
from experiments.calibration.pipeline import Calibration, calibrate
from experiments.calibration.report import draw_figures, write_report, write_tables
from experiments.calibration.simulate import Problem, simulate_many
from experiments.core.estimate import announce
from experiments.core.executors import open_executor
from experiments.core.manifest import build_manifest, now
from experiments.core.outputs import check_writable, write_json, writing_to
from experiments.core.replicates import seconds_per_run
from experiments.observed.targets import calibration_scenario, load_targets
from model.scenario import default_scenario, load_scenario

BEST_FIT_REPLICATES = 20
EXIT_INTERRUPTED = 130
POSTERIOR_DRAWS = 100


def command_calibrate(args: argparse.Namespace) -> int:
    check_writable(args.out)
    targets = load_targets(args.targets)
    priors = load_priors(args.priors)
    base = load_scenario(args.base) if args.base else default_scenario()
    problem = Problem(calibration_scenario(base, targets), tuple(priors), tuple(targets), args.seed)
    budget = Budget()
    for name in ("particles", "generations", "waves"):
        if getattr(args, name) is not None:
            budget = replace(budget, **{name: getattr(args, name)})
    started = now()
    kept = "the finished stages are kept: run the same command again to resume"
    try:
        with writing_to(args.out, kept):
            with open_executor(args.workers, args.scheduler) as execution:
                workers = max(1, execution.slots // 2)  # two tasks in flight per worker
                announce(least_runs(budget, problem), seconds_per_run(problem.base), workers)
                result = calibrate(problem, budget, args.out, execution, not args.quiet, args.force)
                predictive = predictive_runs(problem, result, execution, not args.quiet)
            write_results(args, problem, budget, result, predictive, started)
    except KeyboardInterrupt:
        print(
            f"ifrp: interrupted: the finished stages are saved in {args.out / 'state'}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(f"calibration written to {args.out} (report: {args.out / 'report.md'})")
    return 0


def write_results(
    args: argparse.Namespace,
    problem: Problem,
    budget: Budget,
    result: Calibration,
    predictive: dict[str, np.ndarray],
    started: str,
) -> None:
    """The calibration's tables, figures, report and manifest, in OUT."""
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


def least_runs(budget: Budget, problem: Problem) -> int:
    """The simulations a calibration makes at least (ABC-SMC may need more batches)."""
    levels = len(budget.level_parameters)
    return (
        budget.screening_trajectories * (problem.dimension + 1)
        + budget.variance_replicates
        + budget.waves * budget.wave_points
        + budget.generations * budget.particles
        + budget.de_popsize * levels * (budget.de_maxiter + 1) * budget.best_fit_seeds
        + BEST_FIT_REPLICATES
        + min(POSTERIOR_DRAWS, budget.particles)
    )


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
