"""Calibration algorithms on the unit cube, independent of the model (tested on toy models).

A `Simulator` maps unit-cube points (rows) plus a stage and generation number to simulated
outputs (rows); its randomness is its own business (seeded by stage, generation and index).

- `morris`: elementary-effects screening (Morris 1991; mu* of Campolongo et al. 2007).
- `history_match`: waves of runs, keeping points whose implausibility
  max_j |y_j - z_j| / sqrt(V_obs,j + V_model,j) is at most 3 (Andrianakis et al. 2015), run
  directly on simulator replicates.
- `abc_smc`: ABC by sequential Monte Carlo (Toni et al. 2009; Beaumont et al. 2009) inside the
  surviving box, with an adaptive tolerance schedule and multivariate normal kernels (Filippi
  et al. 2013).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import logsumexp
from scipy.stats import qmc

Simulator = Callable[[np.ndarray, int, int], np.ndarray]

# Part of a calibration's resume key: raise it when a change here changes the results, so that
# state saved by the earlier algorithms is not resumed with the new ones.
METHOD_VERSION = 3

STAGE_SCREENING, STAGE_HISTORY, STAGE_ABC, STAGE_BEST_FIT, STAGE_PREDICTIVE = 1, 2, 3, 4, 5


# --- screening ----------------------------------------------------------------------------


@dataclass
class Screening:
    mu_star: np.ndarray  # parameters x outputs: mean |elementary effect|
    sigma: np.ndarray  # parameters x outputs: sd of elementary effects


def morris(
    simulate: Simulator, dimension: int, trajectories: int, rng: np.random.Generator, levels=4
) -> Screening:
    """Elementary effects along random one-at-a-time trajectories in the unit cube."""
    delta = levels / (2 * (levels - 1))
    grid = np.arange(levels // 2) / (levels - 1)
    points, steps = [], []
    for _ in range(trajectories):
        start = rng.choice(grid, dimension)
        order = rng.permutation(dimension)
        signs = np.where(start + delta <= 1, 1.0, -1.0)
        path = [start.copy()]
        for i in order:
            nxt = path[-1].copy()
            nxt[i] += signs[i] * delta
            path.append(nxt)
        points.extend(path)
        steps.append((order, signs))
    outputs = simulate(np.array(points), STAGE_SCREENING, 0)
    effects = np.zeros((trajectories, dimension, outputs.shape[1]))
    for t, (order, signs) in enumerate(steps):
        block = outputs[t * (dimension + 1) : (t + 1) * (dimension + 1)]
        for k, i in enumerate(order):
            effects[t, i] = (block[k + 1] - block[k]) / (signs[i] * delta)
    return Screening(np.abs(effects).mean(axis=0), effects.std(axis=0, ddof=1))


# --- history matching ---------------------------------------------------------------------


@dataclass
class Wave:
    low: np.ndarray  # box sampled in this wave (unit cube)
    high: np.ndarray
    points: np.ndarray
    outputs: np.ndarray
    implausibility: np.ndarray
    survived: np.ndarray  # bool: implausibility <= 3, not ruled out
    kept: np.ndarray  # bool: the points that define the next wave's box

    @property
    def volume_share(self) -> float:
        """Estimated share of the prior's volume that is not ruled out after this wave."""
        return float(np.prod(self.high - self.low) * self.survived.mean())


def implausibility(
    outputs: np.ndarray, observed: np.ndarray, observation_var: np.ndarray, model_var: np.ndarray
) -> np.ndarray:
    """max_j |y_j - z_j| / sqrt(V_obs,j + V_model,j) for each row of outputs."""
    return np.max(np.abs(outputs - observed) / np.sqrt(observation_var + model_var), axis=1)


def history_wave(
    simulate: Simulator,
    low: np.ndarray,
    high: np.ndarray,
    number: int,
    points: int,
    observed: np.ndarray,
    observation_var: np.ndarray,
    model_var: np.ndarray,
    rng: np.random.Generator,
    cutoff: float = 3.0,
    keep_share: float = 0.1,
) -> Wave:
    """One wave: a Latin hypercube in the current box, run and judged.

    Without an emulator a wave sees only its own points, and when few of them are within the
    cutoff they cannot outline the region; the next box is then drawn around the `keep_share`
    least implausible points (refocusing), while `survived` still records the cutoff's verdict.
    """
    sample = qmc.scale(qmc.LatinHypercube(len(low), rng=rng).random(points), low, high)
    outputs = simulate(sample, STAGE_HISTORY, number)
    score = implausibility(outputs, observed, observation_var, model_var)
    survived = score <= cutoff
    kept = score <= max(cutoff, float(np.quantile(score, keep_share)))
    return Wave(low, high, sample, outputs, score, survived, kept)


def next_box(wave: Wave, margin: float = 0.1, least: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The box around a wave's surviving points, widened by `margin` of its width and by at
    least `least` of the unit cube on each side (a few survivors do not define a region)."""
    kept = wave.points[wave.kept]
    low, high = kept.min(axis=0), kept.max(axis=0)
    pad = np.maximum(margin * (high - low), least)
    return np.maximum(low - pad, wave.low), np.minimum(high + pad, wave.high)


# --- ABC-SMC ------------------------------------------------------------------------------


@dataclass
class Generation:
    epsilon: float
    particles: np.ndarray  # unit cube
    weights: np.ndarray
    distances: np.ndarray
    outputs: np.ndarray
    proposed: int

    @property
    def acceptance_rate(self) -> float:
        return len(self.particles) / self.proposed

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights**2))


def abc_first_generation(
    simulate: Simulator,
    distance: Callable[[np.ndarray], np.ndarray],
    low: np.ndarray,
    high: np.ndarray,
    particles: int,
    rng: np.random.Generator,
) -> Generation:
    """Generation 0: the (restricted) prior itself, every draw accepted."""
    sample = low + rng.random((particles, len(low))) * (high - low)
    outputs = simulate(sample, STAGE_ABC, 0)
    weights = np.full(particles, 1.0 / particles)
    return Generation(np.inf, sample, weights, distance(outputs), outputs, particles)


def abc_next_generation(
    simulate: Simulator,
    distance: Callable[[np.ndarray], np.ndarray],
    previous: Generation,
    number: int,
    low: np.ndarray,
    high: np.ndarray,
    rng: np.random.Generator,
    quantile: float = 0.5,
    max_batches: int = 20,
) -> Generation:
    """Perturb the previous population and keep proposals within the next tolerance.

    Proposals come from the previous population's weighted mixture of multivariate normal
    kernels (Beaumont et al. 2009), with Filippi et al.'s (2013) optimal local covariance
    towards the particles already within the new tolerance: its full covariance follows the
    ridges along which the data trade one parameter for another (fear's rise against its
    fall, say), where a kernel moving each parameter on its own wasted most runs. A proposal
    outside the box is drawn again before any run (it costs no simulation), so the proposal
    density is the mixture restricted to the box, and the importance weights are
    1 / sum_j w_j K(x_i | x_j) on the flat prior: a parameter the data do not constrain keeps
    nearly equal weights.
    """
    n = len(previous.particles)
    epsilon = float(np.quantile(previous.distances, quantile))
    start = previous.particles
    within = previous.distances <= epsilon
    chol = _cholesky(_optimal_covariance(start, previous.weights, within))
    accepted, outputs, distances, proposed = [], [], [], 0
    for batch in range(max_batches):
        candidates = _mixture_in_box(start, previous.weights, chol, low, high, n, rng)
        proposed += n
        result = simulate(candidates, STAGE_ABC, number * 1000 + batch)
        d = distance(result)
        keep = d <= epsilon
        accepted.append(candidates[keep])
        outputs.append(result[keep])
        distances.append(d[keep])
        if sum(len(a) for a in accepted) >= n:
            break
    if not sum(len(a) for a in accepted):
        raise RuntimeError(f"ABC generation {number}: no proposal within epsilon {epsilon:.4g}")
    particles = np.concatenate(accepted)[:n]
    weights = _importance_weights(particles, start, previous.weights, chol)
    return Generation(
        epsilon,
        particles,
        weights,
        np.concatenate(distances)[:n],
        np.concatenate(outputs)[:n],
        proposed,
    )


def _cholesky(cov: np.ndarray) -> np.ndarray:
    """The kernel's Cholesky factor (lower); its diagonal alone if the matrix is not positive
    definite (too few particles within the tolerance to estimate it)."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        return np.diag(np.sqrt(np.maximum(np.diag(cov), 1e-12)))


def _mixture_in_box(
    centres: np.ndarray,
    weights: np.ndarray,
    chol: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    count: int,
    rng: np.random.Generator,
    rounds: int = 10_000,
) -> np.ndarray:
    """`count` draws from the weighted mixture of N(centre, chol chol^T), each outside the box
    drawn again (kernel and centre both)."""
    kept: list[np.ndarray] = []
    for _ in range(rounds):
        picks = rng.choice(len(centres), 4 * count, p=weights)
        draws = centres[picks] + rng.standard_normal((4 * count, len(low))) @ chol.T
        kept.append(draws[np.all((draws >= low) & (draws <= high), axis=1)])
        if sum(len(k) for k in kept) >= count:
            return np.concatenate(kept)[:count]
    raise RuntimeError("ABC-SMC: the kernel puts almost no mass inside the box")


def _optimal_covariance(z: np.ndarray, weights: np.ndarray, within: np.ndarray) -> np.ndarray:
    """sum_i sum_k w_i w~_k (z~_k - z_i)(z~_k - z_i)^T, z~ the particles within epsilon."""
    if within.sum() < 2:
        return 2.0 * np.atleast_2d(np.cov(z.T, aweights=weights))
    near, near_w = z[within], weights[within] / weights[within].sum()

    def moments(points, w):
        mean = w @ points
        return mean, (points * w[:, None]).T @ points

    mean_a, second_a = moments(z, weights)
    mean_b, second_b = moments(near, near_w)
    cov = second_b - np.outer(mean_b, mean_a) - np.outer(mean_a, mean_b) + second_a
    return cov + np.eye(len(mean_a)) * 1e-9


def _importance_weights(
    particles: np.ndarray, previous: np.ndarray, previous_weights: np.ndarray, chol: np.ndarray
) -> np.ndarray:
    """w_i proportional to prior(x_i) / sum_j w_j K(x_i | x_j), the prior flat on the box and
    K the normal kernel (the box's share of the mixture is one constant: it cancels)."""
    differences = particles[:, None, :] - previous[None, :, :]  # i x j x parameter
    flat = differences.reshape(-1, particles.shape[1]).T
    standard = solve_triangular(chol, flat, lower=True)
    log_kernel = -0.5 * np.sum(standard**2, axis=0).reshape(len(particles), len(previous))
    log_mixture = logsumexp(log_kernel + np.log(previous_weights)[None, :], axis=1)
    log_weights = -log_mixture
    weights = np.exp(log_weights - log_weights.max())
    return weights / weights.sum()


def resample(generation: Generation, size: int, rng: np.random.Generator) -> np.ndarray:
    """An equally weighted sample (systematic resampling) of a weighted population."""
    positions = (rng.random() + np.arange(size)) / size
    picks = np.searchsorted(np.cumsum(generation.weights), positions)
    return generation.particles[np.minimum(picks, len(generation.particles) - 1)]
