"""Checks that span fields: date order, shares that sum to one, references that exist.

Each value was range-checked alone as it was read; these checks need several at once, so they
run on the typed parameters once a scenario is assembled.
"""

from __future__ import annotations

import re

from model.parameters import Parameters
from model.schema import CARD_STATUSES, ScenarioError


def check_consistency(s: Parameters, file: str) -> None:
    """Checks that span fields: date order, shares summing to one, references that exist."""
    _check_timeline(s, file)
    _check_population(s, file)
    _check_identifiers(s, file)
    province_ids = {p.id for p in s.provinces}
    checkpoint_ids = {c.id for c in s.checkpoints}
    _check_sum(
        [p.population_share for p in s.provinces], file, "provinces.*.population_share", "provinces"
    )
    for p in s.provinces:
        _check_ref(
            p.deportation_checkpoint,
            checkpoint_ids,
            file,
            f"provinces.{p.id}.deportation_checkpoint",
        )
    _check_checkpoints(s, province_ids, checkpoint_ids, file)
    for i, closure in enumerate(s.closures):
        _check_ref(closure.checkpoint, checkpoint_ids, file, f"closures[{i}].checkpoint")
        if closure.start > closure.end:
            raise ScenarioError(
                file,
                f"closures[{i}].end",
                f"{closure.end} is before its start",
                f">= {closure.start}",
            )
    _check_routes(s, province_ids, checkpoint_ids, file)
    _check_phases(s, file)
    _check_card_validity(s, file)


IDENTIFIER_ALLOWED = "letters, digits, _ and -, at least one (as the ids of model/data/)"


def _check_identifiers(s: Parameters, file: str) -> None:
    """Every row's id is a plain word: ids name the rows and columns of every result table."""
    for table, rows in (
        ("provinces", s.provinces),
        ("checkpoints", s.checkpoints),
        ("phases", s.phases),
    ):
        for row in rows:
            if not re.fullmatch(r"[A-Za-z0-9_-]+", row.id):
                problem = "is not a plain identifier"
                raise ScenarioError(file, f"{table}.{row.id!r}", problem, IDENTIFIER_ALLOWED)


def _check_timeline(s: Parameters, file: str) -> None:
    t = s.timeline
    if not t.start < t.end:
        raise ScenarioError(
            file, "timeline.end", f"{t.end} is not after start {t.start}", f"a date after {t.start}"
        )
    if not t.start <= t.count_start <= t.end:
        raise ScenarioError(
            file,
            "timeline.count_start",
            f"{t.count_start} is outside the run",
            f"{t.start}..{t.end}",
        )


def _check_population(s: Parameters, file: str) -> None:
    if s.population.total <= 0:
        raise ScenarioError(file, "population", "nobody to simulate", "at least one person")
    largest = s.population.max_household_size
    if largest < s.population.household_size_mean:
        # Sizes are capped at the largest household: a cap below the mean would not give it.
        raise ScenarioError(
            file,
            "population.max_household_size",
            f"{largest} is below population.household_size_mean "
            f"({s.population.household_size_mean:g})",
            "at least population.household_size_mean",
        )


def _check_checkpoints(s: Parameters, province_ids: set, checkpoint_ids: set, file: str) -> None:
    """Each crossing's references, opening dates and daily capacity, also after each change."""
    largest = s.population.max_household_size
    for c in s.checkpoints:
        where = f"checkpoints.{c.id}"
        _check_ref(c.province, province_ids, file, f"{where}.province")
        if c.fallback:
            _check_ref(c.fallback, checkpoint_ids - {c.id}, file, f"{where}.fallback")
        if c.opens > c.closes:
            raise ScenarioError(
                file, f"{where}.closes", f"{c.closes} is before opens {c.opens}", f">= {c.opens}"
            )
        _check_capacity(c.capacity_per_hour * c.hours, largest, file, where)
    by_id = {c.id: c for c in s.checkpoints}
    for i, change in enumerate(s.capacity_changes):
        where = f"capacity_changes[{i}]"
        _check_ref(change.checkpoint, checkpoint_ids, file, f"{where}.checkpoint")
        base = by_id[change.checkpoint].capacity_per_hour
        _check_capacity(base * change.capacity_factor * change.hours, largest, file, where)


def _check_routes(s: Parameters, province_ids: set, checkpoint_ids: set, file: str) -> None:
    for province in s.provinces:
        shares = [r.share for r in s.routes if r.province == province.id]
        if province.population_share > 0 and not shares:
            raise ScenarioError(
                file, f"routes.{province.id}", "a province with people has no route out", "routes"
            )
        _check_sum(shares, file, f"routes.{province.id}.*.share", "routes")
    for r in s.routes:
        where = f"routes.{r.province}.{r.checkpoint}"
        _check_ref(r.province, province_ids, file, where)
        _check_ref(r.checkpoint, checkpoint_ids, file, where)
        if r.travel_days_min > r.travel_days_max:
            raise ScenarioError(
                file, f"{where}.travel_days_max", "is below travel_days_min", "max >= min"
            )


def _check_phases(s: Parameters, file: str) -> None:
    seen: dict[str, str] = {}
    for phase in s.phases:
        where = f"phases.{phase.id}"
        for status in phase.statuses:
            if status in seen:
                raise ScenarioError(
                    file,
                    f"{where}.statuses",
                    f"{status} is already targeted by {seen[status]}",
                    "each status in at most one phase",
                )
            seen[status] = phase.id
        if not phase.announcement <= phase.deadline <= phase.enforcement_start:
            raise ScenarioError(
                file,
                where,
                f"dates out of order: announcement {phase.announcement}, deadline "
                f"{phase.deadline}, enforcement_start {phase.enforcement_start}",
                "announcement <= deadline <= enforcement_start",
            )
    phase_ids = {phase.id: phase for phase in s.phases}
    for i, ext in enumerate(s.deadline_extensions):
        where = f"deadline_extensions[{i}]"
        _check_ref(ext.phase, set(phase_ids), file, f"{where}.phase")
        phase = phase_ids[ext.phase]
        if ext.new_deadline > phase.enforcement_start:
            raise ScenarioError(
                file,
                f"{where}.new_deadline",
                f"{ext.new_deadline} is after the enforcement start of {ext.phase} "
                f"({phase.enforcement_start}); move phases.{ext.phase}.enforcement_start too",
                "new_deadline <= the phase's enforcement_start",
            )
        if not phase.announcement <= ext.announced <= ext.new_deadline:
            raise ScenarioError(
                file,
                where,
                "dates out of order",
                f"phase announcement ({phase.announcement}) <= announced <= new_deadline",
            )


def _check_card_validity(s: Parameters, file: str) -> None:
    for i, row in enumerate(s.card_validity):
        where = f"card_validity[{i}]"
        _check_ref(row.status, set(CARD_STATUSES), file, f"{where}.status")
        if row.valid_until < row.announced:
            raise ScenarioError(
                file,
                f"{where}.valid_until",
                f"{row.valid_until} is before its announcement ({row.announced})",
                f">= {row.announced}",
            )


def _check_sum(shares: list[float], file: str, where: str, table: str) -> None:
    total = sum(shares)
    if shares and abs(total - 1.0) > 1e-6:
        raise ScenarioError(file, where, f"the {table} shares sum to {total:.6g}", "a sum of 1")


def _check_ref(ident: str, known: set, file: str, where: str) -> None:
    if ident not in known:
        raise ScenarioError(file, where, f"unknown identifier {ident!r}", ", ".join(sorted(known)))


def _check_capacity(daily: float, largest_household: int, file: str, where: str) -> None:
    # Families leave together, so an open crossing must be able to pass the largest in a day.
    if 0 < daily < largest_household:
        raise ScenarioError(
            file,
            where,
            f"a daily capacity of {daily:g} persons cannot pass the largest household",
            f"0 (closed) or at least {largest_household} persons per day "
            "(population.max_household_size)",
        )
