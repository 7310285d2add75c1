"""Calibration on synthetic data at a small population: recovery, resumption, invariance."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from experiments.calibration.parameters import load_priors
from experiments.calibration.pipeline import Budget, calibrate
from experiments.calibration.simulate import Problem, simulate_many
from experiments.core.executors import open_executor
from experiments.observed.targets import calibration_scenario, load_targets
from model.scenario import ScenarioError, default_scenario

PERSONS = 40_000
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


@pytest.fixture(scope="module")
def synthetic():
    """Targets simulated at known parameters (the prior's centre, nudged), 8% observation sd."""
    real = load_targets()
    base = default_scenario().with_overrides({"population.undocumented": PERSONS})
    base = calibration_scenario(base, real)
    # The level parameters and the arrest hazard: enough for the targets to pin them down at a
    # budget that fits in the test suite (the full calibration frees more).
    free = {
        "behaviour.fear_hazard",
        "enforcement.arrest_hazard",
        "kp_other_share",
        "balochistan_population_share",
    }
    priors = tuple(p for p in load_priors() if p.name in free)
    truth_unit = np.linspace(0.35, 0.65, len(priors))
    probe = Problem(base, priors, tuple(real), entropy=11)
    truth = probe.natural(truth_unit)[0]
    seeds = [probe.seed(9, 0, i) for i in range(6)]
    outputs = simulate_many(probe, np.repeat(truth[None], 6, axis=0), seeds, progress=False)
    means = outputs.mean(axis=0)
    targets = tuple(
        dataclasses.replace(t, value=float(m), observation_sd=max(0.08 * abs(m), 1e-3))
        if t.kind != "derived"
        else dataclasses.replace(t, value=float(m))
        for t, m in zip(real, means, strict=True)
    )
    return Problem(base, priors, targets, entropy=5), truth


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


def test_the_best_fit_is_closer_to_the_targets_than_the_prior_centre(synthetic, calibrated):
    problem, _ = synthetic
    result, _ = calibrated
    primary = np.array([t.kind == "primary" for t in problem.targets])
    observed = np.array([t.value for t in problem.targets])[primary]
    centre = problem.natural(np.full(problem.dimension, 0.5))[0]
    seeds = [problem.seed(8, 0, i) for i in range(3)]
    runs = simulate_many(problem, np.repeat(centre[None], 3, axis=0), seeds, progress=False)
    far = np.abs(runs.mean(axis=0)[primary] / observed - 1).max()
    near = np.abs(result.best_fit_outputs[primary] / observed - 1).max()
    assert near < far, (near, far)


def test_an_interrupted_calibration_resumes_to_the_same_result(synthetic, calibrated):
    problem, _ = synthetic
    result, out = calibrated
    (out / "state" / "generation_1.pkl").unlink()
    (out / "state" / "best_fit.pkl").unlink()
    resumed = calibrate(problem, SMALL, out, progress=False)
    np.testing.assert_array_equal(resumed.posterior, result.posterior)
    np.testing.assert_array_equal(resumed.best_fit, result.best_fit)


def test_a_folder_of_another_calibration_is_refused(synthetic, calibrated):
    problem, _ = synthetic
    _, out = calibrated
    other = dataclasses.replace(problem, entropy=6)
    with pytest.raises(ScenarioError, match="different calibration"):
        calibrate(other, SMALL, out, progress=False)


def test_the_number_of_workers_does_not_change_the_result(synthetic, tmp_path):
    problem, _ = synthetic
    tiny = dataclasses.replace(
        SMALL, waves=1, wave_points=16, particles=16, generations=1, de_maxiter=1
    )
    serial = calibrate(problem, tiny, tmp_path / "one", progress=False)
    with open_executor(2, None) as execution:
        parallel = calibrate(problem, tiny, tmp_path / "two", execution, progress=False)
    np.testing.assert_array_equal(serial.posterior, parallel.posterior)
    np.testing.assert_array_equal(serial.best_fit, parallel.best_fit)


def test_the_resume_key_ignores_source_texts_but_not_numbers(tmp_path):
    """Editing a data table's source column changes no number: the state stays resumable."""
    from experiments.calibration.pipeline import StateFolder

    config = {"targets": [{"quantity": "total", "value": 541210, "source": "facts.md §1"}]}
    StateFolder(tmp_path, config, force=False)
    config["targets"][0]["source"] = "facts.md §1 (Pakistan Today, 2 Jan 2024)"
    StateFolder(tmp_path, config, force=False)  # the same calibration
    config["targets"][0]["value"] = 541211
    with pytest.raises(ScenarioError, match="different calibration"):
        StateFolder(tmp_path, config, force=False)
