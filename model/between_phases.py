"""How fear and enforcement persist, fade and revive between phases on a multi-year timeline.

The 2023 calibration saw one phase and two months after its deadline. What it cannot say — how
long the fear that outlasted the deadline lasts, and what a later phase against card holders
does to those targeted before — acts only from `timeline.forecast_start`, the first day after
the calibrated window, so that a run ending before it is the calibrated 2023 model:

- a phase's persistent fear fades (`rules.persistence_fading`) from the forecast start, or from
  its deadline if that is later;
- a status targeted by an earlier phase feels at least `later_phase_fear` of the pressure of a
  phase announced after its own, and is arrested at least at `later_phase_share` of a later
  phase's enforcement intensity.
"""

from __future__ import annotations

import numpy as np

from model import rules
from model.parameters import Phase
from model.scenario import Scenario
from model.schema import STATUSES


def deadline_days(s: Scenario, phase: Phase) -> np.ndarray:
    """The day number of the phase's deadline in force on each day of the run: its own, or the
    new deadline of the latest extension announced by then."""
    days = np.full(s.timeline.days, s.timeline.index(phase.deadline), dtype=np.int64)
    for extension in sorted(s.deadline_extensions, key=lambda e: e.announced):
        if extension.phase == phase.id:
            days[max(0, s.timeline.index(extension.announced)) :] = s.timeline.index(
                extension.new_deadline
            )
    return days


def phase_pressure_series(s: Scenario, phase: Phase, prelude: int | None) -> np.ndarray:
    """The pressure of one phase on each day (`rules.phase_pressure`), its persistent part
    fading from the forecast start or its deadline, whichever is later."""
    announcement = s.timeline.index(phase.announcement)
    fade_from = s.timeline.index(s.timeline.forecast_start)
    values = []
    for day, deadline in enumerate(deadline_days(s, phase).tolist()):
        share = None
        if day >= fade_from and day > deadline:
            share = rules.persistence_fading(day - max(fade_from, deadline), s.behaviour)
        values.append(
            rules.phase_pressure(day, announcement, deadline, s.behaviour, prelude, share)
        )
    return np.array(values)


def with_later_phases(
    s: Scenario, phase: Phase, series: dict[str, np.ndarray], share: float
) -> np.ndarray:
    """`series[phase.id]`, raised from the forecast start to at least `share` x the series of
    each phase announced after `phase` (the phases' pressures, or their enforcement levels)."""
    own = series[phase.id]
    later = [series[other.id] for other in s.phases if other.announcement > phase.announcement]
    start = max(0, s.timeline.index(s.timeline.forecast_start))
    if share <= 0 or not later or start >= len(own):
        return own
    raised = own.copy()
    strongest = np.max(later, axis=0)
    raised[start:] = np.maximum(own[start:], share * strongest[start:])
    return raised


def enforcement_series(s: Scenario, phase: Phase) -> np.ndarray:
    """A phase's enforcement level on each day (`rules.enforcement_level`, 0 before it starts)."""
    levels = np.zeros(s.timeline.days)
    start = s.timeline.index(phase.enforcement_start)
    for day in range(max(start, 0), s.timeline.days):
        levels[day] = rules.enforcement_level(day - start, s.enforcement)
    return levels


def enforcement_levels(s: Scenario) -> np.ndarray:
    """The enforcement level of each status on each day (days x statuses): its phase's, raised
    by later phases' (`with_later_phases`); 0 for a status no phase targets."""
    series = {phase.id: enforcement_series(s, phase) for phase in s.phases}
    levels = np.zeros((s.timeline.days, len(STATUSES)))
    share = s.enforcement.later_phase_share
    for phase in s.phases:
        raised = with_later_phases(s, phase, series, share)
        for status in phase.statuses:
            levels[:, STATUSES.index(status)] = raised
    return levels
