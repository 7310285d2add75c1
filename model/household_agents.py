"""The same model with one plain Mesa agent per household, for docking and benchmarks.

`HouseholdAgentModel` is `RepatriationModel` with only the two household-level decisions
rewritten the textbook way: every household at home is a `Household` agent that, each day,
draws whether to leave (agents stepped in random order with `shuffle_do`), and police draw,
household by household, whom they would arrest. Both draws use the very rule functions of
`model.rules`, called with one household's numbers. Everything else is shared: the population
synthesis, the policy calendar, the crossings and their queues, travel, holding centres and
the ledger, so comparing the two versions tests the engine's execution (exponential thresholds,
sorted lines, arrays), not a second copy of the rules.

It is slow by design (about 250,000 agents at full scale); use it at small populations.
"""

from __future__ import annotations

import random

import mesa
import numpy as np

from model import rules
from model.model import RepatriationModel
from model.population import State


class Household(mesa.Agent):
    """A family: row `row` of the population arrays, where its state and travels are kept."""

    def __init__(self, model: HouseholdAgentModel, row: int) -> None:
        super().__init__(model)
        pop = model.population
        behaviour, enforcement = model.scenario.behaviour, model.scenario.enforcement
        self.row = row
        self.province = int(pop.province[row])
        self.status = int(pop.status[row])
        attachment, pipeline = float(pop.attachment[row]), bool(pop.pipeline[row])
        self.readiness = float(rules.readiness(attachment, pipeline, behaviour))
        self.visibility = float(rules.visibility(attachment, pipeline, behaviour, enforcement))
        self.at_home = True  # mirrors the population's state (kept by the model's moves)

    def step(self) -> None:
        """Decide whether to leave home today, by a draw with the day's probability."""
        if not self.at_home:
            return
        model = self.model
        behaviour = model.scenario.behaviour
        risk = model.exposure_today[self.status] * rules.perceived_risk(
            model.pressure_today[self.status],
            model.arrested_share[self.province][self.status],
            model.departed_share[self.province][self.status],
            behaviour,
        )
        hazard = rules.departure_hazard(
            risk, behaviour, model.season_today, model.base_share[self.status]
        )
        if model.departure_draws.random() < rules.daily_probability(self.readiness, hazard):
            model.leaving.append(self.row)

    def caught(self, hazard: float, draws: random.Random) -> bool:
        """Whether police, at a day's arrest hazard, would take this household today."""
        if not self.at_home:
            return False
        return draws.random() < rules.daily_probability(self.visibility, hazard)


class ArrestDraws:
    """Police's line in one (province, status) group, drawn household by household each day.

    The same interface as `model.thresholds.ThresholdLine`, so `ProvincialEnforcement` applies
    the same holding-capacity rule to both: households caught but beyond the centres' room
    stay first in line for the next day.
    """

    def __init__(self, members: list[Household], draws: random.Random) -> None:
        self.members = members
        self.draws = draws
        self.line = np.empty(0, dtype=np.int64)  # caught earlier, waiting for room

    def raise_level(self, hazard: float) -> np.ndarray:
        """Draw today's catches among those at home and not in line; return the whole line."""
        waiting = set(self.line.tolist())
        caught = [
            household.row
            for household in self.members
            if household.row not in waiting and household.caught(hazard, self.draws)
        ]
        self.draws.shuffle(caught)  # arrested in random order when room runs short
        self.line = np.concatenate((self.line, np.array(caught, dtype=np.int64)))
        return self.line

    def release(self, count: int) -> None:
        self.line = self.line[count:]


class HouseholdAgentModel(RepatriationModel):
    """`RepatriationModel` with one `Household` agent per household and daily draws."""

    def _departure_lines(self, rng: np.random.Generator) -> dict:
        self.departure_draws = _scalar_draws(rng)
        self.households = [Household(self, row) for row in range(self.population.households)]
        return {}  # no threshold lines: households decide in `decide_departures`

    def _arrest_lines(self, rng: np.random.Generator) -> dict[tuple[int, int], ArrestDraws]:
        groups: dict[tuple[int, int], list[Household]] = {}
        for household in self.households:
            groups.setdefault((household.province, household.status), []).append(household)
        draws = _scalar_draws(rng)
        return {group: ArrestDraws(members, draws) for group, members in sorted(groups.items())}

    def decide_departures(self) -> None:
        window_days = self.scenario.behaviour.peer_window_days
        shares = self.ledger.recent_shares(self.day, self.group_persons, window_days)
        self.arrested_share, self.departed_share = (share.tolist() for share in shares)
        self.pressure_today = self.pressure[self.day].tolist()
        self.exposure_today = self.exposure[self.day].tolist()
        self.season_today = float(self.season[self.day])
        self.base_share = rules.base_shares(self.scenario.behaviour)
        self.leaving: list[int] = []
        self.agents_by_type[Household].shuffle_do("step")
        if self.leaving:
            self.leave_home(np.array(self.leaving, dtype=np.int64))

    def _move(
        self,
        households: np.ndarray,
        source: State,
        target: State,
        persons: np.ndarray | None = None,
    ) -> np.ndarray:
        if source == State.HOME:  # nobody returns home: the agents' flag needs no other update
            for row in households.tolist():
                self.households[row].at_home = False
        return super()._move(households, source, target, persons)


def _scalar_draws(rng: np.random.Generator) -> random.Random:
    """A generator for one number at a time, seeded from (so as reproducible as) `rng`.

    Python's generator draws a single number about ten times faster than numpy's.
    """
    return random.Random(int(rng.integers(2**63)))
