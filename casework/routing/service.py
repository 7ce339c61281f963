"""Routing: who gets a new case, and who is woken when nobody can take it.

A new case goes to an active caseworker who is on shift in its region now, speaks its
language, and is not linked to its school when the alleged perpetrator works there (a
conflict of interest); among those, the one with the fewest open cases (ties: the one who
has waited longest for a case, then by id, so it is deterministic). Either way it is put in
the queue of a team covering the region. With nobody on shift, a P1 or P2 case texts the
region's on-call person through the outbox (the installation's on-call phones when the rota
names nobody with a phone).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.service import NewEvent, append_events
from casework.cases.states import may_move, move
from casework.enums import CaseEventKind, CaseStatus, PerpetratorRole, Priority
from casework.errors import InvalidInput
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.phones import normalise_phone
from casework.protection.fields import open_text, seal_text
from casework.protection.keys import Keyring
from casework.routing.models import OnCallShift, StaffLanguage, StaffShift
from casework.staff.models import Role, StaffSchoolLink, StaffUser, Team, TeamMember, TeamRegion

STAFF_PURPOSE: Final = "staff"
# The alleged perpetrator works at the school: staff linked to it must not have the case.
AT_SCHOOL: Final = frozenset({PerpetratorRole.TEACHER, PerpetratorRole.SCHOOL_STAFF})
WAKE_FOR: Final = frozenset({Priority.P1, Priority.P2})


@dataclass(frozen=True)
class Routed:
    """Where a new case went."""

    assignee_id: uuid.UUID | None
    team_id: int | None
    alerted_on_call: bool


def conflicted_with_school(case: Case) -> bool:
    """Whether staff linked to the case's school must be kept away from it."""
    return case.school_id is not None and (case.restricted or case.perpetrator_role in AT_SCHOOL)


def candidates(session: Session, case: Case, now: dt.datetime) -> list[uuid.UUID]:
    """Caseworkers who could take the case now, the best first."""
    if case.region_id is None:
        return []
    on_shift = select(StaffShift.user_id).where(
        StaffShift.region_id == case.region_id,
        StaffShift.starts_at <= now,
        StaffShift.ends_at > now,
    )
    speaks = select(StaffLanguage.user_id).where(StaffLanguage.language == case.language)
    able = select(StaffUser.id).where(
        StaffUser.active,
        StaffUser.role == Role.CASEWORKER,
        StaffUser.id.in_(on_shift),
        StaffUser.id.in_(speaks),
    )
    if conflicted_with_school(case):
        linked = select(StaffSchoolLink.user_id).where(StaffSchoolLink.school_id == case.school_id)
        able = able.where(StaffUser.id.not_in(linked))
    people = list(session.scalars(able))
    if len(people) < 2:  # nobody, or nobody to compare: no loads to count
        return people
    # Loads of these people only (by the assignee index), not of everyone ever.
    load = (
        select(Case.assigned_to_id.label("user_id"), func.count().label("n"))
        .where(Case.assigned_to_id.in_(people), Case.status != CaseStatus.CLOSED)
        .group_by(Case.assigned_to_id)
        .subquery()
    )
    last = (
        select(Case.assigned_to_id.label("user_id"), func.max(Case.opened_at).label("at"))
        .where(Case.assigned_to_id.in_(people))
        .group_by(Case.assigned_to_id)
        .subquery()
    )
    query = (
        select(StaffUser.id)
        .outerjoin(load, load.c.user_id == StaffUser.id)
        .outerjoin(last, last.c.user_id == StaffUser.id)
        .where(StaffUser.id.in_(people))
        .order_by(
            func.coalesce(load.c.n, 0),
            last.c.at.is_not(None),  # never given a case yet: first
            last.c.at,
            StaffUser.id,
        )
    )
    return list(session.scalars(query))


def team_for(session: Session, region_id: int | None) -> int | None:
    """The team whose queue a case of this region goes to (a regional team before a
    national one)."""
    if region_id is not None:
        regional = session.scalar(
            select(TeamRegion.team_id)
            .where(TeamRegion.region_id == region_id)
            .order_by(TeamRegion.team_id)
            .limit(1)
        )
        if regional is not None:
            return int(regional)
    national = session.scalar(select(Team.id).where(Team.national).order_by(Team.id).limit(1))
    return int(national) if national is not None else None


def on_call_phones(
    session: Session, keyring: Keyring, region_id: int | None, now: dt.datetime
) -> list[str]:
    """Phones of whoever is on call for the region now (those with a phone on file)."""
    if region_id is None:
        return []
    rows = session.execute(
        select(StaffUser.id, StaffUser.phone_ct)
        .join(OnCallShift, OnCallShift.user_id == StaffUser.id)
        .where(
            OnCallShift.region_id == region_id,
            OnCallShift.starts_at <= now,
            OnCallShift.ends_at > now,
            StaffUser.active,
            StaffUser.phone_ct.is_not(None),
        )
        .order_by(OnCallShift.starts_at, StaffUser.id)
    ).all()
    key = keyring.purpose_key(session, STAFF_PURPOSE)
    return [
        open_text(key, table="staff_user", column="phone", row_id=user_id, ciphertext=blob)
        for user_id, blob in rows
        if blob is not None
    ]


def alert_on_call(
    session: Session, *, keyring: Keyring, case: Case, why: str, now: dt.datetime
) -> uuid.UUID:
    """Text the region's on-call person about the case (through the outbox)."""
    return enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.ALERT,
        payload={
            "reference": case.reference,
            "priority": case.priority.value,
            "why": why,
            "to": on_call_phones(session, keyring, case.region_id, now),
        },
        now=now,
    )


def route_new_case(session: Session, *, keyring: Keyring, case: Case, now: dt.datetime) -> Routed:
    """Assign a new case (or queue it), with its event and audit; alert on-call if needed."""
    found = candidates(session, case, now)
    case.team_id = team_for(session, case.region_id)
    assignee = found[0] if found else None
    alerted = False
    data: dict[str, object] = {
        "assignee": str(assignee) if assignee else None,
        "team": case.team_id,
        "by": "routing",
    }
    if assignee is not None:
        case.assigned_to_id = assignee
        append_events(
            session,
            case=case,
            now=now,
            events=[NewEvent(CaseEventKind.ASSIGNED, SYSTEM, dict(data))],
        )
        if may_move(case.status, CaseStatus.ASSIGNED):
            move(session, actor=SYSTEM, case=case, to=CaseStatus.ASSIGNED, now=now, why="routed")
        enqueue(
            session,
            keyring=keyring,
            kind=OutboxKind.STAFF_NOTICE,
            payload={
                "to": [str(assignee)],
                "kind": "assigned",
                "case": str(case.id),
                "text": f"New {case.priority.value} case {case.reference} is yours.",
            },
            now=now,
        )
    else:
        append_events(
            session,
            case=case,
            now=now,
            events=[NewEvent(CaseEventKind.ASSIGNED, SYSTEM, dict(data))],
        )
        if case.priority in WAKE_FOR:
            why = "nobody on shift" if case.region_id is not None else "region not known yet"
            alert_on_call(session, keyring=keyring, case=case, why=why, now=now)
            alerted = True
    data["on_call_alerted"] = alerted
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.CASE_ROUTED,
        actor=SYSTEM,
        object_type="case",
        object_id=str(case.id),
        case_key=keyring.case_key(session, case.id),
        details=data,
        now=now,
    )
    return Routed(assignee, case.team_id, alerted)


def set_staff_phone(
    session: Session, *, keyring: Keyring, user: StaffUser, phone: str | None, region: str | None
) -> None:
    """Keep (sealed) or forget the phone a member of staff is texted on when on call."""
    if phone is None:
        user.phone_ct = None
        return
    e164 = normalise_phone(phone, default_region=region, field="phone")
    user.phone_ct = seal_text(
        keyring.purpose_key(session, STAFF_PURPOSE),
        table="staff_user",
        column="phone",
        row_id=user.id,
        text=e164,
    )


def check_period(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """A shift must end after it starts and last at most two days."""
    if ends_at <= starts_at or ends_at - starts_at > dt.timedelta(days=2):
        raise InvalidInput("ends_at", "A shift ends after it starts, within two days.")


def region_supervisors(session: Session, case: Case) -> list[uuid.UUID]:
    """Active supervisors whose teams cover the case's region (or every region); for a
    restricted case, or one about someone who works at the school, not those linked to the
    school (they must not learn of it)."""
    covering = select(TeamRegion.team_id).where(TeamRegion.region_id == case.region_id)
    national = select(Team.id).where(Team.national)
    query = (
        select(StaffUser.id)
        .join(TeamMember, TeamMember.user_id == StaffUser.id)
        .where(
            StaffUser.role == Role.SUPERVISOR,
            StaffUser.active,
            TeamMember.team_id.in_(covering.union(national)),
        )
        .distinct()
    )
    if conflicted_with_school(case):
        linked = select(StaffSchoolLink.user_id).where(StaffSchoolLink.school_id == case.school_id)
        query = query.where(StaffUser.id.not_in(linked))
    return sorted(session.scalars(query))
