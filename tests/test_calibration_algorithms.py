"""The calibration algorithms on toy models whose answers are known."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from experiments.calibration import algorithms as alg

NOISE = 0.05


def toy_simulator(weights: np.ndarray):
    """y = weights . u + N(0, NOISE^2), seeded by stage and generation."""

    def simulate(unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
        rng = np.random.default_rng([stage, generation])
        return (unit @ weights + rng.normal(0, NOISE, len(unit)))[:, None]

    return simulate


def test_morris_ranks_an_influential_parameter_above_an_inert_one():
    screening = alg.morris(toy_simulator(np.array([5.0, 0.0])), 2, 12, np.random.default_rng(1))
    assert screening.mu_star[0, 0] == pytest.approx(5.0, abs=0.2)
    assert screening.mu_star[1, 0] < 0.3


def test_history_matching_shrinks_only_the_informative_dimension():
    simulate = toy_simulator(np.array([1.0, 0.0]))
    observed, variance = np.array([0.3]), np.array([NOISE**2])
    low, high = np.zeros(2), np.ones(2)
    wave = alg.history_wave(
        simulate, low, high, 0, 400, observed, variance, variance, np.random.default_rng(2)
    )
    kept = wave.points[wave.survived]
    # Implausibility <= 3 with total sd NOISE * sqrt(2): survivors lie near u0 = 0.3.
    assert np.all(np.abs(kept[:, 0] - 0.3) <= 3 * NOISE * np.sqrt(2) + 3 * NOISE)
    assert kept[:, 1].min() < 0.1 and kept[:, 1].max() > 0.9
    new_low, new_high = alg.next_box(wave)
    assert new_high[0] - new_low[0] < 0.7
    assert new_high[1] - new_low[1] == pytest.approx(1.0, abs=0.01)
    assert 0 < wave.volume_share < 0.6


def abc_smc(simulate, distance, dimension: int, particles: int, rng) -> list[alg.Generation]:
    """Five generations of ABC-SMC on the unit cube."""
    low, high = np.zeros(dimension), np.ones(dimension)
    generations = [alg.abc_first_generation(simulate, distance, low, high, particles, rng)]
    for number in range(1, 5):
        generations.append(
            alg.abc_next_generation(simulate, distance, generations[-1], number, low, high, rng)
        )
    return generations


def test_abc_smc_recovers_a_known_posterior():
    """y ~ N(u, NOISE^2), flat prior on [0, 1], y_obs = 0.3: the posterior is about
    N(0.3, NOISE^2), widened a little by the final tolerance."""
    simulate = toy_simulator(np.array([1.0]))

    def distance(outputs: np.ndarray) -> np.ndarray:
        return np.abs(outputs[:, 0] - 0.3) / NOISE

    rng = np.random.default_rng(3)
    generations = abc_smc(simulate, distance, dimension=1, particles=300, rng=rng)
    epsilons = [g.epsilon for g in generations[1:]]
    assert all(a > b for a, b in itertools.pairwise(epsilons))
    sample = alg.resample(generations[-1], 300, rng)[:, 0]
    assert sample.mean() == pytest.approx(0.3, abs=0.02)
    assert NOISE * 0.6 < sample.std() < NOISE * 2.0
    assert all(0 < g.ess <= 300 for g in generations)


def test_abc_smc_keeps_its_particles_when_most_parameters_are_unconstrained():
    """Nine parameters, one informative (as in the calibration, where three route totals face
    nine parameters): the weights must not degenerate over the eight the data leave free, and
    those must keep their flat prior."""
    informative = np.zeros(9)
    informative[0] = 1.0
    simulate = toy_simulator(informative)

    def distance(outputs: np.ndarray) -> np.ndarray:
        return np.abs(outputs[:, 0] - 0.3) / NOISE

    rng = np.random.default_rng(3)
    generations = abc_smc(simulate, distance, dimension=9, particles=150, rng=rng)
    assert all(g.ess >= 0.5 * len(g.particles) for g in generations)
    sample = alg.resample(generations[-1], 2000, rng)
    assert sample[:, 0].mean() == pytest.approx(0.3, abs=0.02)
    assert np.all(np.abs(sample[:, 1:].mean(axis=0) - 0.5) < 0.1)
    assert np.all(sample[:, 1:].std(axis=0) > 0.22)  # flat on [0, 1]: 0.29
    assert np.all((sample >= 0) & (sample <= 1))


def test_abc_smc_follows_a_ridge_without_losing_its_particles():
    """Two parameters that only their sum identifies (as fear's rise and its fall trade off
    in the calibration): a kernel that moves each parameter on its own keeps about 1% of its
    proposals by the sixth generation and fills only a few dozen particles; the kernel with
    the particles' full covariance follows the ridge."""
    noise = 0.02

    def simulate(unit: np.ndarray, stage: int, generation: int) -> np.ndarray:
        rng = np.random.default_rng([stage, generation])
        return (unit[:, 0] + unit[:, 1] + rng.normal(0, noise, len(unit)))[:, None]

    def distance(outputs: np.ndarray) -> np.ndarray:
        return np.abs(outputs[:, 0] - 1.0) / noise

    rng = np.random.default_rng(3)
    low, high = np.zeros(2), np.ones(2)
    generations = [alg.abc_first_generation(simulate, distance, low, high, 200, rng)]
    for number in range(1, 7):
        following = alg.abc_next_generation(
            simulate, distance, generations[-1], number, low, high, rng
        )
        generations.append(following)
    last = generations[-1]
    assert len(last.particles) == 200 and last.acceptance_rate > 0.08
    assert last.ess > 150
    sample = alg.resample(last, 2000, rng)
    assert np.abs(sample.sum(axis=1) - 1.0).max() < 0.2  # on the ridge
    assert sample[:, 0].min() < 0.2 and sample[:, 0].max() > 0.8  # all along it


def test_abc_smc_is_reproducible():
    simulate = toy_simulator(np.array([1.0, 0.5]))

    def distance(outputs):
        return np.abs(outputs[:, 0] - 0.6) / NOISE

    def run():
        rng = np.random.default_rng(9)
        low, high = np.zeros(2), np.ones(2)
        first = alg.abc_first_generation(simulate, distance, low, high, 50, rng)
        return alg.abc_next_generation(simulate, distance, first, 1, low, high, rng).particles

    np.testing.assert_array_equal(run(), run())
