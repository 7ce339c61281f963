"""The baseline: a bare FastAPI endpoint doing one INSERT into the same database.

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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_baseline "
    "(id VARCHAR(36) PRIMARY KEY, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)"
)


def create_app() -> FastAPI:
    url = os.environ["BENCH_DATABASE_URL"]
    if url.startswith("sqlite"):
        return _sqlite_app(url.split("///", 1)[1])
    return _postgres_app(url.replace("postgresql+psycopg://", "postgresql://"))


def _postgres_app(dsn: str) -> FastAPI:
    pool = AsyncConnectionPool(dsn, min_size=32, max_size=32, open=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        async with pool.connection() as conn:
            await conn.execute(TABLE_SQL)
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/baseline", status_code=201)
    async def baseline(request: Request) -> JSONResponse:
        body = await request.body()
        async with pool.connection() as conn:
            await conn.execute(
                "INSERT INTO bench_baseline (id, body, created_at) VALUES (%s, %s, now())",
                (str(uuid.uuid4()), body.decode()),
            )
        return JSONResponse({"id": "ok"}, status_code=201)

    return app


def _sqlite_app(path: str) -> FastAPI:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute(TABLE_SQL)
    lock = asyncio.Lock()
    app = FastAPI()

    def insert(body: bytes) -> None:
        conn.execute(
            "INSERT INTO bench_baseline (id, body, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)",
            (str(uuid.uuid4()), body.decode()),
        )

    @app.post("/baseline", status_code=201)
    async def baseline(request: Request) -> JSONResponse:
        body = await request.body()
        async with lock:
            await asyncio.to_thread(insert, body)
        return JSONResponse({"id": "ok"}, status_code=201)

    return app
