"""`ifrp validate RUN_DIR --observed FILE.csv`: score a run against an observed series.

The observed file has columns `date, series, value, kind`: `series` is `total`, a route
(`khyber_pakhtunkhwa`, `balochistan`, `other`) or a checkpoint id; `kind` is `daily` (persons
crossing that day) or `cumulative` (persons since the run's count_start). Scores, per series
and overall: the averaged relative difference (the mean of |simulated - observed| / observed
over the observed dates, Flee's validation metric) and the relative error of the cumulative
total at the last observed date. Simulated values are medians over the run's replicates.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.outputs import write_folder
from model.schema import ScenarioError

KINDS = ("daily", "cumulative")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help="score a run folder against an observed series (averaged relative difference)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("run_dir", type=Path, help="a folder written by `ifrp run`")
    parser.add_argument("--observed", type=Path, required=True, help="observed series CSV")
    parser.add_argument("--out", type=Path, help="where to write (default: RUN_DIR/validation)")
    parser.add_argument("--force", action="store_true", help="replace an existing --out")
    parser.set_defaults(func=command_validate)


def command_validate(args: argparse.Namespace) -> int:
    observed = read_observed(args.observed)
    simulated = simulated_series(args.run_dir, observed)
    scores = score(observed, simulated)
    out = args.out or args.run_dir / "validation"

    def write(folder: Path) -> None:
        scores.to_csv(folder / "scores.csv", index=False)
        compared = observed.assign(simulated=simulated)
        compared.to_csv(folder / "compared.csv", index=False)
        plot(compared, folder / "validation.png")

    write_folder(out, write, force=args.force)
    print(scores.to_string(index=False))
    print(f"validation written to {out}")
    return 0


def read_observed(path: Path) -> pd.DataFrame:
    file = str(path)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise ScenarioError(file, "(file)", "no such file", "an observed series CSV") from None
    columns = ["date", "series", "value", "kind"]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ScenarioError(file, ", ".join(missing), "missing column", ", ".join(columns))
    bad_kind = ~frame["kind"].isin(KINDS)
    if bad_kind.any():
        row = int(np.flatnonzero(bad_kind)[0]) + 2
        raise ScenarioError(
            file, f"line {row}, kind", repr(frame["kind"].iloc[row - 2]), "daily, cumulative"
        )
    try:
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d").dt.date.astype(str)
    except ValueError as error:
        raise ScenarioError(file, "date", str(error), "dates YYYY-MM-DD") from None
    values = pd.to_numeric(frame["value"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        row = int(np.flatnonzero(values.isna() | (values < 0))[0]) + 2
        raise ScenarioError(file, f"line {row}, value", "not a count", "a number >= 0")
    frame["value"] = values
    return frame[columns]


def simulated_series(run_dir: Path, observed: pd.DataFrame) -> np.ndarray:
    """The run's median (over replicates) for each observed row."""
    try:
        daily = pd.read_csv(run_dir / "daily.csv")
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ScenarioError(
            str(run_dir), "RUN_DIR", f"not a run folder: {error}", "a folder from ifrp run"
        ) from None
    known = {"total", *daily["route"].unique(), *daily["checkpoint"].unique()}
    values = np.empty(len(observed))
    cache: dict[tuple[str, str], pd.Series] = {}
    for i, row in enumerate(observed.itertuples(index=False)):
        if row.series not in known:
            raise ScenarioError(
                "observed", f"series {row.series!r}", "unknown", ", ".join(sorted(known))
            )
        key = (row.series, row.kind)
        if key not in cache:
            cache[key] = _median_series(daily, row.series, row.kind, manifest["count_start"])
        series = cache[key]
        if row.date not in series.index:
            raise ScenarioError(
                "observed",
                f"date {row.date}",
                "outside the run",
                f"{series.index[0]}..{series.index[-1]}",
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


def score(observed: pd.DataFrame, simulated: np.ndarray) -> pd.DataFrame:
    frame = observed.assign(simulated=simulated)
    rows = []
    for (series, kind), group in [*frame.groupby(["series", "kind"]), (("all", "all"), frame)]:
        positive = group[group["value"] > 0]
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
