"""The explorer's controls: the levers users ask about, read from a scenario and written back.

A `Controls` value is everything the page's widgets set. `controls_for` reads it from a
library scenario (the starting point); `scenario_for` applies it over that starting point and
returns the validated `Scenario`, or raises the same `ScenarioError` as the command line. The
error's field tells which control it belongs to (`control_of`), so the page can show it there.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from functools import cache, lru_cache

from experiments.core import library as scenarios
from experiments.core.arguments import DEFAULT_SEED
from model.scenario import Closure, Phase, Scenario
from model.schema import ScenarioError

SOURCE = "explorer"  # the "file" named in errors about the controls' values
MAX_REPLICATES = 50
TORKHAM = "torkham"
# Library scenarios that define the later phases; their values are the defaults offered when
# the user switches a phase on and the starting scenario's own phase lies beyond its horizon
# (they move phases 2 and 3 into 2023, and carry the sources of the numbers of card holders).
CARD_HOLDER_SCENARIOS = {"acc": "phase2_acc", "por": "phase3_por"}
# What a run is compared with: the first of these whose timeline is the starting scenario's
# (the calibrated baseline for 2023 runs, the drive to 2025 for the later phases), else the
# starting scenario itself.
REFERENCES = ("baseline", "drive_2023_2025")


@dataclass(frozen=True)
class CardHolders:
    """A later phase against holders of a card (ACC or PoR), exempt in phase 1."""

    targeted: bool
    persons: int
    phase: Phase


@dataclass(frozen=True)
class ClosureSwitch:
    """A crossing closed for a stretch of days, when switched on."""

    enabled: bool
    closure: Closure


@dataclass(frozen=True)
class Controls:
    starting_point: str
    phase1: Phase
    arrest_intensity: float  # x the calibrated arrest hazard
    enforcement_factors: dict[str, float]  # by province
    capacity_per_hour: dict[str, float]  # by crossing, before any change
    torkham_tripled: bool
    closure: ClosureSwitch
    letters_honoured: bool
    acc: CardHolders
    por: CardHolders
    replicates: int = 1
    seed: int = DEFAULT_SEED
    # Whether moving the deadline moves enforcement to the next day (the page's checkbox; on
    # when the starting scenario has it so).
    enforcement_follows: bool = True

    def but(self, **changes) -> Controls:
        """A copy with some controls changed."""
        return replace(self, **changes)

    def with_deadline(self, deadline: date) -> Controls:
        """Phase 1's deadline moved; enforcement then starts the next day if it follows."""
        phase = replace(self.phase1, deadline=deadline)
        if self.enforcement_follows:
            phase = replace(phase, enforcement_start=deadline + timedelta(days=1))
        return self.but(phase1=phase)


@cache
def library(name: str) -> Scenario:
    """A library scenario over the calibrated baseline, read from disk once per process (the
    page asks for them on every change; `Scenario.with_overrides` never alters its base)."""
    return scenarios.resolve(name)


@lru_cache(maxsize=1)
def calibrated() -> Scenario:
    """The calibrated baseline's parameters, read once per process."""
    return scenarios.calibrated_base()


def reference_for(name: str) -> str:
    """The library scenario a run from `name` is compared with (`REFERENCES`)."""
    timeline = library(name).timeline
    return next((ref for ref in REFERENCES if library(ref).timeline == timeline), name)


def torkham_change(scenario: Scenario) -> date | None:
    """The date of the calibrated baseline's change of Torkham's capacity (3 Nov 2023), which
    the "tripled" switch turns on and off, if the scenario has a change of Torkham's then."""
    dates = {c.date for c in calibrated().capacity_changes if c.checkpoint == TORKHAM}
    found = [c.date for c in scenario.capacity_changes if c.checkpoint == TORKHAM]
    return next((day for day in found if day in dates), None)


def controls_for(name: str, replicates: int = 1, seed: int = DEFAULT_SEED) -> Controls:
    """The controls as the library scenario `name` sets them."""
    start = library(name)
    base = calibrated()
    phase1 = _read_phase(start, "undocumented") or _read_phase(base, "undocumented")
    return Controls(
        starting_point=name,
        phase1=phase1,
        arrest_intensity=start.enforcement.arrest_hazard / base.enforcement.arrest_hazard,
        enforcement_factors={p.id: p.enforcement_factor for p in start.provinces},
        capacity_per_hour={c.id: c.capacity_per_hour for c in start.checkpoints},
        torkham_tripled=_torkham_factor(start) > 1.0,
        closure=_read_closure(start),
        letters_honoured=start.enforcement.protection_letters_honoured,
        acc=_read_card_holders(start, "acc"),
        por=_read_card_holders(start, "por"),
        replicates=replicates,
        seed=seed,
        enforcement_follows=phase1.enforcement_start == phase1.deadline + timedelta(days=1),
    )


def scenario_for(controls: Controls) -> Scenario:
    """The scenario the controls describe, validated; a `ScenarioError` if they clash."""
    check_replicates_and_seed(controls)
    start = library(controls.starting_point)
    scenario = start.with_overrides(overrides(controls, start), source=SOURCE)
    return replace(scenario, name=f"{controls.starting_point} (explorer)")


def check_replicates_and_seed(controls: Controls) -> None:
    if not 1 <= controls.replicates <= MAX_REPLICATES:
        problem = f"{controls.replicates} is out of range"
        raise ScenarioError(SOURCE, "replicates", problem, f"1..{MAX_REPLICATES}")
    if controls.seed < 0:
        raise ScenarioError(SOURCE, "seed", f"{controls.seed} is negative", "an integer >= 0")


def overrides(controls: Controls, start: Scenario) -> dict:
    """The scenario-file overrides that set every control over the starting scenario."""
    base = calibrated()
    hazard = controls.arrest_intensity * base.enforcement.arrest_hazard
    if math.isclose(hazard, start.enforcement.arrest_hazard, rel_tol=1e-12):
        hazard = start.enforcement.arrest_hazard  # untouched: keep the start's exact value
    changes: dict = {
        "phases": {controls.phase1.id: _phase_fields(controls.phase1)},
        "enforcement": {
            "arrest_hazard": hazard,
            "protection_letters_honoured": controls.letters_honoured,
        },
        "provinces": {
            p: {"enforcement_factor": f} for p, f in controls.enforcement_factors.items()
        },
        "checkpoints": {c: {"capacity_per_hour": v} for c, v in controls.capacity_per_hour.items()},
        "capacity_changes": _capacity_changes(controls.torkham_tripled, start, base),
        "closures": _closures(controls.closure, start),
        "population": {},
    }
    for status in CARD_HOLDER_SCENARIOS:
        holders: CardHolders = getattr(controls, status)
        changes["population"][status] = holders.persons if holders.targeted else 0
        if holders.targeted:  # otherwise nobody feels the phase: the start's row stays
            phase = _phase_fields(holders.phase) | {"statuses": [status]}
            changes["phases"][holders.phase.id] = phase
    return changes


# Which control an error belongs to: the first whose field prefix the error's field starts with.
CONTROL_FIELDS = {
    "phase1": ("phases.phase1",),
    "arrest_intensity": ("enforcement.arrest_hazard",),
    "enforcement_factors": ("provinces.",),
    "capacity_per_hour": ("checkpoints.",),
    "torkham_tripled": ("capacity_changes",),
    "closure": ("closures",),
    "letters_honoured": ("enforcement.protection_letters",),
    "acc": ("population.acc", "phases.phase2"),
    "por": ("population.por", "phases.phase3"),
    "replicates": ("replicates",),
    "seed": ("seed",),
}


def control_of(error: ScenarioError) -> str:
    """The control an error is about ("general" if none is)."""
    for control, prefixes in CONTROL_FIELDS.items():
        if error.field.startswith(prefixes):
            return control
    return "general"


def _phase_fields(phase: Phase) -> dict:
    return {
        "announcement": phase.announcement,
        "deadline": phase.deadline,
        "enforcement_start": phase.enforcement_start,
    }


def _read_phase(scenario: Scenario, status: str) -> Phase | None:
    """The phase that targets `status` (its dates are the controls; its statuses are kept)."""
    return next((phase for phase in scenario.phases if status in phase.statuses), None)


def _read_card_holders(start: Scenario, status: str) -> CardHolders:
    """Whether the start targets `status`'s holders, and the phase offered for them: the
    start's own if it falls within the start's run, else the example scenario's."""
    phase = _read_phase(start, status)
    persons = start.population.persons(status)
    if phase is not None and persons > 0:
        return CardHolders(True, persons, phase)
    example = library(CARD_HOLDER_SCENARIOS[status])
    default_phase = _read_phase(example, status)
    assert default_phase is not None, f"{CARD_HOLDER_SCENARIOS[status]} has no {status} phase"
    if phase is None or phase.announcement > start.timeline.end:
        phase = default_phase
    return CardHolders(False, example.population.persons(status), phase)


def _torkham_factor(scenario: Scenario) -> float:
    """The factor of Torkham's change on the baseline's date (1 if it has none)."""
    when = torkham_change(scenario)
    factors = [
        c.capacity_factor
        for c in scenario.capacity_changes
        if c.checkpoint == TORKHAM and c.date == when
    ]
    return max(factors, default=1.0)


def _capacity_changes(tripled: bool, start: Scenario, base: Scenario) -> list[dict]:
    """The start's capacity changes with Torkham's rate on the baseline's date multiplied as
    the baseline's (x3), or not at all; its hours and date are kept, and other changes too."""
    factor = _torkham_factor(base) if tripled else 1.0
    when = torkham_change(start)
    rows = [asdict(change) for change in start.capacity_changes]
    torkham = [row for row in rows if row["checkpoint"] == TORKHAM and row["date"] == when]
    if not torkham and tripled:
        torkham = [asdict(c) for c in base.capacity_changes if c.checkpoint == TORKHAM]
        rows += torkham
    for row in torkham:
        row["capacity_factor"] = factor
    return rows


def _read_closure(start: Scenario) -> ClosureSwitch:
    if start.closures:
        return ClosureSwitch(True, start.closures[0])
    return ClosureSwitch(False, library("torkham_closed_week").closures[0])


def _closures(switch: ClosureSwitch, start: Scenario) -> list[dict]:
    """The control's closure, if on, in place of the start's first closure (others kept)."""
    kept = [asdict(c) for c in start.closures[1:]]
    if switch.enabled:
        kept.insert(0, asdict(switch.closure))
    return kept
