"""The `ifrp` command line (also `python -m experiments`): every sub-command and its options.

A sub-command's work is done by a function imported only when it runs (`handler`), so that
`--help` and a mistyped option answer at once instead of after loading Mesa, SciPy and
matplotlib (about 3 s).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from experiments.calibration.budget import Budget
from experiments.calibration.parameters import DEFAULT_PRIORS, DEFAULT_START
from experiments.core.arguments import DEFAULT_SEED, add_output_options, add_yes_option, integer_in
from experiments.core.calibrated import CALIBRATED_DIR
from experiments.explorer.server import DEFAULT_HOST, DEFAULT_PORT
from experiments.observed.observations import DEFAULT_LEVELS, DEFAULT_OBSERVATIONS
from model.schema import ScenarioError

COUNT = integer_in(1)
CALIBRATION_FOLDER = Path("results") / "calibration"  # what ifrp calibrate writes by default
SEED = integer_in(0)


def handler(target: str) -> Callable[[argparse.Namespace], int]:
    """The sub-command function "module:function", imported when the command runs."""
    module, function = target.split(":")

    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(module), function)(args)

    return run


class OneLineParser(argparse.ArgumentParser):
    """A mistyped option or value is one line and exit status 2, as every bad input is (the
    sub-commands' parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class ShowVersion(argparse.Action):
    """`ifrp --version`: the installed package's version, looked up only when asked (a look-up
    scans the installed distributions, which every command would otherwise pay for)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> NoReturn:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("ifrp-abm")
        except PackageNotFoundError:
            shown = "(not installed: pip install -e . to record the version in manifests)"
        print(f"{parser.prog} {shown}")  # on standard output, as argparse's own version action
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="ifrp",
        description="Agent-based model of Pakistan's 2023-24 Illegal Foreigners Repatriation Plan.",
    )
    parser.add_argument("--version", action=ShowVersion, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    adds = (
        add_run,
        add_calibrate,
        add_adopt,
        add_answers,
        add_crossvalidate,
        add_validate,
        add_sweeps,
        add_compare,
        add_explore,
    )
    for add in adds:
        add(commands)
    return parser


EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Run a sub-command; bad input (a file, a field, an output path) is one line and exit 2."""
    args = build_parser().parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    # SIGTERM (a job scheduler, `kill`) as Ctrl-C: workers are stopped and semaphores released
    # on the way out, which the default (an immediate exit) would leak.
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        refuse_inputs_under_forced_out(args)
        return args.func(args)
    except ScenarioError as error:
        print(f"ifrp: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:  # an output path that became unwritable (disk full, ...) or gone
        print(f"ifrp: error: {describe_os_error(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("ifrp: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def refuse_inputs_under_forced_out(args: argparse.Namespace) -> None:
    """--force replaces --out whole (in run, compare, validate, sweep, sensitivity: not in
    calibrate, whose --force discards only its state): refuse it when it is, or holds, a file
    or folder the command reads (a run folder to compare, a scenario file...)."""
    out, force = getattr(args, "out", None), getattr(args, "force", False)
    if out is None or not (force and getattr(args, "force_replaces_out", False)):
        return
    folder = Path(out).resolve()
    for name, value in vars(args).items():
        for path in () if name == "out" else _given_paths(value):
            resolved = path.resolve()
            if resolved == folder or folder in resolved.parents:
                raise ScenarioError(
                    str(out),
                    "--out",
                    f"holds {path}, which this command reads: --force would delete it",
                    "a folder that holds none of the command's inputs",
                )


def _given_paths(value: object) -> list[Path]:
    """The paths among an option's values (a scenario is a name or a path: a path if it exists)."""
    if isinstance(value, list | tuple):
        return [path for item in value for path in _given_paths(item)]
    if isinstance(value, Path) or (isinstance(value, str) and os.path.exists(value)):
        return [Path(value)]
    return []


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def describe_os_error(error: OSError) -> str:
    """An error of the operating system as one line: the path, if it has one, and the reason."""
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename is not None else reason


def add_run(commands: argparse._SubParsersAction) -> None:
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
    add_yes_option(run)
    run.add_argument(
        "--seed",
        type=SEED,
        default=DEFAULT_SEED,
        help=f"root seed (entropy; default: {DEFAULT_SEED})",
    )
    add_output_options(run)
    run.add_argument(
        "--posterior",
        action="store_true",
        help="draw each replicate's calibrated parameters from the adopted posterior sample "
        "(the manifest's posterior_draws records the values each replicate used)",
    )
    _executor_options(run, "this process for a short run, all cores for a long one")
    run.set_defaults(func=handler("experiments.run.command:command_run"))


def add_calibrate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "calibrate",
        help="fit the model to the observed course of the drive (history matching, ABC-SMC)",
        description="Calibrate to an observations file; writes the posterior, the best-fit "
        "point, figures and a report. Resumes an interrupted calibration in the same --out "
        "folder.",
    )
    parser.add_argument(
        "--observations",
        type=Path,
        default=DEFAULT_OBSERVATIONS,
        help="observations CSV file (default: the project's)",
    )
    parser.add_argument(
        "--levels", type=Path, default=DEFAULT_LEVELS, help="the observation model's fixed levels"
    )
    parser.add_argument("--priors", type=Path, default=DEFAULT_PRIORS, help="priors CSV file")
    parser.add_argument(
        "--start",
        type=Path,
        default=DEFAULT_START,
        help="lever values the search is centred on (default: the research fit)",
    )
    parser.add_argument(
        "--start-width",
        type=float,
        default=0.3,
        help="width of the searched box, a share of each prior's (default: 0.3; 1: the whole "
        "prior, no start point)",
    )
    parser.add_argument("--base", type=Path, help="scenario .toml to calibrate (default: defaults)")
    parser.add_argument(
        "--out", type=Path, default=CALIBRATION_FOLDER, help=f"default: {CALIBRATION_FOLDER}"
    )
    parser.add_argument(
        "--seed", type=SEED, default=DEFAULT_SEED, help=f"root seed (default: {DEFAULT_SEED})"
    )
    _executor_options(parser)
    parser.add_argument(
        "--particles",
        type=integer_in(2),  # one particle has no spread to fit a kernel to
        help=f"ABC-SMC particles (default: {Budget.particles})",
    )
    parser.add_argument(
        "--generations",
        type=integer_in(1),
        help=f"ABC-SMC generations (default: {Budget.generations})",
    )
    parser.add_argument(
        "--waves", type=integer_in(1), help=f"history-matching waves (default: {Budget.waves})"
    )
    parser.add_argument("--force", action="store_true", help="discard another calibration's state")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=handler("experiments.calibration.command:command_calibrate"))


def add_adopt(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "adopt",
        help="make a calibration's best fit and posterior the ones every scenario uses",
        description="Check a calibration folder's best_fit.csv and posterior.csv and copy them "
        "into experiments/calibrated/, with adoption.json saying where they came from. "
        "ifrp calibrate never does this itself.",
    )
    parser.add_argument("folder", type=Path, help="a folder written by `ifrp calibrate`")
    parser.add_argument(
        "--into", type=Path, default=CALIBRATED_DIR, help=f"default: {CALIBRATED_DIR}"
    )
    parser.set_defaults(func=handler("experiments.calibration.adopt:command_adopt"))


def add_answers(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "answers",
        help="every library scenario against its reference under the posterior: how sure?",
        description="Run every library scenario and its reference (the baseline, or "
        "drive_2023_2025 for the later phases) with the same posterior draws and seeds; write "
        "the paired differences in departures and deportations by the reference's report date "
        "(median, 5-95%, share of draws with the median's sign) into the adopted "
        "calibration's folder (answers.csv and report.md).",
    )
    _calibration_folder_option(parser)
    parser.add_argument(
        "--draws", type=integer_in(2, 10_000), default=40, help="paired draws (default: 40)"
    )
    parser.add_argument(
        "--seed", type=SEED, default=DEFAULT_SEED, help=f"root seed (default: {DEFAULT_SEED})"
    )
    _executor_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bars or table")
    parser.set_defaults(func=handler("experiments.calibration.answers:command_answers"))


def add_crossvalidate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "crossvalidate",
        help="leave each observed series out of the calibration in turn, then predict it",
        description="Leave-one-series-out cross-validation of a calibration folder: for each "
        "fitted time series, an ABC-SMC in the calibration's searched box without it, then its "
        "rows predicted by draws of that posterior. Writes crossvalidation.csv and report.md "
        "in the folder; resumes an interrupted run.",
    )
    _calibration_folder_option(parser)
    parser.add_argument(
        "--particles",
        type=integer_in(10),
        default=100,
        help="ABC-SMC particles per fold (default: 100)",
    )
    parser.add_argument(
        "--generations",
        type=integer_in(2),
        default=7,
        help="ABC-SMC generations per fold (default: 7)",
    )
    parser.add_argument(
        "--draws",
        type=integer_in(2, 10_000),
        default=40,
        help="posterior draws that predict (default: 40)",
    )
    _executor_options(parser)
    parser.add_argument("--force", action="store_true", help="discard another run's fold state")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or table")
    parser.set_defaults(func=handler("experiments.calibration.crossvalidate:command_crossvalidate"))


def _calibration_folder_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--calibration",
        type=Path,
        default=CALIBRATION_FOLDER,
        help=f"the calibration folder (default: {CALIBRATION_FOLDER})",
    )


def add_validate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help="score a run folder against an observed series (averaged relative difference)",
        description="Score a run against observed series: the averaged relative difference of "
        "daily values and the error in cumulative totals, with a plot.",
    )
    parser.add_argument("run_dir", type=Path, help="a folder written by `ifrp run`")
    parser.add_argument(
        "--observed",
        type=Path,
        required=True,
        help="observed series CSV: the project's observations file (experiments/observed/"
        "observations.csv) or another in its columns, or a plain file (date, series, value, kind)",
    )
    parser.add_argument(
        "--levels",
        type=Path,
        default=DEFAULT_LEVELS,
        help="the observation model's fixed levels, for an observations file (default: the "
        "project's)",
    )
    add_output_options(parser, "where to write (default: RUN_DIR/validation)", quiet_help=None)
    parser.set_defaults(func=handler("experiments.compare.validate:command_validate"))


def add_sweeps(commands: argparse._SubParsersAction) -> None:
    """Add `sweep` and `sensitivity` to the `ifrp` sub-commands."""
    sweep = commands.add_parser(
        "sweep",
        help="run a design of levers and uncertainties (grid, lhs, sobol, sobol_indices)",
        description="Run every point of a sweep file with the same replicate seeds. Results "
        "(runs.csv, points.csv, failures.csv, figures/, manifest.json) go to --out, or to "
        "results/sweeps/NAME. Re-running the same command resumes an interrupted sweep.",
    )
    _sweep_options(sweep)
    sweep.set_defaults(func=handler("experiments.sweep.command:command_sweep"))
    sensitivity = commands.add_parser(
        "sensitivity",
        help="first- and total-order Sobol' indices of the headline outputs",
        description="A sweep with design = 'sobol_indices' (the default when the file names "
        "no design): also writes sensitivity.csv and figures/sobol_indices.png.",
    )
    _sweep_options(sensitivity)
    sensitivity.set_defaults(func=handler("experiments.sweep.command:command_sensitivity"))


def _executor_options(parser: argparse.ArgumentParser, default: str = "all cores") -> None:
    """--workers and --scheduler: where the replicates run (experiments.core.executors)."""
    parser.add_argument(
        "--workers",
        type=integer_in(1),
        help=f"local worker processes (default: {default}; 1: here)",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on this Dask cluster (tcp://host:port)"
    )


def _sweep_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep_file", type=Path, help="the sweep definition (.toml)")
    _executor_options(parser)
    parser.add_argument(
        "--chunk-runs",
        type=integer_in(1),
        help="runs per task (default: about 20 s of work, at least 2 tasks per worker)",
    )
    add_output_options(parser, "result folder (default: results/sweeps/NAME)")
    add_yes_option(parser, runs=True)


def add_compare(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare",
        help="compare run folders with the first (the reference), on paired replicates",
        description="Headline outputs with 90% intervals, differences from the first folder "
        "on paired replicates (same seeds), and cumulative departures by route. Results go to "
        "--out, or to a new folder under results/comparisons/.",
    )
    parser.add_argument("folders", nargs="+", type=Path, metavar="RUN_DIR", help="run folders")
    add_output_options(
        parser, quiet_help="no summary: only the folder written (and any warnings) is printed"
    )
    parser.set_defaults(func=handler("experiments.compare.command:command_compare"))


def add_explore(commands: argparse._SubParsersAction) -> None:
    explore = commands.add_parser(
        "explore",
        help="start the policy explorer, a local web app (needs: pip install '.[viz]')",
        description="Serve the interactive policy explorer on HOST:PORT and print its address. "
        "Every change of a control recomputes the drive at full scale. Ctrl-C stops it.",
    )
    explore.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    explore.add_argument(
        "--port", type=integer_in(1, 65535), default=DEFAULT_PORT, help=f"default: {DEFAULT_PORT}"
    )
    explore.set_defaults(func=handler("experiments.explorer.command:command_explore"))
