"""The supervisor's view of the region: clocks breached or about to be, caseload per person,
closures waiting for approval, their alerts and the gaps in who would receive a report."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from casework.access.policy import Action
from casework.access.scope import case_filter
from casework.cases.models import Case, CaseEvent
from casework.context import Acting
from casework.enums import CaseEventKind, CaseStatus, Priority
from casework.errors import NotAllowed
from casework.handling.closure import closure_pending
from casework.intake.backlog import Backlog, intake_backlog
from casework.oversight.notifications import my_notifications
from casework.routing.coverage import Gap, coverage_gaps
from casework.sla.models import ClockKind, SlaClock
from casework.staff.models import Role, StaffNotification, StaffUser, TeamMember

LIMIT = 100
ALERTS = 20
_OPEN = [s for s in CaseStatus if s is not CaseStatus.CLOSED]


@dataclass(frozen=True)
class Pressing:
    """A running clock past its warning time (breached when past due)."""

    case_id: uuid.UUID
    reference: str
    priority: Priority
    assignee_id: uuid.UUID | None
    assignee: str | None  # None: in the team queue (or with someone outside the teams)
    clock: ClockKind
    due_at: dt.datetime | None
    seconds: int  # left until due; negative when overdue
    breached: bool


@dataclass(frozen=True)
class Supervision:
    """What the supervision page shows."""

    gaps: list[Gap]
    intake: Backlog  # reports received whose case is not open yet (installation-wide)
    pressing: list[Pressing]
    caseload: list[tuple[str, int]]  # (caseworker, open cases), by name
    unassigned: int
    approvals: list[Case]
    alerts: list[StaffNotification]
    caseworkers: list[tuple[uuid.UUID, str]]  # whom a case may be given to, by name


def supervision(acting: Acting, *, installation_phones: int) -> Supervision:
    """The region at a glance (supervisors only); ``installation_phones``: how many
    fallback on-call phones the installation has."""
    principal = acting.principal
    if principal.role is not Role.SUPERVISOR:
        raise NotAllowed("supervisors only")
    s, now = acting.session, acting.now
    scope = case_filter(principal, Action.CASE_READ, now=now)
    pressing = s.execute(
        select(
            Case.id,
            Case.reference,
            Case.priority,
            Case.assigned_to_id,
            SlaClock.clock,
            SlaClock.due_at,
        )
        .join(SlaClock, SlaClock.case_id == Case.id)
        .where(scope, SlaClock.stopped_at.is_(None), SlaClock.warn_at <= now)
        .order_by(SlaClock.due_at)
        .limit(LIMIT)
    ).all()
    team_people = [
        (user_id, name)
        for user_id, name in s.execute(
            select(StaffUser.id, StaffUser.display_name)
            .join(TeamMember, TeamMember.user_id == StaffUser.id)
            .where(
                TeamMember.team_id.in_(principal.team_ids),
                StaffUser.active.is_(True),
                StaffUser.role == Role.CASEWORKER,
            )
            .distinct()
            .order_by(StaffUser.display_name)
        )
    ]
    load = dict(
        s.execute(
            select(Case.assigned_to_id, func.count())
            .where(scope, Case.status.in_(_OPEN), Case.assigned_to_id.is_not(None))
            .group_by(Case.assigned_to_id)
        ).all()
    )
    unassigned = s.scalar(
        select(func.count())
        .select_from(Case)
        .where(scope, Case.status.in_(_OPEN), Case.assigned_to_id.is_(None))
    )
    requested = s.scalars(
        select(Case)
        .where(
            scope,
            Case.status.in_(_OPEN),
            Case.id.in_(
                select(CaseEvent.case_id).where(CaseEvent.kind == CaseEventKind.CLOSURE_REQUESTED)
            ),
        )
        .order_by(Case.priority, Case.opened_at)
        .limit(LIMIT)
    )
    approvals = [c for c in requested if closure_pending(s, c)]
    names = dict(team_people)
    return Supervision(
        gaps=coverage_gaps(s, now=now, installation_phones=installation_phones),
        intake=intake_backlog(s),
        pressing=[
            Pressing(
                case_id=r.id,
                reference=r.reference,
                priority=r.priority,
                assignee_id=r.assigned_to_id,
                assignee=names.get(r.assigned_to_id) if r.assigned_to_id else None,
                clock=r.clock,
                due_at=r.due_at,
                seconds=int((r.due_at - now).total_seconds()) if r.due_at else 0,
                breached=r.due_at is not None and r.due_at <= now,
            )
            for r in pressing
        ],
        caseload=[(name, load.get(user_id, 0)) for user_id, name in team_people],
        unassigned=unassigned or 0,
        approvals=approvals,
        alerts=my_notifications(acting, limit=ALERTS),
        caseworkers=team_people,
    )
