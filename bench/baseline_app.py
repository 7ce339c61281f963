"""The baselines: bare FastAPI endpoints doing one INSERT into the same database.

``POST /baseline`` stores a posted body. ``POST /baseline-sms`` is the bare Twilio webhook:
it checks ``X-Twilio-Signature`` with twilio's ``RequestValidator`` over the form for the
public URL (403 when wrong), stores the body, and answers with empty TwiML.

The fastest plain way to store a posted body: PostgreSQL through an async psycopg pool sized
for the load; SQLite through one connection in WAL mode behind an asyncio lock (SQLite takes
one writer at a time; queuing in-process is faster than contending inside SQLite), with the
same durability settings as the service. Run with uvicorn's ``--factory``.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from psycopg_pool import AsyncConnectionPool
from twilio.request_validator import RequestValidator

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_baseline "
    "(id VARCHAR(36) PRIMARY KEY, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)"
)
Insert = Callable[[str], Awaitable[None]]


def create_app() -> FastAPI:
    """The baseline app for ``BENCH_DATABASE_URL``."""
    url = os.environ["BENCH_DATABASE_URL"]
    if url.startswith("sqlite"):
        return _sqlite_app(url.split("///", 1)[1])
    return _postgres_app(url.replace("postgresql+psycopg://", "postgresql://"))


def _routes(app: FastAPI, insert: Insert) -> FastAPI:
    token = os.environ.get("BENCH_TWILIO_TOKEN", "")
    public_url = os.environ.get("BENCH_PUBLIC_URL", "")
    validator = RequestValidator(token)

    @app.post("/baseline", status_code=201)
    async def baseline(request: Request) -> JSONResponse:
        await insert((await request.body()).decode())
        return JSONResponse({"id": "ok"}, status_code=201)

    @app.post("/baseline-sms")
    async def baseline_sms(request: Request) -> Response:
        body = (await request.body()).decode()
        form = await request.form()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not token or not validator.validate(public_url + "/baseline-sms", params, signature):
            return Response(status_code=403)
        await insert(body)
        return Response("<Response/>", media_type="application/xml")

    return app


def _postgres_app(dsn: str) -> FastAPI:
    pool = AsyncConnectionPool(dsn, min_size=32, max_size=32, open=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        async with pool.connection() as conn:
            await conn.execute(TABLE_SQL)
        yield
        await pool.close()

    async def insert(body: str) -> None:
        async with pool.connection() as conn:
            await conn.execute(
                "INSERT INTO bench_baseline (id, body, created_at) VALUES (%s, %s, now())",
                (str(uuid.uuid4()), body),
            )

    return _routes(FastAPI(lifespan=lifespan), insert)


def _sqlite_app(path: str) -> FastAPI:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute(TABLE_SQL)
    lock = asyncio.Lock()

    def insert_now(body: str) -> None:
        conn.execute(
            "INSERT INTO bench_baseline (id, body, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)",
            (str(uuid.uuid4()), body),
        )

    async def insert(body: str) -> None:
        async with lock:
            await asyncio.to_thread(insert_now, body)

    return _routes(FastAPI(), insert)
