"""Changing routing and SLA configuration: staff languages, shifts, the on-call rota, on-call
phones, SLA targets, region calendars and holidays. Every change is an audit event."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.enums import CaseStatus, Priority
from casework.errors import InvalidInput, NotAllowed, NotFound
from casework.languages import SUPPORTED_LANGUAGES
from casework.places.models import Region
from casework.protection.keys import Keyring
from casework.routing.models import OnCallShift, StaffLanguage, StaffShift
from casework.routing.people import covering
from casework.routing.service import check_period, set_staff_phone, team_for
from casework.sla.calendar import parse_hours
from casework.sla.models import ClockKind, Holiday, RegionCalendar, SlaTarget
from casework.staff.models import Role, StaffUser, Team, TeamMember
from casework.taxonomy.models import Category

MAX_TARGET_MINUTES = 60 * 24 * 90


def _audit(
    session: Session,
    keyring: Keyring,
    action: AuditAction,
    *,
    actor: Actor,
    object_type: str,
    object_id: str,
    details: dict[str, object],
    now: dt.datetime,
) -> None:
    record_event(
        session,
        keyring=keyring,
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        details=details,
        now=now,
    )


def _clocks_changed(session: Session, region: int | None = None) -> None:
    """Targets or calendars changed: the open cases' clocks are rebuilt at the next scan."""
    stale = update(Case).where(Case.status != CaseStatus.CLOSED).values(sla_seq=0)
    if region is not None:
        stale = stale.where(Case.region_id == region)
    session.execute(stale)


def region_id(session: Session, code: str) -> int:
    """The id of a region by its code, or InvalidInput."""
    found = session.scalar(select(Region.id).where(Region.code == code))
    if found is None:
        raise InvalidInput("region", "Unknown region.")
    return int(found)


def _worker(session: Session, user_id: uuid.UUID) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("no such user")
    if not user.active or user.role not in {Role.CASEWORKER, Role.SUPERVISOR}:
        raise InvalidInput("user", "Only active caseworkers and supervisors are on the rota.")
    return user


def set_languages(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    user_id: uuid.UUID,
    languages: list[str],
    now: dt.datetime,
) -> None:
    """The languages a member of staff works in (replaces the list)."""
    user = _worker(session, user_id)
    unknown = sorted(set(languages) - set(SUPPORTED_LANGUAGES))
    if unknown:
        raise InvalidInput("languages", f"Unsupported language: {', '.join(unknown)}.")
    session.execute(delete(StaffLanguage).where(StaffLanguage.user_id == user.id))
    session.add_all(
        StaffLanguage(user_id=user.id, language=lang) for lang in sorted(set(languages))
    )
    _audit(
        session,
        keyring,
        AuditAction.ROUTING_CHANGED,
        actor=actor,
        object_type="staff_user",
        object_id=str(user.id),
        details={"languages": sorted(set(languages))},
        now=now,
    )
    session.flush()


def add_shift(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    user_id: uuid.UUID,
    region: str | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    on_call: bool,
    now: dt.datetime,
    regions: frozenset[int] | None = None,
) -> str:
    """Put someone on shift (or on call) in a region, or on the national desk (no region),
    for a while; returns the shift's id. ``regions``: the regions the caller may plan (None:
    all and the desk, for administrators and national supervisors)."""
    user = _worker(session, user_id)
    check_period(starts_at, ends_at)
    if ends_at <= now:
        raise InvalidInput("ends_at", "This shift is already over.")
    rid = region_id(session, region) if region is not None else None
    if regions is not None and (rid is None or rid not in regions):
        raise NotAllowed("a supervisor plans the rota of the regions they cover")
    _check_duty(session, user, rid, on_call=on_call)
    row: StaffShift | OnCallShift
    if on_call:
        row = OnCallShift(region_id=rid, user_id=user.id, starts_at=starts_at, ends_at=ends_at)
    else:
        row = StaffShift(region_id=rid, user_id=user.id, starts_at=starts_at, ends_at=ends_at)
    session.add(row)
    session.flush()
    kind = "on_call" if on_call else "shift"
    _audit(
        session,
        keyring,
        AuditAction.ROUTING_CHANGED,
        actor=actor,
        object_type=kind,
        object_id=str(row.id),
        details={
            "user": str(user.id),
            "region": region,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
        now=now,
    )
    return f"{kind}:{row.id}"


def _check_duty(session: Session, user: StaffUser, rid: int | None, *, on_call: bool) -> None:
    """Refuse a turn whose holder could not open the cases it brings them: a shift in a region
    needs a team covering it (or a national one); the desk, a national team. Someone on call
    is texted about any case of the region, so a caseworker must be in the team whose queue
    those cases go to, a supervisor in a team covering the region (or a national team); the
    national on-call turn, which also covers regions nobody else is on call for, needs a
    supervisor of a national team."""
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    national = (
        session.scalar(select(Team.id).where(Team.national, Team.id.in_(teams)).limit(1))
        is not None
    )
    if rid is None:
        ok = national and (user.role is Role.SUPERVISOR or not on_call)
        why = (
            "The national on-call turn is for a supervisor of a national team."
            if on_call
            else "Only members of a national team work on the national desk."
        )
    elif national and (user.role is Role.SUPERVISOR or not on_call):
        ok, why = True, ""
    elif on_call and user.role is Role.CASEWORKER:
        ok = team_for(session, rid) in set(session.scalars(teams))
        why = "A caseworker on call must be in the team whose queue this region's cases go to."
    else:
        ok = (
            session.scalar(
                select(TeamMember.team_id)
                .where(TeamMember.user_id == user.id, TeamMember.team_id.in_(covering(rid)))
                .limit(1)
            )
            is not None
        )
        why = "This person is in no team covering this region."
    if not ok:
        raise InvalidInput("user_id", why)


def end_shift(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    shift: str,
    now: dt.datetime,
    regions: frozenset[int] | None = None,
) -> None:
    """End a shift or on-call turn now (kept for the record, not deleted)."""
    kind, _, raw = shift.partition(":")
    row: StaffShift | OnCallShift | None = None
    try:
        if kind == "shift":
            row = session.get(StaffShift, uuid.UUID(raw))
        elif kind == "on_call" and 0 < int(raw) < 2**31:  # an INTEGER key: larger is nothing
            row = session.get(OnCallShift, int(raw))
    except ValueError:
        row = None
    if row is None:
        raise NotFound("no such shift")
    if regions is not None and row.region_id not in regions:
        raise NotAllowed("a supervisor plans the rota of the regions they cover")
    row.ends_at = min(row.ends_at, now)
    _audit(
        session,
        keyring,
        AuditAction.ROUTING_CHANGED,
        actor=actor,
        object_type=kind,
        object_id=raw,
        details={"ended_at": row.ends_at.isoformat()},
        now=now,
    )
    session.flush()


def set_phone(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    user_id: uuid.UUID,
    phone: str | None,
    default_region: str | None,
    now: dt.datetime,
) -> None:
    """The phone someone is texted on when on call (sealed; the audit says only that it
    changed)."""
    user = _worker(session, user_id)
    set_staff_phone(session, keyring=keyring, user=user, phone=phone, region=default_region)
    _audit(
        session,
        keyring,
        AuditAction.ROUTING_CHANGED,
        actor=actor,
        object_type="staff_user",
        object_id=str(user.id),
        details={"phone": "set" if phone else "removed"},
        now=now,
    )
    session.flush()


def set_target(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    clock: ClockKind,
    priority: Priority,
    category: str | None,
    minutes: int | None,
    business_hours: bool,
    now: dt.datetime,
) -> None:
    """Set (or with ``minutes=None`` remove) an SLA target; a category's overrides the
    default for that category. Open cases pick it up when their history next grows."""
    category_id = None
    if category is not None:
        category_id = session.scalar(select(Category.id).where(Category.code == category))
        if category_id is None:
            raise InvalidInput("category", "Unknown category.")
    if minutes is not None and not 1 <= minutes <= MAX_TARGET_MINUTES:
        raise InvalidInput("minutes", f"A target is 1 to {MAX_TARGET_MINUTES} minutes.")
    row = session.scalars(
        select(SlaTarget).where(
            SlaTarget.clock == clock,
            SlaTarget.priority == priority,
            SlaTarget.category_id.is_(None)
            if category_id is None
            else SlaTarget.category_id == category_id,
        )
    ).first()
    if minutes is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(
            SlaTarget(
                clock=clock,
                priority=priority,
                category_id=category_id,
                minutes=minutes,
                business_hours=business_hours,
            )
        )
    else:
        row.minutes, row.business_hours = minutes, business_hours
    _audit(
        session,
        keyring,
        AuditAction.SLA_CONFIG_CHANGED,
        actor=actor,
        object_type="sla_target",
        object_id=f"{clock.value}/{priority.value}/{category or '*'}",
        details={"minutes": minutes, "business_hours": business_hours},
        now=now,
    )
    session.flush()
    _clocks_changed(session)


def set_calendar(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    region: str,
    timezone: str,
    hours: dict[str, list[str]],
    now: dt.datetime,
) -> None:
    """A region's time zone and business hours."""
    rid = region_id(session, region)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "Europe" is a directory
        raise InvalidInput("timezone", "Unknown time zone (e.g. Europe/Sofia).") from exc
    try:
        parse_hours(dict(hours))
    except ValueError as exc:
        raise InvalidInput("hours", str(exc)) from exc
    row = session.get(RegionCalendar, rid)
    if row is None:
        session.add(RegionCalendar(region_id=rid, timezone=timezone, hours=hours))
    else:
        row.timezone, row.hours = timezone, hours
    _audit(
        session,
        keyring,
        AuditAction.SLA_CONFIG_CHANGED,
        actor=actor,
        object_type="region_calendar",
        object_id=region,
        details={"timezone": timezone, "hours": hours},
        now=now,
    )
    session.flush()
    _clocks_changed(session, rid)


def add_holiday(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    region: str | None,
    day: dt.date,
    name: str,
    now: dt.datetime,
) -> int:
    """A day without business hours in a region (or everywhere)."""
    rid = region_id(session, region) if region is not None else None
    row = Holiday(region_id=rid, day=day, name=name.strip()[:120] or "holiday")
    session.add(row)
    session.flush()
    _audit(
        session,
        keyring,
        AuditAction.SLA_CONFIG_CHANGED,
        actor=actor,
        object_type="holiday",
        object_id=str(row.id),
        details={"region": region, "day": day.isoformat(), "name": row.name},
        now=now,
    )
    _clocks_changed(session, rid)
    return row.id
