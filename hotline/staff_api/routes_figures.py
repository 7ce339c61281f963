"""Response times against targets for supervisors, auditors and administrators."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from casework.oversight.response_times import Breakdown, response_times
from casework.sla.figures import ClockFigures
from casework.sla.models import ClockKind
from hotline.deps import require_working_keys
from hotline.errors import error_responses
from hotline.signin.auth import StaffCtx
from hotline.staff_api.schemas.figures import ClockFiguresOut, ResponseTimesOut

router = APIRouter(
    prefix="/api/staff/v1/stats",
    tags=["statistics"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401, 403),
)


def _listed(figures: dict[ClockKind, ClockFigures]) -> list[ClockFiguresOut]:
    # In the order the clocks run for a case.
    return [ClockFiguresOut.of(figures[k]) for k in ClockKind if k in figures]


@router.get("/response-times", response_model=ResponseTimesOut)
async def response_times_of(
    ctx: StaffCtx,
    response: Response,
    opened_from: Annotated[dt.date, Query(alias="from", description="First day (UTC)")],
    opened_to: Annotated[dt.date, Query(alias="to", description="Last day (UTC), included")],
    by: Breakdown | None = None,
) -> ResponseTimesOut:
    """Per SLA clock, for the cases opened from ``from`` to ``to``: how many ended, were met,
    missed or ended otherwise, how many run and breach, median and 90th-percentile minutes and
    the share within target - overall and, with ``by``, per priority, category or region
    (the look is audited; supervisors count their regions)."""
    start = dt.datetime.combine(opened_from, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(opened_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    found = await ctx.act(response_times, opened_from=start, opened_to=end, by=by)
    response.headers["Cache-Control"] = "no-store"
    return ResponseTimesOut(
        opened_from=found.opened_from,
        opened_to=found.opened_to,
        cases=found.cases,
        overall=_listed(found.overall),
        by=found.by,
        groups={name: _listed(figures) for name, figures in found.groups.items()},
    )
