"""`ifrp validate RUN_DIR --observed FILE.csv`: score a run against observed series.

The observed file is either an observations file with the observation model's columns (as
experiments/observed/observations.csv: scored by `experiments.compare.observed_run`, each row
as the calibration reads it), or a plain file with columns `date, series, value, kind`:
`series` is `total`, a route (`khyber_pakhtunkhwa`, `balochistan`, `other`) or a checkpoint
id; `kind` is `daily` (persons crossing that day) or `cumulative` (persons since the run's
count_start). Scores, per series
and overall: the averaged relative difference (the mean of |simulated - observed| / observed
over the observed dates, Flee's validation metric) and the relative error of the cumulative
total at the last observed date. Simulated values are medians over the run's replicates.

Daily observations may fall on any day of the run; cumulative ones on count_start or later (the
count is 0 before it, so an earlier cumulative value cannot be compared). Observed values of 0
are left out of the averaged relative difference, which divides by the observed value (they
still count in the cumulative totals); scores.csv says how many were left out, and a series
and kind whose observed values are all 0 is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.compare import observed_run
from experiments.core.inputs import read_frame, read_text
from experiments.core.manifest import file_entry, now, provenance
from experiments.core.outputs import check_destination, write_folder, write_json
from experiments.core.run_folder import read_run
from experiments.observed.observations import load_levels, load_observations
from model.schema import ScenarioError

KINDS = ("daily", "cumulative")
COLUMNS = ["date", "series", "value", "kind"]
OBSERVED = "an observed series CSV (date, series, value, kind)"


def command_validate(args: argparse.Namespace) -> int:
    started = now()
    out = args.out or args.run_dir / "validation"
    check_destination(out, args.force)
    if is_observations_file(args.observed):
        return _validate_observations(args, out, started)
    file = str(args.observed)
    observed = read_observed(args.observed)
    load_levels(args.levels)  # a plain file uses no level, but a bad --levels is still bad input
    run = read_run(args.run_dir)
    simulated = simulated_series(run.daily, run.manifest, observed, file)
    scores = score(observed, simulated, file)

    def write(folder: Path) -> None:
        scores.to_csv(folder / "scores.csv", index=False)
        compared = observed.assign(simulated=simulated)
        compared.to_csv(folder / "compared.csv", index=False)
        plot(compared, folder / "validation.png")
        write_json(folder / "manifest.json", _manifest(args, run.manifest, started))

    write_folder(out, write, force=args.force)
    print(scores.to_string(index=False))
    zeros = int(scores.loc[scores["series"] == "all", "zero_observed"].iloc[0])
    if zeros:
        print(
            f"note: {zeros} observed value(s) of 0 left out of the averaged relative difference"
            " (it divides by the observed value); they count in the cumulative totals"
        )
    print(f"validation written to {out}")
    return 0


def is_observations_file(path: Path) -> bool:
    """An observations file (the project's columns, with the observation model's) rather than
    a plain observed series (date, series, value, kind)."""
    header = read_text(path, OBSERVED).splitlines()[0]
    return "model_place" in header.split(",")


def _validate_observations(args: argparse.Namespace, out: Path, started: str) -> int:
    observations = load_observations(args.observed)
    levels = {name: level.value for name, level in load_levels(args.levels).items()}
    run = read_run(args.run_dir)
    simulated = observed_run.predictions(run, observations, levels)
    compared, scores = observed_run.score(observations, simulated, run)

    def write(folder: Path) -> None:
        scores.to_csv(folder / "scores.csv", index=False)
        compared.to_csv(folder / "compared.csv", index=False)
        observed_run.plot(compared, folder / "validation.png")
        manifest = _manifest(args, run.manifest, started)
        manifest["levels"] = file_entry(args.levels)
        write_json(folder / "manifest.json", manifest)

    write_folder(out, write, force=args.force)
    print(scores.to_string(index=False))
    for reason, rows in compared[~compared["scored"]].groupby("reason"):
        lines = ", ".join(map(str, rows["line"]))
        print(f"note: not scored (line{'s' if len(rows) > 1 else ''} {lines}): {reason}")
    print(f"validation written to {out}")
    return 0


def _manifest(args: argparse.Namespace, run_manifest: dict, started: str) -> dict:
    made = provenance(started)
    return {
        "command": made.pop("command"),
        "kind": "validation",
        "run": {
            "folder": str(args.run_dir.resolve()),
            **{key: run_manifest.get(key) for key in ("scenario", "seeds", "calibration")},
        },
        "observed": file_entry(args.observed),
        **made,
    }


def read_observed(path: Path) -> pd.DataFrame:
    """The observed rows, indexed by their line number in the file (the header is line 1)."""
    file = str(path)
    # Blank lines are kept, then dropped, so that the index gives every row's line number.
    # Only an empty cell is missing: "nan" or "NA" is a value, and is refused as not a number.
    frame = read_frame(
        path, OBSERVED, dtype=str, skip_blank_lines=False, keep_default_na=False, na_values=[""]
    ).dropna(how="all")
    frame.index = frame.index + 2
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError(file, ", ".join(missing), "missing column", ", ".join(COLUMNS))
    if frame.empty:
        raise ScenarioError(file, "(rows)", "no observations", "at least one row")
    for column in COLUMNS:
        if frame[column].isna().any():
            line = frame.index[frame[column].isna()][0]
            raise ScenarioError(file, f"line {line}, {column}", "empty", ", ".join(COLUMNS))
    bad_kind = ~frame["kind"].isin(KINDS)
    if bad_kind.any():
        line = frame.index[bad_kind][0]
        raise ScenarioError(
            file, f"line {line}, kind", repr(frame["kind"][line]), "daily, cumulative"
        )
    dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        line = frame.index[dates.isna()][0]
        raise ScenarioError(
            file, f"line {line}, date", f"{frame['date'][line]!r} is not a date", "YYYY-MM-DD"
        )
    frame["date"] = dates.dt.date.astype(str)
    frame["value"] = _counts(frame["value"], file)
    _refuse_repeats(frame, file)
    return frame[COLUMNS]


def _counts(texts: pd.Series, file: str) -> pd.Series:
    """The observed values as numbers: each counts persons, so a whole number >= 0."""
    values = pd.to_numeric(texts, errors="coerce")
    problems = [
        (values.isna(), "is not a number"),
        (~np.isfinite(values), "is not a finite number"),
        (values < 0, "is negative"),
        (values != np.floor(values), "is not a whole number of persons"),
    ]
    for bad, problem in problems:
        if bad.any():
            line = texts.index[bad][0]
            raise ScenarioError(
                file, f"line {line}, value", f"{texts[line]!r} {problem}", "a whole number >= 0"
            )
    return values


def _refuse_repeats(frame: pd.DataFrame, file: str) -> None:
    """One row per date, series and kind: a second would count that observation twice, and
    two that disagree cannot both be right."""
    key = ["date", "series", "kind"]
    repeated = frame.duplicated(key)
    if not repeated.any():
        return
    line = frame.index[repeated][0]
    first = frame.index[(frame[key] == frame.loc[line, key]).all(axis=1)][0]
    here, there = frame.loc[line, "value"], frame.loc[first, "value"]
    how = f"repeats line {first}"
    if here != there:
        how = f"conflicts with line {first} ({here:g} here, {there:g} there)"
    row = frame.loc[line]
    problem = f"{row['date']}, {row['series']}, {row['kind']} {how}"
    raise ScenarioError(file, f"line {line}, date", problem, "one row per date, series and kind")


def simulated_series(
    daily: pd.DataFrame, manifest: dict, observed: pd.DataFrame, file: str
) -> np.ndarray:
    """The run's median (over replicates) for each observed row (`file`: its name, for errors)."""
    count_start = manifest["count_start"]
    known = {"total", *daily["route"].unique(), *daily["checkpoint"].unique()}
    values = np.empty(len(observed))
    cache: dict[tuple[str, str], pd.Series] = {}
    for i, row in enumerate(observed.itertuples()):
        line = row.Index
        if row.series not in known:
            raise ScenarioError(
                file,
                f"line {line}, series",
                f"{row.series!r} is not a series of this run",
                ", ".join(sorted(known)),
            )
        key = (row.series, row.kind)
        if key not in cache:
            cache[key] = _median_series(daily, row.series, row.kind, count_start)
        series = cache[key]
        # A cumulative count starts on count_start: before it there is nothing to compare with.
        first = count_start if row.kind == "cumulative" else series.index[0]
        if not first <= row.date <= series.index[-1]:
            problem = f"{row.date} is outside the run"
            if row.kind == "cumulative" and series.index[0] <= row.date < count_start:
                problem = f"{row.date} is before the run's count_start, {count_start}"
            raise ScenarioError(
                file,
                f"line {line}, date",
                problem,
                f"{first}..{series.index[-1]} for a {row.kind} series",
            )
        values[i] = series[row.date]
    return values


def _median_series(daily: pd.DataFrame, series: str, kind: str, count_start: str) -> pd.Series:
    if series == "total":
        chosen = daily
    elif series in set(daily["route"]):
        chosen = daily[daily["route"] == series]
    else:
        chosen = daily[daily["checkpoint"] == series]
    table = chosen.groupby(["date", "replicate"])["crossed"].sum().unstack("replicate").sort_index()
    if kind == "cumulative":
        table = table.where(table.index.to_series() >= count_start, 0).cumsum()
    return table.median(axis=1)


def score(observed: pd.DataFrame, simulated: np.ndarray, file: str) -> pd.DataFrame:
    """Scores per series and kind, and over all rows. Observed zeros are left out of the
    averaged relative difference (a relative difference from 0 is undefined) and counted in
    `zero_observed`; a series and kind observed as 0 throughout is refused."""
    frame = observed.assign(simulated=simulated)
    rows = []
    for (series, kind), group in [*frame.groupby(["series", "kind"]), (("all", "all"), frame)]:
        positive = group[group["value"] > 0]
        if positive.empty:
            lines = ", ".join(map(str, group.index[:5])) + (", ..." if len(group) > 5 else "")
            raise ScenarioError(
                file,
                f"line{'s' if len(group) > 1 else ''} {lines}, value",
                f"every observed value of {series} ({kind}) is 0: its relative difference"
                " is undefined",
                "at least one value > 0 for each series and kind",
            )
        ard = float(np.mean(np.abs(positive["simulated"] - positive["value"]) / positive["value"]))
        last = group.sort_values("date")
        if kind == "cumulative":
            sim_total, obs_total = last["simulated"].iloc[-1], last["value"].iloc[-1]
        else:
            sim_total, obs_total = last["simulated"].sum(), last["value"].sum()
        error = float((sim_total - obs_total) / obs_total) if obs_total else float("nan")
        rows.append(
            {
                "series": series,
                "kind": kind,
                "points": len(group),
                "zero_observed": len(group) - len(positive),
                "averaged_relative_difference": ard,
                "cumulative_relative_error": error if kind != "all" else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def plot(compared: pd.DataFrame, path: Path) -> None:
    groups = list(compared.groupby(["series", "kind"]))
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 2.6 * len(groups)), squeeze=False)
    for ax, ((series, kind), group) in zip(axes[:, 0], groups, strict=True):
        dates = pd.to_datetime(group["date"])
        ax.plot(dates, group["value"], "o", ms=3, color="black", label="observed")
        ax.plot(dates, group["simulated"], "-", color="C0", label="simulated (median)")
        ax.set_title(f"{series} ({kind})", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
