"""`ifrp answers`: how sure the calibrated model is of each library scenario's answer.

Every library scenario runs against the baseline with `--draws` paired replicates: replicate i
of each draws the same row of the adopted posterior sample and starts from the same seed, so
that a difference is the scenario's effect at one set of calibrated parameters. For departures
(undocumented, all routes, from `count_start`) and deportations by the ministry's report date,
the table gives the baseline's median, the median paired difference, its 5-95% range over the
draws and the share of draws whose difference has the median's sign. It is written into the
adopted calibration's folder (`answers.csv`) and its report.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.report import write_report
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
from model.schema import UNDOCUMENTED

REFERENCE = "baseline"
REPORT_DATE = date(2024, 1, 2)  # the interior ministry's report (facts.md §1)
OUTPUTS = ("departures", "deportations")


def command_answers(args: argparse.Namespace) -> int:
    folder: Path = args.calibration
    check_writable(folder, "--calibration")
    _check_adopted(folder)
    names = [name for name in library.available() if name != REFERENCE]
    seeds = replicate_seeds(args.seed, args.draws)
    runs = {name: posterior_run(name, seeds) for name in [REFERENCE, *names]}
    scenarios = [scenario for run in runs.values() for scenario in run.scenarios]
    with open_executor(args.workers, args.scheduler) as execution:
        each = sum(seconds_per_run(s) for s in scenarios) / len(scenarios)
        announce(len(scenarios), each, max(1, execution.slots // 2))
        outcomes = {
            name: outcome(
                run_jobs(replicate_jobs(run.scenarios, seeds), execution, name, not args.quiet),
                run.scenarios[0],
            )
            for name, run in runs.items()
        }
    table, same = answers_table(outcomes, names, {name: question(name) for name in names})
    write_atomic(folder / "answers.csv", table.to_csv(index=False))
    write_report(folder)
    if not args.quiet:
        print(table.to_string(index=False))
    for name in same:
        print(f"note: {name} gives the baseline's outputs in every pair (left out of the table)")
    print(f"answers written to {folder / 'answers.csv'} and {folder / 'report.md'}")
    return 0


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


def outcome(results: list[ReplicateResult], scenario: Scenario) -> dict[str, np.ndarray]:
    """Departures and deportations of the undocumented from count_start to the report date,
    per replicate (NaN where the run ends before it)."""
    timeline = scenario.timeline
    first, last = timeline.index(timeline.count_start), timeline.index(REPORT_DATE)
    if last >= timeline.days:
        nothing = np.full(len(results), np.nan)
        return {"departures": nothing, "deportations": nothing}
    window = slice(first, last + 1)
    return {
        "departures": np.array([r.ledger.crossed[window, :, UNDOCUMENTED].sum() for r in results]),
        "deportations": np.array(
            [r.ledger.deported[window, :, UNDOCUMENTED].sum() for r in results]
        ),
    }


def answers_table(
    outcomes: dict, names: list[str], questions: dict[str, str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """One row per scenario and output; the scenarios identical to the baseline apart."""
    questions = questions or {}
    reference = outcomes[REFERENCE]
    rows, same = [], []
    for name in names:
        differences = {out: outcomes[name][out] - reference[out] for out in OUTPUTS}
        if all(np.all(d == 0) for d in differences.values()):
            same.append(name)
            continue
        for out, difference in differences.items():
            rows.append(_row(name, questions.get(name, ""), out, reference[out], difference))
    return pd.DataFrame(rows), same


def _row(name: str, asked: str, output: str, reference: np.ndarray, difference: np.ndarray) -> dict:
    finite = difference[np.isfinite(difference)]
    median = float(np.median(finite)) if len(finite) else np.nan
    sign = np.sign(median)
    return {
        "scenario": name,
        "question": asked,
        "output": output,
        "baseline_median": float(np.median(reference)),
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
