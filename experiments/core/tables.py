"""Turn replicate results into tables (persons): the contract's summary.csv and daily.csv,
arrests.csv (by province and day), and monthly.csv and yearly.csv with their bands over
replicates (monthly_bands.csv, yearly_bands.csv)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from experiments.core.replicates import ReplicateResult
from model.population import State
from model.scenario import Scenario
from model.schema import ROUTES, STATUSES, UNDOCUMENTED


def counted_days(scenario: Scenario) -> slice:
    """Days from count_start to the report date (the run's last day), inclusive."""
    return slice(scenario.timeline.index(scenario.timeline.count_start), scenario.timeline.days)


def summary_table(results: list[ReplicateResult], scenario: Scenario) -> pd.DataFrame:
    """One row per replicate: departures by route and kind, as of the report date."""
    routes = scenario.checkpoint_routes
    window = counted_days(scenario)
    documented = documented_statuses(scenario)
    rows = []
    for r in results:
        ledger = r.ledger
        crossed = ledger.crossed[window, :, UNDOCUMENTED].sum(axis=0)
        row = {"replicate": r.replicate, "seed": r.seed}
        row["total"] = int(crossed.sum())
        for route in ROUTES:
            row[route] = int(crossed[routes == route].sum())
        last = ledger.states[-1]
        row["remaining"] = int(last[: State.DEPARTED, UNDOCUMENTED].sum())
        row["deported"] = int(ledger.deported[window, :, UNDOCUMENTED].sum())
        row["arrested"] = int(ledger.arrests[window, :, UNDOCUMENTED].sum())
        row["detained_at_end"] = int(last[State.DETAINED, UNDOCUMENTED])
        row["queueing_at_end"] = int(last[State.QUEUEING, UNDOCUMENTED])
        row["travelling_at_end"] = int(last[State.TRAVELLING, UNDOCUMENTED])
        row["peak_queue"] = int(ledger.queue.max())
        for status in documented:
            index = STATUSES.index(status)
            row[f"{status}_departed"] = int(ledger.crossed[window, :, index].sum())
            row[f"{status}_remaining"] = int(last[: State.DEPARTED, index].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def documented_statuses(scenario: Scenario) -> list[str]:
    """The card holders' statuses the scenario models (a population above 0)."""
    return [s for s in STATUSES if s != "undocumented" and scenario.population.persons(s)]


def status_column(status: str, what: str) -> str:
    """The column of `what` (crossed, deported, arrested) for a legal status in daily.csv and
    arrests.csv: `what` for the undocumented (the contract's), `<status>_<what>` for card
    holders."""
    return what if status == "undocumented" else f"{status}_{what}"


def daily_table(results: list[ReplicateResult], scenario: Scenario) -> pd.DataFrame:
    """Long format: one row per replicate x date x checkpoint; `crossed` and `deported` count
    the undocumented, `<status>_crossed` and `<status>_deported` each card holders' status
    the scenario models."""
    checkpoints = [spec.id for spec in scenario.checkpoints]
    routes = scenario.checkpoint_routes
    statuses = ["undocumented", *documented_statuses(scenario)]
    frames = []
    for r in results:
        columns = _grid(r, "checkpoint", checkpoints)
        columns["route"] = np.tile(routes, len(r.dates))
        columns.update(_by_status(r.ledger.crossed, "crossed", statuses))
        columns.update(_by_status(r.ledger.deported, "deported", statuses))
        columns["queue"] = r.ledger.queue.ravel()
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True)


def arrests_table(results: list[ReplicateResult], scenario: Scenario) -> pd.DataFrame:
    """Long format: one row per replicate x date x province; `arrested` counts the
    undocumented arrested that day, `<status>_arrested` each card holders' status modelled."""
    provinces = [p.id for p in scenario.provinces]
    statuses = ["undocumented", *documented_statuses(scenario)]
    frames = []
    for r in results:
        columns = _grid(r, "province", provinces)
        columns.update(_by_status(r.ledger.arrests, "arrested", statuses))
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True)


def _grid(r: ReplicateResult, place: str, places: list[str]) -> dict:
    """The key columns of a day x place table: replicate, date, place."""
    return {
        "replicate": r.replicate,
        "date": np.repeat([d.isoformat() for d in r.dates], len(places)),
        place: np.tile(places, len(r.dates)),
    }


def _by_status(counts: np.ndarray, what: str, statuses: list[str]) -> dict:
    """A ledger array (days x places x statuses) as one column per status, days x places."""
    return {
        status_column(status, what): counts[:, :, STATUSES.index(status)].ravel()
        for status in statuses
    }


MONTHLY_OUTPUTS = (
    *(f"departed_{route}" for route in ROUTES),
    "departed",
    "deported",
    "arrested",
    "remaining",
)
BANDS = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


def monthly_table(results: list[ReplicateResult], scenario: Scenario) -> pd.DataFrame:
    """One row per replicate x calendar month x legal status modelled: departures by route and
    in all, deportations and arrests in the month, and persons remaining at its end (the
    first and last months are partial: the run's start and report date cut them)."""
    months = pd.PeriodIndex(results[0].dates, freq="M")
    ends = np.flatnonzero(np.r_[months[1:] != months[:-1], True])  # each month's last day
    routes = scenario.checkpoint_routes
    statuses = [s for s in STATUSES if scenario.population.persons(s)]
    frames = []
    for r in results:
        ledger = r.ledger
        for status in statuses:
            index = STATUSES.index(status)
            daily = {
                f"departed_{route}": ledger.crossed[:, routes == route, index].sum(axis=1)
                for route in ROUTES
            }
            daily["departed"] = ledger.crossed[:, :, index].sum(axis=1)
            daily["deported"] = ledger.deported[:, :, index].sum(axis=1)
            daily["arrested"] = ledger.arrests[:, :, index].sum(axis=1)
            frame = pd.DataFrame(daily).groupby(months.astype(str)).sum()
            frame["remaining"] = ledger.states[ends, : State.DEPARTED, index].sum(axis=1)
            frame.insert(0, "status", status)
            frame.insert(0, "replicate", r.replicate)
            frames.append(frame.rename_axis("month").reset_index())
    table = pd.concat(frames, ignore_index=True)
    return table[["replicate", "month", "status", *MONTHLY_OUTPUTS]]


FLOWS = [output for output in MONTHLY_OUTPUTS if output != "remaining"]
ALL_STATUSES = "all"  # yearly.csv's sum over the statuses modelled


def yearly_table(monthly: pd.DataFrame, dates: list[date]) -> pd.DataFrame:
    """monthly.csv by calendar year: one row per replicate x year x status (and `all`, their
    sum), the flows summed and `remaining` at the year's end; `first_day` and `last_day` say
    what part of the year the run covers (`dates`: the run's days)."""
    table = monthly.assign(year=monthly["month"].str[:4].astype(int))
    groups = table.groupby(["replicate", "year", "status"], sort=False)
    yearly = groups[FLOWS].sum().join(groups["remaining"].last()).reset_index()
    everyone = yearly.groupby(["replicate", "year"], sort=False)[[*FLOWS, "remaining"]].sum()
    everyone = everyone.reset_index().assign(status=ALL_STATUSES)
    yearly = pd.concat([yearly, everyone], ignore_index=True)
    yearly = yearly.sort_values(["replicate", "year"], kind="stable").reset_index(drop=True)
    covered = pd.Series(dates, dtype="object").groupby([d.year for d in dates])
    yearly.insert(2, "first_day", yearly["year"].map(covered.min().map(date.isoformat)))
    yearly.insert(3, "last_day", yearly["year"].map(covered.max().map(date.isoformat)))
    return yearly[["replicate", "year", "first_day", "last_day", "status", *MONTHLY_OUTPUTS]]


def band_table(table: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """monthly.csv (or yearly.csv, `period="year"`) summarised over replicates: per period,
    status and output, the mean and the 5/25/50/75/95% quantiles (the 50% and 90% bands)."""
    keys = [period, *(["first_day", "last_day"] if "first_day" in table else [])]
    long = table.melt(
        id_vars=["replicate", *keys, "status"], var_name="output", value_name="persons"
    )
    grouped = long.groupby([*keys, "status", "output"], sort=False)["persons"]
    table = grouped.mean().rename("mean").to_frame()
    for label, q in BANDS.items():
        table[label] = grouped.quantile(q)
    return table.reset_index()
