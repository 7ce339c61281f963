"""The public transparency report: a page and its CSV, for a region or the nation over one
calendar quarter that has ended (``?period=2026-Q3``; ``from``/``to`` months only when they are
exactly one quarter). No sign-in, no cookies, nothing personal (see
``casework.oversight.transparency``)."""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import StreamingResponse

from casework.oversight.transparency import CSV_HEADER, transparency_page, transparency_report
from hotline.context import Ctx
from hotline.runtime.exports import ExportFormat, export_response
from hotline.runtime.labels import humanise, label
from hotline.runtime.templating import make_templates

router = APIRouter(include_in_schema=False)
templates = make_templates()
# Ended quarters do not change much: a short public cache spares the database repeat visits.
_CACHE: Final = {"Cache-Control": "public, max-age=300"}
CHI_GROUPS: Final = {
    "violence": "Violence",
    "exploitation": "Exploitation",
    "mental_health": "Mental health",
    "discrimination": "Discrimination",
    "other": "Other",
}
Region = Annotated[str | None, Query(max_length=40, description="A region's code; none: all")]
Period = Annotated[str | None, Query(max_length=7, description="A quarter, YYYY-Qn")]
# The old form, kept for links already out there: months that are exactly one quarter.
FirstMonth = Annotated[str | None, Query(alias="from", max_length=7, description="YYYY-MM")]
LastMonth = Annotated[str | None, Query(alias="to", max_length=7, description="YYYY-MM")]


def name_of(code: str, vocabulary: str) -> str:
    """The words for a code on the page."""
    if vocabulary == "chi_group":
        return CHI_GROUPS.get(code) or humanise(code)
    return label(code, vocabulary)


def _minutes(value: float) -> str:
    """A duration in words: "45 min", "3 h 20 min", "2 days 4 h"."""
    total = round(value)
    days, rest = divmod(total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@router.get("/transparency", response_class=HTMLResponse)
async def transparency(
    request: Request,
    ctx: Ctx,
    region: Region = None,
    period: Period = None,
    first: FirstMonth = None,
    last: LastMonth = None,
) -> HTMLResponse:
    """The report for the area and quarter asked for (by default the nation, the last quarter
    that ended)."""
    page = await ctx.read(
        transparency_page,
        region=region or None,
        period=period or None,
        first=first or None,
        last=last or None,
        threshold=ctx.settings.stats_small_cell_threshold,
    )
    report = page.report
    chosen = {
        "region": region or "",
        "period": str(report.period) if report else (period or ""),
    }
    query = {"region": chosen["region"], "period": chosen["period"]}
    return templates.TemplateResponse(
        request,
        "transparency.html",
        {
            "regions": page.regions,
            "quarters": page.quarters,
            "report": report,
            "problem": page.problem,
            "chosen": chosen,
            "csv_url": "/transparency.csv?" + urlencode(query),
            "name_of": name_of,
            "minutes": _minutes,
        },
        status_code=422 if page.problem else 200,
        headers=_CACHE if report else {"Cache-Control": "no-store"},
    )


@router.get("/transparency.csv")
async def transparency_csv(
    ctx: Ctx,
    region: Region = None,
    period: Period = None,
    first: FirstMonth = None,
    last: LastMonth = None,
) -> StreamingResponse:
    """The same report as CSV (a friendly 422 page for a bad area or period)."""
    report = await ctx.read(
        transparency_report,
        region=region or None,
        period=period or None,
        first=first or None,
        last=last or None,
        threshold=ctx.settings.stats_small_cell_threshold,
    )
    area = report.region_code or "national"
    answer = await export_response(
        CSV_HEADER,
        report.csv_rows(),
        filename=f"transparency-{area}-{report.period}",
        fmt=ExportFormat.CSV,
    )
    answer.headers.update(_CACHE)
    return answer
