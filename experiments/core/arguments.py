"""Argument types shared by the `ifrp` sub-commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

DEFAULT_SEED = 1  # root seed (entropy) of ifrp run and calibrate, and of a sweep naming none
MAX_REPLICATES = 10_000  # more need --yes (experiments.core.estimate, which loads the model)
# A sweep is planned in memory run by run: more runs in all need --yes too (a million
# full-scale runs take about 14 h at the 1,170 a minute results/benchmarks/sweep.json measured
# with two workers here; experiments.sweep.plan.check_size).
MAX_RUNS = 1_000_000


def integer_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` (to `high`), else a message with the range."""
    allowed = f"an integer >= {low}" if high is None else f"{low}..{high}"

    def parse(text: str) -> int:
        value = int(text)
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{value} is out of range (allowed: {allowed})")
        return value

    parse.__name__ = "integer"  # argparse's message for a non-number: "invalid integer value"
    return parse


def add_yes_option(parser: argparse.ArgumentParser, runs: bool = False) -> None:
    """--yes: run more than MAX_REPLICATES replicates (`runs`: or MAX_RUNS runs in all, as a
    sweep counts them), a guard against a mistyped number."""
    also = f", or more than {MAX_RUNS:,} runs in all" if runs else ""
    parser.add_argument(
        "--yes",
        action="store_true",
        help=f"run more than {MAX_REPLICATES:,} replicates{also} (refused without it)",
    )


def add_output_options(
    parser: argparse.ArgumentParser,
    out_help: str = "result folder (must not exist, or be empty)",
    quiet_help: str | None = "no progress bar or summary: only the folder written is printed",
) -> None:
    """--out, --force and (unless `quiet_help` is None) --quiet, as every writing command has."""
    parser.add_argument("--out", type=Path, help=out_help)
    parser.add_argument(
        "--force", action="store_true", help="replace an existing ifrp result folder (--out)"
    )
    parser.set_defaults(force_replaces_out=True)  # experiments.cli guards the inputs in --out
    if quiet_help is not None:
        parser.add_argument("--quiet", action="store_true", help=quiet_help)
