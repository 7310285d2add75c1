"""A run folder written by `ifrp run`, read back: its manifest, summary and daily records (and
its arrests by province, in folders that have them).

A damaged folder (a file missing or truncated, a manifest that does not describe its tables) is
refused with a `ScenarioError` naming the file, before any comparison or score is computed
from it: a truncated table would otherwise be compared as if it were a shorter run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.core.inputs import read_frame, read_json
from model.schema import ROUTES, ScenarioError

FILES = ("manifest.json", "summary.csv", "daily.csv")
WRITTEN_BY = "a run folder written by `ifrp run`"
SUMMARY_COLUMNS = ("replicate", "seed")
DAILY_COLUMNS = ("replicate", "date", "checkpoint", "route", "crossed")
ARRESTS = "arrests.csv"  # optional: folders written before ifrp wrote it lack it
ARRESTS_COLUMNS = ("replicate", "date", "province", "arrested")


@dataclass
class RunFolder:
    path: Path
    label: str
    manifest: dict
    summary: pd.DataFrame
    daily: pd.DataFrame = field(repr=False)
    arrests: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def scenario(self) -> str:
        return str(self.manifest.get("scenario", self.path.name))


def read_run(path: Path) -> RunFolder:
    """A run folder written by `ifrp run` (manifest.json, summary.csv, daily.csv), checked."""
    path = Path(path)
    for name in FILES:
        if not (path / name).is_file():
            raise ScenarioError(str(path), name, "missing", WRITTEN_BY)
    manifest = read_json(path / "manifest.json", f"the manifest of {WRITTEN_BY}")
    seeds = _check_manifest(manifest, path / "manifest.json")
    summary = read_frame(path / "summary.csv", f"the summary of {WRITTEN_BY}", dtype={"seed": str})
    _check_table(summary, path / "summary.csv", SUMMARY_COLUMNS)
    summary = _numbers(summary, path / "summary.csv", keep=("seed",))
    summary["seed"] = _seeds(summary["seed"], path / "summary.csv")
    _check_summary(summary, seeds, path / "summary.csv")
    daily = read_frame(path / "daily.csv", f"the daily records of {WRITTEN_BY}")
    _check_table(daily, path / "daily.csv", DAILY_COLUMNS)
    daily = _numbers(daily, path / "daily.csv", keep=("date", "checkpoint", "route"))
    _check_daily(daily, seeds, str(manifest["report_date"]), path / "daily.csv")
    arrests = _read_arrests(path / ARRESTS, seeds, str(manifest["report_date"]))
    return RunFolder(path, str(manifest["scenario"]), manifest, summary, daily, arrests)


def _read_arrests(file: Path, seeds: list[int], report_date: str) -> pd.DataFrame | None:
    if not file.is_file():
        return None
    arrests = read_frame(file, f"the arrests by province of {WRITTEN_BY}")
    _check_table(arrests, file, ARRESTS_COLUMNS)
    arrests = _numbers(arrests, file, keep=("date", "province"))
    _check_grid(arrests, seeds, report_date, file, "province")
    return arrests


def _check_manifest(manifest: dict, file: Path) -> list[int]:
    """The manifest's seeds, once the entries the tables are checked against are sound."""
    if not isinstance(manifest.get("scenario"), str) or not manifest["scenario"]:
        raise ScenarioError(str(file), "scenario", "missing or not text", WRITTEN_BY)
    for key in ("count_start", "report_date"):
        try:
            date.fromisoformat(str(manifest.get(key)))
        except ValueError:
            problem = f"{manifest.get(key)!r} is not a date"
            raise ScenarioError(str(file), key, problem, "a date YYYY-MM-DD") from None
    seeds = manifest.get("seeds")
    whole = isinstance(seeds, list) and all(
        isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**64 for seed in seeds
    )
    if not whole or not seeds or manifest.get("replicates") != len(seeds):
        problem = "seeds and replicates do not match (a list of one seed per replicate)"
        raise ScenarioError(str(file), "seeds", problem, WRITTEN_BY)
    return seeds


def _check_table(table: pd.DataFrame, file: Path, columns: tuple[str, ...]) -> None:
    missing = [name for name in columns if name not in table.columns]
    if missing:
        raise ScenarioError(str(file), ", ".join(missing), "missing column", ", ".join(columns))
    empty = table.isna()
    if empty.any(axis=None):
        column = table.columns[empty.any().to_numpy().argmax()]
        _refuse_row(empty[column], file, f"no {column} (a truncated file?)")


# Counts are exact in a float below 2**53; more persons than that is no count ifrp wrote.
LARGEST_COUNT = 2**53


def _numbers(table: pd.DataFrame, file: Path, keep: tuple[str, ...]) -> pd.DataFrame:
    """The table with every column but `keep` as counts: whole numbers >= 0, all that ifrp
    writes there (replicates, persons)."""
    table = table.copy()
    for column in table.columns.drop(list(keep), errors="ignore"):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values)
        if bad.any():
            _refuse_row(bad, file, f"a {column} that is not a number")
        bad = (values < 0) | (values % 1 != 0) | (values >= LARGEST_COUNT)
        if bad.any():
            _refuse_row(bad, file, f"a {column} that is not a whole number >= 0")
        table[column] = values
    return table


def _seeds(seeds: pd.Series, file: Path) -> pd.Series:
    """The seeds as numpy's unsigned 64-bit integers (too large for pandas' number parsing)."""
    bad = seeds.map(lambda text: not text.isdigit() or int(text) >= 2**64)
    if bad.any():
        _refuse_row(bad, file, "a seed that is not a whole number from 0 to 2**64 - 1")
    return seeds.astype("uint64")


def _refuse_row(bad: pd.Series, file: Path, problem: str) -> None:
    """Raise for the first row where `bad` holds, naming its line (the header is line 1)."""
    row = int(bad.to_numpy().nonzero()[0][0])
    raise ScenarioError(str(file), f"line {row + 2}", problem, WRITTEN_BY)


def _check_summary(summary: pd.DataFrame, seeds: list[int], file: Path) -> None:
    """One row per replicate, in order, with the manifest's seeds (else rows were lost)."""
    replicates = summary["replicate"].tolist()
    if replicates != list(range(len(seeds))) or summary["seed"].tolist() != seeds:
        problem = (
            f"{len(summary)} rows, replicates {_span(replicates)}; the manifest has "
            f"{len(seeds)} replicates with their seeds"
        )
        raise ScenarioError(str(file), "replicate, seed", problem, "the rows the manifest lists")
    if {"total", *ROUTES} <= set(summary.columns):  # an output it lacks is left out of tables
        differs = summary[list(ROUTES)].sum(axis=1) != summary["total"]
        if differs.any():
            _refuse_row(differs, file, f"a total other than {' + '.join(ROUTES)}")


def _check_daily(daily: pd.DataFrame, seeds: list[int], report_date: str, file: Path) -> None:
    """One row per replicate, day and checkpoint, every day up to the report date, and each
    checkpoint on one route: a lost or edited row breaks the grid."""
    unknown = ~daily["route"].isin(ROUTES)
    if unknown.any():
        _refuse_row(unknown, file, f"a route that is not one of {', '.join(ROUTES)}")
    _check_grid(daily, seeds, report_date, file, "checkpoint")
    if not (daily.groupby("checkpoint")["route"].nunique() == 1).all():
        problem = "a checkpoint on more than one route (an edited file?)"
        raise ScenarioError(str(file), "checkpoint, route", problem, "one route per checkpoint")


def _check_grid(
    table: pd.DataFrame, seeds: list[int], report_date: str, file: Path, place: str
) -> None:
    """One row per replicate, day and place, every day up to the report date: a lost or
    edited row breaks the grid."""
    dates = pd.to_datetime(table["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        _refuse_row(dates.isna(), file, "a date that is not YYYY-MM-DD")
    rows = table.groupby("replicate").size()
    grid = table["date"].nunique() * table[place].nunique()
    complete = (
        rows.index.tolist() == list(range(len(seeds)))
        and (rows == grid).all()
        and not table.duplicated(["replicate", "date", place]).any()
        and table["date"].max() == report_date
    )
    if not complete:
        problem = (
            f"{len(rows)} replicates of {rows.min()} to {rows.max()} rows up to "
            f"{table['date'].max()} (a truncated or edited file?)"
        )
        allowed = (
            f"one row per day up to {report_date} and {place} for each of {len(seeds)} replicates"
        )
        raise ScenarioError(str(file), f"replicate, date, {place}", problem, allowed)


def _span(values: list[int]) -> str:
    """The replicates found, as "0..9" (or "none")."""
    return f"{min(values)}..{max(values)}" if values else "none"
