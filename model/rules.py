"""The behavioural rules, each written once as a function of numbers or numpy arrays.

The vectorised engine calls them with arrays (or with one number for a whole group of
households); an object-per-household version can call the very same functions with scalars.
Hazards are per day: a household with daily hazard h leaves that day with probability
1 - exp(-h).
"""

from __future__ import annotations

import math

import numpy as np

from model.parameters import Behaviour, Enforcement

ArrayLike = float | np.ndarray


def readiness(attachment: ArrayLike, pipeline: ArrayLike, behaviour: Behaviour) -> ArrayLike:
    """How readily a household leaves, relative to an unattached one (0..1).

    Years in Pakistan, work and property (the attachment index) hold people back, and so does
    waiting for resettlement abroad.
    """
    held_back = np.exp(-behaviour.attachment_effect * attachment)
    return held_back * np.where(pipeline, behaviour.pipeline_readiness, 1.0)


def visibility(
    attachment: ArrayLike,
    pipeline: ArrayLike,
    behaviour: Behaviour,
    enforcement: Enforcement,
) -> ArrayLike:
    """How exposed a household at home is to arrest, relative to a fully visible one (0..1).

    Well-rooted households can hide or be sheltered; pipeline households are exempt only if
    their protection letters are honoured.
    """
    exposed = 1.0 - behaviour.hiding_effect * attachment
    protected = np.logical_and(pipeline, enforcement.protection_letters_honoured)
    return np.where(protected, 0.0, exposed)


def phase_pressure(
    day: int, announcement: int, deadline: int, behaviour: Behaviour, prelude: int | None = None
) -> float:
    """Perceived risk of arrest from a phase's announcement and deadline alone (0..1).

    From `prelude` (a day number; None: no prelude) to the announcement it is `prelude_fear`:
    talk of a crackdown and the first arrests before the plan (IOM counted three times the
    usual returns in September 2023). Zero before. From `announcement_fear` (or the prelude's
    level, if higher) it rises to 1 on the deadline (convex for fear_shape > 1); afterwards it
    falls back exponentially towards `fear_persistence`. Days are day numbers of the run.
    """
    before = behaviour.prelude_fear if prelude is not None else 0.0
    if day < announcement:
        return before if prelude is not None and day >= prelude else 0.0
    if day <= deadline:
        span = deadline - announcement
        progress = 1.0 if span == 0 else (day - announcement) / span
        start = max(behaviour.announcement_fear, before)
        return start + (1.0 - start) * progress**behaviour.fear_shape
    persistent = behaviour.fear_persistence
    fading = np.exp(-(day - deadline) / behaviour.fear_decay_days)
    return float(persistent + (1.0 - persistent) * fading)


def perceived_risk(
    pressure: ArrayLike,
    arrested_share: ArrayLike,
    departed_share: ArrayLike,
    behaviour: Behaviour,
) -> ArrayLike:
    """Perceived risk of arrest: the policy's pressure plus what people see around them.

    `arrested_share` and `departed_share` are the shares of the province's people of the same
    legal status arrested and departed over the past week: seeing arrests (86% of families
    cite fear of arrest) and neighbours leaving both raise the perceived risk.
    """
    return (
        pressure
        + behaviour.arrest_salience * arrested_share
        + behaviour.peer_weight * departed_share
    )


def departure_hazard(risk: ArrayLike, behaviour: Behaviour) -> ArrayLike:
    """Daily departure hazard of a household of readiness 1 at a given perceived risk."""
    return behaviour.base_hazard + behaviour.fear_hazard * risk


def enforcement_level(days_since_start: int, enforcement: Enforcement) -> float:
    """Share of full enforcement intensity (0..1).

    It ramps up linearly over `ramp_days` from its first day, and eases exponentially
    (e-folding time `ease_days`) from its start towards `eased_level`: over 23,000 of the
    26,299 arrests of 2023 were made in November (observations.csv, arrests).
    """
    if days_since_start < 0:
        return 0.0
    ramp_days = enforcement.ramp_days
    ramp = 1.0 if ramp_days == 0 else min(1.0, (days_since_start + 1) / ramp_days)
    eased = enforcement.eased_level
    return ramp * (eased + (1.0 - eased) * math.exp(-days_since_start / enforcement.ease_days))


def arrest_hazard(level: ArrayLike, province_factor: ArrayLike, enforcement: Enforcement):
    """Daily arrest hazard of a fully visible household at home."""
    return enforcement.arrest_hazard * province_factor * level


def daily_probability(propensity: ArrayLike, hazard: ArrayLike) -> ArrayLike:
    """Probability that an event with daily hazard propensity x hazard happens today."""
    return -np.expm1(-propensity * hazard)
