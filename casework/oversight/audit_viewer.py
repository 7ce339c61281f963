"""The audit viewer: who looked at or changed what, and when - never what the payloads say.

Who sees what (``Action.AUDIT_READ``):
- auditors see the whole trail (sign-ins, configuration, every case);
- supervisors see only the entries about cases they may read (``case_filter`` with
  ``CASE_READ``: their regions, teams, named and break-glass cases, not a conflicted one) and
  nothing else - no sign-ins, no other region's cases;
- caseworkers, administrators and partners see none of it (a caseworker's own reads are
  visible to their supervisor, not to colleagues; the case page shows them no access log).

Every look is itself an audit event (``audit.read``), its filters sealed under the system key
(or the case's key for one case's log, so erasing the case erases what was searched).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, select

from casework.access.policy import Action
from casework.access.scope import case_filter
from casework.audit.index import CASE_LOG_SHOWN, AuditEntry, case_access, entries
from casework.audit.models import AuditEvent
from casework.audit.record import AuditAction, record_event
from casework.audit.status import AuditStatus, trail_status
from casework.cases.models import Case
from casework.cases.reference import normalise_reference
from casework.context import Acting
from casework.enums import ActorKind
from casework.errors import InvalidInput, NotFound
from casework.oversight.periods import check_moment
from casework.staff.models import Role, StaffUser

PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_POSITION = 2**63 - 1  # what the position column holds


@dataclass(frozen=True)
class AuditPage:
    """One page of the trail, newest first."""

    entries: list[AuditEntry]
    page: int
    per_page: int
    has_next: bool
    # Supervisors open a case's page from an entry; auditors cannot read cases, so their
    # links lead to the case's own audit entries instead.
    may_open_cases: bool


@dataclass(frozen=True)
class AuditOverview:
    """What the console's audit page shows: a page of entries and how the trail stands."""

    page: AuditPage
    status: AuditStatus


def _scope(acting: Acting) -> list[ColumnElement[bool]]:
    """The events the person acting may see (AUDIT_READ is checked by the caller)."""
    principal = acting.principal
    if principal.role is Role.SUPERVISOR:
        mine = select(Case.id).where(case_filter(principal, Action.CASE_READ, now=acting.now))
        return [AuditEvent.case_id.in_(mine)]
    return []


def audit_entries(
    acting: Acting,
    *,
    case_reference: str | None = None,
    staff_username: str | None = None,
    action: AuditAction | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_position: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> AuditPage:
    """A page of the trail the person acting may see, filtered, newest first (audited)."""
    acting.require(Action.AUDIT_READ)
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput("page", "Pages are numbered from 1, with 1 to 500 entries each.")
    if since is not None:
        check_moment(since, field="from")
    if until is not None:
        check_moment(until, field="to")
    if before_position is not None and not 0 <= before_position <= MAX_POSITION:
        raise InvalidInput("before", "No entry of the trail has that position.")
    if since is not None and until is not None and until <= since:
        raise InvalidInput("to", "The end of the period must come after its start.")
    session = acting.session
    where = _scope(acting)
    if case_reference:
        reference = normalise_reference(case_reference)
        if reference is None:
            raise InvalidInput("case", "A case reference looks like HX-7K3P-9QW.")
        where.append(
            AuditEvent.case_id
            == select(Case.id).where(Case.reference == reference).scalar_subquery()
        )
    if staff_username:
        user_id = session.scalar(
            select(StaffUser.id).where(StaffUser.username == staff_username.strip().casefold())
        )
        where += (
            [AuditEvent.actor_kind == ActorKind.STAFF.value, AuditEvent.actor_id == str(user_id)]
            if user_id is not None
            else [false()]
        )
    if action is not None:
        where.append(AuditEvent.action == action.value)
    if since is not None:
        where.append(AuditEvent.occurred_at >= since)
    if until is not None:
        where.append(AuditEvent.occurred_at < until)
    if before_position is not None:
        where.append(AuditEvent.position < before_position)
    found = entries(session, where, offset=(page - 1) * per_page, limit=per_page + 1)
    record_event(
        session,
        keyring=acting.keyring,
        action=AuditAction.AUDIT_READ,
        actor=acting.principal.actor,
        object_type="audit_trail",
        object_id="-",
        details={
            "case": case_reference,
            "staff": staff_username,
            "action": action.value if action else None,
            "since": since,
            "until": until,
            "before": before_position,
            "page": page,
        },
        now=acting.now,
    )
    return AuditPage(
        entries=found[:per_page],
        page=page,
        per_page=per_page,
        has_next=len(found) > per_page,
        may_open_cases=acting.principal.role is Role.SUPERVISOR,
    )


def audit_overview(
    acting: Acting,
    *,
    case_reference: str | None = None,
    staff_username: str | None = None,
    action: AuditAction | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: int = 1,
) -> AuditOverview:
    """The audit page: a page of entries and the trail's newest checkpoint and check."""
    found = audit_entries(
        acting,
        case_reference=case_reference,
        staff_username=staff_username,
        action=action,
        since=since,
        until=until,
        page=page,
    )
    return AuditOverview(found, trail_status(acting.session, now=acting.now))


def audit_status(acting: Acting) -> AuditStatus:
    """The newest signed checkpoint and the last verification of the trail."""
    acting.require(Action.AUDIT_READ)
    return trail_status(acting.session, now=acting.now)


def case_access_log(
    acting: Acting, case_id: uuid.UUID, *, limit: int = CASE_LOG_SHOWN
) -> tuple[list[AuditEntry], bool]:
    """Who looked at or changed one case, newest first, and whether there is more (audited;
    NotFound for a case a supervisor may not read)."""
    acting.require(Action.AUDIT_READ)
    session = acting.session
    case = session.scalar(select(Case).where(Case.id == case_id, *_case_scope(acting)))
    if case is None:
        raise NotFound("no such case")
    found = case_access(session, case.id, limit=limit)
    record_event(
        session,
        keyring=acting.keyring,
        action=AuditAction.AUDIT_READ,
        actor=acting.principal.actor,
        object_type="case_access_log",
        object_id=str(case.id),
        # Erased: its key is gone, so the look is sealed under the system key instead.
        case_key=acting.keyring.case_key_if_readable(session, case.id),
        details={"case": str(case.id)},
        now=acting.now,
    )
    return found


def _case_scope(acting: Acting) -> list[ColumnElement[bool]]:
    principal = acting.principal
    if principal.role is Role.SUPERVISOR:
        return [case_filter(principal, Action.CASE_READ, now=acting.now)]
    return []
