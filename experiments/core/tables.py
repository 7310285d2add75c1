"""Turn replicate results into the contract's tables: summary.csv and daily.csv (persons)."""

from __future__ import annotations

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
    documented = [s for s in STATUSES if s != "undocumented" and scenario.population.persons(s)]
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


def daily_table(results: list[ReplicateResult], scenario: Scenario) -> pd.DataFrame:
    """Long format: one row per replicate x date x checkpoint."""
    checkpoints = [spec.id for spec in scenario.checkpoints]
    routes = scenario.checkpoint_routes
    frames = []
    for r in results:
        days, n = len(r.dates), len(checkpoints)
        frames.append(
            pd.DataFrame(
                {
                    "replicate": r.replicate,
                    "date": np.repeat([d.isoformat() for d in r.dates], n),
                    "checkpoint": np.tile(checkpoints, days),
                    "route": np.tile(routes, days),
                    "crossed": r.ledger.crossed[:, :, UNDOCUMENTED].ravel(),
                    "deported": r.ledger.deported[:, :, UNDOCUMENTED].ravel(),
                    "queue": r.ledger.queue.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
