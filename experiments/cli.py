"""The `ifrp` command line (also `python -m experiments`)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from experiments import figures, scenarios
from experiments.arguments import add_output_options, integer_in
from experiments.calibration.command import add_parser as add_calibrate_parser
from experiments.compare_command import add_parser as add_compare_parser
from experiments.compare_command import run_many
from experiments.explore_command import add_parser as add_explore_parser
from experiments.manifest import build_manifest, calibration_entry, file_entry, now
from experiments.outputs import check_destination, write_folder, write_json
from experiments.posterior import PosteriorRun, posterior_run
from experiments.runner import replicate_seeds, run_each, run_replicates
from experiments.sweep_command import add_parser as add_sweep_parser
from experiments.tables import daily_table, summary_table
from experiments.validate import add_parser as add_validate_parser
from model.schema import ROUTES, ScenarioError

COUNT = integer_in(1)
SEED = integer_in(0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ifrp",
        description="Agent-based model of Pakistan's 2023-24 Illegal Foreigners Repatriation Plan.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="run a scenario and write summary.csv, daily.csv, manifest.json and figures/",
        description="Run replicates of a scenario. Results go to --out, or to a new folder "
        "under results/runs/.",
    )
    run.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="a scenario name from experiments/scenarios/ or a path to a .toml file "
        "(default: baseline)",
    )
    run.add_argument(
        "more",
        nargs="*",
        metavar="SCENARIO",
        help="more scenarios: each runs with the same seeds into OUT/NAME, and OUT/comparison "
        "compares them with the first",
    )
    run.add_argument(
        "--all",
        action="store_true",
        help="run the baseline and every scenario of experiments/scenarios/ and compare them",
    )
    run.add_argument("--replicates", type=COUNT, default=10, help="replicates (default: 10)")
    run.add_argument("--seed", type=SEED, default=1, help="root seed (entropy; default: 1)")
    add_output_options(run)
    run.add_argument(
        "--posterior",
        action="store_true",
        help="draw each replicate's calibrated parameters from results/calibration/posterior.csv "
        "(the manifest's posterior_draws records the values each replicate used)",
    )
    run.set_defaults(func=command_run)
    add_calibrate_parser(commands)
    add_validate_parser(commands)
    add_sweep_parser(commands)
    add_compare_parser(commands)
    add_explore_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as error:
        print(f"ifrp: error: {error}", file=sys.stderr)
        return 2


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
