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
from model.schema import CARD_STATUSES, STATUSES

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
    day: int,
    announcement: int,
    deadline: int,
    behaviour: Behaviour,
    prelude: int | None = None,
    persistence_share: float | None = None,
) -> float:
    """Perceived risk of arrest from a phase's announcement and deadline alone (0..1).

    From `prelude` (a day number; None: no prelude) to the announcement it is `prelude_fear`:
    talk of a crackdown and the first arrests before the plan (IOM counted three times the
    usual returns in September 2023). Zero before. From `announcement_fear` (or the prelude's
    level, if higher) it rises to 1 on the deadline (convex for fear_shape > 1); afterwards it
    falls back exponentially towards `fear_persistence`, times `persistence_share`
    (`persistence_fading`) on a multi-year horizon (None: the persistent level stays). Days
    are day numbers of the run.
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
    if persistence_share is not None:
        persistent *= persistence_share
    fading = np.exp(-(day - deadline) / behaviour.fear_decay_days)
    return float(persistent + (1.0 - persistent) * fading)


def persistence_fading(days: float, behaviour: Behaviour) -> float:
    """The share of a phase's persistent fear left `days` days after it starts to fade.

    The 2023 calibration saw the fear persist for two months after the deadline, and nothing of
    how long it lasts: it fades from 1 towards `fear_floor`, e-folding time `fear_fade_days`.
    """
    floor = behaviour.fear_floor
    return floor + (1.0 - floor) * math.exp(-days / behaviour.fear_fade_days)


def card_expiry(days_left: ArrayLike, behaviour: Behaviour) -> ArrayLike:
    """How close a card's end feels to its holders (0..1), `days_left` days before its last
    valid day (negative: lapsed).

    0 while the end is more than `card_warning_days` away, rising linearly to 1 on the last
    valid day, and 1 once the card has lapsed: an extension, once announced, sets it back.
    """
    days_left = np.asarray(days_left, dtype=float)
    if behaviour.card_warning_days <= 0:
        return np.where(days_left < 0, 1.0, 0.0)
    with np.errstate(over="ignore"):  # a warning of a few seconds: +-inf, clipped to 0 or 1
        return np.clip(1.0 - days_left / behaviour.card_warning_days, 0.0, 1.0)


def card_holder_exposure(expiry: ArrayLike, behaviour: Behaviour) -> ArrayLike:
    """The weight of the strongest phase's pressure felt by holders of a card not (yet)
    targeted: `exempt_fear_factor`, raised towards 1 by `lapsed_card_fear` as the card's
    end nears (`card_expiry`)."""
    exempt = behaviour.exempt_fear_factor
    return exempt + (1.0 - exempt) * behaviour.lapsed_card_fear * expiry


def winter_level(day_of_year: ArrayLike, behaviour: Behaviour) -> ArrayLike:
    """The season's level of departures relative to midsummer (1 - winter_dip .. 1).

    Returns normally fall in winter (facts.md §4): a cosine with its trough on
    `winter_trough_day` and its peak half a year later.
    """
    angle = 2.0 * np.pi * (np.asarray(day_of_year, dtype=float) - behaviour.winter_trough_day)
    return 1.0 - behaviour.winter_dip * (1.0 + np.cos(angle / 365.25)) / 2.0


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


def departure_hazard(
    risk: ArrayLike, behaviour: Behaviour, season: float = 1.0, base_share: float = 1.0
) -> ArrayLike:
    """Daily departure hazard of a household of readiness 1 at a given perceived risk, in a
    season whose level is `season` (`winter_level`, relative to the calibrated window's).

    `base_share` scales the hazard felt whatever the pressure (`card_base_share` for card
    holders, whose legal stay held them back before the drive; 1 for undocumented people).
    """
    return (behaviour.base_hazard * base_share + behaviour.fear_hazard * risk) * season


def base_shares(behaviour: Behaviour) -> list[float]:
    """`departure_hazard`'s base_share for each status (`model.schema.STATUSES`)."""
    return [
        1.0 if status not in CARD_STATUSES else behaviour.card_base_share for status in STATUSES
    ]


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
