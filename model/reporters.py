"""Model-level reporters for Mesa's DataCollector, all in one place (persons, all statuses).

The state totals read `model.today`, the day's persons by state and status as Python ints (set
by `RepatriationModel.step` before collecting): cheaper than a numpy sum per reporter.
"""

from __future__ import annotations

from model.population import State
from model.schema import UNDOCUMENTED


def _state_total(state: State):
    def reporter(model) -> int:
        return sum(model.today[state])

    reporter.__name__ = f"persons_{state.name.lower()}"
    return reporter


def remaining_undocumented(model) -> int:
    """Undocumented persons still in the country: at home, travelling, queueing or detained."""
    return sum(row[UNDOCUMENTED] for row in model.today[: State.DEPARTED])


def crossed_today(model) -> int:
    return int(model.ledger.crossed[model.day].sum())


def deported_today(model) -> int:
    return int(model.ledger.deported[model.day].sum())


def arrested_today(model) -> int:
    return int(model.ledger.arrests[model.day].sum())


MODEL_REPORTERS = {
    "home": _state_total(State.HOME),
    "travelling": _state_total(State.TRAVELLING),
    "queueing": _state_total(State.QUEUEING),
    "detained": _state_total(State.DETAINED),
    "departed": _state_total(State.DEPARTED),
    "remaining_undocumented": remaining_undocumented,
    "crossed": crossed_today,
    "deported": deported_today,
    "arrested": arrested_today,
}
