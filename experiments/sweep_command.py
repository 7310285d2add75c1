"""`ifrp sweep` and `ifrp sensitivity`: their command-line options."""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments.arguments import add_output_options, integer_in
from experiments.sweep import SweepOptions, run_sweep


def add_parser(commands) -> None:
    """Add `sweep` and `sensitivity` to the `ifrp` sub-commands."""
    sweep = commands.add_parser(
        "sweep",
        help="run a design of levers and uncertainties (grid, lhs, sobol, sobol_indices)",
        description="Run every point of a sweep file with the same replicate seeds. Results "
        "(runs.csv, points.csv, failures.csv, figures/, manifest.json) go to --out, or to "
        "results/sweeps/NAME. Re-running the same command resumes an interrupted sweep.",
    )
    _options(sweep)
    sweep.set_defaults(func=command_sweep)
    sensitivity = commands.add_parser(
        "sensitivity",
        help="first- and total-order Sobol' indices of the headline outputs",
        description="A sweep with design = 'sobol_indices' (the default when the file names "
        "no design): also writes sensitivity.csv and figures/sobol_indices.png.",
    )
    _options(sensitivity)
    sensitivity.set_defaults(func=command_sensitivity)


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep_file", type=Path, help="the sweep definition (.toml)")
    parser.add_argument(
        "--workers", type=integer_in(1), help="local worker processes (default: all cores; 1: here)"
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on this Dask cluster (tcp://host:port)"
    )
    parser.add_argument(
        "--chunk-runs",
        type=integer_in(1),
        help="runs per task (default: about 20 s of work, at least 2 tasks per worker)",
    )
    add_output_options(parser, "result folder (default: results/sweeps/NAME)")


def _sweep_options(args: argparse.Namespace) -> SweepOptions:
    return SweepOptions(
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        force=args.force,
        chunk_runs=args.chunk_runs,
        quiet=args.quiet,
    )


def command_sweep(args: argparse.Namespace) -> int:
    return run_sweep(args.sweep_file, _sweep_options(args))


def command_sensitivity(args: argparse.Namespace) -> int:
    return run_sweep(args.sweep_file, _sweep_options(args), require_design="sobol_indices")
