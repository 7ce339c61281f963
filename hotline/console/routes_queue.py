"""The queue: my cases, my team's, or (supervisors) the whole region, most urgent first -
P1 first, then the least time left on the nearest SLA clock - with filters and a search.

The filter form sends every field, empty meaning "any"; a value that is not one of the
choices shows the queue again with the problem (422), never an error about types."""

from __future__ import annotations

import enum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from casework.enums import CaseStatus, Channel, Priority
from casework.oversight.queue import PAGE, QueueFilters, queue
from casework.staff.models import Role
from hotline.console.session import PageCtx, PageStaff
from hotline.deps import require_working_keys
from hotline.runtime.forms import NO_STORE, render

router = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[Depends(require_working_keys)]
)
# Coming back here after a change on a case page.
DONE = {
    "moved_away": "Saved: the case now belongs to another team's queue, so it left yours.",
}
VIEWS = {"mine": "My cases", "team": "My team's queue", "region": "Region (all open)"}
Choice = TypeVar("Choice", bound=enum.Enum)
Filter = Annotated[str, Query(max_length=40)]


def _chosen(value: str, allowed: type[Choice], problems: list[str], what: str) -> Choice | None:
    """The filter's choice; empty is any; anything else is a problem to show."""
    if not value:
        return None
    try:
        return allowed(value)
    except ValueError:
        problems.append(f"Choose the {what} from the list.")
        return None


@router.get("")
async def home() -> RedirectResponse:
    """The console starts at the queue."""
    return RedirectResponse("/console/queue", status_code=303, headers=NO_STORE)


@router.get("/queue", response_class=HTMLResponse)
async def queue_page(
    request: Request,
    staff: PageStaff,
    ctx: PageCtx,
    view: Filter = "team",
    priority: Filter = "",
    status: Filter = "",
    category: Filter = "",
    region: Filter = "",
    channel: Filter = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    done: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The queue page (the search and its filters are audited like any list)."""
    problems: list[str] = []
    if view not in VIEWS:
        problems.append("Choose which cases to see from the tabs.")
        view = "team"
    wanted_priority = _chosen(priority, Priority, problems, "priority")
    wanted_status = _chosen(status, CaseStatus, problems, "status")
    wanted_channel = _chosen(channel, Channel, problems, "channel")
    found = await ctx.act(
        queue,
        QueueFilters(
            view=view,
            status=wanted_status,
            priority=wanted_priority,
            channel=wanted_channel,
            region=region,
            category=category,
            search=q,
            page=page,
            choices_ok=not problems,
        ),
    )
    problems += found.problems
    views = dict(VIEWS)
    if ctx.principal.role is not Role.SUPERVISOR:
        views.pop("region")
    filters = {
        "view": view,
        "priority": wanted_priority.value if wanted_priority else "",
        "status": wanted_status.value if wanted_status else "",
        "category": category,
        "region": region,
        "channel": wanted_channel.value if wanted_channel else "",
        "q": q,
    }
    return render(
        request,
        "queue.html",
        {
            "rows": found.rows,
            "total": found.total,
            "capped": found.capped,
            "categories": found.categories,
            "regions": found.regions,
            "section": "queue",
            "views": views,
            "filters": filters,
            "page": page,
            "pages": max(1, -(-found.total // PAGE)),
            "page_url": lambda n: "/console/queue?" + urlencode({**filters, "page": n}),
            "now": found.now,
            "priorities": list(Priority),
            "statuses": list(CaseStatus),
            "channels": list(Channel),
            "problem": " ".join(problems) or None,
            "flash": DONE.get(done),
        },
        staff=staff,
        status=422 if problems else 200,
    )
