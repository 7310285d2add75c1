"""Run the simulator for many parameter vectors, in chunks, on any executor.

Each evaluation's seed comes from SeedSequence(entropy, spawn_key=(stage, generation, index)),
so results never depend on the executor, the chunking or the number of workers. An evaluation
returns every observation as the run would have shown it (the observation model), so that
the calibration compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

import numpy as np
from tqdm import tqdm

from experiments.calibration.parameters import Prior
from experiments.core.calibrated import lever_overrides, observation_levels
from experiments.core.executors import Execution, run_chunks
from experiments.core.replicates import run_seed
from experiments.observed.observation_model import Layout, Records, predict
from experiments.observed.observations import Observation
from model.model import RepatriationModel
from model.scenario import Scenario, ScenarioError

CHUNK = 16

Box = tuple[tuple[float, ...], tuple[float, ...]]  # lower and upper corners, unit cube


@dataclass(frozen=True)
class Problem:
    """What a calibration fits: a base scenario, levers with priors, observations with their
    fixed levels, and the part of the prior's unit cube it searches (`box`)."""

    base: Scenario
    priors: tuple[Prior, ...]
    observations: tuple[Observation, ...]
    levels: tuple[tuple[str, float], ...]  # the observation model's fixed levels
    entropy: int
    box: Box

    @property
    def dimension(self) -> int:
        return len(self.priors)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.priors)

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
        return self.base.with_overrides(lever_overrides(self.base, self.names, values))

    def observation_levels(self, values: np.ndarray) -> dict[str, float]:
        """The fixed levels, and the calibrated ones (levers named `observation.NAME`)."""
        return {**dict(self.levels), **observation_levels(self.names, values)}


def whole_cube(dimension: int) -> Box:
    return (0.0,) * dimension, (1.0,) * dimension


def box_around(start: np.ndarray, width: float) -> Box:
    """The box of `width` (a share of each prior's unit range) centred on `start` (unit cube),
    shifted inside the cube where it would stick out."""
    low = np.clip(np.asarray(start) - width / 2, 0.0, 1.0 - width)
    return tuple(map(float, low)), tuple(map(float, low + width))


def calibration_scenario(base: Scenario, observations: list[Observation]) -> Scenario:
    """The base scenario run over every day an observation needs (its start is kept: a row
    whose days begin before it cannot be read and is refused)."""
    read = [o for o in observations if o.use != "none"]
    first = min(read, key=lambda o: o.model_from)
    if first.model_from < base.timeline.start:
        raise ScenarioError(
            f"{first.file}, line {first.line}",
            "model_from",
            f"{first.model_from} is before the run's start, {base.timeline.start}",
            f"{base.timeline.start} or later",
        )
    end = max(max(o.model_to for o in read), base.timeline.end)
    return base.with_overrides({"timeline.end": end}, source="observations")


def simulate_records(
    problem: Problem, values: np.ndarray, seed: int
) -> tuple[np.ndarray, Records, date]:
    """One run at `values`: the observations as it shows them, its records and first day."""
    scenario = problem.scenario(values)
    model = RepatriationModel(scenario, rng=seed)
    model.run_model()
    records = Records.of(model.ledger)
    levels = problem.observation_levels(values)
    layout = Layout.of(scenario)
    return predict(records, layout, list(problem.observations), levels), records, layout.start


def simulate_one(problem: Problem, values: np.ndarray, seed: int) -> np.ndarray:
    return simulate_records(problem, values, seed)[0]


def _simulate_chunk(problem: Problem, keep_records: bool, chunk: tuple) -> list:
    values, seeds = chunk
    run = simulate_records if keep_records else simulate_one
    return [run(problem, v, s) for v, s in zip(values, seeds, strict=True)]


def simulate_many(
    problem: Problem,
    values: np.ndarray,
    seeds: list[int],
    execution: Execution | None = None,
    label: str = "runs",
    progress: bool = True,
    keep_records: bool = False,
):
    """The observations as simulated (rows: evaluations, columns: observations) at
    natural-unit `values`; with `keep_records`, a list of (observations, Records, first day)."""
    values = np.atleast_2d(values)
    chunks = [(values[i : i + CHUNK], seeds[i : i + CHUNK]) for i in range(0, len(values), CHUNK)]
    with tqdm(total=len(values), desc=label, unit="run", disable=not progress, leave=False) as bar:
        rows = run_chunks(
            partial(_simulate_chunk, problem, keep_records),
            chunks,
            execution,
            on_done=lambda chunk, _: bar.update(len(chunk[1])),
        )
    results = [result for chunk in rows for result in chunk]
    if keep_records:
        return results
    return np.array(results) if results else np.empty((0, len(problem.observations)))
