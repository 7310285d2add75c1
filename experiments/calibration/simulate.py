"""Run the simulator for many parameter vectors, in chunks, on any executor.

Each evaluation's seed comes from SeedSequence(entropy, spawn_key=(stage, generation, index)),
so results never depend on the executor, the chunking or the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
from tqdm import tqdm

from experiments.calibration.parameters import Prior, overrides
from experiments.core.executors import Execution, run_chunks
from experiments.core.replicates import run_seed
from experiments.observed.targets import Target, observe
from model.model import RepatriationModel
from model.scenario import Scenario

CHUNK = 16


@dataclass(frozen=True)
class Problem:
    """What a calibration fits: a base scenario, parameters with priors, and targets."""

    base: Scenario
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    entropy: int

    @property
    def dimension(self) -> int:
        return len(self.priors)

    def natural(self, unit: np.ndarray) -> np.ndarray:
        """Unit-cube points (rows) in the parameters' own units."""
        unit = np.atleast_2d(unit)
        return np.column_stack([p.from_unit(unit[:, i]) for i, p in enumerate(self.priors)])

    def unit(self, natural: np.ndarray) -> np.ndarray:
        natural = np.atleast_2d(natural)
        return np.column_stack([p.to_unit(natural[:, i]) for i, p in enumerate(self.priors)])

    def seed(self, stage: int, generation: int, index: int) -> int:
        return run_seed(self.entropy, stage, generation, index)

    def scenario(self, values: np.ndarray) -> Scenario:
        return self.base.with_overrides(overrides(self.base, list(self.priors), values))


def simulate_one(problem: Problem, values: np.ndarray, seed: int) -> np.ndarray:
    scenario = problem.scenario(values)
    model = RepatriationModel(scenario, rng=seed)
    model.run_model()
    return observe(model.ledger, scenario, list(problem.targets))


def _simulate_chunk(problem: Problem, chunk: tuple[np.ndarray, list[int]]) -> np.ndarray:
    values, seeds = chunk
    return np.array([simulate_one(problem, v, s) for v, s in zip(values, seeds, strict=True)])


def simulate_many(
    problem: Problem,
    values: np.ndarray,
    seeds: list[int],
    execution: Execution | None = None,
    label: str = "runs",
    progress: bool = True,
) -> np.ndarray:
    """Simulated targets (rows: evaluations, columns: targets) for natural-unit `values`."""
    values = np.atleast_2d(values)
    chunks = [(values[i : i + CHUNK], seeds[i : i + CHUNK]) for i in range(0, len(values), CHUNK)]
    with tqdm(total=len(values), desc=label, unit="run", disable=not progress, leave=False) as bar:
        rows = run_chunks(
            partial(_simulate_chunk, problem),
            chunks,
            execution,
            on_done=lambda chunk, _: bar.update(len(chunk[1])),
        )
    return np.concatenate(rows) if rows else np.empty((0, len(problem.targets)))
