"""The supervisor's view of the region: clocks breached or about to be, caseload per person,
closures waiting for approval and break-glass alerts; reassigning from there."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from casework.oversight.supervision import supervision
from hotline.console.session import PageCtx, PageStaff
from hotline.deps import require_working_keys
from hotline.runtime.forms import render

router = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[Depends(require_working_keys)]
)


@router.get("/supervise", response_class=HTMLResponse)
async def supervise(request: Request, staff: PageStaff, ctx: PageCtx) -> HTMLResponse:
    """The region at a glance (supervisors)."""
    page = await ctx.look(supervision, installation_phones=len(ctx.settings.on_call))
    return render(
        request,
        "supervise.html",
        {
            **vars(page),
            "section": "supervise",
            "now": ctx.clock.now(),
            "backlog_alarm_seconds": ctx.settings.intake_backlog_alarm_seconds,
        },
        staff=staff,
    )
