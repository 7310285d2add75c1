"""`ifrp compare RUN_DIR RUN_DIR ...`: run folders compared with the first, the reference."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from experiments.compare import figures as compare_figures
from experiments.compare import tables as compare
from experiments.core.manifest import now, provenance
from experiments.core.outputs import check_destination, stamped_folder, write_folder, write_json


def command_compare(args: argparse.Namespace) -> int:
    runs = compare.read_runs(args.folders)
    # The reference's label comes from its manifest: a file can say anything.
    reference = (runs[0].label, str(runs[0].path / "manifest.json"), "scenario")
    out = args.out or stamped_folder(Path("results") / "comparisons", *reference)
    return write_comparison(runs, out, args.force, args.quiet)


def write_comparison(runs: list[compare.RunFolder], out: Path, force: bool, quiet: bool) -> int:
    check_destination(out, force)
    started = now()
    headline = compare.headline_table(runs)
    differences, notes, warnings = compare.difference_table(runs)
    checks = compare.horizon_notes(runs) + compare.calibration_notes(runs)
    warnings += checks
    notes += checks
    cumulative = compare.cumulative_table(runs)

    def write(folder: Path) -> None:
        headline.to_csv(folder / "headline.csv", index=False)
        differences.to_csv(folder / "differences.csv", index=False)
        cumulative.to_csv(folder / "cumulative.csv", index=False)
        (folder / "figures").mkdir()
        compare_figures.cumulative(cumulative, folder / "figures" / "cumulative_departures.png")
        compare_figures.differences(differences, folder / "figures" / "differences.png")
        write_json(folder / "manifest.json", _manifest(runs, notes, started))

    folder = write_folder(out, write, force)
    for warning in warnings:
        print(f"ifrp: warning: {warning}", file=sys.stderr)
    if not quiet:
        print(_summary(differences, runs[0].label))
    print(f"comparison written to {folder}")
    return 0


def _manifest(runs: list[compare.RunFolder], notes: list[str], started: str) -> dict:
    made = provenance(started)
    return {
        "command": made.pop("command"),
        "kind": "comparison",
        "reference": runs[0].label,
        "runs": [
            {
                "label": run.label,
                "folder": str(run.path.resolve()),
                "scenario": run.scenario,
                "entropy": run.manifest.get("entropy"),
                "seeds": run.manifest.get("seeds"),
                "count_start": run.manifest.get("count_start"),
                "report_date": run.manifest.get("report_date"),
                "calibration": run.manifest.get("calibration"),
                "git": run.manifest.get("git"),
            }
            for run in runs
        ],
        "notes": notes,
        "interval": "90% t interval of the mean (paired differences where seeds match)",
        **made,
        "units": "persons",
    }


SUMMARY = {  # the outputs printed: departures, and the queues that timing scenarios change
    "total": "total departures",
    "peak_queue": "peak queue at a crossing",
}


def _summary(differences, reference: str) -> str:
    lines = []
    for output, title in SUMMARY.items():
        rows = differences[differences["output"] == output]
        if rows.empty:
            continue
        lines.append(f"difference in {title} from {reference} (90% interval), persons:")
        for _, row in rows.iterrows():
            if pd.isna(row["difference"]):
                lines.append(f"  {row['run']:<34}{'n/a':>11}  (not in both runs' summary.csv)")
                continue
            pairs = f"{row['pairs']} pair{'s' if row['pairs'] != 1 else ''}"
            how = pairs if row["paired"] else "unpaired"
            lines.append(f"  {row['run']:<34}{row['difference']:>+11,.0f}  {_interval(row)}  {how}")
    return "\n".join(lines)


def _interval(row) -> str:
    low, high = row.get("difference_ci90_low"), row.get("difference_ci90_high")
    if pd.notna(low) and pd.notna(high):
        return f"[{low:+,.0f}, {high:+,.0f}]"
    if row["paired"] and row["pairs"] == 1:
        return "n/a (one pair)"
    return "n/a (too few replicates)"
