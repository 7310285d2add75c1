"""The repatriation model: a Mesa model of households deciding, day by day, whether to leave.

Residents live in numpy arrays (one row per household); border crossings and provincial
enforcement are Mesa agents. A day runs in four stages:

1. households at home decide whether to leave, from their perceived risk of arrest;
2. each province hands detainees over for deportation, then makes arrests;
3. households on the road arrive at their crossing (or are rerouted if it is closed);
4. each crossing processes its queue up to its daily capacity.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import accumulate

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from model import rules
from model.between_phases import enforcement_levels, phase_pressure_series, with_later_phases
from model.cards import card_exposure
from model.checkpoint import Checkpoint
from model.enforcement import ProvincialEnforcement
from model.ledger import Ledger
from model.population import State, synthesise
from model.reporters import MODEL_REPORTERS
from model.scenario import Province, Scenario, default_scenario
from model.schema import STATUSES
from model.seasons import season_factors
from model.thresholds import ThresholdLine
from model.transit import Transit


class RepatriationModel(mesa.Model):
    """Pakistan's 2023-24 drive to remove undocumented foreigners, at full scale.

    Args:
        scenario: the run's parameters (default: the baseline from `model/data/`), kept as
            `model.scenario`, where Mesa models keep theirs.
        rng: seed or numpy Generator; every random draw of the run comes from it.
    """

    def __init__(self, scenario: Scenario | None = None, rng=None) -> None:
        super().__init__(rng=rng)
        self.scenario = scenario if scenario is not None else default_scenario()
        s = self.scenario
        self.day = -1
        self.dates = [s.timeline.start + timedelta(days=d) for d in range(s.timeline.days)]
        structure_rng, route_rng, departure_rng, arrest_rng = self.rng.spawn(4)
        self.checkpoint_index = {spec.id: i for i, spec in enumerate(s.checkpoints)}
        self.population = synthesise(s, self.checkpoint_index, structure_rng, route_rng)
        pop = self.population

        self.counts = np.zeros((len(State), len(STATUSES)), dtype=np.int64)
        by_group = pop.persons_by_block(len(s.provinces))
        self.counts[State.HOME] = by_group.sum(axis=0)
        self.initial_persons = int(self.counts.sum())
        self.group_persons = np.maximum(by_group, 1)
        self.pressure, self.exposure = risk_schedule(s)
        self.enforcement_start = enforcement_starts(s)
        self.enforcement_levels = enforcement_levels(s)  # days x statuses
        self._enforcement_rows = self.enforcement_levels.tolist()
        self.season = season_factors(s)
        self._season = self.season.tolist()
        self._base_shares = np.array(rules.base_shares(s.behaviour))

        self.departure_lines = self._departure_lines(departure_rng)
        arrest_lines = self._arrest_lines(arrest_rng)
        self.checkpoints = [Checkpoint(self, spec, i) for i, spec in enumerate(s.checkpoints)]
        self.enforcement = [
            ProvincialEnforcement(
                self, province, i, {st: q for (p, st), q in arrest_lines.items() if p == i}
            )
            for i, province in enumerate(s.provinces)
        ]
        self.transit = Transit()
        self._anyone_arrested = False  # if not, nobody crossing can be a deportee
        self.ledger = Ledger(s.timeline.days, len(s.checkpoints), len(s.provinces), len(State))
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS)
        self.running = True

    def _departure_lines(self, rng: np.random.Generator) -> dict[tuple[int, int], ThresholdLine]:
        """Who leaves home when, by (province, status) group (readiness as propensity)."""
        return self._threshold_lines(self.population.readiness, rng)

    def _arrest_lines(self, rng: np.random.Generator) -> dict[tuple[int, int], ThresholdLine]:
        """Who is arrested when, by (province, status) group (visibility as propensity)."""
        return self._threshold_lines(self.population.visibility, rng)

    def _threshold_lines(
        self, propensity: np.ndarray, rng: np.random.Generator
    ) -> dict[tuple[int, int], ThresholdLine]:
        """One line per (province, status) group that has households."""
        blocks = self.population.blocks
        return {
            group: ThresholdLine(np.arange(rows.start, rows.stop), propensity[rows], rng)
            for group, rows in sorted(blocks.items())
        }

    # Mesa 3.5's Model has a `scenario` property whose setter does `scenario.model = self`, and
    # Model.__init__ puts its own `mesa.experimental.scenarios.Scenario(rng=seed)` there. Ours is
    # frozen and shared by every replicate of a run, so it cannot point back at one model: this
    # property holds it as it is, and keeps Mesa's own (which records only the seed) as
    # `mesa_scenario`, pointing back at the model as Mesa has it.
    @property
    def scenario(self) -> Scenario:
        return self._scenario_of_run

    @scenario.setter
    def scenario(self, scenario: Scenario | MesaScenario) -> None:
        if isinstance(scenario, MesaScenario):
            self.mesa_scenario = scenario
            scenario.model = self
        else:
            self._scenario_of_run = scenario

    @property
    def date(self) -> date:
        return self.dates[max(self.day, 0)]

    def step(self) -> None:
        self.day = self.steps - 1
        self.decide_departures()
        self.agents_by_type[ProvincialEnforcement].do("step")
        self.arrive()
        self.agents_by_type[Checkpoint].do("step")
        self.ledger.states[self.day] = self.counts
        self.today = self.counts.tolist()  # the day's counts as Python ints, for the reporters
        self.datacollector.collect(self)
        if self.day >= len(self.dates) - 1:
            self.running = False

    # --- stage 1: decisions at home ---------------------------------------------------------

    def decide_departures(self) -> None:
        behaviour = self.scenario.behaviour
        arrested, departed = self.ledger.recent_shares(
            self.day, self.group_persons, behaviour.peer_window_days
        )
        # Every group's hazard at once (provinces x statuses), as Python floats for the lines.
        risk = self.exposure[self.day] * rules.perceived_risk(
            self.pressure[self.day], arrested, departed, behaviour
        )
        season = self._season[self.day]
        hazards = rules.departure_hazard(risk, behaviour, season, self._base_shares).tolist()
        reached, cells = [], []
        for (province, status), line in self.departure_lines.items():
            group = line.raise_level(hazards[province][status])
            if len(group):
                line.release(len(group))
                reached.append(group)
                cells.append(province * len(STATUSES) + status)
        if reached:
            self._leave_home_by_group(reached, cells)

    def _leave_home_by_group(self, reached: list[np.ndarray], cells: list[int]) -> None:
        """Those of each group's households reached today who are still at home leave; their
        persons are counted group by group (`cells`: province x statuses + status)."""
        pop = self.population
        starts = list(accumulate(map(len, reached[:-1]), initial=0))
        reached = np.concatenate(reached) if len(reached) > 1 else reached[0]
        at_home = pop.state[reached] == State.HOME
        if not at_home.any():
            return
        sizes = pop.size[reached]
        sizes[~at_home] = 0
        persons = np.add.reduceat(sizes, starts)
        by_group = np.zeros(len(self.scenario.provinces) * len(STATUSES), dtype=np.int64)
        by_group[cells] = persons
        by_group = by_group.reshape(len(self.scenario.provinces), len(STATUSES))
        self.leave_home(reached[at_home], by_group)

    def enforcement_level(self, status: int) -> float:
        """Today's enforcement level of a status (`model.between_phases.enforcement_levels`)."""
        return self._enforcement_rows[self.day][status]

    def persons_by_group(self, households: np.ndarray) -> np.ndarray:
        """Persons among `households` by province and status (provinces x statuses)."""
        pop = self.population
        groups = pop.province[households].astype(np.int64) * len(STATUSES) + pop.status[households]
        cells = len(self.scenario.provinces) * len(STATUSES)
        counts = np.bincount(groups, pop.size[households], cells).astype(np.int64)
        return counts.reshape(len(self.scenario.provinces), len(STATUSES))

    def leave_home(self, households: np.ndarray, by_group: np.ndarray | None = None) -> None:
        """Households set out for their crossing (`by_group`: their persons by province and
        status, if the caller has counted them)."""
        pop = self.population
        if by_group is None:
            by_group = self.persons_by_group(households)
        self._move(households, State.HOME, State.TRAVELLING, by_group.sum(axis=0))
        self.ledger.left_home[self.day] += by_group
        pop.destination[households] = pop.crossing[households]
        self.transit.send(households, self.day + pop.travel_days[households])

    # --- stage 2: enforcement (called by ProvincialEnforcement) ------------------------------

    def detain(
        self,
        households: np.ndarray,
        province: int,
        persons: int | None = None,
        status: int | None = None,
    ) -> None:
        """Arrest households at home (`persons`: their number and `status`: the one status
        they all have, if the caller knows them)."""
        by_status = self._by_status(households, persons, status)
        self._move(households, State.HOME, State.DETAINED, by_status)
        self.population.deported[households] = True
        self._anyone_arrested = True
        self.ledger.arrests[self.day, province] += by_status

    def deport(
        self,
        households: np.ndarray,
        province: Province,
        persons: int | None = None,
        status: int | None = None,
    ) -> None:
        """Send detainees under escort to the province's crossing (`persons`, `status` as for
        detain)."""
        by_status = self._by_status(households, persons, status)
        self._move(households, State.DETAINED, State.TRAVELLING, by_status)
        self.population.destination[households] = self.checkpoint_index[
            province.deportation_checkpoint
        ]
        self.transit.send(households, self.day + province.deportation_travel_days)

    # --- stage 3: arrival at the crossings ---------------------------------------------------

    def arrive(self) -> None:
        arrivals = self.transit.arriving(self.day)
        if len(arrivals) == 0:
            return
        destinations = self.population.destination[arrivals]
        counts = np.bincount(destinations, minlength=len(self.checkpoints))
        # Group by destination, keeping arrival order within each group.
        arrivals = arrivals[np.argsort(destinations, kind="stable")]
        ends, counts = np.cumsum(counts).tolist(), counts.tolist()
        groups = {
            i: arrivals[end - n : end]
            for i, (n, end) in enumerate(zip(counts, ends, strict=True))
            if n
        }
        closed = [i for i in groups if not self.checkpoints[i].is_open(self.day)]
        if closed:
            self._arrive_with_closures(groups, closed)
            return
        # The usual day: everyone joins the queue they came for, at once.
        sizes, deported = self.population.size[arrivals], self.population.deported[arrivals]
        persons = self.population.persons_by_status(arrivals, int(sizes.sum()))
        self._move(arrivals, State.TRAVELLING, State.QUEUEING, persons)
        for index, group in groups.items():
            rows = slice(ends[index] - len(group), ends[index])
            self.checkpoints[index].admit(group, sizes[rows], deported[rows])

    def _arrive_with_closures(self, groups: dict[int, np.ndarray], closed: list[int]) -> None:
        # Open crossings admit first, so rerouting sees their queues as they stand today.
        for index, group in groups.items():
            if index not in closed:
                self._move(group, State.TRAVELLING, State.QUEUEING)
                self.checkpoints[index].admit(group)
        for index in closed:
            checkpoint = self.checkpoints[index]
            group = self._reroute(groups[index], checkpoint)
            self._move(group, State.TRAVELLING, State.QUEUEING)
            checkpoint.admit(group)

    def _reroute(self, group: np.ndarray, closed: Checkpoint) -> np.ndarray:
        """Send arrivals at a closed crossing on to its fallback while that is quicker.

        Households fill the fallback up to the point where its expected wait, after the extra
        days of travel, equals the wait for the closed crossing to reopen; the rest wait where
        they are. Returns the households that stay.
        """
        if not closed.spec.fallback:
            return group
        fallback = self.checkpoints[self.checkpoint_index[closed.spec.fallback]]
        detour = self.scenario.behaviour.reroute_days
        arrival = self.day + detour
        if arrival >= len(self.dates):
            return group
        opens = fallback.first_open_day(arrival)
        if opens is None:
            return group
        gain = closed.expected_wait(self.day) - (detour + fallback.expected_wait(arrival))
        if not gain > 0:
            return group
        room = gain * fallback.capacity[opens]
        cumulative = np.cumsum(self.population.size[group])
        moving = int(np.searchsorted(cumulative, room, side="right"))
        rerouted = group[:moving]
        self.population.destination[rerouted] = fallback.index
        self.transit.send(rerouted, arrival)
        return group[moving:]

    # --- stage 4: crossing (called by Checkpoint) --------------------------------------------

    def cross(
        self,
        households: np.ndarray,
        checkpoint: int,
        persons: int | None = None,
        deported: bool | None = None,
    ) -> None:
        """Households cross: recorded for the crossing and the day, and whether deported.

        `persons` (their number) and `deported` (True: all of them were arrested, False: none)
        spare a recount when the caller knows them; None means look them up.
        """
        by_status = self.population.persons_by_status(households, persons)
        self._move(households, State.QUEUEING, State.DEPARTED, by_status)
        self.ledger.crossed[self.day, checkpoint] += by_status
        if deported:
            self.ledger.deported[self.day, checkpoint] += by_status
        elif deported is None and self._anyone_arrested:
            flags = self.population.deported[households]
            if flags.any():
                self.ledger.deported[self.day, checkpoint] += self.population.persons_by_status(
                    households[flags]
                )

    # --- bookkeeping -------------------------------------------------------------------------

    def _move(
        self,
        households: np.ndarray,
        source: State,
        target: State,
        persons: np.ndarray | None = None,
    ) -> np.ndarray:
        """Move households between states; returns their persons by status (`persons`, if
        the caller has counted them)."""
        if persons is None:
            persons = self.population.persons_by_status(households)
        self.counts[source] -= persons
        self.counts[target] += persons
        self.population.state[households] = target
        return persons

    def _by_status(self, households: np.ndarray, persons: int | None, status: int | None):
        """Persons among `households` by status; no count needed when one status is known."""
        if persons is None or status is None:
            return self.population.persons_by_status(households, persons)
        by_status = np.zeros(len(STATUSES), dtype=np.int64)
        by_status[status] = persons
        return by_status

    def census(self) -> np.ndarray:
        """Persons by state and status, counted afresh from the household arrays."""
        pop = self.population
        cell = pop.state.astype(np.int64) * len(STATUSES) + pop.status
        counts = np.bincount(cell, pop.size, len(State) * len(STATUSES))
        return counts.astype(np.int64).reshape(len(State), len(STATUSES))


def risk_schedule(s: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Policy pressure and its weight, by day and status.

    A status targeted by an announced phase (or, during its prelude, by the first phase) feels
    that phase's pressure in full, and from the forecast start at least `later_phase_fear` of
    later phases' (`model.between_phases`); a status not (yet) targeted feels a weight
    (`exempt_fear_factor`, raised as a card nears its end: `model.cards.card_exposure`) of the
    strongest pressure of the phases. The deadline in force on a day is the latest one
    announced by then (extensions included).
    """
    days = s.timeline.days
    pressure = np.zeros((days, len(STATUSES)))
    exposure = card_exposure(s)
    preludes = prelude_days(s)
    phase_pressure = {
        phase.id: phase_pressure_series(s, phase, preludes.get(phase.id)) for phase in s.phases
    }
    strongest = np.max(list(phase_pressure.values()), axis=0) if s.phases else np.zeros(days)
    for status_index, status in enumerate(STATUSES):
        pressure[:, status_index] = strongest
        for phase in s.phases:
            if status in phase.statuses:
                felt_from = preludes.get(phase.id, s.timeline.index(phase.announcement))
                felt = np.arange(days) >= felt_from
                own = with_later_phases(s, phase, phase_pressure, s.behaviour.later_phase_fear)
                pressure[felt, status_index] = own[felt]
                exposure[felt, status_index] = 1.0
    return pressure, exposure


def prelude_days(s: Scenario) -> dict[str, int]:
    """The day the first phase's prelude starts, by phase id (none when `prelude_fear` is 0 or
    the prelude would start after the announcement: later phases have their own run-up)."""
    if not s.phases or s.behaviour.prelude_fear <= 0:
        return {}
    first = min(s.phases, key=lambda phase: phase.announcement)
    if s.behaviour.prelude_start >= first.announcement:
        return {}
    return {first.id: s.timeline.index(s.behaviour.prelude_start)}


def enforcement_starts(s: Scenario) -> list[int | None]:
    """Day number on which arrests of each status begin (None: never)."""
    starts: list[int | None] = [None] * len(STATUSES)
    for phase in s.phases:
        for status in phase.statuses:
            starts[STATUSES.index(status)] = s.timeline.index(phase.enforcement_start)
    return starts
