"""Run replicates of a scenario: seeds, execution and the daily records each run leaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from tqdm import tqdm

from model.ledger import Ledger
from model.model import RepatriationModel
from model.scenario import Scenario


@dataclass
class ReplicateResult:
    replicate: int
    seed: int
    dates: list[date]
    ledger: Ledger
    province_persons: np.ndarray  # persons living in each province at the start

    def at_home_by_province(self) -> np.ndarray:
        """Persons still at home in each province at the end of each day (days x provinces):
        leaving home and arrest are the only ways out of it."""
        gone = self.ledger.left_home + self.ledger.arrests.sum(axis=2)
        return self.province_persons - np.cumsum(gone, axis=0)


def run_seed(entropy: int, *key: int) -> int:
    """The seed of one run: SeedSequence(entropy, spawn_key=key), as one integer."""
    sequence = np.random.SeedSequence(entropy, spawn_key=key)
    return int(sequence.generate_state(1, np.uint64)[0])


def replicate_seeds(entropy: int, replicates: int, point: int = 0) -> list[int]:
    """One seed per replicate, from SeedSequence(entropy, spawn_key=(point, replicate)).

    A run's seed depends only on the entropy, the design point and the replicate number, never
    on scheduling, chunking or the number of workers.
    """
    return [run_seed(entropy, point, replicate) for replicate in range(replicates)]


def run_replicate(scenario: Scenario, seed: int, replicate: int = 0) -> ReplicateResult:
    model = RepatriationModel(scenario, rng=seed)
    model.run_model()
    population = model.population
    persons = np.bincount(population.province, population.size, len(scenario.provinces))
    return ReplicateResult(replicate, seed, model.dates, model.ledger, persons.astype(np.int64))


def run_replicates(
    scenario: Scenario, seeds: list[int], progress: bool = True
) -> list[ReplicateResult]:
    bar = tqdm(seeds, desc=f"{scenario.name}", unit="run", disable=not progress, leave=False)
    return [run_replicate(scenario, seed, i) for i, seed in enumerate(bar)]


def run_each(
    scenarios: list[Scenario], seeds: list[int], progress: bool = True
) -> list[ReplicateResult]:
    """Replicate i runs scenarios[i] with seeds[i] (e.g. one posterior draw per replicate)."""
    pairs = tqdm(
        list(zip(scenarios, seeds, strict=True)), desc="posterior", unit="run", disable=not progress
    )
    return [run_replicate(scenario, seed, i) for i, (scenario, seed) in enumerate(pairs)]
