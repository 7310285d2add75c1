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
from functools import partial
from pathlib import Path

import numpy as np
from scipy.optimize import differential_evolution
from tqdm import tqdm

from experiments.calibration import algorithms as alg
from experiments.calibration.budget import Budget
from experiments.calibration.simulate import Problem, simulate_many
from experiments.core.executors import Execution
from experiments.core.inputs import read_json
from experiments.core.outputs import write_atomic
from model.schema import ScenarioError

# Seed streams. Every random number of a calibration comes from SeedSequence(entropy,
# spawn_key=KEY): a simulator run's seed from KEY = (stage, generation, index)
# (`Problem.seed`); the algorithms' own draws at a stage from (stage, number, ALGORITHM_DRAWS);
# the final resampling of the ABC posterior is number POSTERIOR_RESAMPLING of the ABC stage;
# differential evolution's draws have a key of their own.
ALGORITHM_DRAWS = 99
POSTERIOR_RESAMPLING = 999
DE_DRAWS = (alg.STAGE_BEST_FIT, 1)

Box = tuple[np.ndarray, np.ndarray]  # lower and upper corners in the unit cube


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
            previous = read_json(stamp, STATE_FILE)
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
            return _unpickle(path)
        value = compute()
        write_atomic(path, pickle.dumps(value))
        return value


STATE_FILE = "a calibration's state, written by ifrp calibrate (or --force to start again)"


def _unpickle(path: Path):
    """A finished stage's result (written whole by write_atomic: damage came from elsewhere)."""
    try:
        return pickle.loads(path.read_bytes())
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as error:
        problem = f"cannot be read ({type(error).__name__}); delete it to run its stage again"
        raise ScenarioError(str(path), "(file)", problem, STATE_FILE) from None


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
    """Screening, history matching, ABC-SMC and a best-fit point; each stage's result is saved
    in OUT/state as soon as it is done (the report is written by the command)."""
    stages = Stages(problem, budget, StateFolder(out, _configuration(problem, budget), force))
    stages.execution, stages.progress = execution, progress
    screening = stages.screening()
    simulator_var = stages.simulator_variance()
    waves, box = stages.history_matching(simulator_var)
    generations = stages.abc_smc(box)
    posterior, median = stages.posterior(generations)
    best_fit, best_fit_outputs = stages.best_fit(median)
    return Calibration(
        screening, waves, generations, posterior, best_fit, best_fit_outputs, simulator_var, box
    )


def _configuration(problem: Problem, budget: Budget) -> dict:
    """Everything the results depend on: the resume key of the state folder."""
    return {
        "entropy": problem.entropy,
        "method": alg.METHOD_VERSION,
        "budget": asdict(budget),
        "priors": [asdict(p) for p in problem.priors],
        "targets": [asdict(t) for t in problem.targets],
        "base": problem.base.to_dict(),
    }


class Stages:
    """The stages of a calibration, each run once and saved (`StateFolder.load_or`)."""

    def __init__(self, problem: Problem, budget: Budget, state: StateFolder) -> None:
        self.problem, self.budget, self.state = problem, budget, state
        self.execution: Execution | None = None
        self.progress = True
        targets = problem.targets
        self.fitted = np.array([t.kind != "derived" for t in targets])
        self.primary = np.array([t.kind == "primary" for t in targets])
        values = np.array([t.value for t in targets])
        sd = np.array([t.observation_sd for t in targets])
        self.observed, self.sd = values[self.fitted], sd[self.fitted]
        self.primary_observed, self.primary_sd = values[self.primary], sd[self.primary]

    def simulate(self, unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
        """The targets simulated at unit-cube points, each with its own seed (stage, generation,
        index)."""
        seeds = [self.problem.seed(stage, generation, i) for i in range(len(unit))]
        label = f"stage {stage}.{generation}"
        values = self.problem.natural(unit)
        return simulate_many(self.problem, values, seeds, self.execution, label, self.progress)

    def draws(self, stage: int, number: int) -> np.random.Generator:
        """The algorithms' own random numbers at a stage (which points, which particles)."""
        key = (stage, number, ALGORITHM_DRAWS)
        return np.random.default_rng(np.random.SeedSequence(self.problem.entropy, spawn_key=key))

    def screening(self) -> alg.Screening:
        def standardised(unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
            outputs = self.simulate(unit, stage, generation)[:, self.fitted]
            return (outputs - self.observed) / self.sd

        trajectories = self.budget.screening_trajectories
        draws = self.draws(alg.STAGE_SCREENING, 0)
        return self.state.load_or(
            "screening",
            partial(alg.morris, standardised, self.problem.dimension, trajectories, draws),
        )

    def simulator_variance(self) -> np.ndarray:
        """Replicate variance of each target at the centre of the prior."""

        def compute() -> np.ndarray:
            centre = np.full((self.budget.variance_replicates, self.problem.dimension), 0.5)
            return self.simulate(centre, alg.STAGE_PREDICTIVE, 0).var(axis=0, ddof=1)

        return self.state.load_or("simulator_var", compute)

    def history_matching(self, simulator_var: np.ndarray) -> tuple[list[alg.Wave], Box]:
        """Waves that rule out implausible regions; returns them and the last box."""
        discrepancy = np.array([t.model_discrepancy for t in self.problem.targets])[self.fitted]
        model_var = simulator_var[self.fitted] + (discrepancy * self.observed) ** 2

        def fitted_outputs(unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
            return self.simulate(unit, stage, generation)[:, self.fitted]

        waves: list[alg.Wave] = []
        low, high = np.zeros(self.problem.dimension), np.ones(self.problem.dimension)
        for number in range(self.budget.waves):
            wave = partial(
                alg.history_wave,
                fitted_outputs,
                low,
                high,
                number,
                self.budget.wave_points,
                self.observed,
                self.sd**2,
                model_var,
                self.draws(alg.STAGE_HISTORY, number),
            )
            waves.append(self.state.load_or(f"wave_{number}", wave))
            low, high = alg.next_box(waves[-1])
        return waves, (low, high)

    def distance(self, outputs: np.ndarray) -> np.ndarray:
        """ABC's distance: the root mean square standardised error of the primary targets.

        The soft secondary targets rule regions out (history matching) but not here: secondary
        facts the model cannot meet jointly must not pull the posterior away from the reported
        totals.
        """
        errors = (outputs[:, self.primary] - self.primary_observed) / self.primary_sd
        return np.sqrt(np.mean(errors**2, axis=1))

    def abc_smc(self, box: Box) -> list[alg.Generation]:
        low, high = box
        first = partial(
            alg.abc_first_generation,
            self.simulate,
            self.distance,
            low,
            high,
            self.budget.particles,
            self.draws(alg.STAGE_ABC, 0),
        )
        generations = [self.state.load_or("generation_0", first)]
        for number in range(1, self.budget.generations):
            following = partial(
                alg.abc_next_generation,
                self.simulate,
                self.distance,
                generations[-1],
                number,
                low,
                high,
                self.draws(alg.STAGE_ABC, number),
                max_batches=self.budget.abc_max_batches,
            )
            generations.append(self.state.load_or(f"generation_{number}", following))
        return generations

    def posterior(self, generations: list[alg.Generation]) -> tuple[np.ndarray, np.ndarray]:
        """An equally weighted posterior sample (natural units) and its median point.

        The data leave most parameters free: their posterior median is a central value that
        does not hang on which particle happened to land nearest the data (scenario answers
        did).
        """
        resampling = self.draws(alg.STAGE_ABC, POSTERIOR_RESAMPLING)
        sample = alg.resample(generations[-1], self.budget.particles, resampling)
        median = self.problem.natural(np.median(sample, axis=0)[None, :])[0]
        return self.problem.natural(sample), median

    def best_fit(self, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        compute = partial(
            _best_fit, self.problem, self.budget, start, self.execution, self.progress
        )
        return self.state.load_or("best_fit", compute)


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
        rng=np.random.default_rng(np.random.SeedSequence(problem.entropy, spawn_key=DE_DRAWS)),
        x0=start_unit[free],
    )
    bar.close()
    best_unit = full(result.x[:, None])
    return problem.natural(best_unit)[0], mean_outputs(best_unit)[0]
