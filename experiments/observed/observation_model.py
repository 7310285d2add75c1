"""The observation model: what each observation would have read, had the model's drive happened.

An observation is read off a run's daily records (`Records`, from a run's ledger or a run
folder's tables) by what it counts (ODD §4.11):

- its days: `model_from` to `model_to`, inclusive (a cumulative count from its start, a period's
  total, one day; a rate is the period's daily mean);
- its places: crossings, routes (all the route's crossings) or provinces, or `all`;
- its statuses: a row counting every status (`status_adjustment = documented_share`) is read
  from every status the run models or, when the run models the undocumented alone, as their
  count over 1 - `documented_share` (levels.csv); otherwise the undocumented alone;
- its level: a row whose `reporting` names a level (the UN/IOM coverage, calibrated) is the
  model's count times that level.

Shares (deported share of returns, a province's share of arrests) are ratios of such counts.
`standardised_errors` turns predictions into the calibration's errors, with bounds censored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from experiments.observed.observations import Observation
from model.ledger import Ledger
from model.population import State
from model.scenario import Scenario
from model.schema import ROUTES, STATUSES, UNDOCUMENTED, ScenarioError

ALL = "all"
COUNTS = ("crossed", "deported", "arrested")


@dataclass(frozen=True)
class Layout:
    """What the records' axes are: days from `start`, crossings (with routes), provinces."""

    start: date
    checkpoints: tuple[str, ...]
    routes: tuple[str, ...]  # each checkpoint's route
    provinces: tuple[str, ...]
    documented_modelled: bool  # the run models card holders beside the undocumented

    @classmethod
    def of(cls, scenario: Scenario) -> Layout:
        documented = any(scenario.population.persons(s) for s in STATUSES if s != "undocumented")
        return cls(
            scenario.timeline.start,
            tuple(c.id for c in scenario.checkpoints),
            tuple(scenario.checkpoint_routes),
            tuple(p.id for p in scenario.provinces),
            documented,
        )


@dataclass
class Records:
    """A run's daily records in persons (axes as the layout says; statuses as STATUSES)."""

    crossed: np.ndarray  # days x checkpoints x statuses
    deported: np.ndarray  # days x checkpoints x statuses
    arrests: np.ndarray  # days x provinces x statuses
    remaining: np.ndarray | None  # days: undocumented not yet departed (None: not recorded)

    @classmethod
    def of(cls, ledger: Ledger) -> Records:
        remaining = ledger.states[:, : State.DEPARTED, UNDOCUMENTED].sum(axis=1)
        return cls(ledger.crossed, ledger.deported, ledger.arrests, remaining)

    @property
    def days(self) -> int:
        return len(self.crossed)


def predict(
    records: Records, layout: Layout, observations: list[Observation], levels: dict[str, float]
) -> np.ndarray:
    """Each observation as the run would have shown it (NaN where the run cannot: its days lie
    outside the run, or the records lack the quantity)."""
    return np.array([_predict(records, layout, o, levels) for o in observations], dtype=float)


def _predict(records: Records, layout: Layout, o: Observation, levels: dict[str, float]) -> float:
    if o.use == "none":
        return np.nan
    first, last = (o.model_from - layout.start).days, (o.model_to - layout.start).days
    if first < 0 or last >= records.days:
        return np.nan
    days = slice(first, last + 1)
    if o.quantity == "deported_share":
        deported = records.deported[days][:, _checkpoints(layout, o)].sum()
        return float(deported / max(_returns(records.crossed[days], layout, o, levels).sum(), 1))
    if o.quantity == "arrest_share":
        arrests = records.arrests[days, :, UNDOCUMENTED]
        return float(arrests[:, _provinces(layout, o)].sum() / max(arrests.sum(), 1))
    if o.quantity == "remaining":
        return np.nan if records.remaining is None else float(records.remaining[last])
    value = daily_counts(records, layout, o, levels)[days].sum()
    return float(value / o.days if o.measure == "rate_per_day" else value)


def daily_counts(
    records: Records, layout: Layout, o: Observation, levels: dict[str, float]
) -> np.ndarray:
    """The row's count (crossed, deported or arrested, at its places, of its statuses, at
    its reporting level) on each day of the run."""
    if o.quantity == "crossed":
        counts = _returns(records.crossed, layout, o, levels)
    elif o.quantity == "deported":
        counts = records.deported[:, _checkpoints(layout, o)].sum(axis=(1, 2))
    elif o.quantity == "arrested":
        counts = records.arrests[:, _provinces(layout, o), UNDOCUMENTED].sum(axis=1)
    else:
        problem = f"{o.quantity!r} is not a count"
        raise ScenarioError(f"{o.file}, line {o.line}", "quantity", problem, ", ".join(COUNTS))
    return counts * _level(o, levels)


def _returns(crossed: np.ndarray, layout: Layout, o: Observation, levels: dict) -> np.ndarray:
    """Persons crossing at the row's places each day, of the statuses it counts."""
    at = crossed[:, _checkpoints(layout, o)]
    if o.status_adjustment != "documented_share":
        return at[..., UNDOCUMENTED].sum(axis=1).astype(float)
    if layout.documented_modelled:
        return at.sum(axis=(1, 2)).astype(float)
    return at[..., UNDOCUMENTED].sum(axis=1) / (1.0 - _named(levels, "documented_share", o))


def _level(o: Observation, levels: dict[str, float]) -> float:
    return _named(levels, o.reporting, o) if o.reporting else 1.0


def _named(levels: dict[str, float], name: str, o: Observation) -> float:
    if name not in levels:
        raise ScenarioError(
            f"{o.file}, line {o.line}",
            "reporting" if name == o.reporting else "status_adjustment",
            f"level {name!r} is not known",
            f"a level of the levels file ({', '.join(sorted(levels)) or 'none'}) or a lever "
            "observation.NAME of the calibration the run applied",
        )
    return levels[name]


def _checkpoints(layout: Layout, o: Observation) -> np.ndarray:
    """Indices of the row's crossings: named crossings, or every crossing of a named route."""
    chosen = np.zeros(len(layout.checkpoints), dtype=bool)
    for place in o.places:
        if place == ALL:
            chosen[:] = True
        elif place in ROUTES:
            chosen |= np.array(layout.routes) == place
        elif place in layout.checkpoints:
            chosen[layout.checkpoints.index(place)] = True
        else:
            allowed = ", ".join((ALL, *ROUTES, *layout.checkpoints))
            raise ScenarioError(
                f"{o.file}, line {o.line}", "model_place", f"{place!r} is not known", allowed
            )
    return np.flatnonzero(chosen)


def _provinces(layout: Layout, o: Observation) -> np.ndarray:
    if o.places == (ALL,):
        return np.arange(len(layout.provinces))
    unknown = [place for place in o.places if place not in layout.provinces]
    if unknown:
        allowed = ", ".join((ALL, *layout.provinces))
        raise ScenarioError(
            f"{o.file}, line {o.line}", "model_place", f"{unknown[0]!r} is not known", allowed
        )
    return np.array([layout.provinces.index(place) for place in o.places])


def check_readable(
    observations: list[Observation], layout: Layout, level_names: set[str] | list[str]
) -> None:
    """Refuse, before any run, a row whose places or levels the model does not know."""
    for o in observations:
        if o.use == "none":
            continue
        if o.quantity in ("arrested", "arrest_share"):
            _provinces(layout, o)
        elif o.quantity != "remaining":
            _checkpoints(layout, o)
        for name in (o.reporting, "documented_share" if o.status_adjustment else ""):
            if name:
                _named(dict.fromkeys(level_names, 1.0), name, o)


def standardised_errors(predicted: np.ndarray, observations: list[Observation]) -> np.ndarray:
    """(predicted - observed) / (observation_sd x observed) per column, rows: runs. A lower
    bound counts only a prediction below it as an error, an upper bound only one above."""
    observed = np.array([o.value for o in observations])
    sd = np.array([o.observation_sd for o in observations]) * observed
    errors = (np.atleast_2d(predicted) - observed) / sd
    return _censored(errors, observations)


def relative_differences(predicted: np.ndarray, observations: list[Observation]) -> np.ndarray:
    """|predicted - observed| / observed per column (censored at bounds as the errors are):
    the terms of Flee's averaged relative difference."""
    observed = np.array([o.value for o in observations])
    differences = (np.atleast_2d(predicted) - observed) / observed
    return np.abs(_censored(differences, observations))


def _censored(errors: np.ndarray, observations: list[Observation]) -> np.ndarray:
    lower = np.array([o.bound == "lower" for o in observations])
    upper = np.array([o.bound == "upper" for o in observations])
    errors = errors.copy()
    errors[:, lower] = np.minimum(errors[:, lower], 0.0)
    errors[:, upper] = np.maximum(errors[:, upper], 0.0)
    return errors
