"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.deps import DbDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """Always OK while the process answers."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated")
async def readyz(request: Request, db: DbDep) -> JSONResponse:
    """OK when the database answers and is at the migration head this code expects."""
    expected = request.app.state.schema_head

    def check(session: Session) -> str | None:
        return session.execute(text("SELECT version_num FROM alembic_version")).scalar()

    try:
        current = await db.run_async(check, write=False)
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    if current != expected:
        return JSONResponse({"status": "unavailable", "database": "not migrated"}, 503)
    if request.app.state.key_problem is not None:
        return JSONResponse({"status": "unavailable", "database": "ok", "keys": "mismatch"}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})
