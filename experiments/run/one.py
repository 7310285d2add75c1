"""One scenario's replicates into a run folder: tables, figures and manifest (`ifrp run NAME`)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from experiments.core import library
from experiments.core.estimate import announce
from experiments.core.executors import Execution, open_executor
from experiments.core.manifest import build_manifest, calibration_entry, file_entry, now
from experiments.core.outputs import check_destination, stamped_folder, write_folder, write_json
from experiments.core.replicates import (
    ReplicateResult,
    replicate_jobs,
    replicate_seeds,
    run_jobs,
    seconds_per_run,
)
from experiments.core.tables import (
    arrests_table,
    band_table,
    daily_table,
    monthly_table,
    summary_table,
    yearly_table,
)
from experiments.run import figures
from experiments.run.posterior import PosteriorRun, posterior_run
from experiments.run.sensitivity import sensitivity_table
from model.scenario import Scenario
from model.schema import ROUTES

# Below this much work, starting worker processes costs more than it saves.
IN_PROCESS_SECONDS = 10.0


@dataclass(frozen=True)
class RunOptions:
    """How `ifrp run` runs each scenario (its command-line options)."""

    replicates: int
    seed: int
    posterior: bool = False
    workers: int | None = None
    scheduler: str | None = None
    force: bool = False
    quiet: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RunOptions:
        names = ("replicates", "seed", "posterior", "workers", "scheduler", "force", "quiet")
        return cls(**{name: getattr(args, name) for name in names})

    def open_executor(self, scenarios: list[Scenario]):
        """The executor the options ask for; by default this process for a short run (the
        replicates of every scenario in `scenarios`) and every core for a long one."""
        workers = self.workers
        if not (workers or self.scheduler):
            seconds = self.replicates * sum(seconds_per_run(s) for s in scenarios)
            workers = 1 if seconds < IN_PROCESS_SECONDS else None
        return open_executor(workers, self.scheduler)


def announce_runs(options: RunOptions, scenarios: list[Scenario], execution: Execution) -> None:
    """Print the estimate of every scenario's replicates if they should take over a minute."""
    each = sum(seconds_per_run(scenario) for scenario in scenarios) / len(scenarios)
    workers = max(1, execution.slots // 2)  # two tasks in flight per worker
    announce(options.replicates * len(scenarios), each, workers)


@dataclass(frozen=True)
class WrittenRun:
    """What `run_and_write` ran and wrote."""

    folder: Path
    scenario: Scenario
    results: list[ReplicateResult]


def run_scenario(
    name: str, out: Path | None, options: RunOptions, execution: Execution | None = None
) -> Path:
    """Run the scenario `name` (a library name or a .toml path) into `out` (default: a new
    folder under results/runs/); returns the folder written."""
    return run_and_write(name, out, options, execution).folder


def run_and_write(
    name: str, out: Path | None, options: RunOptions, execution: Execution | None = None
) -> WrittenRun:
    """`run_scenario`, also returning the scenario and the replicates' results."""
    calibration = calibration_entry()  # before the scenarios read the best-fit file
    scenario = library.resolve(name)
    out = out or stamped_folder(Path("results") / "runs", scenario.name, name, "(scenario name)")
    check_destination(out, options.force)
    started = now()
    seeds = replicate_seeds(options.seed, options.replicates)
    posterior = posterior_run(name, seeds) if options.posterior else None
    jobs = replicate_jobs(posterior.scenarios if posterior else scenario, seeds)
    label = "posterior" if posterior else scenario.name
    results = run_jobs(jobs, execution, label, progress=not options.quiet)
    summary = summary_table(results, scenario)
    daily = daily_table(results, scenario)
    arrests = arrests_table(results, scenario)
    monthly = monthly_table(results, scenario)
    yearly = yearly_table(monthly, results[0].dates)

    def write(folder: Path) -> None:
        summary.to_csv(folder / "summary.csv", index=False)
        daily.to_csv(folder / "daily.csv", index=False)
        arrests.to_csv(folder / "arrests.csv", index=False)
        monthly.to_csv(folder / "monthly.csv", index=False)
        band_table(monthly).to_csv(folder / "monthly_bands.csv", index=False)
        yearly.to_csv(folder / "yearly.csv", index=False)
        band_table(yearly, "year").to_csv(folder / "yearly_bands.csv", index=False)
        if posterior is not None:
            sensitivity = sensitivity_table(posterior.draws, yearly)
            sensitivity.to_csv(folder / "sensitivity.csv", index=False)
        figures.draw_all(results, scenario, folder / "figures")
        manifest = build_manifest(scenario, name, options.seed, seeds, started, calibration)
        if posterior is not None:
            manifest = _with_posterior(manifest, posterior_note(calibration, posterior))
        write_json(folder / "manifest.json", manifest)

    folder = write_folder(out, write, options.force)
    if not options.quiet:
        print(_headline(summary, scenario))
    print(f"results written to {folder}")
    return WrittenRun(folder, scenario, results)


def _headline(summary, scenario) -> str:
    columns = ["total", *ROUTES, "deported", "remaining", "peak_queue"]
    means = summary[columns].mean()
    counted = f"{scenario.timeline.count_start} to {scenario.timeline.end}"
    replicates = f"{len(summary)} replicate{'s' if len(summary) != 1 else ''}"
    lines = [f"{scenario.name}: mean of {replicates}, persons, {counted}"]
    lines += [f"  {name:<20}{means[name]:>12,.0f}" for name in columns]
    return "\n".join(lines)


def posterior_note(best_fit: dict, posterior: PosteriorRun) -> dict:
    """The manifest's entries for a --posterior run: its `calibration` names the posterior
    file (and sha256) the replicates drew from, `posterior_draws` the parameters each used,
    and `parameters_note` says what the `parameters` section then holds."""
    return {
        "parameters_note": (
            "the scenario applied over the best-fit point (calibration.best_fit), before the "
            "posterior draws; each replicate replaced its calibrated parameters by its own draw "
            "(over the defaults, then the scenario file): the values it used are in "
            "posterior_draws"
        ),
        "calibration": {
            "parameters": "posterior draws",
            **file_entry(posterior.file, posterior.sha256),  # the bytes the draws came from
            "rows": posterior.size,
            "posterior_rows": posterior.rows,
            "best_fit": best_fit,
            **_forecast_entry(posterior),
        },
        "posterior_draws": posterior.draws,
    }


def _forecast_entry(posterior: PosteriorRun) -> dict:
    """The forecast's priors a run past the calibrated window drew from (none: nothing)."""
    if posterior.forecast is None:
        return {}
    priors = posterior.forecast
    return {
        "forecast_priors": {
            **file_entry(priors.file, priors.sha256),
            "parameters": priors.names,
            "note": (
                "parameters no 2023 figure constrains, drawn for each replicate from its seed "
                "(posterior_draws[].forecast_drawn), under the scenario file"
            ),
        }
    }


def _with_posterior(manifest: dict, entries: dict) -> dict:
    """The manifest with a --posterior run's entries, each next to what it explains."""
    result = {}
    for key, value in manifest.items():
        result[key] = entries.get(key, value)
        if key == "parameters":
            result["parameters_note"] = entries["parameters_note"]
        elif key == "calibration":
            result["posterior_draws"] = entries["posterior_draws"]
    return result
