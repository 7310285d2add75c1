"""`ifrp sweep` and `ifrp sensitivity` (their options: experiments/cli.py)."""

from __future__ import annotations

import argparse

from experiments.sweep.execution import SweepOptions, run_sweep


def _sweep_options(args: argparse.Namespace) -> SweepOptions:
    return SweepOptions(
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        force=args.force,
        chunk_runs=args.chunk_runs,
        quiet=args.quiet,
        yes=args.yes,
    )


def command_sweep(args: argparse.Namespace) -> int:
    return run_sweep(args.sweep_file, _sweep_options(args))


def command_sensitivity(args: argparse.Namespace) -> int:
    return run_sweep(args.sweep_file, _sweep_options(args), require_design="sobol_indices")
