"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from casework.routing.coverage import Gap, Severity, coverage_gaps
from hotline.deps import ClockDep, DbDep, SettingsDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """Always OK while the process answers."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated; who reports reach")
async def readyz(
    request: Request, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> JSONResponse:
    """OK when the database answers and is at the migration head this code expects.

    ``coverage`` lists the gaps through which a report would reach nobody now (no national
    desk, a region nobody covers, an alert no phone would get): the status is then "degraded"
    - but still 200, because taking a report is always better than turning it away, and a
    load balancer would turn every child away if every instance said "not ready".
    """
    expected = request.app.state.schema_head

    def check(session: Session) -> tuple[str | None, list[Gap]]:
        version = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if version != expected:
            return version, []
        return version, coverage_gaps(
            session, now=clock.now(), installation_phones=len(settings.on_call)
        )

    try:
        current, gaps = await db.run_async(check, write=False)
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    if current != expected:
        return JSONResponse({"status": "unavailable", "database": "not migrated"}, 503)
    if request.app.state.key_problem is not None:
        return JSONResponse({"status": "unavailable", "database": "ok", "keys": "mismatch"}, 503)
    # Codes only: this answers anyone who asks; the words are on the supervision page.
    coverage = [{"code": g.code, "severity": g.severity.value, "region": g.region} for g in gaps]
    critical = any(g.severity is Severity.CRITICAL for g in gaps)
    return JSONResponse(
        {"status": "degraded" if critical else "ok", "database": "ok", "coverage": coverage}
    )
