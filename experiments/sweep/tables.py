"""A sweep's tables: one row per run (inputs, seed, the summary.csv outputs), and one per point
(mean and 5/50/95% quantiles over its replicates).

Both are built from the stored rows alone, in point x replicate order, so they are the same
whatever the chunking, the executor or the number of interruptions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from experiments.sweep.plan import SweepPlan

KEYS = ("point", "replicate", "seed")
QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}
HIDDEN = ("traceback",)


def input_values(plan: SweepPlan, point: int) -> dict[str, Any]:
    """What the point sets, dates as ISO text (shifted parameters included)."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in plan.overrides[point].items()
    }


def input_columns(plan: SweepPlan) -> list[str]:
    return list(plan.overrides[0]) if plan.overrides else []


def tidy_table(plan: SweepPlan, rows: dict[tuple[int, int], dict]) -> pd.DataFrame:
    """One row per point x replicate; `error` is empty for a successful run."""
    outputs = output_columns(rows)
    records = []
    for point in range(len(plan.points)):
        inputs = input_values(plan, point)
        for replicate, seed in enumerate(plan.seeds):
            row = rows.get((point, replicate), {"error": "not run"})
            record = {"point": point, "replicate": replicate, "seed": seed, **inputs}
            record.update({name: row.get(name) for name in outputs})
            record["error"] = row.get("error") or ""
            records.append(record)
    table = pd.DataFrame(records)
    for name in outputs:
        table[name] = _integers_if_whole(table[name])
    return table


def output_columns(rows: dict[tuple[int, int], dict]) -> list[str]:
    """Output names in the order the runs report them (union over all runs)."""
    names: dict[str, None] = {}
    for key in sorted(rows):
        for name in rows[key]:
            if name not in KEYS and name != "error" and name not in HIDDEN:
                names[name] = None
    return list(names)


def _integers_if_whole(column: pd.Series) -> pd.Series:
    """Persons are whole numbers; keep them so even where a failed run leaves a gap."""
    numbers = pd.to_numeric(column, errors="coerce")
    present = numbers.dropna()
    if len(present) and (present == present.round()).all():
        return numbers.astype("Int64")
    return numbers


def outputs_of(runs: pd.DataFrame, plan: SweepPlan) -> list[str]:
    skip = {*KEYS, *input_columns(plan), "error"}
    return [name for name in runs.columns if name not in skip]


def point_table(plan: SweepPlan, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per point: its inputs, runs and failures, and each output's mean and quantiles
    over the point's successful replicates."""
    outputs = outputs_of(runs, plan)
    everything = range(len(plan.points))
    table = pd.DataFrame([{"point": p, **input_values(plan, p)} for p in everything])
    table["runs"] = runs.groupby("point").size().reindex(everything, fill_value=0).to_numpy()
    failed = runs[runs["error"] != ""].groupby("point").size()
    table["failed"] = failed.reindex(everything, fill_value=0).to_numpy()
    ok = runs[runs["error"] == ""][["point", *outputs]].astype({n: "float64" for n in outputs})
    grouped = ok.groupby("point")
    for name in outputs:
        table[f"{name}_mean"] = grouped[name].mean().reindex(everything).to_numpy()
        for label, q in QUANTILES.items():
            table[f"{name}_{label}"] = grouped[name].quantile(q).reindex(everything).to_numpy()
    return table


def failure_table(
    plan: SweepPlan, rows: dict[tuple[int, int], dict], runs: pd.DataFrame
) -> pd.DataFrame:
    """The failed runs: where, with what inputs, and the error (with a short traceback)."""
    failed = runs[runs["error"] != ""][[*KEYS, *input_columns(plan), "error"]].copy()
    failed["traceback"] = [
        rows.get((p, r), {}).get("traceback", "")
        for p, r in zip(failed["point"], failed["replicate"], strict=True)
    ]
    return failed.reset_index(drop=True)
