"""The audit viewer: who looked at or changed what, and when, filtered and paged; with the
trail's newest signed checkpoint and its last verification. Never a payload.

The filter form sends every field, empty meaning "any"; a value that cannot be read (a date,
an action not on the list, a malformed reference) shows the page again with the problem
(422) and no entries, still only to those who may read the trail (403 otherwise)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from casework.audit.record import AuditAction
from casework.errors import InvalidInput
from casework.oversight.audit_viewer import audit_overview, audit_status
from casework.oversight.periods import check_day, day_end, day_start
from hotline.console.session import PageCtx, PageStaff
from hotline.deps import require_working_keys
from hotline.runtime.forms import render

router = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[Depends(require_working_keys)]
)
Filter = Annotated[str, Query(max_length=64)]
ACTIONS = sorted(a.value for a in AuditAction)


def _day(value: str, what: str, problems: list[str]) -> dt.date | None:
    """A day typed or picked as YYYY-MM-DD; empty is no limit."""
    if not value:
        return None
    try:
        return check_day(dt.date.fromisoformat(value.strip()), field=what)
    except InvalidInput as outside:
        problems.append(outside.message)
    except ValueError:
        problems.append(f"Give the {what} date as YYYY-MM-DD, e.g. 2026-11-27.")
    return None


def _action(value: str, problems: list[str]) -> AuditAction | None:
    if not value:
        return None
    try:
        return AuditAction(value)
    except ValueError:
        problems.append("Choose the action from the list.")
        return None


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    staff: PageStaff,
    ctx: PageCtx,
    case: Filter = "",
    who: Filter = "",
    action: Filter = "",
    since: Annotated[str, Query(alias="from", max_length=20)] = "",
    until: Annotated[str, Query(alias="to", max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The audit trail (auditors: all of it; supervisors: their cases). Each look is audited."""
    problems: list[str] = []
    wanted = _action(action, problems)
    first, last = _day(since, "from", problems), _day(until, "to", problems)
    filters = {"case": case, "who": who, "action": action, "from": since, "to": until}
    context: dict[str, Any] = {
        "section": "audit",
        "filters": filters,
        "actions": [(a, a) for a in ACTIONS],
        "entries": [],
        "page": page,
        "has_next": False,
        "may_open_cases": False,
        "page_url": lambda n: "/console/audit?" + urlencode({**filters, "page": n}),
    }
    if not problems:
        try:
            found = await ctx.act(
                audit_overview,
                case_reference=case or None,
                staff_username=who or None,
                action=wanted,
                since=day_start(first, field="from") if first else None,
                until=day_end(last, field="to") if last else None,
                page=page,
            )
        except InvalidInput as exc:
            problems.append(exc.message)
        else:
            context.update(
                entries=found.page.entries,
                has_next=found.page.has_next,
                may_open_cases=found.page.may_open_cases,
                status=found.status,
            )
    if problems:
        # Still only for those who may read the trail: a caseworker gets 403, not a form.
        context["status"] = await ctx.look(audit_status)
    context["problem"] = " ".join(problems) or None
    return render(request, "audit.html", context, staff=staff, status=422 if problems else 200)
