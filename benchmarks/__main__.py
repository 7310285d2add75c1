"""Run every benchmark on this machine: `python -m benchmarks` (what `make bench` does).

Writes results/benchmarks/{replicate,drive,scaling,plain_mesa,sweep,explorer}.json,
benchmark.png and manifest.json (which command and commit measured each step and drew the
figure), and prints the Markdown table of the README's Speed section. `--only STEP ...`
re-measures some steps; `--redraw` measures nothing and draws the figure again. Takes several
minutes, most of it in the plain-Mesa version; timings are only as good as the machine is quiet
(the JSON files record its load average).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from benchmarks import explorer, figure, plain, replicate, scaling, sweep
from benchmarks.machine import machine
from experiments.cli import EXIT_BAD_INPUT, OneLineParser
from experiments.core.inputs import read_json
from experiments.core.manifest import now, provenance
from experiments.core.outputs import check_writable, write_json
from model.schema import ScenarioError

STEPS = ("replicate", "drive", "scaling", "plain_mesa", "sweep", "explorer")


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    kept = [name for name in STEPS if args.redraw or (args.only and name not in args.only)]
    reports, manifest = read_what_is_kept(parser, args.out, kept)
    for name, step in steps(args.quick).items():
        if name in kept:
            continue
        print(f"benchmark: {name} ...", flush=True)
        started = now()
        reports[name] = step()
        write_json(args.out / f"{name}.json", reports[name])  # kept even if a later step fails
        manifest["steps"][name] = provenance(started, parser.prog, argv)
        write_manifest(args.out, manifest)
    started = now()
    figure.draw(
        reports["scaling"],
        reports["plain_mesa"],
        reports["sweep"],
        reports["replicate"],
        args.out / "benchmark.png",
    )
    manifest["figure"] = provenance(started, parser.prog, argv)
    write_manifest(args.out, manifest)
    print(readme_table(reports))


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results/benchmarks"),
        help="the results' folder: each step's JSON, benchmark.png, manifest.json "
        "(default: results/benchmarks)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and few runs, to check the benchmark"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--only",
        nargs="+",
        choices=STEPS,
        metavar="STEP",
        help=f"run only these steps ({', '.join(STEPS)}), reading the others' results from "
        "--out (e.g. to re-measure one that a burst of activity from other programs spoiled)",
    )
    which.add_argument(
        "--redraw",
        action="store_true",
        help="measure nothing: draw the figure and print the table from the results in --out",
    )
    return parser


def steps(quick: bool) -> dict[str, Callable[[], dict]]:
    """Each step's measurement; `quick`: one run of each at small sizes, which checks the
    benchmark and measures nothing."""
    runs = 1 if quick else 7
    return {
        "replicate": lambda: replicate.measure(runs=runs),
        "drive": lambda: replicate.measure(runs=runs, name=replicate.DRIVE, memory=not quick),
        "scaling": lambda: scaling.measure(
            sizes=(5_000, 20_000) if quick else scaling.SIZES, runs=runs
        ),
        "plain_mesa": lambda: (
            plain.measure(sizes=(2_000, 5_000), max_seconds=0, engine_runs=1, floor_runs=11)
            if quick
            else plain.measure()
        ),
        "sweep": lambda: (
            sweep.measure(replicates=2, chunk=1, rounds=1, quick=True) if quick else sweep.measure()
        ),
        # A browser and a server per change: the heaviest step of a smoke run, and what the
        # browser tests already drive (tests/test_explorer_browser.py).
        "explorer": lambda: (
            {"skipped": "--quick (the browser tests drive the explorer)", "machine": machine()}
            if quick
            else explorer.measure()
        ),
    }


def read_what_is_kept(
    parser: argparse.ArgumentParser, out: Path, kept: list[str]
) -> tuple[dict[str, dict], dict]:
    """The results of the steps not run this time, and the folder's manifest; before anything
    is measured, a missing or damaged file (one lacking a value the table or the figure reads),
    or an --out that cannot be a folder, is one line and exit 2."""
    try:
        check_writable(out, "--out")
        reports = {name: read_step(out / f"{name}.json", name) for name in kept}
        manifest = recorded(out)  # an interrupted run keeps what it finished
    except ScenarioError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    return reports, manifest


def read_step(path: Path, name: str) -> dict:
    """A step's earlier result, with every value the table and the figure read from it
    (`READ`); ScenarioError naming the file and the first missing or bad key."""
    report = read_json(path, KEPT)
    wanted = EXPLORER_SKIPPED if name == "explorer" and "skipped" in report else READ[name]
    check_shape(report, wanted, str(path))
    return report


def read_report(path: Path, field: str) -> dict:
    """An earlier file (the manifest); ScenarioError naming the file if it is missing, not a
    JSON object, or `field` is not an object."""
    report = read_json(path, KEPT)
    check_shape(report, {field: {}}, str(path))
    return report


KEPT = "a result of python -m benchmarks (--only and --redraw read the steps they do not run)"

# What the table (`readme_table`) and the figure (`figure.draw`) read from each step's file,
# checked when --only or --redraw keeps the file, before anything is measured. A value is a
# kind below, a dict (an object holding these keys; {}: any object) or a one-item list (a
# non-empty list, each item of that shape).
NUMBER = "a number"
NUMBER_OR_NULL = "a number or null"
TEXT = "a text"
TRUE_OR_FALSE = "true or false"
KINDS: dict[str, Callable[[object], bool]] = {
    NUMBER: lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    NUMBER_OR_NULL: lambda value: value is None or KINDS[NUMBER](value),
    TEXT: lambda value: isinstance(value, str),
    TRUE_OR_FALSE: lambda value: isinstance(value, bool),
}
# The suptitle of the figure names the machine that measured the replicate.
MACHINE = {
    "cores": NUMBER,
    "machine": TEXT,
    "python": TEXT,
    "packages": {"mesa": TEXT},
    "measured": TEXT,
}
READ: dict[str, dict] = {
    "replicate": {
        "machine": MACHINE,
        "runs": NUMBER,
        "seconds_median": NUMBER,
        "process_peak_rss_mib": NUMBER,
        "tracemalloc_peak_mib": NUMBER,
    },
    "drive": {
        "machine": {},
        "persons": NUMBER,
        "days": NUMBER,
        "runs": NUMBER,
        "cpu_seconds_median": NUMBER,
        "seconds_median": NUMBER,
        "process_peak_rss_mib": NUMBER_OR_NULL,  # null: not measured (--quick)
    },
    "scaling": {
        "machine": {},
        "sizes": [{"persons": NUMBER, "seconds_per_day": NUMBER}],
        "slope_per_day_all_sizes": NUMBER,
        "slope_per_day_from_100k": NUMBER_OR_NULL,  # null: too few sizes from 100k (--quick)
    },
    "plain_mesa": {
        "machine": {},
        "sizes": [
            {
                "persons": NUMBER,
                "plain": {"replicate_seconds": NUMBER, "seconds_per_day": NUMBER},
                "engine": {"replicate_seconds": NUMBER},
                "speed_ratio": NUMBER,
                "speed_ratio_bound_by_mesa": NUMBER,
            }
        ],
        "mesa_floor": {"seconds": NUMBER, "days": NUMBER},
    },
    "sweep": {
        "machine": {},
        "runs": [{"executor": TEXT, "runs_per_minute": NUMBER}],
        "identical_results": TRUE_OR_FALSE,
    },
    "explorer": {
        "machine": {},
        "scenario": TEXT,
        "change_seconds": [NUMBER],
        "change_seconds_median": NUMBER,
        "change_seconds_max": NUMBER,
    },
}
EXPLORER_SKIPPED = {"machine": {}, "skipped": TEXT}  # not measured (--quick): why


def check_shape(value: object, shape: object, file: str, key: str = "") -> None:
    """ScenarioError naming `file` and the first key (e.g. sizes[0].plain.replicate_seconds)
    whose value is missing or not of `shape` (see `READ`)."""
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise ScenarioError(
                file, key or "(file)", f"is {shown(value)}", f"an object, in {KEPT}"
            )
        for name, inner in shape.items():
            inner_key = f"{key}.{name}" if key else name
            if name not in value:
                raise ScenarioError(file, inner_key, "missing", f"{described(inner)}, in {KEPT}")
            check_shape(value[name], inner, file, inner_key)
    elif isinstance(shape, list):
        if not isinstance(value, list) or not value:
            raise ScenarioError(file, key, f"is {shown(value)}", f"{described(shape)}, in {KEPT}")
        for index, item in enumerate(value):
            check_shape(item, shape[0], file, f"{key}[{index}]")
    elif not KINDS[shape](value):
        raise ScenarioError(file, key, f"is {shown(value)}", f"{shape}, in {KEPT}")


def described(shape: object) -> str:
    """What a value of `shape` is, in words."""
    if isinstance(shape, dict):
        return "an object"
    if isinstance(shape, list):
        return "a non-empty list"
    return str(shape)


def shown(value: object) -> str:
    """A bad value as the file has it (JSON), cut short."""
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def recorded(folder: Path) -> dict:
    """The folder's manifest: how each step's file was measured and the figure drawn (none
    yet: empty)."""
    path = folder / "manifest.json"
    manifest = read_report(path, field="steps") if path.exists() else {"steps": {}}
    return {"steps": manifest["steps"], "figure": manifest.get("figure", NOT_RECORDED)}


def write_manifest(folder: Path, manifest: dict) -> None:
    """Which command, commit and packages measured each step's file in the folder, and drew
    benchmark.png from them."""
    steps = {
        name: manifest["steps"].get(name, NOT_RECORDED)
        for name in STEPS
        if (folder / f"{name}.json").exists()
    }
    drawn = {"figure": manifest["figure"]} if (folder / "benchmark.png").exists() else {}
    write_json(folder / "manifest.json", {"what": MANIFEST_WHAT, "steps": steps, **drawn})


MANIFEST_WHAT = (
    "how each step's file in this folder was measured and benchmark.png drawn from them "
    "(python -m benchmarks --only re-measures some steps and keeps the others' files and entries; "
    "--redraw measures nothing and draws the figure again)"
)
NOT_RECORDED = {"command": None, "note": "not recorded: made before the benchmark wrote a manifest"}


def drive_rows(report: dict) -> list[str]:
    """The long scenario's rows of the README's table."""
    what = f"{report['persons'] / 1e6:.2f} million persons, {report['days']} days"
    peak = report["process_peak_rss_mib"]
    return [
        f"| the drive to 2025 ({what}), one replicate, wall time (median of {report['runs']}; "
        f"CPU {report['cpu_seconds_median']:.3f} s) | {report['seconds_median']:.3f} s |",
        f"| the drive to 2025, peak resident memory, fresh process "
        f"| {'not measured' if peak is None else f'{peak:.0f} MiB'} |",
    ]


def readme_table(reports: dict) -> str:
    """The benchmark as the Markdown table of the README's Speed section."""
    rep, scale, versus, sweeps = (
        reports[k] for k in ("replicate", "scaling", "plain_mesa", "sweep")
    )
    lines = [
        "| measurement | result |",
        "|---|---:|",
        f"| one full-scale replicate, wall time (median of {rep['runs']}) "
        f"| {rep['seconds_median']:.3f} s |",
        f"| peak resident memory, fresh process | {rep['process_peak_rss_mib']:.0f} MiB |",
        f"| peak memory allocated by the replicate (tracemalloc) "
        f"| {rep['tracemalloc_peak_mib']:.0f} MiB |",
        *drive_rows(reports["drive"]),
        f"| time per simulated day vs persons, log-log slope "
        f"(10k–1.7M; from 100k) | {scale['slope_per_day_all_sizes']}; "
        f"{scale['slope_per_day_from_100k']} |",
    ]
    for row in versus["sizes"]:
        lines.append(
            f"| speed-up over plain Mesa at {row['persons']:,} persons "
            f"({row['plain']['replicate_seconds']:.3g} s vs "
            f"{row['engine']['replicate_seconds']:.3g} s; an empty Mesa model would be "
            f"{row['speed_ratio_bound_by_mesa']:,.0f}x) | {row['speed_ratio']:,.0f}x |"
        )
    for run in sweeps["runs"]:
        lines.append(
            f"| sweep throughput, {run['executor']} | {run['runs_per_minute']:.0f} runs/min |"
        )
    lines.append(f"| sweep results identical across executors | {sweeps['identical_results']} |")
    lines += explorer_rows(reports["explorer"])
    return "\n".join(lines)


def explorer_rows(report: dict) -> list[str]:
    """The explorer's row of the README's table (or why it was not measured)."""
    if "skipped" in report:
        return [f"| explorer in headless Chromium | not measured: {report['skipped']} |"]
    seconds = ", ".join(f"{value:.2f}" for value in report["change_seconds"])
    return [
        f"| explorer, {report['scenario']}, one replicate: a change to the new figure in "
        f"headless Chromium (each change: {seconds} s) | {report['change_seconds_median']:.2f} s "
        f"(median), {report['change_seconds_max']:.2f} s (slowest) |"
    ]


if __name__ == "__main__":
    main()
