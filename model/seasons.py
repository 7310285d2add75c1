"""Winter: returns normally fall in winter (facts.md §4), by a factor on the departure hazard.

The 2023 calibration fitted September to early January with no explicit season, so its hazards
already hold the season of that window. The factor therefore acts only from
`timeline.forecast_start` and is 1 on that day: it is the season's level
(`rules.winter_level`) relative to the level on the forecast start, so the calibrated hazard
goes on without a jump and rises towards midsummer and falls back towards the next winter.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from model import rules
from model.scenario import Scenario


def season_factors(s: Scenario) -> np.ndarray:
    """The factor on every household's departure hazard on each day of the run (1 before the
    forecast start, and throughout when `winter_dip` is 0)."""
    factors = np.ones(s.timeline.days)
    first = max(0, s.timeline.index(s.timeline.forecast_start))
    if first >= s.timeline.days or s.behaviour.winter_dip == 0:
        return factors
    dates = (s.timeline.start + timedelta(days=day) for day in range(first, s.timeline.days))
    day_of_year = np.array([day.timetuple().tm_yday for day in dates])
    reference = rules.winter_level(s.timeline.forecast_start.timetuple().tm_yday, s.behaviour)
    factors[first:] = rules.winter_level(day_of_year, s.behaviour) / reference
    return factors
