"""The supervisor's view of the region: clocks breached or about to be, caseload per person,
closures waiting for approval and break-glass alerts; reassigning from there."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.access.scope import case_filter
from casework.cases.models import Case, CaseEvent
from casework.enums import CaseEventKind, CaseStatus
from casework.errors import NotAllowed
from casework.handling.closure import closure_pending
from casework.routing.coverage import coverage_gaps
from casework.sla.models import SlaClock
from casework.staff.models import Role, StaffNotification, StaffUser, TeamMember
from hotline.console.session import PageStaff, render
from hotline.console.views import CLOCK_NAMES
from hotline.deps import ClockDep, DbDep, SettingsDep, require_working_keys

router = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[Depends(require_working_keys)]
)
LIMIT = 100
_OPEN = [s for s in CaseStatus if s is not CaseStatus.CLOSED]


@router.get("/supervise", response_class=HTMLResponse)
async def supervise(
    request: Request, staff: PageStaff, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> HTMLResponse:
    """The region at a glance (supervisors)."""
    principal = staff.principal
    if principal.role is not Role.SUPERVISOR:
        raise NotAllowed("supervisors only")

    def run(s: Session) -> dict[str, Any]:
        now = clock.now()
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
        team_people = list(
            s.execute(
                select(StaffUser.id, StaffUser.display_name)
                .join(TeamMember, TeamMember.user_id == StaffUser.id)
                .where(
                    TeamMember.team_id.in_(principal.team_ids),
                    StaffUser.active.is_(True),
                    StaffUser.role == Role.CASEWORKER,
                )
                .distinct()
                .order_by(StaffUser.display_name)
            ).all()
        )
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
                    select(CaseEvent.case_id).where(
                        CaseEvent.kind == CaseEventKind.CLOSURE_REQUESTED
                    )
                ),
            )
            .order_by(Case.priority, Case.opened_at)
            .limit(LIMIT)
        )
        approvals = [c for c in requested if closure_pending(s, c)]
        alerts = list(
            s.scalars(
                select(StaffNotification)
                .where(StaffNotification.user_id == principal.user_id)
                .order_by(StaffNotification.created_at.desc())
                .limit(20)
            )
        )
        names = dict(team_people)
        gaps = coverage_gaps(s, now=now, installation_phones=len(settings.on_call))
        return {
            "gaps": gaps,
            "pressing": [
                {
                    "case_id": r.id,
                    "reference": r.reference,
                    "priority": r.priority.value,
                    "assignee": names.get(r.assigned_to_id) if r.assigned_to_id else None,
                    "assignee_id": r.assigned_to_id,
                    "clock": CLOCK_NAMES[r.clock],
                    "due_at": r.due_at,
                    "seconds": int((r.due_at - now).total_seconds()) if r.due_at else 0,
                    "breached": r.due_at is not None and r.due_at <= now,
                }
                for r in pressing
            ],
            "caseload": [(name, load.get(user_id, 0)) for user_id, name in team_people],
            "unassigned": unassigned or 0,
            "approvals": approvals,
            "alerts": alerts,
            "caseworkers": team_people,
        }

    data = await db.run_async(run, write=False)
    return render(request, "supervise.html", {**data, "section": "supervise"}, staff=staff)
