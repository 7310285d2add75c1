"""The adopted calibration: the calibrated values every scenario is applied over.

`ifrp calibrate` writes a calibration into its own result folder and changes nothing else;
`ifrp adopt FOLDER` copies its best fit and posterior sample into `experiments/calibrated/`
(a deliberate step, recorded in `adoption.json`), where every run finds them: the best fit by
default, a posterior draw per replicate with `ifrp run --posterior`.

The values are levers, named as in `experiments/calibration/priors.csv`: scenario parameters
(dotted names), or `kp_other_share` and `balochistan_population_share`, which set a share and
rescale the rest so that shares still sum to one, whatever rows the data tables hold (a new
crossing in routes.csv keeps its part of the province's traffic). Levers named
`observation.NAME` are levels of the observation model (the UN/IOM series' coverage): they change
no run, only how a run is compared with what was reported (`observation_levels`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from experiments.core.inputs import read_file
from model.scenario import Scenario, ScenarioError, default_scenario

CALIBRATED_DIR = Path(__file__).resolve().parents[1] / "calibrated"
BEST_FIT = CALIBRATED_DIR / "best_fit.csv"
POSTERIOR = CALIBRATED_DIR / "posterior.csv"
KP_OTHER_SHARE = "kp_other_share"
BALOCHISTAN_POPULATION_SHARE = "balochistan_population_share"
MISSING = "an adopted calibration: run `ifrp calibrate`, then `ifrp adopt FOLDER`"
OBSERVATION = "observation."


def adopted_best_fit() -> Levers:
    return read_levers(BEST_FIT)


def adopted_posterior() -> Levers:
    return read_levers(POSTERIOR)


@dataclass(frozen=True)
class Levers:
    """Rows of calibrated lever values (one row: a best fit; many: a posterior sample)."""

    names: tuple[str, ...]
    rows: np.ndarray  # rows x names
    file: Path
    sha256: str  # of the very bytes read


def read_levers(path: Path, what: str = MISSING) -> Levers:
    """A CSV of lever values: a header of lever names, then rows of finite numbers (`what`:
    what the file should be, for the error message; by default an adopted calibration's)."""
    data, text = read_file(path, what)  # missing, empty, binary or not UTF-8: one line
    try:
        header, *rows = [row for row in csv.reader(io.StringIO(text)) if row]
    except (csv.Error, ValueError):
        raise ScenarioError(str(path), "(file)", "not a CSV of lever values", what) from None
    values = [_numbers(row, header, line, path) for line, row in enumerate(rows, start=2)]
    if not values:
        raise ScenarioError(str(path), "(rows)", "no rows", what)
    digest = hashlib.sha256(data).hexdigest()
    return Levers(tuple(header), np.array(values, dtype=float), Path(path), digest)


def _numbers(row: list[str], header: list[str], line: int, path: Path) -> list[float]:
    if len(row) != len(header):
        raise ScenarioError(
            str(path), f"line {line}", f"{len(row)} values", f"{len(header)}, one per lever"
        )
    try:
        numbers = [float(text) for text in row]
    except ValueError:
        raise ScenarioError(str(path), f"line {line}", "not a number", "finite numbers") from None
    if not all(math.isfinite(number) for number in numbers):
        raise ScenarioError(str(path), f"line {line}", "not finite", "finite numbers")
    return numbers


def lever_overrides(base: Scenario, names: tuple[str, ...] | list[str], values) -> dict:
    """Scenario overrides (dotted keys) that set the levers `names` to `values` over `base`."""
    result: dict = {}
    for name, value in zip(names, values, strict=True):
        if is_observation_lever(name):
            continue
        if name == KP_OTHER_SHARE:
            result.update(_kp_routes(base, float(value)))
        elif name == BALOCHISTAN_POPULATION_SHARE:
            result.update(_province_shares(base, float(value)))
        else:
            result[name] = float(value)
    return result


def is_observation_lever(name: str) -> bool:
    """A level of the observation model (`observation.NAME`): it changes no run."""
    return name.startswith(OBSERVATION)


def observation_levels(names: tuple[str, ...] | list[str], values) -> dict[str, float]:
    """The observation model's levels among the levers (`observation.NAME`), by NAME."""
    return {
        name.removeprefix(OBSERVATION): float(value)
        for name, value in zip(names, values, strict=True)
        if is_observation_lever(name)
    }


def _kp_routes(base: Scenario, other_share: float) -> dict:
    """Khyber Pakhtunkhwa's route shares with `other_share` going to crossings outside KP's
    count (route `other`), each route keeping its part within its group."""
    routes_of = {c.id: c.route for c in base.checkpoints}
    kp = [r for r in base.routes if r.province == "khyber_pakhtunkhwa"]
    outside = sum(r.share for r in kp if routes_of[r.checkpoint] == "other")
    inside = sum(r.share for r in kp if routes_of[r.checkpoint] != "other")
    if outside <= 0 or inside <= 0:  # nothing to rescale: no split the lever could set
        raise ScenarioError(
            "(base scenario)",
            KP_OTHER_SHARE,
            f"Khyber Pakhtunkhwa's route shares are {inside:g} inside its count and {outside:g} "
            "outside it",
            "a base with routes.khyber_pakhtunkhwa shares above 0 on both kinds of crossing",
        )
    result = {}
    for r in kp:
        if routes_of[r.checkpoint] == "other":
            share = other_share * r.share / outside
        else:
            share = (1 - other_share) * r.share / inside
        result[f"routes.khyber_pakhtunkhwa.{r.checkpoint}.share"] = share
    return result


def _province_shares(base: Scenario, balochistan: float) -> dict:
    """Population shares with Balochistan's set, the other provinces keeping their ratios."""
    rest = sum(p.population_share for p in base.provinces if p.id != "balochistan")
    if rest <= 0:  # the other provinces' ratios cannot be kept
        raise ScenarioError(
            "(base scenario)",
            BALOCHISTAN_POPULATION_SHARE,
            "no province but Balochistan has a population share",
            "a base with provinces.*.population_share above 0 outside Balochistan",
        )
    result = {}
    for p in base.provinces:
        share = (
            balochistan if p.id == "balochistan" else (1 - balochistan) * p.population_share / rest
        )
        result[f"provinces.{p.id}.population_share"] = share
    return result


def with_levers(base: Scenario, levers: Levers, row: int = 0) -> Scenario:
    """`base` with row `row` of the levers applied (each checked as any scenario value is)."""
    values = lever_overrides(base, levers.names, levers.rows[row])
    return base.with_overrides(values, source=f"{levers.file} (row {row})")


def calibrated_base() -> Scenario:
    """The defaults of model/data/ with the adopted best fit applied: every scenario's base."""
    scenario = with_levers(default_scenario(), adopted_best_fit())
    return replace(scenario, name="calibrated")
