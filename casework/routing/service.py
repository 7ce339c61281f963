"""Routing: who gets a case, and who is woken when a child may be in danger.

A new case goes to an active caseworker who is on shift in its region now, speaks its
language, and is not linked to its school when the alleged perpetrator works there (a
conflict of interest); among those, the one with the fewest open cases (ties: the one who
has waited longest for a case, then by id, so it is deterministic). When nobody in the region
can take it - or its region is not known yet (most SMS reports until the child names a school,
web and app reports without one) - it goes to a caseworker on shift on the **national desk**
(a national team's shift with no region), by the same rules. Either way it is put in the queue
of a team covering its region, or of the national desk's team when the region is not known:
no case is left in nobody's queue while a national team exists (``casework.routing.coverage``
says loudly when one does not).

A P1 case alerts the on-call rota at once (SMS) and the person it went to; a P2 case that
nobody on shift could take alerts the rota too (``casework.routing.oncall``).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from casework.actors import SYSTEM, Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.service import NewEvent, append_events
from casework.cases.states import may_move, move
from casework.enums import CaseEventKind, CaseStatus, Priority
from casework.errors import InvalidInput
from casework.phones import normalise_phone
from casework.protection.fields import seal_text
from casework.protection.keys import Keyring
from casework.routing.models import StaffLanguage, StaffShift
from casework.routing.oncall import STAFF_PURPOSE, alert_on_call, notify, raise_alarm
from casework.routing.people import (
    AT_SCHOOL,
    conflicted_with_school,
    covering,
    region_supervisors,
    staffed_teams,
)
from casework.staff.models import Role, StaffSchoolLink, StaffUser, Team, TeamMember, TeamRegion

__all__ = [
    "AT_SCHOOL",
    "STAFF_PURPOSE",
    "alert_on_call",
    "conflicted_with_school",
    "region_supervisors",
]
# Nobody on shift could take these: wake the on-call person (P1 always wakes them).
WAKE_FOR: Final = frozenset({Priority.P1, Priority.P2})


@dataclass(frozen=True)
class Routed:
    """Where a case went."""

    assignee_id: uuid.UUID | None
    team_id: int | None
    alerted_on_call: bool


def _national_ids() -> Select[Any]:
    return select(TeamMember.user_id).join(Team, Team.id == TeamMember.team_id).where(Team.national)


def national_members() -> ColumnElement[bool]:
    """Staff in a national team (the desk): they cover every region and unplaced cases."""
    return StaffUser.id.in_(_national_ids())


@functools.cache
def _able_query(regional: bool, conflicted: bool) -> Executable:
    """Built once per shape (building it cost more than running it)."""
    desk = and_(StaffShift.region_id.is_(None), StaffShift.user_id.in_(_national_ids()))
    here = or_(StaffShift.region_id == bindparam("region_id"), desk) if regional else desk
    speaks = select(StaffLanguage.user_id).where(StaffLanguage.language == bindparam("language"))
    now = bindparam("now", type_=StaffShift.starts_at.type)
    able = (
        select(StaffShift.user_id, StaffShift.region_id.is_not(None))
        .join(StaffUser, StaffUser.id == StaffShift.user_id)
        .where(
            here,
            StaffShift.starts_at <= now,
            StaffShift.ends_at > now,
            StaffUser.active,
            StaffUser.role == Role.CASEWORKER,
            StaffUser.id.in_(speaks),
        )
    )
    if conflicted:
        linked = select(StaffSchoolLink.user_id).where(
            StaffSchoolLink.school_id == bindparam("school_id")
        )
        able = able.where(StaffUser.id.not_in(linked))
    return able


def _able(
    session: Session, case: Case, now: dt.datetime
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Caseworkers on shift now who speak the case's language: those on shift in its region,
    and those on the national desk (one query for both)."""
    conflicted = conflicted_with_school(case)
    able = _able_query(case.region_id is not None, conflicted)
    params = {
        "region_id": case.region_id,
        "now": now,
        "language": case.language,
        "school_id": case.school_id,
    }
    regional: dict[uuid.UUID, None] = {}
    national: dict[uuid.UUID, None] = {}
    for user_id, in_region in session.execute(able, params):
        (regional if in_region else national)[user_id] = None
    return list(regional), list(national)


def _by_load(session: Session, people: list[uuid.UUID]) -> list[uuid.UUID]:
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


def candidates(session: Session, case: Case, now: dt.datetime) -> list[uuid.UUID]:
    """Caseworkers who could take the case now, the best first: on shift in its region, or,
    with nobody there (or no region yet), on shift on the national desk."""
    regional, national = _able(session, case, now)
    return _by_load(session, regional or national)


def team_for(session: Session, region_id: int | None) -> int | None:
    """The team whose queue a case of this region goes to: a regional team with staff, else
    the national desk's (also for a case whose region is not known); a team without active
    staff only when there is nothing better (``casework.routing.coverage`` says so loudly)."""
    found = session.scalar(_team_query(region_id is not None), {"region_id": region_id})
    return int(found) if found is not None else None


@functools.cache
def _team_query(regional: bool) -> Executable:
    """The first way that finds a team wins: one query, each way ranked by its place (built
    once: building it cost more than running it)."""
    staffed = staffed_teams()
    here = select(TeamRegion.team_id.label("id")).where(
        TeamRegion.region_id == bindparam("region_id")
    )
    national = select(Team.id.label("id")).where(Team.national)
    ways = [national.where(Team.id.in_(staffed)), national]
    if regional:
        ways = [here.where(TeamRegion.team_id.in_(staffed)), ways[0], here, ways[1]]
    ranked = union_all(
        *(way.add_columns(literal(rank).label("rank")) for rank, way in enumerate(ways))
    ).subquery()
    return select(ranked.c.id).order_by(ranked.c.rank, ranked.c.id).limit(1)


def may_keep(session: Session, user_id: uuid.UUID, case: Case) -> bool:
    """Whether the case's owner may go on working it where it now is: active, in a team
    covering its region (or a national team), and not linked to the school it is about."""
    fits = session.scalar(
        select(StaffUser.id).where(
            StaffUser.id == user_id,
            StaffUser.active,
            StaffUser.role.in_([Role.CASEWORKER, Role.SUPERVISOR]),
            (
                StaffUser.id.in_(
                    select(TeamMember.user_id).where(
                        TeamMember.team_id.in_(covering(case.region_id))
                    )
                )
            )
            | national_members(),
        )
    )
    if fits is None:
        return False
    if not conflicted_with_school(case):
        return True
    linked = session.scalar(
        select(StaffSchoolLink.user_id).where(
            StaffSchoolLink.user_id == user_id, StaffSchoolLink.school_id == case.school_id
        )
    )
    return linked is None


def _why_alert(case: Case, assignee: uuid.UUID | None) -> str:
    why = ["someone may be in danger now"] if case.priority is Priority.P1 else []
    if assignee is None:
        why.append("nobody on shift" if case.region_id is not None else "region not known yet")
    return "; ".join(why) or "urgent"


def _settle(
    session: Session,
    *,
    keyring: Keyring,
    case: Case,
    assignee: uuid.UUID | None,
    actor: Actor,
    by: str,
    alert: bool,
    now: dt.datetime,
    new_owner: bool = True,
) -> Routed:
    """Give the case to ``assignee`` (or leave it in its team's queue), with its event, its
    audit entry, a notice to a new owner and, when asked, the on-call alarm."""
    data: dict[str, object] = {
        "assignee": str(assignee) if assignee else None,
        "team": case.team_id,
        "by": by,
    }
    case.assigned_to_id = assignee
    append_events(
        session, case=case, now=now, events=[NewEvent(CaseEventKind.ASSIGNED, actor, dict(data))]
    )
    if assignee is not None and new_owner:
        if may_move(case.status, CaseStatus.ASSIGNED):
            move(session, actor=actor, case=case, to=CaseStatus.ASSIGNED, now=now, why="routed")
        urgent = (
            " Someone may be in danger now: look at it at once."
            if (case.priority is Priority.P1)
            else ""
        )
        notify(
            session,
            keyring=keyring,
            to=[assignee],
            kind="assigned",
            case=case,
            text=f"New {case.priority.value} case {case.reference} is yours.{urgent}",
            now=now,
        )
    if alert:
        alert_on_call(session, keyring=keyring, case=case, why=_why_alert(case, assignee), now=now)
    data["on_call_alerted"] = alert
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.CASE_ROUTED,
        actor=actor,
        object_type="case",
        object_id=str(case.id),
        case_key=keyring.case_key(session, case.id),
        details=data,
        now=now,
    )
    return Routed(assignee, case.team_id, alert)


def route_new_case(session: Session, *, keyring: Keyring, case: Case, now: dt.datetime) -> Routed:
    """Assign a new case (or queue it), with its event and audit; a P1 case alerts the on-call
    rota whoever has it, a P2 case that nobody could take too."""
    found = candidates(session, case, now)
    case.team_id = team_for(session, case.region_id)
    assignee = found[0] if found else None
    alert = case.priority is Priority.P1 or (assignee is None and case.priority in WAKE_FOR)
    return _settle(
        session,
        keyring=keyring,
        case=case,
        assignee=assignee,
        actor=SYSTEM,
        by="routing",
        alert=alert,
        now=now,
    )


def reroute(
    session: Session, *, keyring: Keyring, case: Case, actor: Actor, now: dt.datetime
) -> Routed | None:
    """Who may have the case changed (its region, school, language or the accused's role):
    move it to the queue of its region's team and to someone on shift who can take it (its
    region's, else the desk's; its owner if they are one), else its owner keeps it if they
    still may, else the queue (P1/P2 then wake the on-call rota). A restricted case goes to no
    one it was not restricted to. None when nothing changed."""
    team = team_for(session, case.region_id)
    owner = case.assigned_to_id
    if case.restricted:
        # Only the people it is restricted to may have it: its owner keeps it if they still
        # may; no one else is given it automatically (the region's supervisors are told).
        keeps = owner is not None and may_keep(session, owner, case)
        assignee = owner if keeps else None
    else:
        # Someone on shift who can take it (its region first, else the desk) - its owner if
        # they are one of them; the owner keeps it when nobody else can, if they still may.
        found = candidates(session, case, now)
        if owner is not None and (owner in found or (not found and may_keep(session, owner, case))):
            assignee = owner
        else:
            assignee = found[0] if found else None
    if assignee == owner and team == case.team_id:
        return None
    case.team_id = team
    alert = assignee is None and case.priority in WAKE_FOR
    if case.restricted and assignee is None:
        notify(
            session,
            keyring=keyring,
            to=region_supervisors(session, case),
            kind="needs_owner",
            case=case,
            text=f"Restricted case {case.reference} moved and has no owner: name one.",
            now=now,
        )
    return _settle(
        session,
        keyring=keyring,
        case=case,
        assignee=assignee,
        actor=actor,
        by="rerouted",
        alert=alert,
        now=now,
        new_owner=assignee != owner,
    )


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


def escalate(
    session: Session, *, keyring: Keyring, case: Case, was: Priority, now: dt.datetime
) -> bool:
    """The case became more urgent after it was routed: at P1 the on-call rota is woken and its
    owner told; at P2 with nobody on it, the rota is woken. True when someone was alerted."""
    order = list(Priority)
    if order.index(case.priority) >= order.index(was):
        return False
    if case.priority is Priority.P1:
        raise_alarm(session, keyring=keyring, case=case, why="now P1", now=now)
        return True
    if case.priority in WAKE_FOR and case.assigned_to_id is None:
        alert_on_call(session, keyring=keyring, case=case, why=_why_alert(case, None), now=now)
        return True
    return False
