"""Engines and the unit of work: how a request or job owns exactly one transaction.

SQLite (the embedded default) allows one writer at a time. Instead of letting concurrent
writers collide inside SQLite, where the busy handler backs off in growing sleeps (the
"1-second lock tail"), write transactions queue on an in-process lock and start with
``BEGIN IMMEDIATE``; WAL lets readers continue meanwhile. The busy timeout remains a backstop
for other processes (a CLI command while the server runs).

PostgreSQL uses psycopg 3 with a connection pool sized for the expected concurrency.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hotline.settings import Settings

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 5000
# How long background writes (the case builder) let requests go first on SQLite.
_PATIENCE = 0.5
# Requests' writes go in groups (hotline.runtime.group_commit): a short pause after one is
# enough to let a burst's next group go first, and lets the builder keep up between groups.
_QUIET = 0.005
_WRITE = "hotline_write"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (needed for
        # BEGIN IMMEDIATE and savepoints with pysqlite).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: a report acknowledged to a child survives a power cut, not just a crash.
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file (and its folder) readable by this user only, before SQLite does.

    SQLite creates its journal and WAL files with the database file's permissions, so this
    keeps all of them 0600 (the data is encrypted, but ids, dates and the audit trail are not).
    """
    path = make_url(url).database
    if not path or path == ":memory:":
        return
    file = Path(path)
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(file, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    if stat.S_IMODE(file.stat().st_mode) & 0o077:
        file.chmod(0o600)


def make_engine(url: str, *, pool_size: int = 32, max_overflow: int = 8) -> Engine:
    """An engine configured for SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_args={"check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_timeout=10,
    )


class Database:
    """An engine, its session factory, and the write gate for SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_engine = engine.execution_options(**{_WRITE: True})
        self._read_sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        # Only SQLite needs writers serialised; PostgreSQL handles concurrency itself.
        self._thread_gate = threading.Lock() if self.is_sqlite else None
        # One async gate per event loop (tests start several loops in one process).
        self._async_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        # Requests waiting for (or holding) the SQLite write turn: background work defers
        # to them (``run_deferring``), so a child's receipt never waits behind case building.
        self._requests_writing = 0
        self._request_wrote_at = 0.0  # time.monotonic() when a request last finished writing

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database the settings point at."""
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            make_engine(
                settings.sqlalchemy_url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
            )
        )

    @contextmanager
    def session(self, *, write: bool) -> Iterator[Session]:
        """One transaction: committed if the block ends normally, rolled back otherwise."""
        gate = self._thread_gate if write else None
        if gate is not None:
            gate.acquire()
        try:
            with (self._write_sessions if write else self._read_sessions)() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            if gate is not None:
                gate.release()

    def run(self, fn: Callable[[Session], T], *, write: bool) -> T:
        """Run ``fn`` in one transaction (blocking; for the CLI, the worker and tests)."""
        with self.session(write=write) as session:
            return fn(session)

    async def run_async(self, fn: Callable[[Session], T], *, write: bool) -> T:
        """Run ``fn`` in one transaction on a worker thread; commits before returning.

        On SQLite, writers wait for their turn on an async lock first, so no thread sits
        blocked while it waits and the thread pool cannot be exhausted by queued writers.
        """
        if write and self.is_sqlite:
            loop = asyncio.get_running_loop()
            gate = self._async_gates.get(loop)
            if gate is None:
                gate = self._async_gates.setdefault(loop, asyncio.Lock())
            self._requests_writing += 1
            try:
                async with gate:
                    return await run_in_threadpool(self.run, fn, write=True)
            finally:
                self._requests_writing -= 1
                self._request_wrote_at = time.monotonic()
        return await run_in_threadpool(self.run, fn, write=write)

    def run_deferring(
        self, fn: Callable[[Session], T], *, write: bool, patience: float = _PATIENCE
    ) -> T:
        """Like ``run``, but background work that can wait: on SQLite (one process, one
        write turn) a write waits until no request has written for ``_QUIET`` seconds - so a
        burst of reports is taken in first and built after - but never longer than
        ``patience`` seconds, so under steady load it is slowed, never starved."""
        if write and self.is_sqlite:
            deadline = time.monotonic() + patience
            while time.monotonic() < deadline and (
                self._requests_writing or time.monotonic() - self._request_wrote_at < _QUIET
            ):
                time.sleep(0.002)
        return self.run(fn, write=write)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
