"""`ifrp answers`: how sure the calibrated model is of each library scenario's answer.

Every library scenario runs against its reference with `--draws` paired replicates: replicate i
of each draws the same row of the adopted posterior sample (and of the forecast's priors) and
starts from the same seed, so that a difference is the scenario's effect at one set of
parameters. A 2023 scenario's reference is the baseline, and its outputs are the
undocumented's departures (all routes, from `count_start`) and deportations by the ministry's
report of 2 January 2024; a scenario of the later phases (run to the end of `drive_2023_2025`)
is compared with that drive, on every status's departures and deportations by its end. The
table gives the reference's median, the median paired difference, its 5-95% range over the
draws and the share of draws whose difference has the median's sign. It is written into the
adopted calibration's folder (`answers.csv`) and its report.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.report import report_inputs, write_report
from experiments.core import library
from experiments.core.calibrated import POSTERIOR, read_levers
from experiments.core.estimate import announce
from experiments.core.executors import open_executor
from experiments.core.outputs import check_writable, write_atomic
from experiments.core.replicates import (
    ReplicateResult,
    replicate_jobs,
    replicate_seeds,
    run_jobs,
    seconds_per_run,
)
from experiments.run.posterior import posterior_run
from model.scenario import Scenario, ScenarioError
from model.schema import STATUSES, UNDOCUMENTED

OUTPUTS = ("departures", "deportations")


@dataclass(frozen=True)
class Reference:
    """What a scenario is compared with, and on what: the statuses and the last day counted."""

    name: str
    until: date | None  # None: the reference run's last day
    statuses: str  # "undocumented" or "every"


BASELINE = Reference("baseline", date(2024, 1, 2), "undocumented")  # the ministry's report
DRIVE = Reference("drive_2023_2025", None, "every")


def command_answers(args: argparse.Namespace) -> int:
    folder: Path = args.calibration
    check_writable(folder, "--calibration")
    _check_adopted(folder)
    report_inputs(folder)  # the report is rewritten at the end: refuse a bad folder now
    pairs = references()
    seeds = replicate_seeds(args.seed, args.draws)
    names = list(dict.fromkeys([*(r.name for r in pairs.values()), *pairs]))
    runs = {name: posterior_run(name, seeds) for name in names}
    scenarios = [scenario for run in runs.values() for scenario in run.scenarios]
    with open_executor(args.workers, args.scheduler) as execution:
        each = sum(seconds_per_run(s) for s in scenarios) / len(scenarios)
        announce(len(scenarios), each, max(1, execution.slots // 2))
        results = {
            name: run_jobs(replicate_jobs(run.scenarios, seeds), execution, name, not args.quiet)
            for name, run in runs.items()
        }
    scenario_of = {name: run.scenarios[0] for name, run in runs.items()}
    table, same = answers_table(results, scenario_of, pairs)
    write_atomic(folder / "answers.csv", table.to_csv(index=False))
    write_report(folder)
    if not args.quiet:
        print(table.drop(columns="question").to_string(index=False))
    for name in same:
        print(f"note: {name} gives its reference's outputs in every pair (left out of the table)")
    print(f"answers written to {folder / 'answers.csv'} and {folder / 'report.md'}")
    return 0


def references() -> dict[str, Reference]:
    """Each library scenario but the references, with the reference it is compared with."""
    drive_end = library.resolve(DRIVE.name).timeline.end
    chosen = {}
    for name in library.available():
        if name in (BASELINE.name, DRIVE.name):
            continue
        later = library.resolve(name).timeline.end == drive_end
        chosen[name] = DRIVE if later else BASELINE
    return chosen


def _check_adopted(folder: Path) -> None:
    """The folder must be the adopted calibration's: its report then describes the posterior
    the answers were drawn from."""
    adopted, own = read_levers(POSTERIOR), read_levers(folder / "posterior.csv")
    if adopted.sha256 != own.sha256:
        raise ScenarioError(
            str(folder / "posterior.csv"),
            "(file)",
            "is not the adopted posterior (experiments/calibrated/posterior.csv)",
            "the folder of the adopted calibration (ifrp adopt FOLDER)",
        )


def outcome(
    results: list[ReplicateResult], scenario: Scenario, reference: Reference, until: date
) -> dict[str, np.ndarray]:
    """Departures and deportations from count_start to `until`, of the statuses the reference
    counts, per replicate (NaN where the run ends before `until`)."""
    timeline = scenario.timeline
    first, last = timeline.index(timeline.count_start), timeline.index(until)
    if last >= timeline.days:
        nothing = np.full(len(results), np.nan)
        return {"departures": nothing, "deportations": nothing}
    window = slice(first, last + 1)
    every = reference.statuses == "every"
    statuses = list(range(len(STATUSES))) if every else [UNDOCUMENTED]
    return {
        "departures": np.array([r.ledger.crossed[window][..., statuses].sum() for r in results]),
        "deportations": np.array([r.ledger.deported[window][..., statuses].sum() for r in results]),
    }


def answers_table(
    results: dict[str, list[ReplicateResult]],
    scenarios: dict[str, Scenario],
    pairs: dict[str, Reference],
) -> tuple[pd.DataFrame, list[str]]:
    """One row per scenario and output; the scenarios identical to their reference apart."""
    rows, same = [], []
    for name, reference in pairs.items():
        until = reference.until or scenarios[reference.name].timeline.end
        mine = outcome(results[name], scenarios[name], reference, until)
        theirs = outcome(results[reference.name], scenarios[reference.name], reference, until)
        differences = {out: mine[out] - theirs[out] for out in OUTPUTS}
        if all(np.all(d == 0) for d in differences.values()):
            same.append(name)
            continue
        for out in OUTPUTS:
            label = f"{out} by {until.isoformat()} ({reference.statuses} status)"
            rows.append(
                _row(name, reference.name, question(name), label, theirs[out], differences[out])
            )
    return pd.DataFrame(rows), same


def _row(
    name: str,
    reference: str,
    asked: str,
    output: str,
    reference_values: np.ndarray,
    difference: np.ndarray,
) -> dict:
    finite = difference[np.isfinite(difference)]
    median = float(np.median(finite)) if len(finite) else np.nan
    sign = np.sign(median)
    return {
        "scenario": name,
        "reference": reference,
        "question": asked,
        "output": output,
        "reference_median": float(np.median(reference_values)),
        "difference_median": median,
        "difference_p5": float(np.percentile(finite, 5)) if len(finite) else np.nan,
        "difference_p95": float(np.percentile(finite, 95)) if len(finite) else np.nan,
        "same_sign": float(np.mean(np.sign(finite) == sign)) if sign else np.nan,
        "pairs": len(finite),
    }


def question(name: str) -> str:
    """The question a library scenario answers: its file's opening comment, up to its '?'."""
    text = " ".join(
        line.lstrip("# ").strip()
        for line in (library.SCENARIO_DIR / f"{name}.toml").read_text().splitlines()
        if line.startswith("#")
    )
    return text.split("?")[0] + "?" if "?" in text else text[:120]
