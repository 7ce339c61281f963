"""Response times against targets in the console: the dashboard (tables and charts) and its
downloads, and the CHI statistics with their CSV - the same use cases as the staff API's
statistics."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from casework.clock import Clock
from casework.enums import Channel, Priority
from casework.errors import InvalidInput, NotAllowed
from casework.oversight.chi_statistics import CSV_HEADER as CHI_CSV_HEADER
from casework.oversight.chi_statistics import GENDER_NOTE, chi_statistics
from casework.oversight.figure_exports import (
    CLOCK_ROW_HEADER,
    FIGURE_HEADER,
    begin_clock_rows,
    clock_rows_page,
    export_response_times,
)
from casework.oversight.periods import FIRST_DAY, check_day, day_period
from casework.oversight.response_times import Breakdown, figure_choices, response_times
from casework.sla.models import ClockKind
from hotline.console.figures_page import BREAKDOWN_NAMES, dashboard
from hotline.console.session import PageCtx, PageStaff
from hotline.console.statistics_page import chosen_months, statistics_view
from hotline.context import pages
from hotline.deps import get_clock, require_working_keys
from hotline.runtime.exports import ExportFormat, export_response
from hotline.runtime.forms import render
from hotline.runtime.labels import CLOCK_NAMES

router = APIRouter(
    prefix="/console/figures",
    include_in_schema=False,
    dependencies=[Depends(require_working_keys)],
)
DEFAULT_WEEKS = 12
FirstMonth = Annotated[str | None, Query(alias="from", max_length=20)]
LastMonth = Annotated[str | None, Query(alias="to", max_length=20)]


def _one(value: str | None) -> list[str]:
    return [value] if value else []


def _chosen(kind: type[Priority] | type[Channel], field: str, value: str | None) -> str | None:
    """A choice from a list ("" is "any"); anything else is refused with the choices."""
    if not value:
        return None
    allowed = [member.value for member in kind]
    if value not in allowed:
        raise InvalidInput(field, f"Choose one of {', '.join(allowed)}.", allowed=allowed)
    return value


class FigureQuery:
    """The dashboard's form: a period, a breakdown, a clock to look at, and filters."""

    def __init__(
        self,
        timer: Annotated[Clock, Depends(get_clock)],
        opened_from: Annotated[dt.date | None, Query(alias="from")] = None,
        opened_to: Annotated[dt.date | None, Query(alias="to")] = None,
        by: Breakdown = Breakdown.REGION,
        clock: ClockKind = ClockKind.FIRST_RESPONSE,
        # A form's "Any" sends an empty value: plain text here, checked below.
        priority: Annotated[str | None, Query(max_length=10)] = None,
        channel: Annotated[str | None, Query(max_length=10)] = None,
        region: Annotated[str | None, Query(max_length=40)] = None,
        category: Annotated[str | None, Query(max_length=40)] = None,
    ) -> None:
        today = timer.now().date()
        self.last = check_day(opened_to or today, field="to")
        default_first = self.last - dt.timedelta(weeks=DEFAULT_WEEKS) + dt.timedelta(days=1)
        self.first = check_day(opened_from or max(default_first, FIRST_DAY), field="from")
        self.by = Breakdown.REGION if by is Breakdown.WEEK else by
        self.clock = clock
        self.filters = {
            Breakdown.PRIORITY: _one(_chosen(Priority, "priority", priority)),
            Breakdown.CHANNEL: _one(_chosen(Channel, "channel", channel)),
            Breakdown.REGION: _one(region),
            Breakdown.CATEGORY: _one(category),
        }
        self.chosen = {
            "priority": priority or "",
            "channel": channel or "",
            "region": region or "",
            "category": category or "",
        }

    @property
    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """Whole UTC days from the first to the last included."""
        return day_period(self.first, self.last)

    def query_string(self, **extra: str) -> str:
        """The same choices as a query string (for the download links)."""
        params = {"from": self.first.isoformat(), "to": self.last.isoformat(), "by": self.by.value}
        params |= {k: v for k, v in self.chosen.items() if v} | extra
        return urlencode(params)


Figures = Annotated[FigureQuery, Depends()]


@router.get("", response_class=HTMLResponse)
async def figures_page(
    request: Request, staff: PageStaff, ctx: PageCtx, q: Figures
) -> HTMLResponse:
    """Response times against targets: the trend, compliance by group, the distribution
    against the time allowed, and the tables under them (the look is audited)."""
    start, end = q.period
    found = await ctx.act(
        response_times, opened_from=start, opened_to=end, by=q.by, filters=q.filters, trend=True
    )
    choices = await ctx.look(figure_choices)
    return render(
        request,
        "figures.html",
        {
            **dashboard(found, q.clock),
            "q": q,
            "cases": found.cases,
            "choices": choices,
            "breakdowns": BREAKDOWN_NAMES,
            "clocks": CLOCK_NAMES,
            "priorities": [p.value for p in Priority],
            "channels": [c.value for c in Channel if c is not Channel.VOICE],
            "section": "figures",
        },
        staff=staff,
    )


@router.get("/response-times.{fmt}")
async def figures_download(ctx: PageCtx, q: Figures, fmt: ExportFormat) -> StreamingResponse:
    """The response-time table as shown, as a file (audited as an export)."""
    start, end = q.period
    rows = await ctx.act(
        export_response_times,
        opened_from=start,
        opened_to=end,
        by=q.by,
        filters=q.filters,
        fmt=fmt.value,
    )
    name = f"response-times-{q.first}-{q.last}-by-{q.by.value}"
    return await export_response(FIGURE_HEADER, rows, filename=name, fmt=fmt)


@router.get("/clock-rows.{fmt}")
async def clock_rows_download(ctx: PageCtx, q: Figures, fmt: ExportFormat) -> StreamingResponse:
    """Every clock of the cases counted, one row each, as a file (audited as an export)."""
    start, end = q.period
    await ctx.act(
        begin_clock_rows, opened_from=start, opened_to=end, filters=q.filters, fmt=fmt.value
    )
    rows = pages(ctx, clock_rows_page, opened_from=start, opened_to=end, filters=q.filters)
    return await export_response(
        CLOCK_ROW_HEADER, rows, filename=f"clock-rows-{q.first}-{q.last}", fmt=fmt
    )


@router.get("/statistics", response_class=HTMLResponse)
async def statistics_page(
    request: Request,
    staff: PageStaff,
    ctx: PageCtx,
    first: FirstMonth = None,
    last: LastMonth = None,
) -> HTMLResponse:
    """Cases by CHI group against channel, age band, gender, region and month, suppressed as
    published (the look is audited), and links to the public report for the same months."""
    now = ctx.clock.now()
    start, end = chosen_months(first, last, now=now)
    page: dict[str, object] = {
        "chosen": {"from": start, "to": end},
        "gender_note": GENDER_NOTE,
        "threshold": ctx.settings.stats_small_cell_threshold,
        "section": "statistics",
    }
    try:
        stats = await ctx.act(
            chi_statistics, first=start, last=end, threshold=ctx.settings.stats_small_cell_threshold
        )
    except InvalidInput as problem:
        page["problem"] = problem.message
        return render(request, "statistics.html", page, staff=staff, status=422)
    except NotAllowed:
        page["refused"] = True
        return render(request, "statistics.html", page, staff=staff, status=403)
    choices = await ctx.look(figure_choices)
    page |= statistics_view(stats, choices.regions, now=now)
    return render(request, "statistics.html", page, staff=staff)


@router.get("/statistics.{fmt}")
async def statistics_download(
    ctx: PageCtx, fmt: ExportFormat, first: FirstMonth = None, last: LastMonth = None
) -> StreamingResponse:
    """The CHI tables as shown, one row per count, as CSV or XLSX (audited as an export, as
    the staff API's)."""
    start, end = chosen_months(first, last, now=ctx.clock.now())
    stats = await ctx.act(
        chi_statistics,
        first=start,
        last=end,
        threshold=ctx.settings.stats_small_cell_threshold,
        exported_as=fmt.value,
    )
    return await export_response(
        CHI_CSV_HEADER,
        stats.csv_rows(),
        filename=f"chi-statistics-{stats.first}-{stats.last}",
        fmt=fmt,
    )
