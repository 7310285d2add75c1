"""The reference forecast, in one command: run it, keep what the README shows, write the README.

`python -m experiments.forecast` (`make forecast`) runs `ifrp run drive_2023_2025 --posterior
--replicates 40 --seed 1` into results/runs/forecast, copies the tables and the figure the README
shows into results/forecast/ (with manifest.json, the run's provenance, and the checks against
what was reported after the calibrated window), and rewrites the README's forecast section from
those files (`experiments.forecast.readme`). After a recalibration (`ifrp adopt`), re-running it
is all that is needed; `--check` only says whether the README matches the files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from experiments.cli import EXIT_BAD_INPUT, describe_os_error
from experiments.core import library
from experiments.core.arguments import integer_in
from experiments.core.manifest import ROOT
from experiments.core.outputs import check_writable, is_leftover, write_atomic, write_json
from experiments.forecast import readme
from experiments.forecast.checks import check_table, load_checks
from experiments.forecast.priors import applies
from experiments.run.one import RunOptions, run_and_write
from model.schema import ScenarioError

SCENARIO = "drive_2023_2025"
FOLDER = ROOT / "results" / "forecast"
RUN_FOLDER = ROOT / "results" / "runs" / "forecast"
# What the README shows, copied from the run folder: (source in the run, name in FOLDER).
KEPT = (
    ("yearly_bands.csv", "yearly_bands.csv"),
    ("sensitivity.csv", "sensitivity.csv"),
    ("figures/cumulative_by_status.png", "cumulative_by_status.png"),
)
# Every file `keep` writes in --out: an existing --out holding anything else is refused.
WRITTEN = (*(name for _, name in KEPT), "checks.csv", "manifest.json")


PROG = "python -m experiments.forecast"


def main(argv: list[str] | None = None) -> int:
    """Run the reference forecast (or `--check` the README); bad input is one line, exit 2."""
    args = parser().parse_args(argv)
    try:
        if args.check:
            return check(args)
        return render(args) if args.render else make(args)
    except ScenarioError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"{PROG}: error: {describe_os_error(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replicates",
        type=integer_in(1),
        default=40,
        help="replicates, each with its own posterior draw (default: 40)",
    )
    parser.add_argument("--seed", type=integer_in(0), default=1, help="root seed (default: 1)")
    parser.add_argument(
        "--workers",
        type=integer_in(1),
        default=None,
        help="local worker processes (default: this process for a short run, every core for a "
        "long one)",
    )
    parser.add_argument(
        "--scenario", default=SCENARIO, help=f"a library name or a .toml path (default: {SCENARIO})"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=FOLDER,
        help="where the kept files go (default: results/forecast)",
    )
    parser.add_argument(
        "--run-out",
        type=Path,
        default=RUN_FOLDER,
        help="the whole run folder (default: results/runs/forecast)",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        default=ROOT / "README.md",
        help="the README whose forecast section is rewritten (default: the checkout's)",
    )
    parser.add_argument("--check", action="store_true", help="only compare README and files")
    parser.add_argument(
        "--render", action="store_true", help="only rewrite the README from the files (no run)"
    )
    return parser


def check(args: argparse.Namespace) -> int:
    """0 if the README's forecast section is what the files say, else 1."""
    text = args.readme.read_text(encoding="utf-8")
    stale = readme.render(text, args.out, str(args.readme)) != text
    print(f"{args.readme} is {'out of date: run make forecast' if stale else 'current'}")
    return 1 if stale else 0


def render(args: argparse.Namespace) -> int:
    """Rewrite the README's forecast section from the files, without running anything."""
    text = args.readme.read_text(encoding="utf-8")
    write_atomic(args.readme, readme.render(text, args.out, str(args.readme)))
    print(f"{args.readme} updated from {args.out}")
    return 0


def make(args: argparse.Namespace) -> int:
    """Run the forecast, keep what the README shows and rewrite the README from it."""
    # Before the run: a bad --readme, --out or --scenario stops it, with nothing written.
    text = args.readme.read_text(encoding="utf-8")
    check_writable(args.out, "--out")
    check_out(args.out)
    readme.check_markers(text, str(args.readme))
    check_scenario(args.scenario)
    options = RunOptions(
        args.replicates, args.seed, posterior=True, workers=args.workers, force=True, quiet=True
    )
    run = run_and_write(args.scenario, args.run_out, options)
    keep(run.folder, args.out, check_table(run.results, load_checks()))
    text = readme.render(args.readme.read_text(encoding="utf-8"), args.out, str(args.readme))
    write_atomic(args.readme, text)
    print(f"forecast written to {args.out}; {args.readme} updated")
    return 0


def check_out(out: Path) -> None:
    """Refuse an --out folder holding anything but what `keep` writes (and the temporary
    files of a killed `write_atomic`): the forecast's files must never be mixed with a user's.
    (check_writable has refused an --out that is a file.)"""
    if not out.exists():
        return
    others = sorted(
        entry.name
        for entry in out.iterdir()
        if not (entry.is_file() and (entry.name in WRITTEN or is_leftover(entry)))
    )
    if others:
        shown = ", ".join(map(repr, others[:3])) + (", ..." if len(others) > 3 else "")
        raise ScenarioError(
            str(out),
            "--out",
            f"holds other files than the forecast's ({shown})",
            "a new or empty folder, or a forecast folder, holding only " + ", ".join(WRITTEN),
        )


def check_scenario(name: str) -> None:
    """Refuse a scenario that is no forecast, or too short for the checks: `ifrp run
    --posterior` draws the forecast's priors (and its manifest records
    calibration.forecast_priors) only for a run past timeline.forecast_start
    (`experiments.forecast.priors.applies`), and the README compares it with every check."""
    scenario = library.resolve(name)
    timeline = scenario.timeline
    allowed = f"a scenario that runs past timeline.forecast_start, as {SCENARIO}"
    if not applies(scenario):
        problem = (
            f"ends on {timeline.end}, before timeline.forecast_start ({timeline.forecast_start}):"
            " not a forecast, it draws none of the forecast's priors"
        )
        raise ScenarioError(name, "--scenario", problem, allowed)
    checks = load_checks()
    first, last = min(c.start for c in checks), max(c.end for c in checks)
    if timeline.start > first or timeline.end < last:
        problem = (
            f"runs {timeline.start} to {timeline.end}, not over every check's period "
            f"({first} to {last}, experiments/forecast/checks.csv)"
        )
        raise ScenarioError(name, "--scenario", problem, f"{allowed}, to {last} or later")


def keep(run_folder: Path, out: Path, checks: pd.DataFrame) -> None:
    """Copy what the README shows into `out`, with the checks and the run's provenance (each
    file whole or not at all: `out` may hold the files a README already shows)."""
    for source, name in KEPT:
        write_atomic(out / name, (run_folder / source).read_bytes())
    write_atomic(out / "checks.csv", checks.to_csv(index=False))
    manifest = json.loads((run_folder / "manifest.json").read_text(encoding="utf-8"))
    write_json(out / "manifest.json", provenance(manifest))


def provenance(manifest: dict) -> dict:
    """What the README says about how the forecast was made, from the run's manifest."""
    calibration = manifest["calibration"]
    return {
        "command": "python -m experiments.forecast " + " ".join(sys.argv[1:]),
        "run": (
            f"ifrp run {manifest['scenario']} --posterior --replicates "
            f"{len(manifest['seeds'])} --seed {manifest['entropy']}"
        ),
        "git": manifest["git"],
        "posterior": {key: calibration[key] for key in ("file", "sha256", "rows")},
        "best_fit": calibration["best_fit"],
        "forecast_priors": {
            key: calibration["forecast_priors"][key] for key in ("file", "sha256", "parameters")
        },
        "started": manifest["started"],
        "finished": manifest["finished"],
    }


if __name__ == "__main__":
    raise SystemExit(main())
