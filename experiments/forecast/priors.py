"""The forecast's priors: parameters that no 2023 figure constrains, drawn per replicate.

The 2023 calibration's posterior says nothing about what acts only after its window (fading
fear, later phases, winter, cards: ODD §7.16-7.18). `ifrp run --posterior` therefore draws
these parameters from the priors in `priors.csv` (the format of the calibration's priors), for
every replicate of a run that goes past `timeline.forecast_start`, so that their uncertainty
propagates into the forecast beside the calibration's. A run that ends within the calibrated
window draws none, and a parameter the adopted calibration estimates keeps its posterior draw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.calibration.parameters import Prior, load_priors
from experiments.core.inputs import read_file
from model.defaults import scalar_specs
from model.scenario import Scenario, ScenarioError

FORECAST_PRIORS = Path(__file__).resolve().parent / "priors.csv"
# The stream of each replicate's forecast draws: its seed and this key (the calibrated row is
# drawn from [seed, 1]), so that adding a prior moves no replicate's calibrated draw.
STREAM = 2


@dataclass(frozen=True)
class ForecastPriors:
    priors: tuple[Prior, ...]
    file: Path
    sha256: str

    @property
    def names(self) -> list[str]:
        return [prior.name for prior in self.priors]

    def draw(self, seed: int) -> dict[str, float]:
        """One replicate's values, from its seed alone."""
        units = np.random.default_rng([seed, STREAM]).random(len(self.priors))
        return {
            prior.name: float(prior.from_unit(np.float64(u)))
            for prior, u in zip(self.priors, units, strict=True)
        }


def applies(scenario: Scenario) -> bool:
    """Whether the scenario runs past the window the calibration saw."""
    return scenario.timeline.end >= scenario.timeline.forecast_start


def forecast_priors(
    path: Path = FORECAST_PRIORS, calibrated: tuple[str, ...] = ()
) -> ForecastPriors:
    """The priors of `path`, each a float scalar parameter of the model (`load_priors` checks
    the type and range), less those the calibration estimates (`calibrated`: they keep their
    posterior)."""
    data, _ = read_file(path, "a forecast priors .csv file")
    priors = load_priors(path)  # each settable, at both ends of its range
    specs = scalar_specs()
    for line, prior in enumerate(priors, start=2):
        # A draw is applied as a scenario override: no derived lever or observation level.
        section, _, name = prior.name.partition(".")
        if name not in specs.get(section, {}):
            raise ScenarioError(
                str(path), f"line {line}, name", repr(prior.name), "a float parameter, section.name"
            )
    kept = tuple(prior for prior in priors if prior.name not in calibrated)
    return ForecastPriors(kept, Path(path), hashlib.sha256(data).hexdigest())
