"""Use cases on cases: opening one and writing its history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseEvent
from casework.cases.reference import new_reference
from casework.cases.repository import reference_taken
from casework.enums import ActorKind, CaseEventKind, CaseStatus
from casework.ids import new_id
from casework.places.models import Region, School
from casework.taxonomy.models import Category
from casework.triage.rules import Assessment

_REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class Actor:
    """Who does something: a reporter (anonymous), a member of staff, or the system."""

    kind: ActorKind
    id: str | None = None


SYSTEM = Actor(ActorKind.SYSTEM)


@dataclass(frozen=True)
class NewEvent:
    """An event to append to a case's history."""

    kind: CaseEventKind
    actor: Actor
    data: dict[str, Any] = field(default_factory=dict)


def unused_reference(session: Session) -> str:
    """A fresh reference no case uses yet (the unique constraint still guards races)."""
    for _ in range(_REFERENCE_ATTEMPTS):
        reference = new_reference()
        if not reference_taken(session, reference):
            return reference
    raise RuntimeError("could not find a free case reference")  # ~35 bits: practically never


def open_case(
    session: Session,
    *,
    category: Category,
    region: Region | None,
    school: School | None,
    language: str,
    assessment: Assessment,
    now: dt.datetime,
) -> Case:
    """Create a new case with status NEW and the priority from triage."""
    case = Case(
        id=new_id(),
        reference=unused_reference(session),
        status=CaseStatus.NEW,
        priority=assessment.priority,
        category_id=category.id,
        region_id=region.id if region else None,
        school_id=school.id if school else None,
        language=language,
        opened_at=now,
        status_changed_at=now,
    )
    session.add(case)
    return case


def next_event_seq(session: Session, case: Case) -> int:
    """The position the next event of ``case`` takes."""
    current = session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id))
    return (current or 0) + 1


def append_events(
    session: Session, *, case: Case, events: list[NewEvent], now: dt.datetime, first_seq: int
) -> list[CaseEvent]:
    """Append events to a case's immutable history, numbered from ``first_seq``."""
    rows = [
        CaseEvent(
            case_id=case.id,
            seq=first_seq + i,
            kind=event.kind,
            actor_kind=event.actor.kind,
            actor_id=event.actor.id,
            occurred_at=now,
            data=event.data,
        )
        for i, event in enumerate(events)
    ]
    session.add_all(rows)
    return rows
