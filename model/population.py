"""The resident population: one row per household, stored as a structure of numpy arrays.

Families leave together, so the household is the unit of every decision; all counts are
reported in persons. Full scale (1.7 million persons, about 243,000 households) is the
default: every person is represented, there are no super-individuals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from model import rules, sampling
from model.parameters import PopulationParameters
from model.scenario import Scenario
from model.schema import STATUSES

# persons_by_status's packed sums: 21 bits a status (3 x 21 < 63), enough for 2,097,151 persons.
FIELD_BITS = 21
FIELD_MASK = (1 << FIELD_BITS) - 1


class State(IntEnum):
    HOME = 0
    TRAVELLING = 1
    QUEUEING = 2
    DETAINED = 3
    DEPARTED = 4


@dataclass
class Population:
    size: np.ndarray  # persons in the household, int32
    province: np.ndarray  # index into scenario.provinces, int8
    status: np.ndarray  # index into STATUSES, int8
    attachment: np.ndarray  # 0..1: years in Pakistan, work, property; float32
    pipeline: np.ndarray  # in a resettlement pipeline / holds a protection letter; bool
    readiness: np.ndarray  # rules.readiness, float32
    visibility: np.ndarray  # rules.visibility, float32
    crossing: np.ndarray  # the crossing the household would choose to leave by, int16
    travel_days: np.ndarray  # days on the road to that crossing, int16
    state: np.ndarray  # State, int8
    deported: np.ndarray  # removed after arrest; bool
    destination: np.ndarray  # crossing it is travelling to or queueing at, int16
    only_status: int | None = None  # the one status present, if only one is (a fast path)
    # Each household's size shifted into its status's field of one integer (None if a status has
    # too many persons for its field): summing it counts persons by status in one pass.
    packed: np.ndarray | None = None
    # Rows of each (province, status) group: synthesis lays the groups out in blocks.
    blocks: dict[tuple[int, int], slice] = field(default_factory=dict)

    @property
    def households(self) -> int:
        return len(self.size)

    def persons_by_block(self, provinces: int) -> np.ndarray:
        """Persons of every (province, status) group (provinces x statuses), from its block."""
        counts = np.zeros((provinces, len(STATUSES)), dtype=np.int64)
        for (province, status), rows in self.blocks.items():
            counts[province, status] = self.size[rows].sum()
        return counts

    def persons_by_status(self, households: np.ndarray, total: int | None = None) -> np.ndarray:
        """Persons among `households`, by status (length len(STATUSES), int64).

        `total`, their number of persons when the caller already knows it, spares a recount
        when everyone has the same status.
        """
        if self.only_status is not None:
            counts = np.zeros(len(STATUSES), dtype=np.int64)
            counts[self.only_status] = self.size[households].sum() if total is None else total
            return counts
        if self.packed is not None:
            summed = int(self.packed[households].sum())
            fields = [(summed >> (FIELD_BITS * i)) & FIELD_MASK for i in range(len(STATUSES))]
            return np.array(fields, dtype=np.int64)
        counts = np.bincount(self.status[households], self.size[households], len(STATUSES))
        return counts.astype(np.int64)


def allocate(total: int, shares: np.ndarray) -> np.ndarray:
    """Split `total` persons by `shares` into integers that sum exactly to `total`."""
    shares = np.asarray(shares, dtype=float)
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(np.int64)
    largest_remainders = np.argsort(-(exact - counts), kind="stable")
    counts[largest_remainders[: total - counts.sum()]] += 1
    return counts


def household_sizes(
    persons: int, mean: float, largest: int, rng: np.random.Generator
) -> np.ndarray:
    """Household sizes (1 + Poisson(mean - 1), at most `largest`) summing to `persons`.

    The last household is cut so that the sum is exact.
    """
    sizes = np.empty(0, dtype=np.int32)
    if persons == 0:
        return sizes
    while sizes.sum() < persons:
        batch = int((persons - sizes.sum()) / mean * 1.05) + 16
        draw = 1 + sampling.capped_poisson(mean - 1.0, largest - 1, batch, rng)
        sizes = np.concatenate([sizes, draw.astype(np.int32)])
    cumulative = np.cumsum(sizes)
    last = int(np.searchsorted(cumulative, persons))
    sizes = sizes[: last + 1]
    sizes[-1] -= cumulative[last] - persons
    return sizes


def synthesise(
    scenario: Scenario,
    checkpoint_index: dict[str, int],
    structure_rng: np.random.Generator,
    route_rng: np.random.Generator,
) -> Population:
    """Draw the households of every province and status, and each one's route out."""
    p = scenario.population
    shares = np.array([province.population_share for province in scenario.provinces])
    sizes, provinces, statuses, blocks, rows = [], [], [], {}, 0
    for status_index, status in enumerate(STATUSES):
        for province_index, persons in enumerate(allocate(p.persons(status), shares)):
            cell = household_sizes(
                int(persons), p.household_size_mean, p.max_household_size, structure_rng
            )
            sizes.append(cell)
            provinces.append(np.full(len(cell), province_index, dtype=np.int8))
            statuses.append(np.full(len(cell), status_index, dtype=np.int8))
            if len(cell):
                blocks[province_index, status_index] = slice(rows, rows + len(cell))
                rows += len(cell)
    size = np.concatenate(sizes)
    n = len(size)
    attachment = sampling.beta(p.attachment_alpha, p.attachment_beta, n, structure_rng)
    pipeline = structure_rng.random(n, dtype=np.float32) < p.pipeline_share
    province = np.concatenate(provinces)
    crossing, travel_days = choose_routes(scenario, province, checkpoint_index, route_rng)
    b, e = scenario.behaviour, scenario.enforcement
    return Population(
        size=size,
        province=province,
        status=np.concatenate(statuses),
        attachment=attachment,
        pipeline=pipeline,
        readiness=rules.readiness(attachment, pipeline, b).astype(np.float32),
        visibility=rules.visibility(attachment, pipeline, b, e).astype(np.float32),
        crossing=crossing,
        travel_days=travel_days,
        state=np.full(n, State.HOME, dtype=np.int8),
        deported=np.zeros(n, dtype=bool),
        destination=crossing.copy(),
        only_status=_only_status(p),
        blocks=blocks,
        packed=_packed(size, blocks, p),
    )


def _packed(size: np.ndarray, blocks: dict, p: PopulationParameters) -> np.ndarray | None:
    if max(p.persons(s) for s in STATUSES) > FIELD_MASK:
        return None
    packed = size.astype(np.int64)
    for (_, status), rows in blocks.items():
        packed[rows] <<= FIELD_BITS * status
    return packed


def _only_status(population: PopulationParameters) -> int | None:
    present = [i for i, status in enumerate(STATUSES) if population.persons(status) > 0]
    return present[0] if len(present) == 1 else None


def choose_routes(
    scenario: Scenario,
    province: np.ndarray,
    checkpoint_index: dict[str, int],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Each household's crossing (by its province's route shares) and travel time to it."""
    routes = [
        (p, r)
        for p, prov in enumerate(scenario.provinces)
        for r in scenario.routes
        if r.province == prov.id and r.share > 0
    ]
    # Each (route, travel time) pair is one cell of province p's interval [p, p + 1), of width
    # the route's share (normalised over the province's routes) over its travel times: one
    # uniform picks both, and a single search serves every province.
    cells = [
        (p, r, days) for p, r in routes for days in range(r.travel_days_min, r.travel_days_max + 1)
    ]
    totals = _route_total(routes, len(scenario.provinces))
    widths = [
        r.share / totals[p] / (r.travel_days_max - r.travel_days_min + 1) for p, r, _ in cells
    ]
    edges = np.empty(len(cells))
    for i, (p, _, _) in enumerate(cells):
        edges[i] = (edges[i - 1] if i and cells[i - 1][0] == p else p) + widths[i]
        if i + 1 == len(cells) or cells[i + 1][0] != p:
            edges[i] = p + 1.0  # no rounding gap through which a draw reaches the next province
    draw = rng.random(len(province)) + province
    picks = sampling.search_sorted_table(edges, draw, 0.0, float(len(scenario.provinces)))
    crossing = np.array([checkpoint_index[r.checkpoint] for _, r, _ in cells], dtype=np.int16)
    travel_days = np.array([days for _, _, days in cells], dtype=np.int16)
    return crossing[picks], travel_days[picks]


def _route_total(routes: list, provinces: int) -> np.ndarray:
    totals = np.zeros(provinces)
    for p, r in routes:
        totals[p] += r.share
    return totals
