"""`ifrp run A B C` and `ifrp run --all`: several scenarios with the same seeds, each into
its own run folder, compared with the first."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from experiments.compare import tables as compare
from experiments.compare.command import write_comparison
from experiments.core import library as scenarios
from experiments.core.outputs import check_destination
from model.scenario import ScenarioError

REFERENCE = "baseline"
COMPARISON = "comparison"  # OUT/comparison: the folder name no run may take


def library() -> list[str]:
    """Every scenario in experiments/scenarios/, the baseline first (the reference)."""
    names = scenarios.available()
    return [REFERENCE, *(name for name in names if name != REFERENCE)]


def run_many(args: argparse.Namespace, run_one: Callable[[argparse.Namespace], int]) -> int:
    """Run each scenario into OUT/NAME with the same seeds, then compare them in
    OUT/comparison (the first scenario is the reference)."""
    names = _names(args)
    for name in names:  # bad input stops here, before anything is written
        scenarios.resolve(name)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or Path("results") / "runs" / f"scenarios-{stamp}"
    check_destination(out, args.force)
    folders = []
    for label, name in zip(_labels(names), names, strict=True):
        single = argparse.Namespace(**vars(args))
        single.scenario, single.more, single.all, single.out = name, [], False, out / label
        status = run_one(single)
        if status:
            return status
        folders.append(out / label)
    return write_comparison(compare.read_runs(folders), out / COMPARISON, args.force, args.quiet)


def _names(args: argparse.Namespace) -> list[str]:
    if not args.all:
        return [args.scenario, *args.more]
    if args.more or args.scenario != REFERENCE:
        raise ScenarioError(
            "ifrp run", "--all", "scenarios named as well", "--all alone, or a list of scenarios"
        )
    return library()


def _labels(names: list[str]) -> list[str]:
    """Folder names: the scenario's name (a file's stem), numbered if repeated or if it is
    the comparison's own folder name (OUT/comparison)."""
    labels: list[str] = []
    for name in names:
        label = Path(name).stem if name.endswith(".toml") else name
        candidate, number = label, len(labels) or 1
        while candidate in labels or candidate == COMPARISON:
            candidate, number = f"{label}-{number}", number + 1
        labels.append(candidate)
    return labels
