"""The queue: my cases, my team's, or (supervisors) the whole region, most urgent first -
P1 first, then the least time left on the nearest SLA clock - with filters and a search."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.cases import COUNT_CAP, CaseQuery, list_cases
from casework.enums import CaseStatus, Channel, Priority
from casework.places.models import Region
from casework.staff.models import Role
from casework.taxonomy.models import Category
from hotline.console.session import NO_STORE, PageStaff, render
from hotline.console.views import queue_rows
from hotline.deps import ClockDep, DbDep, KeyringDep, require_working_keys

router = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[Depends(require_working_keys)]
)
PAGE = 50
VIEWS = {"mine": "My cases", "team": "My team's queue", "region": "Region (all open)"}


@router.get("")
async def home() -> RedirectResponse:
    """The console starts at the queue."""
    return RedirectResponse("/console/queue", status_code=303, headers=NO_STORE)


@router.get("/queue", response_class=HTMLResponse)
async def queue(
    request: Request,
    staff: PageStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    view: Annotated[str, Query(pattern="^(mine|team|region)$")] = "team",
    priority: Priority | None = None,
    status: CaseStatus | None = None,
    category: Annotated[str, Query(max_length=40)] = "",
    region: Annotated[str, Query(max_length=40)] = "",
    channel: Channel | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    """The queue page (the search and its filters are audited like any list)."""

    def run(s: Session) -> dict[str, Any]:
        categories = list(
            s.execute(select(Category.code, Category.name).order_by(Category.sort_order)).all()
        )
        regions = list(s.execute(select(Region.code, Region.name).order_by(Region.name)).all())
        region_id = s.scalar(select(Region.id).where(Region.code == region)) if region else None
        category_id = (
            s.scalar(select(Category.id).where(Category.code == category)) if category else None
        )
        query = CaseQuery(
            status=status,
            priority=priority,
            assigned_to_me=view == "mine",
            team_queue=view == "team",
            region_id=region_id,
            category_id=category_id,
            channel=channel,
            search=q.strip() or None,
            open_only=status is None,
            limit=PAGE,
            offset=(page - 1) * PAGE,
        )
        unknown = (region and region_id is None) or (category and category_id is None)
        found, total = (
            ([], 0)
            if unknown
            else list_cases(
                s, keyring=keyring, principal=staff.principal, query=query, now=clock.now()
            )
        )
        return {
            "rows": queue_rows(s, found, clock.now()),
            "total": min(total, COUNT_CAP),
            "capped": total > COUNT_CAP,
            "categories": categories,
            "regions": regions,
        }

    data = await db.run_async(run, write=True)
    views = dict(VIEWS)
    if staff.principal.role is not Role.SUPERVISOR:
        views.pop("region")
    filters = {
        "view": view,
        "priority": priority.value if priority else "",
        "status": status.value if status else "",
        "category": category,
        "region": region,
        "channel": channel.value if channel else "",
        "q": q,
    }
    return render(
        request,
        "queue.html",
        {
            **data,
            "section": "queue",
            "views": views,
            "filters": filters,
            "page": page,
            "pages": max(1, -(-data["total"] // PAGE)),
            "page_url": lambda n: "/console/queue?" + urlencode({**filters, "page": n}),
            "now": clock.now(),
            "priorities": [p.value for p in Priority],
            "statuses": [st.value for st in CaseStatus],
            "channels": [c.value for c in Channel],
        },
        staff=staff,
    )
