"""The calibration pipeline: screening -> history matching -> ABC-SMC -> best-fit point.

Every stage's result is saved (atomically) under `OUT/state/` as soon as it is finished, so an
interrupted calibration resumes from its last finished wave or generation. A folder holding
the state of a different calibration (another configuration hash) is refused unless forced.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import differential_evolution
from tqdm import tqdm

from experiments.calibration import algorithms as alg
from experiments.calibration.budget import Budget
from experiments.calibration.simulate import Problem, simulate_many
from experiments.core.executors import Execution
from experiments.core.outputs import write_atomic
from model.schema import ScenarioError


@dataclass
class Calibration:
    screening: alg.Screening
    waves: list[alg.Wave]
    generations: list[alg.Generation]
    posterior: np.ndarray  # natural units, equally weighted
    best_fit: np.ndarray  # natural units
    best_fit_outputs: np.ndarray  # CRN mean of the targets at the best fit
    simulator_var: np.ndarray
    box: tuple[np.ndarray, np.ndarray]  # unit cube: history matching's last box, the ABC prior


class StateFolder:
    """Finished stages, pickled one file each, written atomically."""

    def __init__(self, folder: Path, config: dict, force: bool) -> None:
        self.folder = folder / "state"
        self.folder.mkdir(parents=True, exist_ok=True)
        key = json.dumps(_without_prose(config), sort_keys=True, default=str)
        digest = hashlib.sha256(key.encode())
        stamp = self.folder / "config.json"
        if stamp.exists():
            previous = json.loads(stamp.read_text(encoding="utf-8"))
            if previous.get("hash") != digest.hexdigest() and not force:
                raise ScenarioError(
                    str(folder),
                    "--out",
                    "holds a different calibration "
                    "(other targets, priors, budget, seed or method version)",
                    "the same configuration to resume, or --force to start again",
                )
            if previous.get("hash") != digest.hexdigest():
                for old in self.folder.glob("*.pkl"):
                    old.unlink()
        write_atomic(stamp, json.dumps({"hash": digest.hexdigest(), **config}, default=str))

    def load_or(self, name: str, compute: Callable):
        path = self.folder / f"{name}.pkl"
        if path.exists():
            return pickle.loads(path.read_bytes())
        value = compute()
        write_atomic(path, pickle.dumps(value))
        return value


# Documentation in the data tables: editing it changes no number, so no calibration.
PROSE_FIELDS = ("source", "counts")


def _without_prose(node):
    """The configuration without its source texts (the resume key)."""
    if isinstance(node, dict):
        return {k: _without_prose(v) for k, v in node.items() if k not in PROSE_FIELDS}
    if isinstance(node, list):
        return [_without_prose(v) for v in node]
    return node


def calibrate(
    problem: Problem,
    budget: Budget,
    out: Path,
    execution: Execution | None = None,
    progress: bool = True,
    force: bool = False,
) -> Calibration:
    config = {
        "entropy": problem.entropy,
        "method": alg.METHOD_VERSION,
        "budget": asdict(budget),
        "priors": [asdict(p) for p in problem.priors],
        "targets": [asdict(t) for t in problem.targets],
        "base": problem.base.to_dict(),
    }
    state = StateFolder(out, config, force)

    def simulate(unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
        seeds = [problem.seed(stage, generation, i) for i in range(len(unit))]
        label = f"stage {stage}.{generation}"
        return simulate_many(problem, problem.natural(unit), seeds, execution, label, progress)

    fitted = np.array([t.kind != "derived" for t in problem.targets])
    observed = np.array([t.value for t in problem.targets])[fitted]
    sd = np.array([t.observation_sd for t in problem.targets])[fitted]

    def rng(stage: int, number: int) -> np.random.Generator:
        return np.random.default_rng(
            np.random.SeedSequence(problem.entropy, spawn_key=(stage, number, 99))
        )

    screening = state.load_or(
        "screening",
        lambda: alg.morris(
            lambda u, s, g: _standardised(simulate(u, s, g), fitted, observed, sd),
            problem.dimension,
            budget.screening_trajectories,
            rng(alg.STAGE_SCREENING, 0),
        ),
    )
    simulator_var = state.load_or(
        "simulator_var", lambda: _simulator_var(problem, budget, simulate)
    )
    discrepancy = np.array([t.model_discrepancy for t in problem.targets])[fitted]
    model_var = simulator_var[fitted] + (discrepancy * observed) ** 2

    waves: list[alg.Wave] = []
    low, high = np.zeros(problem.dimension), np.ones(problem.dimension)
    for number in range(budget.waves):
        wave = state.load_or(
            f"wave_{number}",
            lambda low=low, high=high, number=number: alg.history_wave(
                lambda u, s, g: simulate(u, s, g)[:, fitted],
                low,
                high,
                number,
                budget.wave_points,
                observed,
                sd**2,
                model_var,
                rng(alg.STAGE_HISTORY, number),
            ),
        )
        waves.append(wave)
        low, high = alg.next_box(wave)

    # The soft secondary targets rule regions out (history matching) but the ABC likelihood
    # uses the independent primary targets only: secondary facts the model cannot meet jointly
    # must not pull the posterior away from the reported totals.
    primary = np.array([t.kind == "primary" for t in problem.targets])
    primary_observed = np.array([t.value for t in problem.targets])[primary]
    primary_sd = np.array([t.observation_sd for t in problem.targets])[primary]

    def distance(outputs: np.ndarray) -> np.ndarray:
        errors = (outputs[:, primary] - primary_observed) / primary_sd
        return np.sqrt(np.mean(errors**2, axis=1))

    generations = [
        state.load_or(
            "generation_0",
            lambda: alg.abc_first_generation(
                simulate, distance, low, high, budget.particles, rng(alg.STAGE_ABC, 0)
            ),
        )
    ]
    for number in range(1, budget.generations):
        previous = generations[-1]
        generations.append(
            state.load_or(
                f"generation_{number}",
                lambda previous=previous, number=number: alg.abc_next_generation(
                    simulate,
                    distance,
                    previous,
                    number,
                    low,
                    high,
                    rng(alg.STAGE_ABC, number),
                    max_batches=budget.abc_max_batches,
                ),
            )
        )
    sample = alg.resample(generations[-1], budget.particles, rng(alg.STAGE_ABC, 999))
    posterior = problem.natural(sample)
    # The data leave most parameters free: their posterior median is a central value that does
    # not hang on which particle happened to land nearest the data (scenario answers did).
    start = problem.natural(np.median(sample, axis=0)[None, :])[0]
    best = state.load_or("best_fit", lambda: _best_fit(problem, budget, start, execution, progress))
    return Calibration(
        screening, waves, generations, posterior, best[0], best[1], simulator_var, (low, high)
    )


def _standardised(outputs, fitted, observed, sd) -> np.ndarray:
    return (outputs[:, fitted] - observed) / sd


def _simulator_var(problem: Problem, budget: Budget, simulate) -> np.ndarray:
    """Replicate variance of each target at the centre of the prior."""
    centre = np.full((budget.variance_replicates, problem.dimension), 0.5)
    return simulate(centre, alg.STAGE_PREDICTIVE, 0).var(axis=0, ddof=1)


def _best_fit(
    problem: Problem, budget: Budget, start: np.ndarray, execution, progress: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Differential evolution on the level parameters with common random numbers.

    The other parameters stay at their posterior median (`start`); the objective is the
    sum of squared relative errors of the primary targets, plus that of their sum (the figure
    most quoted) counted four times, all averaged over the same seeds for every candidate, so
    candidates differ only by their parameters.
    """
    names = [p.name for p in problem.priors]
    free = [names.index(name) for name in budget.level_parameters]
    primary = np.array([t.kind == "primary" for t in problem.targets])
    observed = np.array([t.value for t in problem.targets])[primary]
    seeds = [problem.seed(alg.STAGE_BEST_FIT, 0, k) for k in range(budget.best_fit_seeds)]
    start_unit = problem.unit(start)[0]

    def full(unit_free: np.ndarray) -> np.ndarray:
        points = np.repeat(start_unit[None, :], unit_free.shape[1], axis=0)
        points[:, free] = unit_free.T
        return points

    def mean_outputs(points_unit: np.ndarray) -> np.ndarray:
        repeated = np.repeat(points_unit, len(seeds), axis=0)
        all_seeds = seeds * len(points_unit)
        outputs = simulate_many(
            problem, problem.natural(repeated), all_seeds, execution, "best fit", False
        )
        return outputs.reshape(len(points_unit), len(seeds), -1).mean(axis=1)

    def objective(unit_free: np.ndarray) -> np.ndarray:
        unit_free = np.asarray(unit_free)
        if unit_free.ndim == 1:
            unit_free = unit_free[:, None]
        means = mean_outputs(full(unit_free))[:, primary]
        total_error = (means.sum(axis=1) - observed.sum()) / observed.sum()
        return np.sum(((means - observed) / observed) ** 2, axis=1) + 4 * total_error**2

    bar = tqdm(total=budget.de_maxiter, desc="best fit (DE)", unit="gen", disable=not progress)

    def tick(*_) -> None:
        bar.update(1)

    result = differential_evolution(
        objective,
        callback=tick,
        bounds=[(0.0, 1.0)] * len(free),
        popsize=budget.de_popsize,
        maxiter=budget.de_maxiter,
        tol=0.0,
        polish=False,
        init="latinhypercube",
        updating="deferred",
        vectorized=True,
        rng=np.random.default_rng(np.random.SeedSequence(problem.entropy, spawn_key=(4, 1))),
        x0=start_unit[free],
    )
    bar.close()
    best_unit = full(result.x[:, None])
    return problem.natural(best_unit)[0], mean_outputs(best_unit)[0]
