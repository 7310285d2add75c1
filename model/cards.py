"""What a card's validity does to its holders: the nearer its announced end, the more of the
drive's pressure they feel; an extension, once announced, takes the fear away again.

The validity in force on a day is the `valid_until` of the latest `card_validity` row announced
by then (as a deadline extension replaces a deadline). Before any row is announced, or for a
status with no rows, the card protects as in phase 1: its holders feel `exempt_fear_factor` of
the strongest phase's pressure. Cards change only the fear of holders not (yet) targeted by a
phase; arrests still wait for their phase's enforcement start.
"""

from __future__ import annotations

import numpy as np

from model import rules
from model.scenario import Scenario
from model.schema import CARD_STATUSES, STATUSES


def valid_until_days(s: Scenario, status: str) -> np.ndarray:
    """The day number of the card's last valid day as known on each day (NaN: none known)."""
    known = np.full(s.timeline.days, np.nan)
    rows = sorted((r for r in s.card_validity if r.status == status), key=lambda r: r.announced)
    for row in rows:
        known[max(0, s.timeline.index(row.announced)) :] = s.timeline.index(row.valid_until)
    return known


def card_exposure(s: Scenario) -> np.ndarray:
    """The weight of the strongest phase's pressure felt by each status not targeted, on each
    day (days x statuses): `exempt_fear_factor`, raised as a card nears its end or lapses
    (`rules.card_holder_exposure`)."""
    exposure = np.full((s.timeline.days, len(STATUSES)), s.behaviour.exempt_fear_factor)
    for status in CARD_STATUSES:
        valid_until = valid_until_days(s, status)
        days = np.flatnonzero(~np.isnan(valid_until))
        expiry = rules.card_expiry(valid_until[days] - days, s.behaviour)
        near = expiry > 0
        exposure[days[near], STATUSES.index(status)] = rules.card_holder_exposure(
            expiry[near], s.behaviour
        )
    return exposure
