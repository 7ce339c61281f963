"""Use cases on cases: opening one and writing its history."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from casework.actors import Actor
from casework.cases.models import Case, CaseEvent
from casework.enums import CaseEventKind, CaseStatus, Priority
from casework.ids import new_id
from casework.protection.fields import seal_text
from casework.protection.keys import SealingKey

if TYPE_CHECKING:  # a type only: triage sits above cases
    from casework.triage.rules import Assessment

_OPENED_HERE = "casework.cases_opened_here"


@dataclass(frozen=True)
class Reason:
    """A member of staff's reason for what an event records, in their words: sealed on the
    event under the case's key (``case_event.reason``), never in its ``data``."""

    key: SealingKey
    text: str

    def __repr__(self) -> str:
        return "Reason(***)"


@dataclass(frozen=True)
class NewEvent:
    """An event to append to a case's history (with the staff member's reason, if any)."""

    kind: CaseEventKind
    actor: Actor
    data: dict[str, Any] = field(default_factory=dict)
    reason: Reason | None = None


def open_case(
    session: Session,
    *,
    reference: str,
    category_id: int,
    region_id: int | None,
    school_id: int | None,
    language: str,
    assessment: Assessment,
    now: dt.datetime,
) -> Case:
    """Create a new case with status NEW and the priority from triage."""
    case = Case(
        id=new_id(),
        reference=reference,
        status=CaseStatus.NEW,
        priority=assessment.priority,
        category_id=category_id,
        region_id=region_id,
        school_id=school_id,
        language=language,
        opened_at=now,
        status_changed_at=now,
    )
    session.add(case)
    # Nobody else can see it before this transaction commits: its events need no UPDATE to
    # reserve their positions (see append_events).
    session.info.setdefault(_OPENED_HERE, set()).add(case.id)
    return case


def append_events(
    session: Session,
    *,
    case: Case,
    events: list[NewEvent],
    now: dt.datetime,
    first_seq: int | None = None,
) -> list[CaseEvent]:
    """Append events to a case's immutable history.

    Positions are reserved with one ``UPDATE ... RETURNING`` on the case row, which also
    serialises writers to the same case; the growing ``last_event_seq`` tells the SLA index
    that the case needs a fresh look. A case opened in this transaction (``open_case``)
    counts in memory: no one else can write to it yet. A reason is sealed for its event's row.
    """
    if not events:
        return []
    if first_seq is None and case.id in session.info.get(_OPENED_HERE, ()):
        first_seq = (case.last_event_seq or 0) + 1
    if first_seq is None:
        session.flush()  # the case row must exist before it is updated
        last = session.execute(
            update(Case)
            .where(Case.id == case.id)
            .values(last_event_seq=Case.last_event_seq + len(events))
            .returning(Case.last_event_seq)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        first_seq = int(last) - len(events) + 1
        set_committed_value(case, "last_event_seq", int(last))
    else:
        case.last_event_seq = first_seq + len(events) - 1
    rows = []
    for i, event in enumerate(events):
        event_id = new_id()
        rows.append(
            CaseEvent(
                id=event_id,
                case_id=case.id,
                seq=first_seq + i,
                kind=event.kind,
                actor_kind=event.actor.kind,
                actor_id=event.actor.id,
                occurred_at=now,
                data=dict(event.data),  # a copy: later changes to the dict are not history
                reason_ct=_seal_reason(event.reason, event_id),
            )
        )
    session.add_all(rows)
    return rows


def _seal_reason(reason: Reason | None, event_id: uuid.UUID) -> bytes | None:
    if reason is None:
        return None
    return seal_text(
        reason.key, table="case_event", column="reason", row_id=event_id, text=reason.text
    )


def raise_priority(
    session: Session,
    *,
    case: Case,
    to: Priority,
    factors: list[str],
    actor: Actor,
    now: dt.datetime,
) -> bool:
    """Make a case more urgent (never less: lowering is a caseworker's reasoned decision)."""
    if list(Priority).index(to) >= list(Priority).index(case.priority):
        return False
    case.priority = to
    append_events(
        session,
        case=case,
        now=now,
        events=[
            NewEvent(
                CaseEventKind.PRIORITY_ASSESSED, actor, {"priority": to.value, "factors": factors}
            )
        ],
    )
    session.flush()
    return True
