"""The trail's index as people read it: who (by name), what action, which object, when.

Never what the payloads say: only the clear columns of ``audit_event`` are read here, so a
page built from these rows cannot show sealed content. Names come from the staff, partner and
case tables in one batch per page; an id that no longer resolves is shown as such.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.enums import ActorKind
from casework.partners.models import Partner
from casework.staff.models import StaffUser

# On the case page: the newest few, with a link to the rest on the audit page.
CASE_LOG_SHOWN = 20
# Every column but the sealed payload.
_CLEAR = (
    AuditEvent.id,
    AuditEvent.position,
    AuditEvent.occurred_at,
    AuditEvent.actor_kind,
    AuditEvent.actor_id,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.case_id,
)
Staff = dict[uuid.UUID, tuple[str, str]]


@dataclass(frozen=True)
class AuditEntry:
    """One event of the trail, named for people; no payload."""

    id: uuid.UUID
    position: int | None  # None until the sequencer has logged it
    occurred_at: dt.datetime
    action: str
    actor_kind: str
    actor_id: str | None
    who: str  # "Amina Diallo", "system (cli:root)", "partner Child Aid", ...
    username: str | None  # a member of staff's login name, beside their display name
    object_type: str
    object_id: str
    object_name: str | None  # the member of staff, partner or case reference it is about
    case_id: uuid.UUID | None
    case_reference: str | None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _names(
    session: Session,
    events: Sequence[Any],  # rows of _CLEAR
) -> tuple[Staff, dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    """Staff (display name, username), partner names and case references the page names."""
    staff_ids: set[uuid.UUID] = set()
    partner_ids: set[uuid.UUID] = set()
    case_ids: set[uuid.UUID] = set()
    for e in events:
        actor = _uuid(e.actor_id)
        if actor is not None:
            (partner_ids if e.actor_kind == ActorKind.PARTNER else staff_ids).add(actor)
        target = _uuid(e.object_id)
        if target is not None and e.object_type == "staff_user":
            staff_ids.add(target)
        if target is not None and e.object_type == "partner":
            partner_ids.add(target)
        if e.case_id is not None:
            case_ids.add(e.case_id)
    staff: Staff = {}
    if staff_ids:
        for uid, name, login in session.execute(
            select(StaffUser.id, StaffUser.display_name, StaffUser.username).where(
                StaffUser.id.in_(staff_ids)
            )
        ):
            staff[uid] = (name, login)
    partners = (
        dict(
            session.execute(
                select(Partner.id, Partner.name).where(Partner.id.in_(partner_ids))
            ).all()
        )
        if partner_ids
        else {}
    )
    cases = (
        dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all())
        if case_ids
        else {}
    )
    return staff, partners, cases


def _who(e: Any, staff: Staff, partners: dict[uuid.UUID, str]) -> str:
    actor = _uuid(e.actor_id)
    if e.actor_kind == ActorKind.STAFF:
        person = staff.get(actor) if actor else None
        return person[0] if person else "a member of staff no longer on record"
    if e.actor_kind == ActorKind.PARTNER:
        name = partners.get(actor) if actor else None
        return f"partner {name or 'no longer on record'}"
    # The system (a job, or an operator's command named cli:<login>) or the reporter.
    return f"{e.actor_kind} ({e.actor_id})" if e.actor_id else e.actor_kind


def _username(e: Any, staff: Staff) -> str | None:
    actor = _uuid(e.actor_id) if e.actor_kind == ActorKind.STAFF else None
    person = staff.get(actor) if actor else None
    return person[1] if person else None


def _object_name(
    e: Any, staff: Staff, partners: dict[uuid.UUID, str], cases: dict[uuid.UUID, str]
) -> str | None:
    target = _uuid(e.object_id)
    if target is not None and e.object_type == "staff_user" and target in staff:
        return f"{staff[target][0]} ({staff[target][1]})"
    if target is not None and e.object_type == "partner" and target in partners:
        return partners[target]
    return cases.get(e.case_id) if e.case_id is not None else None


def entries(
    session: Session, conditions: Sequence[ColumnElement[bool]], *, offset: int, limit: int
) -> list[AuditEntry]:
    """Events meeting ``conditions``, newest first, named for people."""
    events = session.execute(
        select(*_CLEAR)
        .where(*conditions)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    staff, partners, cases = _names(session, events)
    return [
        AuditEntry(
            id=e.id,
            position=e.position,
            occurred_at=e.occurred_at,
            action=e.action,
            actor_kind=e.actor_kind,
            actor_id=e.actor_id,
            who=_who(e, staff, partners),
            username=_username(e, staff),
            object_type=e.object_type,
            object_id=e.object_id,
            object_name=_object_name(e, staff, partners, cases),
            case_id=e.case_id,
            case_reference=cases.get(e.case_id) if e.case_id is not None else None,
        )
        for e in events
    ]


def case_access(
    session: Session, case_id: uuid.UUID, *, limit: int = CASE_LOG_SHOWN
) -> tuple[list[AuditEntry], bool]:
    """Who (staff and partners) looked at or changed one case, newest first, and whether
    there are more than ``limit``."""
    found = entries(
        session,
        [
            AuditEvent.case_id == case_id,
            AuditEvent.actor_kind.in_([ActorKind.STAFF.value, ActorKind.PARTNER.value]),
        ],
        offset=0,
        limit=limit + 1,
    )
    return found[:limit], len(found) > limit
