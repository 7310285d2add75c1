"""Provincial enforcement: police arrests after the deadline, holding centres, hand-over."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Protocol

import mesa
import numpy as np

from model import rules
from model.population import State
from model.scenario import Province

if TYPE_CHECKING:
    from model.model import RepatriationModel


class ArrestLine(Protocol):
    """The households of one status group in the order police would arrest them.

    `model.thresholds.ThresholdLine` in the engine; daily draws by household agents in the
    plain-Mesa version (`model.household_agents.ArrestDraws`).
    """

    def raise_level(self, hazard: float) -> np.ndarray:
        """Apply a day's arrest hazard; return the households in line (not yet released)."""
        ...

    def release(self, count: int) -> None:
        """Take the first `count` households in line out of it."""
        ...


class ProvincialEnforcement(mesa.Agent):
    """Police and holding centres of one province.

    Each day it hands over the detainees whose detention is over (they are escorted to the
    province's designated crossing), then arrests households at home whose status is targeted
    by a phase in force, as far as the holding centres have room.
    """

    def __init__(
        self,
        model: RepatriationModel,
        province: Province,
        index: int,
        arrest_lines: dict[int, ArrestLine],
    ) -> None:
        super().__init__(model)
        self.province = province
        self.index = index
        self.arrest_lines = arrest_lines  # by status index
        self.detained_persons = 0
        # Batches held: (release day, households, persons, their status).
        self._detention: deque[tuple[int, np.ndarray, int, int]] = deque()

    @property
    def free_places(self) -> int:
        return max(0, self.province.holding_capacity - self.detained_persons)

    def step(self) -> None:
        self.hand_over_for_deportation()
        self.arrest()

    def hand_over_for_deportation(self) -> None:
        day = self.model.day
        while self._detention and self._detention[0][0] <= day:
            _, households, persons, status = self._detention.popleft()
            self.detained_persons -= persons
            self.model.deport(households, self.province, persons, status)

    def arrest(self) -> None:
        model = self.model
        enforcement = model.scenario.enforcement
        for status, line in self.arrest_lines.items():
            start = model.enforcement_start[status]
            if start is None or model.day < start:
                continue
            level = model.enforcement_level(status)
            hazard = rules.arrest_hazard(level, self.province.enforcement_factor, enforcement)
            reached = line.raise_level(hazard)
            if len(reached) == 0:
                continue
            at_home = np.flatnonzero(model.population.state[reached] == State.HOME)
            cumulative = np.cumsum(model.population.size[reached[at_home]])
            fit = int(cumulative.searchsorted(self.free_places, side="right"))
            # Households reached but beyond the centres' room stay first in line for tomorrow.
            line.release(len(reached) if fit == len(at_home) else int(at_home[fit]))
            if fit == 0:
                continue
            arrested = reached[at_home[:fit]]
            persons = int(cumulative[fit - 1])
            model.detain(arrested, self.index, persons, status)
            self.detained_persons += persons
            release_day = model.day + enforcement.detention_days
            self._detention.append((release_day, arrested, persons, status))
