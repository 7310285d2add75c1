"""Run a scenario for the explorer and reduce the replicates to what its views show.

The runs are those of `ifrp run` (same seeds from the same root seed, same tables), so a
scenario saved from the explorer reproduces its curves exactly on the command line.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.compare import tables as compare
from experiments.compare.tables import HEADLINE
from experiments.core import plotting
from experiments.core.executors import Execution
from experiments.core.manifest import build_manifest, now
from experiments.core.replicates import ReplicateResult, replicate_jobs, replicate_seeds, run_jobs
from experiments.core.tables import counted_days, daily_table, summary_table
from model.population import State
from model.scenario import Scenario
from model.schema import UNDOCUMENTED


@dataclass(eq=False)  # compared by identity: its arrays have no single truth value
class Outcome:
    """The replicates of one scenario and the series drawn from them (persons)."""

    scenario: Scenario
    entropy: int
    results: list[ReplicateResult] = field(repr=False)
    started: str = ""

    @property
    def dates(self) -> list[date]:
        return self.results[0].dates

    @property
    def seeds(self) -> list[int]:
        return [r.seed for r in self.results]

    @cached_property
    def summary(self) -> pd.DataFrame:
        return summary_table(self.results, self.scenario)

    @cached_property
    def daily(self) -> pd.DataFrame:
        return daily_table(self.results, self.scenario)

    @cached_property
    def crossings(self) -> dict[str, np.ndarray]:
        """Daily crossings of undocumented persons by route and in total: replicates x days."""
        return plotting.route_series(self.results, self.scenario)

    @cached_property
    def cumulative(self) -> dict[str, np.ndarray]:
        """Departures counted from count_start, as reported: replicates x counted days."""
        window = counted_days(self.scenario)
        return {k: np.cumsum(v[:, window], axis=1) for k, v in self.crossings.items()}

    @property
    def counted_dates(self) -> list[date]:
        return self.dates[counted_days(self.scenario)]

    @cached_property
    def by_status(self) -> dict[str, np.ndarray]:
        """Departures by legal status since timeline.returns_count_start: replicates x days."""
        return plotting.status_series(self.results, self.scenario)

    @property
    def returns_dates(self) -> list[date]:
        return self.dates[plotting.returns_window(self.scenario)]

    @cached_property
    def queues(self) -> np.ndarray:
        """Persons queueing at each crossing: replicates x days x crossings."""
        return np.stack([r.ledger.queue for r in self.results])

    @cached_property
    def enforcement(self) -> dict[str, np.ndarray]:
        """Arrests and deportations per day, and persons in detention: replicates x days."""
        return {
            "arrested": np.stack(
                [r.ledger.arrests[:, :, UNDOCUMENTED].sum(1) for r in self.results]
            ),
            "detained": np.stack(
                [r.ledger.states[:, State.DETAINED, UNDOCUMENTED] for r in self.results]
            ),
            "deported": np.stack(
                [r.ledger.deported[:, :, UNDOCUMENTED].sum(1) for r in self.results]
            ),
        }

    @cached_property
    def at_home(self) -> np.ndarray:
        """Persons still at home by province (every status in the run): replicates x days x
        provinces. Who has left home is travelling, queueing, detained or gone."""
        return np.stack([r.at_home_by_province() for r in self.results])


def simulate(
    scenario: Scenario,
    replicates: int,
    entropy: int,
    execution: Execution | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Run `replicates` replicates with the seeds `ifrp run --seed ENTROPY` would use.

    With an execution of several workers the replicates run in parallel; `progress(done,
    total)` is called as they finish. The results are the same either way.
    """
    started = now()
    jobs = replicate_jobs(scenario, replicate_seeds(entropy, replicates))
    results = run_jobs(jobs, execution, progress=progress or False)
    return Outcome(scenario, entropy, results, started)


def differences(outcome: Outcome, baseline: Outcome) -> pd.DataFrame:
    """Headline outputs, the scenario minus the baseline on paired replicates (same seeds),
    with the 90% interval of `ifrp compare`."""
    runs = [_as_run_folder(baseline, "baseline"), _as_run_folder(outcome, "scenario")]
    table, _, _ = compare.difference_table(runs)
    table = table.set_index("output").loc[list(HEADLINE)]
    return table[
        ["reference_mean", "mean", "difference", "difference_ci90_low", "difference_ci90_high"]
    ]


def _as_run_folder(outcome: Outcome, label: str) -> compare.RunFolder:
    manifest = {"scenario": outcome.scenario.name}
    return compare.RunFolder(Path(label), label, manifest, outcome.summary, outcome.daily)


def results_archive(outcome: Outcome, scenario_toml: str, source: str) -> bytes:
    """A zip of the run folder `ifrp run` would write (summary.csv, daily.csv, manifest.json),
    with the scenario file that reproduces it."""
    manifest = build_manifest(
        outcome.scenario, source, outcome.entropy, outcome.seeds, outcome.started
    )
    manifest["command"] = f"ifrp explore (reproduce: ifrp run {source} " + (
        f"--replicates {len(outcome.results)} --seed {outcome.entropy})"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.csv", outcome.summary.to_csv(index=False))
        archive.writestr("daily.csv", outcome.daily.to_csv(index=False))
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")
        archive.writestr(source, scenario_toml)
    return buffer.getvalue()
