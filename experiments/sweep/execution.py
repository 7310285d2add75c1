"""`ifrp sweep`: every point of a design, each run with the same replicate seeds, on any executor.

Order of work: read and check the sweep file, bound its size (points; more than MAX_REPLICATES
replicates or runs need --yes), build and check every point's scenario, check the output folder
and a resumed sweep's chunks, connect to the executor; only then write anything. Runs are
grouped into chunks; each finished chunk is written atomically, so re-running the same command
after an interruption resumes (finished runs are skipped; failed runs are tried again). The final
tables are built from the chunk files alone, so they do not depend on chunking, scheduling or
workers.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from experiments.core.estimate import announce
from experiments.core.executors import Execution, open_executor, run_chunks
from experiments.core.inputs import read_json
from experiments.core.manifest import build_manifest, git_state, now
from experiments.core.outputs import (
    check_destination,
    check_writable,
    safe_name,
    write_atomic,
    writing_to,
)
from experiments.core.replicates import seconds_per_run
from experiments.sweep import figures as sweep_figures
from experiments.sweep.chunks import (
    Run,
    chunk_path,
    chunk_size,
    failed_rows,
    make_chunks,
    read_chunks,
    run_chunk,
    write_chunk,
)
from experiments.sweep.definition import load_sweep
from experiments.sweep.plan import SweepPlan, check_size, plan_sweep
from experiments.sweep.sensitivity import draw_indices, sobol_precision, sobol_table
from experiments.sweep.tables import failure_table, point_table, tidy_table
from model.scenario import ScenarioError

EXIT_FAILURES = 1
EXIT_INTERRUPTED = 130


@dataclass
class SweepOptions:
    workers: int | None = None
    scheduler: str | None = None
    out: Path | None = None
    force: bool = False
    chunk_runs: int | None = None
    quiet: bool = False
    yes: bool = False  # more than MAX_REPLICATES replicates, or runs in all


def run_sweep(path: str | Path, options: SweepOptions, require_design: str | None = None) -> int:
    """Run (or resume) a sweep and write its folder; returns the exit status."""
    sweep = load_sweep(path, require_design)
    check_size(sweep, options.yes)
    plan = plan_sweep(sweep)
    out = options.out or Path("results") / "sweeps" / safe_name(sweep.name, sweep.path, "name")
    previous = check_folder(out, plan.hash, options.force)
    # A resumed sweep's chunks are checked now, before anything is written: a damaged one is
    # refused, naming it, as in the final tables.
    stored = read_chunks(out / "chunks") if previous else {}
    kept = "the finished runs are kept: run the same command again to resume"
    with open_executor(options.workers, options.scheduler) as execution, writing_to(out, kept):
        return _run_in(out, plan, previous, stored, execution, options)


def _run_in(
    out: Path,
    plan: SweepPlan,
    previous: dict | None,
    stored: dict[tuple[int, int], dict],
    execution: Execution,
    options: SweepOptions,
) -> int:
    """Start the sweep's folder (or resume it, `stored` its runs so far), run what is left,
    then write its tables."""
    started = previous["started"] if previous else now()
    if previous is None:
        shutil.rmtree(out, ignore_errors=True)
    else:
        _warn_if_code_changed(previous)
        for stale in out.rglob(".*.tmp-*"):  # left by a killed session
            stale.unlink()
    write_manifest(out, plan, started, execution, status="running")
    done = {key for key, row in stored.items() if not row.get("error")}
    pending = [run for run in plan.runs() if run.key not in done]
    size = chunk_size(pending, execution.slots, options.chunk_runs)
    tasks = make_chunks(pending, size)
    _say(options, _start_message(plan, out, execution, len(done), tasks))
    workers = max(1, execution.slots // 2)  # two tasks in flight per worker
    announce(len(pending), _mean_seconds_per_run(plan), workers)
    try:
        if tasks:
            execute(plan, tasks, execution, out, options.quiet)
    except KeyboardInterrupt:
        stored = len(read_chunks(out / "chunks"))
        print(
            f"ifrp: interrupted: {stored} of {len(plan.runs())} runs are saved in {out}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return finish(plan, out, started, execution, options)


def _mean_seconds_per_run(plan: SweepPlan) -> float:
    return sum(seconds_per_run(scenario) for scenario in plan.scenarios) / len(plan.scenarios)


def check_folder(out: Path, sweep_hash: str, force: bool) -> dict | None:
    """The folder's manifest if this same sweep is to be resumed; None to start afresh.
    Refuses a folder holding anything else, and even with --force one that ifrp did not write."""
    if force:
        check_destination(out, force)  # --force replaces an ifrp result folder, nothing else
        return None
    check_writable(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(str(out), "--out", "is a file", "a folder")
    if not out.exists() or not any(out.iterdir()):
        return None
    manifest = out / "manifest.json"
    if not manifest.is_file():
        raise ScenarioError(
            str(out),
            "--out",
            "exists and is not a sweep folder",
            "a new or empty folder, or an ifrp result folder with --force",
        )
    previous = read_json(manifest, "the manifest of a sweep folder written by ifrp sweep")
    if previous.get("sweep_hash") != sweep_hash:
        raise ScenarioError(
            str(out),
            "--out",
            f"holds a different sweep (definition hash {previous.get('sweep_hash')}; "
            f"this sweep {sweep_hash})",
            "the folder of this same sweep (to resume), a new folder, or --force to replace it",
        )
    return previous


def _warn_if_code_changed(previous: dict) -> None:
    """The hash covers the sweep and its parameters, not the code: say if that moved."""
    before, current = (previous.get("git") or {}).get("commit"), git_state()["commit"]
    if before and current and before != current:
        print(
            f"ifrp: warning: resuming a sweep begun at commit {before[:10]}, now at "
            f"{current[:10]}: its runs may come from different versions of the model",
            file=sys.stderr,
        )


def execute(
    plan: SweepPlan, chunks: list[list[Run]], execution: Execution, out: Path, quiet: bool
) -> None:
    """Run the chunks, a few in flight at a time, writing each one's rows as it finishes."""
    total = len(plan.runs())
    bar = tqdm(
        total=total,
        initial=total - sum(len(c) for c in chunks),
        desc=plan.sweep.name,
        unit="run",
        disable=quiet,
        dynamic_ncols=True,
    )

    def store(chunk: list[Run], rows: list[dict]) -> None:
        write_chunk(chunk_path(out / "chunks", chunk, plan.sweep.replicates), rows)
        bar.update(len(rows))

    try:
        run_chunks(run_chunk, chunks, execution, on_done=store, on_error=failed_rows)
    finally:
        bar.close()


def finish(
    plan: SweepPlan, out: Path, started: str, execution: Execution, options: SweepOptions
) -> int:
    """Build the final tables and figures from the chunk files; say how many runs failed."""
    rows = read_chunks(out / "chunks")
    runs = tidy_table(plan, rows)
    points = point_table(plan, runs)
    failures = failure_table(plan, rows, runs)
    write_atomic(out / "runs.csv", runs.to_csv(index=False))
    write_atomic(out / "points.csv", points.to_csv(index=False))
    write_atomic(out / "failures.csv", failures.to_csv(index=False))
    notes = sweep_figures.draw_all(plan, runs, points, out / "figures")
    extra: dict[str, Any] = {}
    if plan.sweep.design == "sobol_indices":
        indices, note = sobol_table(plan, points)
        if indices is not None:
            precision = sobol_precision(indices, plan.sweep.points or 0)
            extra["sobol_precision"] = precision
            write_atomic(out / "sensitivity.csv", indices.to_csv(index=False))
            draw_indices(indices, out / "figures" / "sobol_indices.png", precision["warning"])
            if precision["warning"]:
                # On stderr, --quiet or not: the indices are not to be read as they stand.
                print(f"ifrp: warning: {precision['warning']}", file=sys.stderr)
                notes.append(f"warning: {precision['warning']}")
        notes.append(note)
    failed = len(failures)
    status = "complete" if not failed else f"complete, {_count(failed, 'run')} failed"
    write_manifest(out, plan, started, execution, status, failed=failed, notes=notes, extra=extra)
    _say(options, _summary(plan, runs, failed, [n for n in notes if not n.startswith("warning")]))
    print(f"results written to {out}")
    if failed:
        print(
            f"ifrp: {failed} of {len(runs)} runs failed (see {out / 'failures.csv'}); "
            "re-running the same command retries them",
            file=sys.stderr,
        )
    return EXIT_FAILURES if failed else 0


def write_manifest(
    out: Path,
    plan: SweepPlan,
    started: str,
    execution: Execution,
    status: str,
    failed: int | None = None,
    notes: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    sweep = plan.sweep
    manifest = build_manifest(sweep.base_scenario, sweep.base, sweep.entropy, plan.seeds, started)
    manifest.update(
        {
            "kind": "sweep",
            "sweep_file": sweep.path,
            "sweep_hash": plan.hash,
            "status": status,
            "design": sweep.design,
            "points": len(plan.points),
            "runs": len(plan.points) * sweep.replicates,
            "failed": failed,
            "executor": execution.description,
            "seeds_note": "every point uses the same replicate seeds "
            "(replicate_seeds(entropy, replicates, point=0)): differences are paired",
            "sweep": sweep.resolved(),
            "notes": notes or [],
            **(extra or {}),
        }
    )
    if status == "running":
        manifest.pop("finished", None)
    write_atomic(out / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")


def _start_message(
    plan: SweepPlan, out: Path, execution: Execution, done: int, tasks: list[list[Run]]
) -> str:
    sweep = plan.sweep
    lines = [
        f"sweep {sweep.name}: {sweep.design} design, {_count(len(plan.points), 'point')} x "
        f"{_count(sweep.replicates, 'replicate')}, {execution.description}"
    ]
    pending = sum(len(task) for task in tasks)
    if not pending:
        lines.append(f"nothing left to run: all {_count(done, 'run')} already done in {out}")
        return "\n".join(lines)
    if done:
        lines.append(f"resuming in {out}: {_count(done, 'run')} done, {pending} to go")
    largest = max(len(task) for task in tasks)
    each = f"up to {largest} runs each" if largest > 1 else "one run each"
    lines.append(f"{_count(pending, 'run')} in {_count(len(tasks), 'task')} ({each})")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    """`1 run`, `2 runs`, `0 runs`."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _summary(plan: SweepPlan, runs, failed: int, notes: list[str]) -> str:
    ok = runs[runs["error"] == ""]
    lines = [f"{len(runs) - failed} of {_count(len(runs), 'run')} succeeded"]
    if len(ok):
        means = ok[["total", "deported", "peak_queue"]].mean()
        lines.append(
            f"mean over {'the successful' if failed else 'all'} runs: "
            + ", ".join(f"{name} {value:,.0f}" for name, value in means.items())
        )
    return "\n".join(lines + [note for note in notes if note])


def _say(options: SweepOptions, text: str) -> None:
    if not options.quiet:
        print(text)
