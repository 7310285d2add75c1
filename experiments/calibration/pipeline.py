"""The calibration pipeline: screening -> history matching -> ABC-SMC -> best-fit point, inside
the part of the prior searched (`Problem.box`).

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

Corners = tuple[np.ndarray, np.ndarray]  # lower and upper corners of a box in the unit cube


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

    def __init__(self, folder: Path, config: dict, force: bool, option: str = "--out") -> None:
        """`option`: the command-line option that named `folder`, for the error message."""
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
                    option,
                    "holds a different calibration "
                    "(other observations, priors, box, budget, seed or method version)",
                    "the same configuration to resume, or --force to start again",
                )
            if previous.get("hash") != digest.hexdigest():
                for old in self.folder.glob("*.pkl"):
                    old.unlink()
        write_atomic(stamp, json.dumps({"hash": digest.hexdigest(), **config}, default=str))

    def load_or(self, name: str, compute: Callable, kind: type):
        """The stage `name`'s result (of type `kind`): read back if finished, else computed."""
        path = self.folder / f"{name}.pkl"
        if path.exists():
            return _unpickle(path, kind)
        value = compute()
        write_atomic(path, pickle.dumps(value))
        return value


STATE_FILE = "a calibration's state, written by ifrp calibrate (or --force to start again)"


def _unpickle(path: Path, kind: type):
    """A finished stage's result (written whole by write_atomic: damage came from elsewhere)."""
    try:
        value = pickle.loads(path.read_bytes())
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as error:
        problem = f"cannot be read ({type(error).__name__}); delete it to run its stage again"
        raise ScenarioError(str(path), "(file)", problem, STATE_FILE) from None
    if not isinstance(value, kind):
        problem = (
            f"holds a {type(value).__name__}, not this stage's {kind.__name__}; delete it to "
            "run its stage again"
        )
        raise ScenarioError(str(path), "(file)", problem, STATE_FILE)
    return value


# Documentation in the data tables: editing it changes no number, so no calibration.
PROSE_FIELDS = ("source", "counts", "url", "note", "model_note", "place", "units", "line", "file")


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
        "observations": [asdict(o) for o in problem.observations],
        "levels": problem.levels,
        "box": problem.box,
        "base": problem.base.to_dict(),
    }


class Stages:
    """The stages of a calibration, each run once and saved (`StateFolder.load_or`)."""

    def __init__(self, problem: Problem, budget: Budget, state: StateFolder) -> None:
        self.problem, self.budget, self.state = problem, budget, state
        self.execution: Execution | None = None
        self.progress = True
        self.fitted = fitted_mask(problem.observations)
        self.fit = [o for o, f in zip(problem.observations, self.fitted, strict=True) if f]
        self.observed = np.array([o.value for o in self.fit])
        self.sd = np.array([o.observation_sd * o.value for o in self.fit])

    def simulate(self, unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
        """The observations simulated at unit-cube points, each run with its own seed (stage,
        generation, index)."""
        seeds = [self.problem.seed(stage, generation, i) for i in range(len(unit))]
        label = f"stage {stage}.{generation}"
        values = self.problem.natural(unit)
        return simulate_many(self.problem, values, seeds, self.execution, label, self.progress)

    def fitted_outputs(self, unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
        """The fitted observations as simulated, a bound met counting as the bound itself."""
        outputs = self.simulate(unit, stage, generation)[:, self.fitted]
        return censor(outputs, self.fit)

    def draws(self, stage: int, number: int) -> np.random.Generator:
        """The algorithms' own random numbers at a stage (which points, which particles)."""
        key = (stage, number, ALGORITHM_DRAWS)
        return np.random.default_rng(np.random.SeedSequence(self.problem.entropy, spawn_key=key))

    def screening(self) -> alg.Screening:
        def standardised(unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
            return (self.fitted_outputs(unit, stage, generation) - self.observed) / self.sd

        trajectories = self.budget.screening_trajectories
        draws = self.draws(alg.STAGE_SCREENING, 0)
        low, high = (np.array(corner) for corner in self.problem.box)

        def in_box(unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
            return standardised(low + unit * (high - low), stage, generation)

        return self.state.load_or(
            "screening",
            partial(alg.morris, in_box, self.problem.dimension, trajectories, draws),
            alg.Screening,
        )

    def simulator_variance(self) -> np.ndarray:
        """Replicate variance of each fitted observation at the centre of the searched box."""

        def compute() -> np.ndarray:
            low, high = (np.array(corner) for corner in self.problem.box)
            centre = np.repeat(((low + high) / 2)[None, :], self.budget.variance_replicates, 0)
            return self.fitted_outputs(centre, alg.STAGE_PREDICTIVE, 0).var(axis=0, ddof=1)

        return self.state.load_or("simulator_var", compute, np.ndarray)

    def history_matching(self, simulator_var: np.ndarray) -> tuple[list[alg.Wave], Corners]:
        """Waves that rule out implausible regions of the searched box; returns them and the
        last box."""
        waves: list[alg.Wave] = []
        low, high = (np.array(corner) for corner in self.problem.box)
        for number in range(self.budget.waves):
            wave = partial(
                alg.history_wave,
                self.fitted_outputs,
                low,
                high,
                number,
                self.budget.wave_points,
                self.observed,
                self.sd**2,
                simulator_var,
                self.draws(alg.STAGE_HISTORY, number),
            )
            waves.append(self.state.load_or(f"wave_{number}", wave, alg.Wave))
            low, high = alg.next_box(waves[-1])
        return waves, (low, high)

    def distance(self, outputs: np.ndarray) -> np.ndarray:
        """ABC's distance: the root mean square standardised error over every fitted
        observation (route totals, time series, arrests and deportations alike)."""
        errors = (censor(outputs[:, self.fitted], self.fit) - self.observed) / self.sd
        return np.sqrt(np.mean(errors**2, axis=1))

    def abc_smc(self, box: Corners) -> list[alg.Generation]:
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
        generations = [self.state.load_or("generation_0", first, alg.Generation)]
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
            generations.append(
                self.state.load_or(f"generation_{number}", following, alg.Generation)
            )
        return generations

    def posterior(self, generations: list[alg.Generation]) -> tuple[np.ndarray, np.ndarray]:
        """An equally weighted posterior sample (natural units) and its median point.

        The data leave some parameters free: their posterior median is a central value that
        does not hang on which particle happened to land nearest the data (scenario answers
        did).
        """
        resampling = self.draws(alg.STAGE_ABC, POSTERIOR_RESAMPLING)
        sample = alg.resample(generations[-1], self.budget.particles, resampling)
        median = self.problem.natural(np.median(sample, axis=0)[None, :])[0]
        return self.problem.natural(sample), median

    def best_fit(self, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        compute = partial(_best_fit, self, start, self.execution, self.progress)
        return self.state.load_or("best_fit", compute, tuple)


def fitted_mask(observations) -> np.ndarray:
    return np.array([o.use == "fit" for o in observations])


def censor(outputs: np.ndarray, observations) -> np.ndarray:
    """Simulated values with every bound that is met replaced by the bound itself: a count
    above a lower bound (or below an upper one) agrees with it."""
    observed = np.array([o.value for o in observations])
    lower = np.array([o.bound == "lower" for o in observations])
    upper = np.array([o.bound == "upper" for o in observations])
    met = (lower & (outputs > observed)) | (upper & (outputs < observed))
    return np.where(met, observed, outputs)


def _best_fit(
    stages: Stages, start: np.ndarray, execution, progress: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Differential evolution on the level parameters with common random numbers.

    The other parameters stay at their posterior median (`start`); the objective is the ABC
    distance of the observations averaged over the same seeds for every candidate, so that
    candidates differ only by their parameters.
    """
    problem, budget = stages.problem, stages.budget
    free = [problem.names.index(name) for name in budget.level_parameters]
    seeds = [problem.seed(alg.STAGE_BEST_FIT, 0, k) for k in range(budget.best_fit_seeds)]
    start_unit = problem.unit(start)[0]
    low, high = (np.array(corner)[free] for corner in problem.box)

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
        return stages.distance(mean_outputs(full(unit_free))) ** 2

    bar = tqdm(total=budget.de_maxiter, desc="best fit (DE)", unit="gen", disable=not progress)

    def tick(*_) -> None:
        bar.update(1)

    result = differential_evolution(
        objective,
        callback=tick,
        bounds=list(zip(low, high, strict=True)),
        popsize=budget.de_popsize,
        maxiter=budget.de_maxiter,
        tol=0.0,
        polish=False,
        init="latinhypercube",
        updating="deferred",
        vectorized=True,
        rng=np.random.default_rng(np.random.SeedSequence(problem.entropy, spawn_key=DE_DRAWS)),
        x0=np.clip(start_unit[free], low, high),
    )
    bar.close()
    best_unit = full(result.x[:, None])
    return problem.natural(best_unit)[0], mean_outputs(best_unit)[0]
