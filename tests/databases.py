"""Test databases: a fresh, migrated database per backend per run, never a shared one.

PostgreSQL is used when reachable (``HOTLINE_TEST_POSTGRES_URL``, default the local server).
``HOTLINE_TEST_POSTGRES=required`` (set by CI) turns "unreachable" into a failure instead of
a skip; ``off`` skips PostgreSQL on purpose.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hotline.runtime import migrations

PG_ADMIN_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PG_MODE = os.environ.get("HOTLINE_TEST_POSTGRES", "auto")


def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    if PG_MODE == "off":
        return "HOTLINE_TEST_POSTGRES=off"
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        where = make_url(PG_ADMIN_URL).render_as_string()
        return f"PostgreSQL not reachable at {where}: {type(exc).__name__}"
    return None


@dataclass
class TemplateDatabase:
    """A migrated database that fresh copies are made from."""

    backend: str
    url: str
    workdir: Path

    def copy(self) -> str:
        """A new database with the same (migrated) contents; returns its URL."""
        name = f"hotline_test_{os.getpid()}_{secrets.token_hex(4)}"
        if self.backend == "sqlite":
            target = self.workdir / f"{name}.db"
            shutil.copyfile(make_url(self.url).database or "", target)
            return f"sqlite:///{target}"
        template = make_url(self.url).database
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_copies(self) -> None:
        """Drop every database this run created (PostgreSQL)."""
        if self.backend != "postgresql":
            return
        prefix = f"hotline_test_{os.getpid()}_"
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            names = (
                conn.execute(
                    text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                    {"p": prefix + "%"},
                )
                .scalars()
                .all()
            )
            for name in [*names, make_url(self.url).database]:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _pg_admin(statement: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def empty_database(backend: str, workdir: Path) -> str:
    """A brand-new empty database (no migrations); returns its URL."""
    name = f"hotline_test_{os.getpid()}_{secrets.token_hex(4)}"
    if backend == "sqlite":
        return f"sqlite:///{workdir / (name + '.db')}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def make_template(backend: str, workdir: Path) -> TemplateDatabase:
    """Create an empty database and build its schema by running the migrations."""
    url = empty_database(backend, workdir)
    migrations.upgrade(url)
    return TemplateDatabase(backend=backend, url=url, workdir=workdir)
