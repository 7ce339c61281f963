"""The staff API on a case's workflow: triage, priority, closing and reopening, clock
pauses, and the SLA clocks as the history gives them. Each command finds the case through the
access policy itself (404 outside one's view, 403 when the role may not)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Response

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
from casework.handling.related import case_clocks, case_links
from casework.handling.related import partner_suggestions as suggestions_for
from hotline.deps import require_working_keys
from hotline.errors import error_responses
from hotline.signin.auth import StaffCtx
from hotline.staff_api.schemas.workflow import (
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


@router.post("/{case_id}/triage", response_model=TriageOut, responses=_NOT_FOUND)
async def triage_case(case_id: uuid.UUID, body: TriageIn, ctx: StaffCtx) -> TriageOut:
    """Record what you established; the rules re-assess (the priority only rises here)."""
    result = await ctx.act(triage, case_id, TriageInput(**body.model_dump()))
    return TriageOut(
        priority=result.priority_now,
        assessed=result.assessment.priority,
        score=result.assessment.score,
        factors=list(result.assessment.factors),
    )


@router.post("/{case_id}/priority", status_code=204, responses=_NOT_FOUND)
async def set_priority(case_id: uuid.UUID, body: PriorityIn, ctx: StaffCtx) -> Response:
    """Change the priority yourself, with a reason (an event and an audit entry)."""
    await ctx.act(override_priority, case_id, body.priority, body.reason)
    return Response(status_code=204)


@router.post("/{case_id}/start", status_code=204, responses=_NOT_FOUND)
async def start(case_id: uuid.UUID, ctx: StaffCtx) -> Response:
    """Start working on the case (-> in progress)."""
    await ctx.act(start_work, case_id)
    return Response(status_code=204)


@router.post("/{case_id}/no-referral", status_code=204, responses=_NOT_FOUND)
async def no_referral(case_id: uuid.UUID, body: ReasonIn, ctx: StaffCtx) -> Response:
    """Decide, with a reason, that no partner is needed."""
    await ctx.act(decide_no_referral, case_id, body.reason)
    return Response(status_code=204)


@router.post("/{case_id}/clocks/pause", status_code=204, responses=_NOT_FOUND)
async def pause(case_id: uuid.UUID, body: PauseIn, ctx: StaffCtx) -> Response:
    """Pause the case's clocks (not P1's), e.g. while waiting for the reporter."""
    await ctx.act(pause_clocks, case_id, body.reason)
    return Response(status_code=204)


@router.post("/{case_id}/clocks/resume", status_code=204, responses=_NOT_FOUND)
async def resume(case_id: uuid.UUID, ctx: StaffCtx) -> Response:
    """Resume paused clocks."""
    await ctx.act(resume_clocks, case_id)
    return Response(status_code=204)


@router.post("/{case_id}/closure", response_model=ClosureOut, responses=_NOT_FOUND)
async def close(case_id: uuid.UUID, body: ClosureIn, ctx: StaffCtx) -> ClosureOut:
    """Close the case (P1/P2 by a caseworker: a request that a supervisor decides)."""
    closure = Closure(body.outcome, body.child_views, body.views_missing)
    return ClosureOut(closed=await ctx.act(request_closure, case_id, closure))


@router.post("/{case_id}/closure/decision", status_code=204, responses=_NOT_FOUND)
async def decide(case_id: uuid.UUID, body: ClosureDecisionIn, ctx: StaffCtx) -> Response:
    """Approve (close) or reject (with a reason) a closure request (supervisors)."""
    await ctx.act(decide_closure, case_id, body.approve, body.reason)
    return Response(status_code=204)


@router.post("/{case_id}/reopen", status_code=204, responses=_NOT_FOUND)
async def reopen_case(case_id: uuid.UUID, body: ReasonIn, ctx: StaffCtx) -> Response:
    """Reopen a closed case, with a reason."""
    await ctx.act(reopen, case_id, body.reason)
    return Response(status_code=204)


@router.get("/{case_id}/clocks", response_model=list[ClockOut], responses=_NOT_FOUND)
async def clocks(case_id: uuid.UUID, ctx: StaffCtx, response: Response) -> list[ClockOut]:
    """The case's SLA clocks, computed from its history now."""
    now = ctx.clock.now()
    response.headers["Cache-Control"] = "no-store"
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
            state=c.state(now),
        )
        for c in await ctx.look(case_clocks, case_id)
    ]


@router.get("/{case_id}/links", response_model=list[LinkOut], responses=_NOT_FOUND)
async def links(case_id: uuid.UUID, ctx: StaffCtx, response: Response) -> list[LinkOut]:
    """Cases suggested as linked (same phone within 30 days, same person at the school);
    only those you may see yourself are listed."""
    response.headers["Cache-Control"] = "no-store"
    return [
        LinkOut(case_id=link.case_id, reason=link.reason, created_at=link.created_at)
        for link in await ctx.look(case_links, case_id)
    ]


@router.get(
    "/{case_id}/partner-suggestions", response_model=list[SuggestionOut], responses=_NOT_FOUND
)
async def partner_suggestions(case_id: uuid.UUID, ctx: StaffCtx) -> list[SuggestionOut]:
    """Active partners for the case's region, category and language (never the accused's
    school)."""
    return [
        SuggestionOut(id=p.id, name=p.name, kind=p.kind, delivery=p.delivery)
        for p in await ctx.look(suggestions_for, case_id)
    ]
