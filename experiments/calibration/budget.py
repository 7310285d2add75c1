"""How many simulator runs each stage of a calibration may use (its defaults are the committed
calibration's). A module of its own, so that `ifrp calibrate --help` can show them without
loading the calibration."""

from __future__ import annotations

from dataclasses import dataclass, field

LEVEL_PARAMETERS = (
    "behaviour.fear_hazard",
    "kp_other_share",
    "balochistan_population_share",
    "observation.un_coverage",
)


@dataclass(frozen=True)
class Budget:
    """How many runs each stage may use (defaults: the committed full-scale calibration)."""

    screening_trajectories: int = 10
    waves: int = 2
    wave_points: int = 256
    particles: int = 150
    generations: int = 10
    abc_max_batches: int = 20
    best_fit_seeds: int = 3
    de_popsize: int = 6
    de_maxiter: int = 20
    variance_replicates: int = 10
    level_parameters: tuple[str, ...] = field(default=LEVEL_PARAMETERS)
