"""The typed parameters of a run: a frozen dataclass per scalar section and per table row.

Each value's type, units, range and source are declared once, elsewhere: a scalar parameter's in
its row of `data/parameters.csv`, a table column's in `model.schema.TABLE_FIELDS`. These classes
give the values their Python types for the model's code; `model.defaults` checks them against
the declarations whenever it reads the tables, so a field cannot be added, dropped or retyped
on one side only.

`Parameters` gathers them all. It sits below the modules that read, override and check a
scenario, so that they can name its types without importing `model.scenario`, which imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from model.schema import STATUSES


@dataclass(frozen=True)
class Timeline:
    start: date
    end: date
    count_start: date
    forecast_start: date
    returns_count_start: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def index(self, day: date) -> int:
        """Day number of a date, 0 on `start` (may be negative or beyond the horizon)."""
        return (day - self.start).days


@dataclass(frozen=True)
class PopulationParameters:
    undocumented: int
    acc: int
    por: int
    household_size_mean: float
    attachment_alpha: float
    attachment_beta: float
    pipeline_share: float
    max_household_size: int

    def persons(self, status: str) -> int:
        return getattr(self, status)

    @property
    def total(self) -> int:
        """Persons of every status in the population."""
        return sum(self.persons(status) for status in STATUSES)


@dataclass(frozen=True)
class Behaviour:
    base_hazard: float
    fear_hazard: float
    announcement_fear: float
    fear_shape: float
    fear_persistence: float
    fear_decay_days: float
    arrest_salience: float
    peer_weight: float
    peer_window_days: int
    attachment_effect: float
    pipeline_readiness: float
    exempt_fear_factor: float
    prelude_fear: float
    prelude_start: date
    hiding_effect: float
    reroute_days: int
    card_base_share: float
    fear_fade_days: float
    fear_floor: float
    later_phase_fear: float
    card_warning_days: float
    lapsed_card_fear: float
    winter_dip: float
    winter_trough_day: int


@dataclass(frozen=True)
class Enforcement:
    arrest_hazard: float
    ramp_days: int
    detention_days: int
    protection_letters_honoured: bool
    deportee_priority: bool
    eased_level: float
    ease_days: float
    later_phase_share: float


@dataclass(frozen=True)
class Province:
    id: str
    name: str
    population_share: float
    enforcement_factor: float
    holding_capacity: int
    deportation_checkpoint: str
    deportation_travel_days: int


@dataclass(frozen=True)
class CheckpointSpec:
    id: str
    name: str
    province: str
    route: str
    capacity_per_hour: float
    hours: float
    opens: date
    closes: date
    fallback: str


@dataclass(frozen=True)
class Route:
    province: str
    checkpoint: str
    share: float
    travel_days_min: int
    travel_days_max: int


@dataclass(frozen=True)
class Phase:
    id: str
    statuses: tuple[str, ...]
    announcement: date
    deadline: date
    enforcement_start: date


@dataclass(frozen=True)
class CapacityChange:
    checkpoint: str
    date: date
    capacity_factor: float
    hours: float


@dataclass(frozen=True)
class Closure:
    checkpoint: str
    start: date
    end: date


@dataclass(frozen=True)
class DeadlineExtension:
    phase: str
    announced: date
    new_deadline: date


@dataclass(frozen=True)
class CardValidity:
    status: str
    announced: date
    valid_until: date


@dataclass(frozen=True)
class Parameters:
    """Every typed value of a run: the scalar sections and the rows of each table."""

    timeline: Timeline
    population: PopulationParameters
    behaviour: Behaviour
    enforcement: Enforcement
    provinces: tuple[Province, ...]
    checkpoints: tuple[CheckpointSpec, ...]
    routes: tuple[Route, ...]
    phases: tuple[Phase, ...]
    capacity_changes: tuple[CapacityChange, ...]
    closures: tuple[Closure, ...]
    deadline_extensions: tuple[DeadlineExtension, ...]
    card_validity: tuple[CardValidity, ...]

    @property
    def checkpoint_routes(self) -> np.ndarray:
        """Each checkpoint's reported route (`model.schema.ROUTES`), in `checkpoints` order.

        An array, so that `ledger.crossed[:, scenario.checkpoint_routes == route]` selects a
        route's crossings; a new one each call, so callers cannot change each other's.
        """
        return np.array([spec.route for spec in self.checkpoints])


# The class of each scalar section and of each table's rows, by its name in a scenario.
SECTION_CLASSES: dict[str, type] = {
    "timeline": Timeline,
    "population": PopulationParameters,
    "behaviour": Behaviour,
    "enforcement": Enforcement,
}
ROW_CLASSES: dict[str, type] = {
    "provinces": Province,
    "checkpoints": CheckpointSpec,
    "routes": Route,
    "phases": Phase,
    "capacity_changes": CapacityChange,
    "closures": Closure,
    "deadline_extensions": DeadlineExtension,
    "card_validity": CardValidity,
}
