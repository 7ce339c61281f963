"""Statistics in the Child Helpline International data framework, for supervisors, auditors
and administrators: JSON, or CSV to send on."""

from __future__ import annotations

import enum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from starlette.responses import StreamingResponse

from casework.oversight.chi_statistics import CSV_HEADER, chi_statistics
from hotline.deps import require_working_keys
from hotline.errors import error_responses
from hotline.runtime.exports import MEDIA_TYPES, ExportFormat, export_response
from hotline.signin.auth import StaffCtx
from hotline.staff_api.schemas.chi import ChiStatisticsOut

router = APIRouter(
    prefix="/api/staff/v1/stats",
    tags=["statistics"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401, 403),
)
_MONTH = r"^\d{4}-\d{2}$"


class ChiFormat(enum.StrEnum):
    """How the statistics are answered."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@router.get(
    "/chi",
    response_model=ChiStatisticsOut,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                MEDIA_TYPES[ExportFormat.XLSX]: {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "JSON, or with format=csv or xlsx one row per count: "
            + ", ".join(CSV_HEADER),
        },
        **error_responses(422),
    },
)
async def chi_figures(
    ctx: StaffCtx,
    response: Response,
    first: Annotated[str, Query(alias="from", pattern=_MONTH, description="First month, YYYY-MM")],
    last: Annotated[str, Query(alias="to", pattern=_MONTH, description="Last month, YYYY-MM")],
    fmt: Annotated[ChiFormat, Query(alias="format")] = ChiFormat.JSON,
) -> ChiStatisticsOut | StreamingResponse:
    """Cases opened in the months ``from`` to ``to`` (at most 12, none to come) by CHI group
    against channel, age band, gender (not recorded yet), region and month; counts under the
    threshold shown as '<5' and others hidden with them so none can be worked out from the
    totals. Supervisors count their regions; the look (or export) is audited."""
    threshold = ctx.settings.stats_small_cell_threshold
    exported = None if fmt is ChiFormat.JSON else ExportFormat(fmt.value)
    stats = await ctx.act(
        chi_statistics,
        first=first,
        last=last,
        threshold=threshold,
        exported_as=exported.value if exported else None,
    )
    if exported is not None:
        return await export_response(
            CSV_HEADER,
            stats.csv_rows(),
            filename=f"chi-statistics-{stats.first}-{stats.last}",
            fmt=exported,
        )
    response.headers["Cache-Control"] = "no-store"
    return ChiStatisticsOut.model_validate(stats.as_data())
