"""`ifrp run`: replicates of one scenario into a result folder (several: `experiments.run.many`)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from experiments.core import library as scenarios
from experiments.core.manifest import build_manifest, calibration_entry, file_entry, now
from experiments.core.outputs import check_destination, write_folder, write_json
from experiments.core.replicates import replicate_seeds, run_each, run_replicates
from experiments.core.tables import daily_table, summary_table
from experiments.run import figures
from experiments.run.many import run_many
from experiments.run.posterior import PosteriorRun, posterior_run
from model.schema import ROUTES


def command_run(args: argparse.Namespace) -> int:
    if args.all or args.more:
        return run_many(args, command_run)
    calibration = calibration_entry()  # before the scenarios read the best-fit file
    scenario = scenarios.resolve(args.scenario)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or Path("results") / "runs" / f"{scenario.name}-{stamp}"
    check_destination(out, args.force)
    started = now()
    seeds = replicate_seeds(args.seed, args.replicates)
    posterior = None
    if args.posterior:
        posterior = posterior_run(args.scenario, seeds)
        results = run_each(posterior.scenarios, seeds, progress=not args.quiet)
    else:
        results = run_replicates(scenario, seeds, progress=not args.quiet)
    summary = summary_table(results, scenario)
    daily = daily_table(results, scenario)

    def write(folder: Path) -> None:
        summary.to_csv(folder / "summary.csv", index=False)
        daily.to_csv(folder / "daily.csv", index=False)
        figures.draw_all(results, scenario, folder / "figures")
        manifest = build_manifest(scenario, args.scenario, args.seed, seeds, started, calibration)
        if posterior is not None:
            manifest = _with_posterior(manifest, posterior_note(calibration, posterior))
        write_json(folder / "manifest.json", manifest)

    folder = write_folder(out, write, args.force)
    if not args.quiet:
        print(_headline(summary, scenario))
    print(f"results written to {folder}")
    return 0


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
        },
        "posterior_draws": posterior.draws,
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
