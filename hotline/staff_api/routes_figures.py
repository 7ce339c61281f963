"""Response times against targets for supervisors, auditors and administrators."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from casework.oversight.figure_exports import (
    CLOCK_ROW_HEADER,
    FIGURE_HEADER,
    begin_clock_rows,
    clock_rows_page,
    export_response_times,
)
from casework.oversight.periods import day_period
from casework.oversight.response_times import SHARE_LABELS, Breakdown, Group, response_times
from casework.sla.figures import ClockFigures
from casework.sla.models import ClockKind
from hotline.context import pages
from hotline.deps import require_working_keys
from hotline.errors import error_responses
from hotline.runtime.exports import MEDIA_TYPES, ExportFormat, export_response
from hotline.signin.auth import StaffCtx
from hotline.staff_api.schemas.figures import (
    ClockFiguresOut,
    GroupOut,
    ResponseTimesOut,
    TargetSharesOut,
)

router = APIRouter(
    prefix="/api/staff/v1/stats",
    tags=["statistics"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401, 403),
)


def _listed(figures: dict[ClockKind, ClockFigures]) -> list[ClockFiguresOut]:
    # In the order the clocks run for a case.
    return [ClockFiguresOut.of(figures[k]) for k in ClockKind if k in figures]


def figure_filters(
    priority: Annotated[list[str] | None, Query(description="P1 to P4")] = None,
    category: Annotated[list[str] | None, Query(description="Category codes")] = None,
    channel: Annotated[list[str] | None, Query(description="web, app, sms")] = None,
    region: Annotated[list[str] | None, Query(description="Region codes; 'none': unplaced")] = None,
    school: Annotated[list[str] | None, Query(description="School codes")] = None,
    team: Annotated[list[str] | None, Query(description="Team ids")] = None,
    caseworker: Annotated[list[str] | None, Query(description="Staff ids")] = None,
) -> dict[Breakdown, list[str]]:
    """The filters of a figures request (each may repeat: any of the values)."""
    given = {
        Breakdown.PRIORITY: priority,
        Breakdown.CATEGORY: category,
        Breakdown.CHANNEL: channel,
        Breakdown.REGION: region,
        Breakdown.SCHOOL: school,
        Breakdown.TEAM: team,
        Breakdown.CASEWORKER: caseworker,
    }
    return {b: values for b, values in given.items() if values}


FiltersDep = Annotated[dict[Breakdown, list[str]], Depends(figure_filters)]


def _groups(groups: list[Group]) -> list[GroupOut]:
    return [GroupOut(key=g.key, label=g.label, clocks=_listed(g.figures)) for g in groups]


@router.get("/response-times", response_model=ResponseTimesOut)
async def response_times_of(
    ctx: StaffCtx,
    response: Response,
    filters: FiltersDep,
    opened_from: Annotated[dt.date, Query(alias="from", description="First day (UTC)")],
    opened_to: Annotated[dt.date, Query(alias="to", description="Last day (UTC), included")],
    by: Breakdown | None = None,
    trend: Annotated[bool, Query(description="Also the figures per week opened")] = False,
) -> ResponseTimesOut:
    """Per SLA clock, for the cases opened from ``from`` to ``to``: how many ended, were met,
    missed or ended otherwise, how many run and breach, median and 90th-percentile minutes and
    the share within target - overall and, with ``by``, per priority, category, channel,
    region, school, team, caseworker or week opened (the trend); filtered by any of those; with
    how long ended clocks took against the time allowed. Supervisors count their regions,
    caseworkers their own cases; the look is audited."""
    start, end = day_period(opened_from, opened_to)
    found = await ctx.act(
        response_times, opened_from=start, opened_to=end, by=by, filters=filters, trend=trend
    )
    response.headers["Cache-Control"] = "no-store"
    return ResponseTimesOut(
        opened_from=found.opened_from,
        opened_to=found.opened_to,
        cases=found.cases,
        filters=found.filters,
        overall=_listed(found.overall),
        by=found.by,
        groups=_groups(found.groups),
        trend=_groups(found.trend),
        share_labels=list(SHARE_LABELS),
        target_shares=[
            TargetSharesOut(clock=k.value, counts=found.target_shares[k])
            for k in ClockKind
            if k in found.target_shares
        ],
    )


ExportFormatQuery = Annotated[ExportFormat, Query(alias="format", description="csv or xlsx")]


@router.get(
    "/response-times/export",
    response_class=StreamingResponse,
    responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}},
)
async def response_times_export(
    ctx: StaffCtx,
    filters: FiltersDep,
    opened_from: Annotated[dt.date, Query(alias="from", description="First day (UTC)")],
    opened_to: Annotated[dt.date, Query(alias="to", description="Last day (UTC), included")],
    fmt: ExportFormatQuery = ExportFormat.CSV,
    by: Breakdown | None = None,
) -> StreamingResponse:
    """The response-time table as a CSV or XLSX file (the export is audited)."""
    start, end = day_period(opened_from, opened_to)
    rows = await ctx.act(
        export_response_times,
        opened_from=start,
        opened_to=end,
        by=by,
        filters=filters,
        fmt=fmt.value,
    )
    name = f"response-times-{opened_from}-{opened_to}" + (f"-by-{by.value}" if by else "")
    return await export_response(FIGURE_HEADER, rows, filename=name, fmt=fmt)


@router.get(
    "/clock-rows",
    response_class=StreamingResponse,
    responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}},
)
async def clock_rows_export(
    ctx: StaffCtx,
    filters: FiltersDep,
    opened_from: Annotated[dt.date, Query(alias="from", description="First day (UTC)")],
    opened_to: Annotated[dt.date, Query(alias="to", description="Last day (UTC), included")],
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> StreamingResponse:
    """Every SLA clock of the cases opened in the period, one row each (case reference,
    dimensions, times, outcome), streamed as CSV or XLSX; the export is audited."""
    start, end = day_period(opened_from, opened_to)
    await ctx.act(
        begin_clock_rows, opened_from=start, opened_to=end, filters=filters, fmt=fmt.value
    )
    rows = pages(ctx, clock_rows_page, opened_from=start, opened_to=end, filters=filters)
    name = f"clock-rows-{opened_from}-{opened_to}"
    return await export_response(CLOCK_ROW_HEADER, rows, filename=name, fmt=fmt)
