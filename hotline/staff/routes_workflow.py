"""The staff API on a case's workflow: triage, priority, closing and reopening, clock
pauses, and the SLA clocks as the history gives them. Each change finds the case through the
access policy first (404 outside one's view, 403 when the role may not)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.access.scope import Principal
from casework.cases.models import Case
from casework.errors import NotFound
from casework.handling.closure import Closure, decide_closure, reopen, request_closure
from casework.handling.lifecycle import (
    TriageInput,
    decide_no_referral,
    override_priority,
    pause_clocks,
    resume_clocks,
    start_work,
    triage,
)
from casework.handling.reads import find_case, may_on
from casework.linking.models import CaseLink
from casework.partners.directory import suggest_partners
from casework.sla.clocks import ClockState
from casework.sla.service import clocks_of
from hotline.database import Database
from hotline.deps import ClockDep, DbDep, KeyringDep, require_working_keys
from hotline.errors import error_responses
from hotline.staff.auth import CurrentStaff
from hotline.staff.schemas import (
    ClockOut,
    ClosureDecisionIn,
    ClosureIn,
    ClosureOut,
    LinkOut,
    PauseIn,
    PriorityIn,
    ReasonIn,
    SuggestionOut,
    TriageIn,
    TriageOut,
)

router = APIRouter(
    prefix="/api/staff/v1/cases",
    tags=["staff case workflow"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401),
)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such case, or not yours to see"},
    403: {"description": "Your role may not do this on the case"},
    422: {"description": "Not allowed from the case's status, or the input is wrong"},
}


async def _on_case(
    db: Database,
    clock: ClockDep,
    principal: Principal,
    case_id: uuid.UUID,
    action: Action,
    change: Callable[[Session, Case, dt.datetime], Any],
) -> Any:
    """Find the case for ``action`` and apply ``change`` in one write transaction."""

    def run(s: Session) -> Any:
        now = clock.now()
        # A change locks the case first: two people deciding at once take turns.
        writing = action is not Action.CASE_READ
        found = find_case(s, principal, case_id, action, now=now, for_update=writing)
        return change(s, found, now)

    return await db.run_async(run, write=True)


@router.post("/{case_id}/triage", response_model=TriageOut, responses=_NOT_FOUND)
async def triage_case(
    case_id: uuid.UUID,
    body: TriageIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> TriageOut:
    """Record what you established; the rules re-assess (the priority only rises here)."""
    facts = TriageInput(**body.model_dump())

    def change(s: Session, case: Case, now: dt.datetime) -> TriageOut:
        result = triage(
            s, keyring=keyring, principal=staff.principal, case=case, facts=facts, now=now
        )
        return TriageOut(
            priority=case.priority,
            assessed=result.priority,
            score=result.score,
            factors=list(result.factors),
        )

    out: TriageOut = await _on_case(db, clock, staff.principal, case_id, Action.CASE_WORK, change)
    return out


@router.post("/{case_id}/priority", status_code=204, responses=_NOT_FOUND)
async def set_priority(
    case_id: uuid.UUID,
    body: PriorityIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Change the priority yourself, with a reason (an event and an audit entry)."""
    await _on_case(
        db,
        clock,
        staff.principal,
        case_id,
        Action.CASE_WORK,
        lambda s, case, now: override_priority(
            s,
            keyring=keyring,
            principal=staff.principal,
            case=case,
            priority=body.priority,
            reason=body.reason,
            now=now,
        ),
    )
    return Response(status_code=204)


@router.post("/{case_id}/start", status_code=204, responses=_NOT_FOUND)
async def start(
    case_id: uuid.UUID, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> Response:
    """Start working on the case (-> in progress)."""
    await _on_case(
        db,
        clock,
        staff.principal,
        case_id,
        Action.CASE_WORK,
        lambda s, case, now: start_work(
            s, keyring=keyring, principal=staff.principal, case=case, now=now
        ),
    )
    return Response(status_code=204)


@router.post("/{case_id}/no-referral", status_code=204, responses=_NOT_FOUND)
async def no_referral(
    case_id: uuid.UUID,
    body: ReasonIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Decide, with a reason, that no partner is needed."""
    await _on_case(
        db,
        clock,
        staff.principal,
        case_id,
        Action.CASE_WORK,
        lambda s, case, now: decide_no_referral(
            s, keyring=keyring, principal=staff.principal, case=case, reason=body.reason, now=now
        ),
    )
    return Response(status_code=204)


@router.post("/{case_id}/clocks/pause", status_code=204, responses=_NOT_FOUND)
async def pause(
    case_id: uuid.UUID,
    body: PauseIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Pause the case's clocks (not P1's), e.g. while waiting for the reporter."""
    await _on_case(
        db,
        clock,
        staff.principal,
        case_id,
        Action.CASE_WORK,
        lambda s, case, now: pause_clocks(
            s, keyring=keyring, principal=staff.principal, case=case, reason=body.reason, now=now
        ),
    )
    return Response(status_code=204)


@router.post("/{case_id}/clocks/resume", status_code=204, responses=_NOT_FOUND)
async def resume(
    case_id: uuid.UUID, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> Response:
    """Resume paused clocks."""
    await _on_case(
        db,
        clock,
        staff.principal,
        case_id,
        Action.CASE_WORK,
        lambda s, case, now: resume_clocks(
            s, keyring=keyring, principal=staff.principal, case=case, now=now
        ),
    )
    return Response(status_code=204)


@router.post("/{case_id}/closure", response_model=ClosureOut, responses=_NOT_FOUND)
async def close(
    case_id: uuid.UUID,
    body: ClosureIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> ClosureOut:
    """Close the case (P1/P2 by a caseworker: a request that a supervisor decides)."""
    closure = Closure(body.outcome, body.child_views, body.views_missing)

    def change(s: Session, case: Case, now: dt.datetime) -> ClosureOut:
        supervising = may_on(s, staff.principal, case.id, Action.CASE_SUPERVISE, now=now)
        closed = request_closure(
            s,
            keyring=keyring,
            principal=staff.principal,
            case=case,
            closure=closure,
            now=now,
            supervising=supervising,
        )
        return ClosureOut(closed=closed)

    out: ClosureOut = await _on_case(db, clock, staff.principal, case_id, Action.CASE_WORK, change)
    return out


@router.post("/{case_id}/closure/decision", status_code=204, responses=_NOT_FOUND)
async def decide(
    case_id: uuid.UUID,
    body: ClosureDecisionIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Approve (close) or reject (with a reason) a closure request (supervisors)."""
    await _on_case(
        db,
        clock,
        staff.principal,
        case_id,
        Action.CASE_SUPERVISE,
        lambda s, case, now: decide_closure(
            s,
            keyring=keyring,
            principal=staff.principal,
            case=case,
            approve=body.approve,
            reason=body.reason,
            now=now,
        ),
    )
    return Response(status_code=204)


@router.post("/{case_id}/reopen", status_code=204, responses=_NOT_FOUND)
async def reopen_case(
    case_id: uuid.UUID,
    body: ReasonIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Reopen a closed case, with a reason."""
    await _on_case(
        db,
        clock,
        staff.principal,
        case_id,
        Action.CASE_WORK,
        lambda s, case, now: reopen(
            s, keyring=keyring, principal=staff.principal, case=case, reason=body.reason, now=now
        ),
    )
    return Response(status_code=204)


def clock_state(state: ClockState, now: dt.datetime) -> str:
    """One word for a clock: running, warning, breached or paused; once it has stopped, met,
    missed, or stopped (ended in time by something else, e.g. the case closed: neither)."""
    outcome = state.outcome()
    if outcome is not None:
        return outcome.value
    if state.paused or state.due_at is None:
        return "paused"
    if state.breached(now):
        return "breached"
    if state.warn_at is not None and now >= state.warn_at:
        return "warning"
    return "running"


@router.get("/{case_id}/clocks", response_model=list[ClockOut], responses=_NOT_FOUND)
async def clocks(
    case_id: uuid.UUID, staff: CurrentStaff, db: DbDep, clock: ClockDep, response: Response
) -> list[ClockOut]:
    """The case's SLA clocks, computed from its history now."""

    def change(s: Session, case: Case, now: dt.datetime) -> list[ClockOut]:
        return [
            ClockOut(
                clock=c.clock.value,
                start_seq=c.start_seq,
                priority=c.priority,
                target_minutes=c.target_minutes,
                started_at=c.started_at,
                warn_at=c.warn_at,
                due_at=c.due_at,
                stopped_at=c.stopped_at,
                state=clock_state(c, now),
            )
            for c in clocks_of(s, case)
        ]

    response.headers["Cache-Control"] = "no-store"
    out: list[ClockOut] = await _on_case(
        db, clock, staff.principal, case_id, Action.CASE_READ, change
    )
    return out


@router.get("/{case_id}/links", response_model=list[LinkOut], responses=_NOT_FOUND)
async def links(
    case_id: uuid.UUID, staff: CurrentStaff, db: DbDep, clock: ClockDep, response: Response
) -> list[LinkOut]:
    """Cases suggested as linked (same phone within 30 days, same person at the school);
    only those you may see yourself are listed."""

    def change(s: Session, case: Case, now: dt.datetime) -> list[LinkOut]:
        rows = s.execute(
            select(CaseLink.other_case_id, CaseLink.reason, CaseLink.created_at)
            .where(CaseLink.case_id == case.id)
            .order_by(CaseLink.created_at)
        ).all()
        visible = []
        for other, reason, created in rows:
            try:
                find_case(s, staff.principal, other, Action.CASE_READ, now=now)
            except NotFound:  # not theirs to see: left out
                continue
            visible.append(LinkOut(case_id=other, reason=reason, created_at=created))
        return visible

    response.headers["Cache-Control"] = "no-store"
    out: list[LinkOut] = await _on_case(
        db, clock, staff.principal, case_id, Action.CASE_READ, change
    )
    return out


@router.get(
    "/{case_id}/partner-suggestions", response_model=list[SuggestionOut], responses=_NOT_FOUND
)
async def partner_suggestions(
    case_id: uuid.UUID, staff: CurrentStaff, db: DbDep, clock: ClockDep
) -> list[SuggestionOut]:
    """Active partners for the case's region, category and language (never the accused's
    school)."""

    def change(s: Session, case: Case, _now: dt.datetime) -> list[SuggestionOut]:
        return [
            SuggestionOut(id=p.id, name=p.name, kind=p.kind, delivery=p.delivery)
            for p in suggest_partners(s, case)
        ]

    out: list[SuggestionOut] = await _on_case(
        db, clock, staff.principal, case_id, Action.CASE_WORK, change
    )
    return out
