"""`ifrp calibrate`: fit the model to the reported figures and write results/calibration/."""

from __future__ import annotations

import argparse
import shutil
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from experiments.arguments import integer_in
from experiments.calibration import algorithms as alg
from experiments.calibration.parameters import DEFAULT_PRIORS, load_priors
from experiments.calibration.pipeline import Budget, calibrate
from experiments.calibration.report import draw_figures, write_report, write_tables
from experiments.calibration.simulate import Problem, simulate_many
from experiments.calibration.targets import DEFAULT_TARGETS, calibration_scenario, load_targets
from experiments.executors import open_executor
from experiments.manifest import build_manifest, now
from experiments.outputs import write_json
from model.scenario import default_scenario, load_scenario

DEFAULT_OUT = Path("results") / "calibration"
BEST_FIT_REPLICATES = 20
POSTERIOR_DRAWS = 100


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "calibrate",
        help="fit the model to the reported figures (screening, history matching, ABC-SMC)",
        description="Calibrate to a targets file; writes the posterior, the best-fit point, "
        "figures and a report. Resumes an interrupted calibration in the same --out folder.",
    )
    parser.add_argument("--targets", type=Path, default=DEFAULT_TARGETS, help="targets CSV file")
    parser.add_argument("--priors", type=Path, default=DEFAULT_PRIORS, help="priors CSV file")
    parser.add_argument("--base", type=Path, help="scenario .toml to calibrate (default: defaults)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=integer_in(0), default=1, help="root seed (default: 1)")
    parser.add_argument(
        "--workers", type=integer_in(1), help="local processes (default: all cores)"
    )
    parser.add_argument("--scheduler", help="address of a Dask scheduler to run on instead")
    parser.add_argument(
        "--particles", type=integer_in(1), help=f"ABC-SMC particles (default: {Budget.particles})"
    )
    parser.add_argument(
        "--generations",
        type=integer_in(1),
        help=f"ABC-SMC generations (default: {Budget.generations})",
    )
    parser.add_argument(
        "--waves", type=integer_in(1), help=f"history-matching waves (default: {Budget.waves})"
    )
    parser.add_argument("--force", action="store_true", help="discard another calibration's state")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=command_calibrate)


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
        executor = execution.executor
        result = calibrate(problem, budget, args.out, executor, not args.quiet, args.force)
        predictive = predictive_runs(problem, result, executor, not args.quiet)
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


def predictive_runs(problem: Problem, result, executor, progress: bool) -> dict[str, np.ndarray]:
    """Targets simulated at the best fit (replicates) and at posterior draws."""
    best_seeds = [problem.seed(alg.STAGE_PREDICTIVE, 2, i) for i in range(BEST_FIT_REPLICATES)]
    best = np.repeat(result.best_fit[None, :], BEST_FIT_REPLICATES, axis=0)
    draws = result.posterior[: min(POSTERIOR_DRAWS, len(result.posterior))]
    draw_seeds = [problem.seed(alg.STAGE_PREDICTIVE, 1, i) for i in range(len(draws))]
    return {
        "best fit": simulate_many(problem, best, best_seeds, executor, "best fit", progress),
        "posterior": simulate_many(problem, draws, draw_seeds, executor, "posterior", progress),
    }
