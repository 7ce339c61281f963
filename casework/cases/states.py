"""The case state machine's table, and the one function that moves a case along it.

    new -> triaged -> assigned -> in_progress -> referred -> closed
                                                      closed -> in_progress (reopened)

A case may skip ahead (a new P1 is assigned at once, a case is referred straight from
triage) but never go back, except referred -> in progress (the partner declined) and
reopening a closed case. ``move`` refuses anything not in ``TRANSITIONS``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.cases.models import Case
from casework.cases.service import NewEvent, Reason, append_events
from casework.enums import CaseEventKind, CaseStatus
from casework.errors import InvalidInput

S = CaseStatus
TRANSITIONS: Final[dict[CaseStatus, frozenset[CaseStatus]]] = {
    S.NEW: frozenset({S.TRIAGED, S.ASSIGNED, S.IN_PROGRESS, S.REFERRED, S.CLOSED}),
    S.TRIAGED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.REFERRED, S.CLOSED}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.REFERRED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.REFERRED, S.CLOSED}),
    S.REFERRED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset({S.IN_PROGRESS}),  # reopened
}


class WrongState(InvalidInput):
    """A transition the table does not allow from the case's current status."""

    def __init__(self, current: CaseStatus, to: CaseStatus) -> None:
        super().__init__("status", f"A case that is {_words(current)} cannot become {_words(to)}.")


def _words(status: CaseStatus) -> str:
    return status.value.replace("_", " ")


def may_move(current: CaseStatus, to: CaseStatus) -> bool:
    """Whether the table allows going from ``current`` to ``to``."""
    return to in TRANSITIONS[current]


def move(
    session: Session,
    *,
    actor: Actor,
    case: Case,
    to: CaseStatus,
    now: dt.datetime,
    why: str,
    reason: Reason | None = None,
) -> None:
    """Change a case's status along the table, with its STATUS_CHANGED event (and the staff
    member's reason sealed on it, e.g. why a case was reopened)."""
    if not may_move(case.status, to):
        raise WrongState(case.status, to)
    before = case.status
    case.status = to
    case.status_changed_at = now
    append_events(
        session,
        case=case,
        now=now,
        events=[
            NewEvent(
                CaseEventKind.STATUS_CHANGED,
                actor,
                {"from": before.value, "to": to.value, "why": why},
                reason,
            )
        ],
    )
