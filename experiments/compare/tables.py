"""Compare run folders against a reference (the first): headline outputs with 90% intervals,
differences on paired replicates, and cumulative departures by route.

Runs with the same root seed share their replicate seeds, so replicate i of every scenario
starts from the same random numbers: differences are taken replicate by replicate (paired),
which removes most of the replicate noise. Pairs are matched on (replicate, seed); where the
seeds differ the comparison falls back to a difference of means and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from experiments.core.run_folder import RunFolder, read_run
from model.scenario import ScenarioError
from model.schema import ROUTES

HEADLINE = (
    "total",
    *ROUTES,
    "deported",
    "arrested",
    "peak_queue",
    "remaining",
)
LEVEL = 0.90
QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}


@dataclass
class Pairing:
    pairs: pd.DataFrame  # reference and run outputs side by side, one row per matched replicate
    paired: bool
    note: str
    warn: bool  # something the user should know: unpaired, or fewer pairs than replicates


def read_runs(paths: list[Path]) -> list[RunFolder]:
    if len(paths) < 2:
        raise ScenarioError(
            "ifrp compare", "RUN_DIR", f"{len(paths)} folder given", "a reference and 1 or more"
        )
    runs = [read_run(Path(p)) for p in paths]
    labels = [run.label for run in runs]
    for run in runs:  # the same scenario twice: tell them apart by folder
        if labels.count(run.label) > 1:
            run.label = f"{run.label} ({run.path.name})"
    return runs


def outputs(runs: list[RunFolder]) -> list[str]:
    """The headline outputs, then documented populations' columns where any run has them."""
    extra = [
        column
        for run in runs
        for column in run.summary.columns
        if column.endswith(("_departed", "_remaining"))
    ]
    return [*HEADLINE, *dict.fromkeys(extra)]


def headline_table(runs: list[RunFolder]) -> pd.DataFrame:
    """One row per run x output: mean and 5/50/95% quantiles over replicates."""
    rows = []
    for run in runs:
        for output in outputs(runs):
            values = _values(run.summary, output)
            row = {"run": run.label, "scenario": run.scenario, "output": output}
            row["replicates"] = len(values)
            row["mean"] = values.mean() if len(values) else np.nan
            for label, q in QUANTILES.items():
                row[label] = values.quantile(q) if len(values) else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def _values(summary: pd.DataFrame, output: str) -> pd.Series:
    if output not in summary.columns:
        return pd.Series(dtype=float)
    return summary[output].astype(float)


def pair(reference: RunFolder, run: RunFolder) -> Pairing:
    """Match replicates on (replicate, seed); say how many pairs, or why there are none."""
    merged = reference.summary.merge(
        run.summary, on=["replicate", "seed"], suffixes=("_reference", "")
    )
    sizes = (len(reference.summary), len(run.summary))
    if len(merged):
        replicates = "replicate" if len(merged) == 1 else "replicates"
        note = f"paired on {len(merged)} {replicates} with the same seeds"
        partial = len(merged) < max(sizes)
        if partial:
            note += f" (the reference has {sizes[0]} replicates, this run {sizes[1]})"
        if len(merged) == 1:
            note += "; one pair gives no interval: run more replicates"
        return Pairing(merged, True, note, partial or len(merged) == 1)
    note = (
        "seeds differ from the reference's (different --seed?): unpaired difference of means "
        "with a Welch interval; re-run both with the same --seed for a paired comparison"
    )
    return Pairing(merged, False, note, True)


def difference_table(runs: list[RunFolder]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Each run minus the reference, per output, with a 90% interval; notes on the pairing
    of every run, and the warnings among them."""
    reference, rows, notes, warnings = runs[0], [], [], []
    for run in runs[1:]:
        pairing = pair(reference, run)
        notes.append(f"{run.label}: {pairing.note}")
        if pairing.warn:
            warnings.append(notes[-1])
        for output in outputs(runs):
            row = {"run": run.label, "scenario": run.scenario, "output": output}
            row.update(_difference(reference, run, pairing, output))
            rows.append(row)
    return pd.DataFrame(rows), notes, warnings


def _difference(reference: RunFolder, run: RunFolder, pairing: Pairing, output: str) -> dict:
    base, other = _values(reference.summary, output), _values(run.summary, output)
    result = {"reference_mean": base.mean(), "mean": other.mean(), "paired": pairing.paired}
    if base.empty or other.empty:
        return {**result, "difference": np.nan, "pairs": 0}
    if pairing.paired:
        diff = pairing.pairs[output].astype(float) - pairing.pairs[f"{output}_reference"].astype(
            float
        )
        centre, dof = diff.mean(), len(diff) - 1
        error = diff.std(ddof=1) / np.sqrt(len(diff)) if dof > 0 else np.nan
        spread = {
            "replicate_difference_p5": diff.quantile(0.05),
            "replicate_difference_p95": diff.quantile(0.95),
        }
    else:
        centre = other.mean() - base.mean()
        error, dof = _welch(base, other)
        spread = {"replicate_difference_p5": np.nan, "replicate_difference_p95": np.nan}
    half = stats.t.ppf(0.5 + LEVEL / 2, dof) * error if dof > 0 else np.nan
    return {
        **result,
        "difference": centre,
        "difference_ci90_low": centre - half,
        "difference_ci90_high": centre + half,
        **spread,
        "relative_difference": centre / base.mean() if base.mean() else np.nan,
        "pairs": len(pairing.pairs) if pairing.paired else 0,
    }


def _welch(a: pd.Series, b: pd.Series) -> tuple[float, float]:
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    error = np.sqrt(va + vb)
    if len(a) < 2 or len(b) < 2 or not error > 0:
        return error, 0.0
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return error, dof


def cumulative_table(runs: list[RunFolder]) -> pd.DataFrame:
    """Cumulative departures from count_start by route (and total), quantiles over replicates."""
    frames = []
    for run in runs:
        start = run.manifest.get("count_start", run.daily["date"].min())
        counted = run.daily[run.daily["date"] >= start]
        by_route = counted.pivot_table(
            index=["replicate", "date"], columns="route", values="crossed", aggfunc="sum"
        ).reindex(columns=list(ROUTES), fill_value=0)
        by_route["total"] = by_route.sum(axis=1)
        cumulative = by_route.groupby(level="replicate").cumsum()
        long = cumulative.stack().rename("persons").reset_index()
        grouped = long.groupby(["route", "date"])["persons"]
        table = grouped.mean().rename("mean").to_frame()
        for label, q in QUANTILES.items():
            table[label] = grouped.quantile(q)
        table = table.reset_index()
        table.insert(0, "run", run.label)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def horizon_notes(runs: list[RunFolder]) -> list[str]:
    """Warn when runs count over different periods: their totals are then not comparable."""
    reference = runs[0].manifest
    notes = []
    for run in runs[1:]:
        for key in ("count_start", "report_date"):
            if run.manifest.get(key) != reference.get(key):
                notes.append(
                    f"{run.label}: {key} {run.manifest.get(key)} differs from the reference's "
                    f"{reference.get(key)}; its totals cover another period"
                )
    return notes


def calibration_notes(runs: list[RunFolder]) -> list[str]:
    """Warn when runs were made under different calibrations (another best-fit or posterior
    file, by sha256), or one with --posterior and the other without: their differences then
    mix the scenario's effect with the change of calibrated parameters."""
    reference = _calibration(runs[0].manifest)
    unknown = "(a run made before ifrp recorded it?)"
    notes = []
    if reference is None:
        notes.append(
            f"{runs[0].label}: the reference's manifest does not identify its calibration "
            f"{unknown}; the runs may have been made under different calibrations"
        )
    for run in runs[1:]:
        mine = _calibration(run.manifest)
        if mine is None and reference is not None:
            notes.append(
                f"{run.label}: its manifest does not identify its calibration {unknown}; it may "
                "have been made under another calibration than the reference's"
            )
        elif mine is not None and reference is not None and mine != reference:
            notes.append(
                f"{run.label}: calibration {mine} differs from the reference's {reference}; "
                "its differences include the change of calibrated parameters"
            )
    return notes


def _calibration(manifest: dict) -> str | None:
    """How a run's calibrated parameters were set, and from which file content (the first 12
    digits of its sha256): `best fit (sha256 0123456789ab)`, `posterior draws (sha256 ...)`,
    `hand-set defaults ...` (no file); None if the manifest does not say."""
    entry = manifest.get("calibration")
    if not isinstance(entry, dict) or not entry.get("parameters"):
        return None
    sha256 = entry.get("sha256")
    return f"{entry['parameters']} (sha256 {sha256[:12]})" if sha256 else str(entry["parameters"])
