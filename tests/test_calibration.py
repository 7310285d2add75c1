"""Calibration on synthetic data at a small population: recovery, resumption, invariance."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from experiments.calibration.parameters import load_priors
from experiments.calibration.pipeline import Budget, Stages, StateFolder, calibrate
from experiments.calibration.simulate import (
    Problem,
    box_around,
    calibration_scenario,
    simulate_many,
    whole_cube,
)
from experiments.core.executors import open_executor
from experiments.observed.observations import load_observations
from model.scenario import ScenarioError, default_scenario

PERSONS = 40_000
LEVELS = (("documented_share", 0.12), ("un_coverage", 0.9))
FREE = (
    "behaviour.fear_hazard",
    "enforcement.arrest_hazard",
    "kp_other_share",
    "balochistan_population_share",
)
SMALL = Budget(
    screening_trajectories=2,
    waves=1,
    wave_points=48,
    particles=50,
    generations=2,
    best_fit_seeds=2,
    de_popsize=3,
    de_maxiter=2,
    variance_replicates=4,
    level_parameters=("behaviour.fear_hazard", "kp_other_share", "balochistan_population_share"),
)
TINY = dataclasses.replace(
    SMALL, wave_points=16, particles=16, best_fit_seeds=1, de_maxiter=1, variance_replicates=3
)


@pytest.fixture(scope="module")
def synthetic():
    """The project's observations, simulated at known parameters (inside the prior, off its
    centre), with an 8% observation sd; rows the small run cannot show (none, or zero) unused."""
    real = load_observations()
    base = default_scenario().with_overrides({"population.undocumented": PERSONS})
    base = calibration_scenario(base, real)
    # The level parameters and the arrest hazard: enough for the observations to pin them
    # down at a budget that fits in the test suite (the full calibration frees more).
    priors = tuple(p for p in load_priors() if p.name in FREE)
    truth_unit = np.linspace(0.35, 0.65, len(priors))
    probe = Problem(base, priors, tuple(real), LEVELS, 11, whole_cube(len(priors)))
    truth = probe.natural(truth_unit)[0]
    seeds = [probe.seed(9, 0, i) for i in range(6)]
    outputs = simulate_many(probe, np.repeat(truth[None], 6, axis=0), seeds, progress=False)
    means = outputs.mean(axis=0)
    observations = tuple(
        dataclasses.replace(o, value=float(m), observation_sd=0.08, bound="")
        if o.use != "none" and np.isfinite(m) and m > 0
        else dataclasses.replace(o, use="none")
        for o, m in zip(real, means, strict=True)
    )
    problem = Problem(base, priors, observations, LEVELS, 5, whole_cube(len(priors)))
    return problem, truth


@pytest.fixture(scope="module")
def calibrated(synthetic, tmp_path_factory):
    problem, _ = synthetic
    out = tmp_path_factory.mktemp("calibration")
    return calibrate(problem, SMALL, out, progress=False), out


def test_true_parameters_lie_inside_the_90_percent_credible_intervals(synthetic, calibrated):
    _, truth = synthetic
    result, _ = calibrated
    low, high = np.quantile(result.posterior, [0.05, 0.95], axis=0)
    assert np.all((low <= truth) & (truth <= high)), (low, truth, high)


def test_the_best_fit_is_closer_to_the_observations_than_the_prior_centre(
    synthetic, calibrated, tmp_path
):
    problem, _ = synthetic
    result, _ = calibrated
    stages = Stages(problem, SMALL, StateFolder(tmp_path, {}, force=False))
    centre = problem.natural(np.full(problem.dimension, 0.5))[0]
    seeds = [problem.seed(8, 0, i) for i in range(3)]
    runs = simulate_many(problem, np.repeat(centre[None], 3, axis=0), seeds, progress=False)
    far = stages.distance(runs.mean(axis=0)[None])[0]
    near = stages.distance(result.best_fit_outputs[None])[0]
    assert near < far, (near, far)


def test_a_folder_of_another_calibration_is_refused(synthetic, calibrated):
    problem, _ = synthetic
    _, out = calibrated
    other = dataclasses.replace(problem, entropy=6)
    with pytest.raises(ScenarioError, match="different calibration"):
        calibrate(other, SMALL, out, progress=False)


@pytest.fixture(scope="module")
def searched_box(synthetic, tmp_path_factory):
    """A tiny calibration, with one worker, of the box around a start point near a corner."""
    problem, _ = synthetic
    boxed = dataclasses.replace(problem, box=box_around(np.full(problem.dimension, 0.9), 0.3))
    out = tmp_path_factory.mktemp("box")
    return boxed, calibrate(boxed, TINY, out, progress=False), out


def test_a_search_around_a_start_point_stays_in_its_box(searched_box):
    problem, result, _ = searched_box
    low, high = problem.box
    assert np.allclose(low, 0.7) and np.allclose(high, 1.0)  # shifted inside the cube
    unit = problem.unit(result.posterior)
    assert np.all(unit >= 0.7 - 1e-12) and np.all(unit <= 1.0 + 1e-12)


def test_the_number_of_workers_does_not_change_the_result(searched_box, tmp_path):
    problem, serial, _ = searched_box
    with open_executor(2, None) as execution:
        parallel = calibrate(problem, TINY, tmp_path, execution, progress=False)
    np.testing.assert_array_equal(serial.posterior, parallel.posterior)
    np.testing.assert_array_equal(serial.best_fit, parallel.best_fit)


def test_an_interrupted_calibration_resumes_to_the_same_result(searched_box):
    """Stopped during its last ABC generation: that generation and the best fit are redone."""
    problem, result, out = searched_box
    (out / "state" / "generation_1.pkl").unlink()
    (out / "state" / "best_fit.pkl").unlink()
    resumed = calibrate(problem, TINY, out, progress=False)
    np.testing.assert_array_equal(resumed.posterior, result.posterior)
    np.testing.assert_array_equal(resumed.best_fit, result.best_fit)


def test_the_resume_key_ignores_source_texts_but_not_numbers(tmp_path):
    """Editing a source or a note changes no number: the state stays resumable."""
    config = {"observations": [{"value": 541210, "source": "facts.md §1", "note": "sum"}]}
    StateFolder(tmp_path, config, force=False)
    config["observations"][0]["source"] = "facts.md §1 (Pakistan Today, 2 Jan 2024)"
    config["observations"][0]["note"] = "the sum of the three"
    StateFolder(tmp_path, config, force=False)  # the same calibration
    config["observations"][0]["value"] = 541211
    with pytest.raises(ScenarioError, match="different calibration"):
        StateFolder(tmp_path, config, force=False)


def test_a_refused_state_folder_names_the_option_that_chose_it(tmp_path):
    StateFolder(tmp_path, {"fold": "a"}, force=False, option="--calibration")
    with pytest.raises(ScenarioError, match="--calibration") as refused:
        StateFolder(tmp_path, {"fold": "b"}, force=False, option="--calibration")
    assert "--out" not in str(refused.value)


@pytest.mark.parametrize("stored", [1, [0.1, 0.2]], ids=["a number", "a list"])
def test_a_stage_file_holding_another_type_is_refused_not_used(stored, tmp_path):
    """A valid pickle of the wrong thing (an edited or swapped file) is named, not run on."""
    state = StateFolder(tmp_path, {}, force=False)
    (tmp_path / "state" / "best_fit.pkl").write_bytes(pickle.dumps(stored))
    with pytest.raises(ScenarioError, match="not this stage's tuple; delete it") as refused:
        state.load_or("best_fit", lambda: pytest.fail("recomputed"), tuple)
    assert refused.value.file == str(tmp_path / "state" / "best_fit.pkl")
