"""Fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built once per backend by running the Alembic migrations. Each test then runs
inside a transaction that is rolled back; the app's commits become savepoint releases. Tests
that need real commits (races, the CLI, a running server) get a database of their own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import sessionmaker

from casework.clock import FixedClock
from casework.protection.keys import Keyring
from hotline.app import create_app
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from hotline.settings import Settings
from integrations.keys.local import LocalKeyFile
from tests.databases import PG_MODE, TemplateDatabase, make_template, postgres_unavailable_reason

BACKENDS = ("sqlite", "postgresql")
_pg_reason: str | None = None
_pg_checked = False


def _postgres_reason() -> str | None:
    global _pg_reason, _pg_checked  # noqa: PLW0603 - computed once per run
    if not _pg_checked:
        _pg_reason = postgres_unavailable_reason()
        _pg_checked = True
    return _pg_reason


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on."""
    name: str = request.param
    if name == "postgresql":
        reason = _postgres_reason()
        if reason is not None:
            if PG_MODE == "required":
                pytest.fail(f"PostgreSQL is required (HOTLINE_TEST_POSTGRES=required): {reason}")
            pytest.skip(reason)
    return name


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> LocalKeyFile:
    """The run's key file (master keys and audit signing key), made like development does."""
    return LocalKeyFile(
        tmp_path_factory.mktemp("keys") / "keys.json", create=True, signer_name="hotline.test/audit"
    )


@pytest.fixture
def keyring(keys: LocalKeyFile) -> Keyring:
    """Data keys through the run's key file."""
    return Keyring(keys)


@pytest.fixture(scope="session")
def template_db(
    backend: str, tmp_path_factory: pytest.TempPathFactory, keys: LocalKeyFile
) -> Iterator[TemplateDatabase]:
    """A database migrated from empty, with its root key, once per backend per run."""
    template = make_template(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    engine = make_engine(template.url, pool_size=1, max_overflow=0)
    Database(engine).run(
        lambda s: Keyring(keys).ensure_root(s, now=dt.datetime.now(dt.UTC)), write=True
    )
    engine.dispose()
    yield template
    template.drop_copies()


@pytest.fixture(scope="session")
def shared_url(template_db: TemplateDatabase) -> str:
    """The database the rolled-back tests share."""
    return template_db.copy()


@pytest.fixture(scope="session")
def engine(shared_url: str) -> Iterator[Engine]:
    """Engine of the shared test database."""
    eng = make_engine(shared_url, pool_size=2, max_overflow=2)
    yield eng
    eng.dispose()


class RollbackDatabase(Database):
    """A Database whose sessions all live inside one outer transaction of one connection."""

    def __init__(self, engine: Engine, connection: Connection) -> None:
        super().__init__(engine)
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self._read_sessions = factory
        self._write_sessions = factory
        # One connection used by one thread at a time: no writer queue needed.
        self._thread_gate = None


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A Database for one test; everything it writes is rolled back afterwards."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield RollbackDatabase(engine, connection)
        outer.rollback()


@pytest.fixture
def places(db: Database) -> None:
    """The demo regions and schools."""
    db.run(seed_places, write=True)


@pytest.fixture
def clock() -> FixedClock:
    """A clock the test moves by hand."""
    return FixedClock(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Development settings isolated from the environment and from any .env file.

    Cases are built inside the request (``intake_build_inline``) so that a test can look at
    the case its request made; the intake pipeline's own tests turn it off and drive the
    builder (tests/hotline/test_intake_pipeline.py, tests/journeys/).
    """
    return Settings(_env_file=None, env="development", data_dir=tmp_path, intake_build_inline=True)


@pytest.fixture
def client(
    settings: Settings, db: Database, clock: FixedClock, places: None, keys: LocalKeyFile
) -> Iterator[TestClient]:
    """The app on the test's database and clock, with demo places."""
    app = create_app(settings, database=db, clock=clock, keys=keys)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def fresh_url(template_db: TemplateDatabase) -> str:
    """A migrated database of this test's own, for tests that need real commits."""
    return template_db.copy()


@pytest.fixture(autouse=True)
def _capture_all_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


@pytest.fixture
def sms_settings(tmp_path: Path) -> Settings:
    """Development settings with a Twilio account (its API base set by tests that send)."""
    from tests.factories.sms import ACCOUNT, OUR_NUMBER, PUBLIC, TOKEN

    return Settings(
        _env_file=None,
        env="development",
        data_dir=tmp_path,
        public_base_url=PUBLIC,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_from=OUR_NUMBER,
        oncall_phones=["+359888000999"],
        intake_build_inline=True,
    )


@pytest.fixture
def sms_client(
    sms_settings: Settings, db: Database, clock: FixedClock, places: None, keys: LocalKeyFile
) -> Iterator[TestClient]:
    """The app with SMS set up, on the test's database and clock."""
    app = create_app(sms_settings, database=db, clock=clock, keys=keys)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
