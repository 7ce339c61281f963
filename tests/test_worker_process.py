"""A worker process killed (SIGKILL) in the middle of 500 deliveries, then restarted:
every message delivered, and the receiver - which deduplicates on our idempotency key -
sees each one exactly once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.ids import new_id
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.outbox.service import enqueue
from casework.protection.blind_index import phone_index
from casework.protection.keys import Keyring
from casework.sms.models import SmsConversation, Step
from hotline.runtime.database import Database, make_engine
from integrations.keys.local import LocalKeyFile
from tests.fakes.twilio_api import FakeTwilio, Serving

MESSAGES, PHONES = 500, 50
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    twilio = FakeTwilio()
    twilio.delay = 0.01  # a little like a real API: the kill lands mid-run
    with Serving(twilio) as running:
        yield running


def _fill(db: Database, keyring: Keyring) -> set[str]:
    now = dt.datetime.now(dt.UTC)

    def work(s) -> set[str]:  # type: ignore[no-untyped-def]
        ids = set()
        for p in range(PHONES):
            phone = f"+4474001{p:05d}"
            index = phone_index(s, keyring, phone)
            s.add(
                SmsConversation(
                    id=new_id(),
                    phone_index=index,
                    step=Step.OPEN,
                    consented=True,
                    last_inbound_at=now,
                    created_at=now,
                )
            )
            for m in range(MESSAGES // PHONES):
                ids.add(
                    enqueue(
                        s,
                        keyring=keyring,
                        kind=OutboxKind.SMS,
                        payload={"to": phone, "body": f"message {m}"},
                        phone_index=index,
                        now=now,
                    ).hex
                )
        return ids

    return db.run(work, write=True)


def _sent(db: Database) -> int:
    count = db.run(
        lambda s: s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENT)
        ),
        write=False,
    )
    return int(count or 0)


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
    fresh_url: str, keys: LocalKeyFile, fake: FakeTwilio, tmp_path: Path
) -> None:
    db = Database(make_engine(fresh_url, pool_size=2, max_overflow=0))
    expected = _fill(db, Keyring(keys))
    env = {
        **os.environ,
        "HOTLINE_ENV": "development",
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_DATABASE_URL": fresh_url,
        "HOTLINE_KEY_FILE": str(keys.path),
        "HOTLINE_PUBLIC_BASE_URL": "https://hotline.example.org",
        "HOTLINE_TWILIO_ACCOUNT_SID": fake.account_sid,
        "HOTLINE_TWILIO_AUTH_TOKEN": fake.auth_token,
        "HOTLINE_TWILIO_FROM": "+15005550006",
        "HOTLINE_TWILIO_API_BASE": fake.url,
        "HOTLINE_OUTBOX_LEASE_SECONDS": "2",
        "HOTLINE_WORKER_BATCH": "5",
        "HOTLINE_WORKER_POLL_SECONDS": "0.1",
        "HOTLINE_LOG_LEVEL": "WARNING",
    }

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "hotline", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    first = start()
    try:
        _wait(lambda: len(fake.effects) >= MESSAGES // 4, 60, "the first quarter")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = len(fake.effects)
        assert killed_at < MESSAGES, "the worker finished before it could be killed"

        second = start()
        try:
            _wait(lambda: _sent(db) == MESSAGES, 120, "every message to be sent")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(15)
    finally:
        if first.poll() is None:
            first.kill()
        db.dispose()

    assert fake.violations == []
    assert set(fake.effects) == expected  # every message reached the receiver...
    assert len(fake.messages) == MESSAGES  # ...and took effect once
    assert fake.requests >= MESSAGES
