"""Kill tests of the intake inbox (issue 16), with real processes and SIGKILL, on both databases.

The service is killed in the middle of a burst of app reports and texts, started again, and
the case builder is killed in the middle of its backlog and started again; the clients then
send everything again with the same Idempotency-Keys and MessageSids, as a phone and Twilio
retry. Afterwards every receipt has exactly one case (with the receipt's reference), nothing is
lost or duplicated, every text was handled once and each reply was queued (and texted) once.

On SQLite the builder runs inside `hotline serve`, so killing serve kills both; on PostgreSQL
it is a `hotline worker` process, killed on its own. Loopback only, bounded in requests and time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Select, func, select
from twilio.request_validator import RequestValidator

from casework.cases.models import Case
from casework.enums import InboxStatus
from casework.intake.models import InboundMessage, IntakeItem, Report
from casework.outbox.models import OutboxKind, OutboxMessage
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from integrations.keys.local import LocalKeyFile
from tests.factories.reports import app_payload
from tests.fakes.twilio_api import FakeTwilio, Serving

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://hotline.example.org"
OUR_NUMBER = "+15005550006"
REPORTS, TEXTS = 120, 30
PARALLEL = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Hotline:
    """`hotline serve` (and on PostgreSQL a `hotline worker`) as separate processes."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.sqlite = url.startswith("sqlite")
        self.env = env
        self.serve: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.running_builder = False

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "hotline", *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def start(self, *, builder: bool = True) -> None:
        """Start what is not running; without ``builder`` the reports wait in the inbox."""
        if self.sqlite and self.serve is not None and self.running_builder != builder:
            self.stop()
            self.serve = None
        if self.serve is None:
            self.env["HOTLINE_SERVE_RUNS_WORKER"] = str(self.sqlite and builder).lower()
            self.serve = self._spawn("serve", "--port", str(self.port))
        if not self.sqlite and builder and self.worker is None:
            self.worker = self._spawn("worker")
        self.running_builder = builder
        _wait(self._ready, 60, "the service to be ready")

    def _ready(self) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(self.base + "/readyz", timeout=2).status_code == 200
        return False

    def kill_serve(self) -> None:
        _kill(self.serve)
        self.serve = None

    def kill_builder(self) -> None:
        """The case builder: the worker process, or serve itself on SQLite."""
        if self.sqlite:
            self.kill_serve()
        else:
            _kill(self.worker)
            self.worker = None

    def stop(self) -> None:
        for process in (self.serve, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    _kill(process)
        self.serve = self.worker = None


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    twilio = FakeTwilio()
    with Serving(twilio) as running:
        yield running


@pytest.fixture
def hotline(
    fresh_url: str, keys: LocalKeyFile, fake: FakeTwilio, tmp_path: Path
) -> Iterator[Hotline]:
    db = Database(make_engine(fresh_url, pool_size=1, max_overflow=0))
    db.run(seed_places, write=True)
    db.dispose()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")},
        "HOTLINE_ENV": "development",
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_DATABASE_URL": fresh_url,
        "HOTLINE_KEY_FILE": str(keys.path),
        "HOTLINE_PUBLIC_BASE_URL": PUBLIC,
        "HOTLINE_TWILIO_ACCOUNT_SID": fake.account_sid,
        "HOTLINE_TWILIO_AUTH_TOKEN": fake.auth_token,
        "HOTLINE_TWILIO_FROM": OUR_NUMBER,
        "HOTLINE_TWILIO_API_BASE": fake.url,
        "HOTLINE_OUTBOX_LEASE_SECONDS": "2",
        "HOTLINE_WORKER_POLL_SECONDS": "0.1",
        "HOTLINE_INTAKE_BUILD_BATCH": "5",
        "HOTLINE_SMS_QUEUE_TEXTS": "true",  # the SMS inbox job on SQLite too
        "HOTLINE_LOG_LEVEL": "WARNING",
    }
    service = Hotline(fresh_url, env)
    try:
        yield service
    finally:
        service.stop()


class Clients:
    """The app and Twilio, sending and retrying; what they were answered."""

    def __init__(self, hotline: Hotline, token: str) -> None:
        self.hotline = hotline
        self.validator = RequestValidator(token)
        self.keys = [str(uuid.uuid4()) for _ in range(REPORTS)]
        self.bodies = [
            app_payload(narrative=f"Report number {n}: my teacher hit me.") for n in range(REPORTS)
        ]
        self.sids = ["SM" + uuid.uuid4().hex for _ in range(TEXTS)]
        self.phones = [f"+4474005{n:05d}" for n in range(TEXTS)]
        self.receipts: dict[int, dict[str, str]] = {}
        self.texted: set[int] = set()
        self._lock = threading.Lock()

    def report(self, n: int) -> None:
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.post(
                f"{self.hotline.base}/api/v1/reports",
                json=self.bodies[n],
                headers={"Idempotency-Key": self.keys[n]},
                timeout=10,
            )
            assert answer.status_code == 201, answer.text
            with self._lock:
                earlier = self.receipts.setdefault(n, answer.json())
            assert earlier == answer.json()  # a retry gets the first receipt

    def text(self, n: int) -> None:
        params = {
            "MessageSid": self.sids[n],
            "AccountSid": "AC" + "a1" * 16,
            "From": self.phones[n],
            "To": OUR_NUMBER,
            "Body": "my teacher slaps us",
            "NumMedia": "0",
        }
        signature = self.validator.compute_signature(PUBLIC + "/twilio/sms", params)
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.post(
                f"{self.hotline.base}/twilio/sms",
                data=params,
                headers={"X-Twilio-Signature": signature},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            with self._lock:
                self.texted.add(n)

    def burst(self) -> None:
        work: list[Callable[[], None]] = []
        for n in range(max(REPORTS, TEXTS)):
            if n < REPORTS:
                work.append(lambda n=n: self.report(n))
            if n < TEXTS:
                work.append(lambda n=n: self.text(n))
        with ThreadPoolExecutor(PARALLEL) as pool:
            for future in [pool.submit(job) for job in work]:
                future.result()


def _count(db: Database, statement: Select[int]) -> int:
    return int(db.run(lambda s: s.scalar(statement), write=False) or 0)


def test_killed_mid_burst_and_mid_backlog_nothing_lost_nothing_twice(
    hotline: Hotline, fake: FakeTwilio, fresh_url: str
) -> None:
    clients = Clients(hotline, fake.auth_token)
    db = Database(make_engine(fresh_url, pool_size=2, max_overflow=0))
    waiting = select(func.count()).select_from(IntakeItem).where(IntakeItem.case_id.is_(None))
    texts_waiting = (
        select(func.count())
        .select_from(InboundMessage)
        .where(InboundMessage.status == InboxStatus.RECEIVED)
    )
    try:
        hotline.start()
        sending = threading.Thread(target=clients.burst)
        sending.start()
        _wait(lambda: len(clients.receipts) >= REPORTS // 4, 60, "a quarter of the receipts")
        hotline.kill_serve()  # the API dies mid-burst
        if not hotline.sqlite:
            hotline.kill_builder()
        sending.join(120)
        answered_before_the_kill = len(clients.receipts)
        assert answered_before_the_kill < REPORTS, "the burst ended before the kill"

        # Back up without the builder: what is sent again now waits in the inbox.
        hotline.start(builder=False)
        clients.burst()  # every report and text again, same keys and MessageSids
        backlog = _count(db, waiting) + _count(db, texts_waiting)
        assert backlog > 0
        hotline.start(builder=True)
        _wait(
            lambda: 0 < _count(db, waiting) + _count(db, texts_waiting) < backlog,
            60,
            "the builder to be part-way through the backlog",
        )
        hotline.kill_builder()  # the builder dies with its backlog half done
        hotline.start(builder=True)
        clients.burst()  # and everything once more after that
        _wait(
            lambda: _count(db, waiting) == 0 and _count(db, texts_waiting) == 0,
            120,
            "the backlog to drain",
        )

        assert len(clients.receipts) == REPORTS
        assert clients.texted == set(range(TEXTS))
        references = {r["reference"] for r in clients.receipts.values()}
        assert len(references) == REPORTS  # never one reference for two reports
        built = db.run(
            lambda s: dict(
                s.execute(
                    select(Case.reference, func.count(Report.id))
                    .join(Report, Report.case_id == Case.id)
                    .where(Case.reference.in_(references))
                    .group_by(Case.reference)
                ).all()
            ),
            write=False,
        )
        assert built == dict.fromkeys(references, 1)  # each receipt: exactly one case, one report
        assert _count(db, select(func.count()).select_from(IntakeItem)) == REPORTS
        assert _count(db, select(func.count()).select_from(InboundMessage)) == TEXTS
        assert _count(db, select(func.count()).select_from(Case)) == REPORTS + TEXTS
        # Each text's reply ("where did it happen?") was queued once...
        replies = _count(
            db,
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == OutboxKind.SMS),
        )
        assert replies == TEXTS
        # ...and reached each phone once (the fake receiver deduplicates on our outbox id; a
        # resend after a killed worker is issue 18's: the sender does not pass the key on).
        _wait(lambda: len(fake.messages) == TEXTS, 60, "every reply to be texted")
        assert sorted(m["To"] for m in fake.messages) == sorted(clients.phones)
        assert fake.violations == []
    finally:
        db.dispose()
