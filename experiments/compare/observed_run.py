"""Score a run folder against an observations file (the columns of
experiments/observed/observations.csv): each observation read off every replicate by the
observation model, as the calibration reads it.

A row is scored when the run covers its days and holds its quantity; the others are listed
with the reason (outside the run, `use = none`, a stock the folder records only at the report
date, arrests in a folder written before ifrp recorded them). Levels of the observation model
come from the observations' levels file and, for calibrated ones (the UN/IOM coverage), from
the run's manifest: each replicate's posterior draw, or the best fit it was applied over.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.core.calibrated import observation_levels
from experiments.core.run_folder import RunFolder
from experiments.core.tables import status_column
from experiments.observed.observation_model import (
    Layout,
    Records,
    check_readable,
    predict,
    relative_differences,
)
from experiments.observed.observations import Observation
from model.schema import STATUSES, ScenarioError


def predictions(
    run: RunFolder, observations: list[Observation], levels: dict[str, float]
) -> np.ndarray:
    """Every observation as each replicate shows it (replicates x observations; NaN: not read)."""
    layout, records = run_records(run)
    if run.arrests is None:  # rows about arrests cannot be read: as if unused
        needs = ("arrested", "arrest_share")
        observations = [replace(o, use="none") if o.quantity in needs else o for o in observations]
    check_readable(observations, layout, replicate_levels(run, 0, levels))
    return np.array(
        [
            predict(records[r], layout, observations, replicate_levels(run, r, levels))
            for r in range(len(records))
        ]
    )


def run_records(run: RunFolder) -> tuple[Layout, list[Records]]:
    """The run folder's daily tables as the observation model's records, one per replicate."""
    daily, arrests = run.daily, run.arrests
    dates = sorted(daily["date"].unique())
    checkpoints = list(dict.fromkeys(daily["checkpoint"]))
    routes = daily.drop_duplicates("checkpoint").set_index("checkpoint")["route"]
    provinces = list(dict.fromkeys(arrests["province"])) if arrests is not None else []
    documented = [s for s in STATUSES[1:] if status_column(s, "crossed") in daily.columns]
    layout = Layout(
        date.fromisoformat(dates[0]),
        tuple(checkpoints),
        tuple(routes[c] for c in checkpoints),
        tuple(provinces),
        bool(documented),
    )
    records = []
    for replicate in range(len(run.summary)):
        own = daily[daily["replicate"] == replicate]
        crossed = _by_status(own, dates, "checkpoint", checkpoints, "crossed")
        deported = _by_status(own, dates, "checkpoint", checkpoints, "deported")
        if arrests is not None:
            mine = arrests[arrests["replicate"] == replicate]
            arrested = _by_status(mine, dates, "province", provinces, "arrested")
        else:
            arrested = np.full((len(dates), 0, len(STATUSES)), np.nan)
        remaining = np.full(len(dates), np.nan)  # a folder records the stock at its end only
        remaining[-1] = run.summary["remaining"].iloc[replicate]
        records.append(Records(crossed, deported, arrested, remaining))
    return layout, records


def _by_status(table: pd.DataFrame, dates, place: str, places: list[str], what: str):
    """days x places x statuses: the undocumented's column (`what`) and each card holders'
    (`<status>_<what>`), zero for statuses the table does not have."""
    result = np.zeros((len(dates), len(places), len(STATUSES)))
    for index, status in enumerate(STATUSES):
        column = status_column(status, what)
        if column in table.columns:
            grid = table.pivot(index="date", columns=place, values=column)
            result[:, :, index] = grid.reindex(index=dates, columns=places).to_numpy()
    return result


def replicate_levels(run: RunFolder, replicate: int, fixed: dict[str, float]) -> dict[str, float]:
    """The fixed levels and the run's calibrated ones: replicate's own posterior draw, or the
    best fit the run was applied over (as its manifest records them)."""
    draws = run.manifest.get("posterior_draws")
    if draws:
        values = draws[replicate].get("drawn", {})
    else:
        values = (run.manifest.get("calibration") or {}).get("levers", {})
    return {**fixed, **observation_levels(list(values), list(values.values()))}


def unscored_reason(o: Observation, run: RunFolder) -> str:
    """Why an observation got no simulated value from this run."""
    if o.use == "none":
        return "use = none: the model has no counterpart (model_note)"
    if o.quantity in ("arrested", "arrest_share") and run.arrests is None:
        return "the run folder has no arrests.csv (written before ifrp recorded arrests)"
    first, last = run.daily["date"].min(), run.daily["date"].max()
    if o.model_from.isoformat() < first or o.model_to.isoformat() > last:
        return f"its days ({o.model_from} to {o.model_to}) lie outside the run ({first} to {last})"
    if o.quantity == "remaining":
        return "the folder records the stock remaining at its report date only"
    return "not read"


def score(observations: list[Observation], simulated: np.ndarray, run: RunFolder) -> tuple:
    """compared.csv (every row) and scores.csv (per series and use, and over all)."""
    median = np.array([np.nan if np.isnan(c).all() else np.nanmedian(c) for c in simulated.T])
    differences = relative_differences(median, observations)[0]
    rows = []
    for j, o in enumerate(observations):
        column = simulated[:, j]
        scored = bool(np.isfinite(median[j]))
        low, high = np.nanpercentile(column, [5, 95]) if scored else (np.nan, np.nan)
        rows.append(
            {
                **o.describe(),
                "simulated": median[j],
                "simulated_p5": low,
                "simulated_p95": high,
                "relative_difference": differences[j] if scored else np.nan,
                "scored": scored,
                "reason": "" if scored else unscored_reason(o, run),
            }
        )
    compared = pd.DataFrame(rows)
    return compared, scores_table(compared)


def scores_table(compared: pd.DataFrame) -> pd.DataFrame:
    scored = compared[compared["scored"]]
    groups = [*scored.groupby(["series", "use"], sort=False), (("all", "all"), scored)]
    rows = [
        {
            "series": series,
            "use": use,
            "points": len(group),
            "averaged_relative_difference": group["relative_difference"].mean(),
        }
        for (series, use), group in groups
    ]
    not_scored = compared[~compared["scored"]].groupby("series").size()
    table = pd.DataFrame(rows)
    table["not_scored"] = table["series"].map(not_scored).fillna(0).astype(int)
    table.loc[table["series"] == "all", "not_scored"] = int((~compared["scored"]).sum())
    return table


def plot(compared: pd.DataFrame, path: Path) -> None:
    """One panel per series: observed (triangles: bounds) against the replicates' median and
    5-95% range."""
    groups = list(compared[compared["scored"]].groupby("series", sort=False))
    if not groups:
        raise ScenarioError(str(path.parent), "(rows)", "no observation could be scored", "")
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 2.6 * len(groups)), squeeze=False)
    markers = {"lower": "^", "upper": "v"}
    for ax, (series, group) in zip(axes[:, 0], groups, strict=True):
        dates = pd.to_datetime(group["date"])
        ax.vlines(dates, group["simulated_p5"], group["simulated_p95"], color="C0", alpha=0.5)
        ax.plot(dates, group["simulated"], "_", color="C0", ms=12, label="simulated (median)")
        for bound, rows in group.groupby(group["bound"].fillna("")):
            marker = markers.get(bound, "o")
            ax.plot(pd.to_datetime(rows["date"]), rows["observed"], marker, color="black")
        ax.set_title(series, fontsize=9)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
