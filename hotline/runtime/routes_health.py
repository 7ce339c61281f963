"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from casework.readiness import readiness
from casework.routing.coverage import Severity
from hotline.context import Ctx

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """Always OK while the process answers."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated; who reports reach")
async def readyz(request: Request, ctx: Ctx) -> JSONResponse:
    """OK when the database answers and is at the migration head this code expects.

    ``coverage`` lists the gaps through which a report would reach nobody now (no national
    desk, a region nobody covers, an alert no phone would get): the status is then "degraded"
    - but still 200, because taking a report is always better than turning it away, and a
    load balancer would turn every child away if every instance said "not ready". ``intake``
    says how far case building is behind (reports waiting for their case, the oldest's age);
    past ``intake_backlog_alarm_seconds``, or with a report that keeps failing, "degraded" too.
    """
    expected = request.app.state.schema_head
    try:
        ready = await ctx.read(
            readiness, expected_schema=expected, installation_phones=len(ctx.settings.on_call)
        )
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    if ready.schema != expected:
        return JSONResponse({"status": "unavailable", "database": "not migrated"}, 503)
    if request.app.state.key_problem is not None:
        return JSONResponse({"status": "unavailable", "database": "ok", "keys": "mismatch"}, 503)
    # Codes only: this answers anyone who asks; the words are on the supervision page.
    coverage = [
        {"code": g.code, "severity": g.severity.value, "region": g.region} for g in ready.gaps
    ]
    critical = any(g.severity is Severity.CRITICAL for g in ready.gaps)
    body: dict[str, object] = {"database": "ok", "coverage": coverage}
    if ready.intake is not None:
        age = ready.intake.oldest_age(ctx.clock.now()).total_seconds()
        behind = age >= ctx.settings.intake_backlog_alarm_seconds or ready.intake.stuck > 0
        critical = critical or behind
        body["intake"] = {
            "waiting": ready.intake.waiting,
            "urgent": ready.intake.urgent,
            "failing": ready.intake.stuck,
            "oldest_seconds": round(age, 1),
            "behind": behind,
        }
    return JSONResponse({"status": "degraded" if critical else "ok", **body})
