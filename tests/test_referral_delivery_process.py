"""1,000 referrals announced by webhook while the worker process is killed (SIGKILL) and
restarted twice, and the partner's endpoint fails 20 % of requests with 500: every referral
reaches the partner, each effect counted once (the receiver deduplicates on webhook-id and
verifies every signature with the `standardwebhooks` library)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.access.scope import load_principal
from casework.actors import SYSTEM
from casework.cases.models import Case
from casework.clock import FixedClock
from casework.context import Acting
from casework.handling.referrals import refer
from casework.intake.service import submit_report
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.partners.directory import PartnerProfile, save_partner
from casework.partners.models import Consent, Delivery, PartnerType
from casework.partners.referrals import ConsentRecord
from casework.protection.keys import Keyring
from casework.staff.accounts import create_user
from casework.staff.models import Role, StaffUser
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from integrations.keys.local import LocalKeyFile
from tests.factories.reports import submission
from tests.fakes.webhook_receiver import WebhookReceiver, running

REFERRALS = 1000
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with running(WebhookReceiver(fail_rate=0.2, delay=0.005)) as serving:
        yield serving


def _fill(db: Database, keyring: Keyring, url: str) -> set[str]:
    """A webhook partner and 1,000 referrals to it; the referral ids."""
    now = dt.datetime.now(dt.UTC)

    def setup(s: Session) -> tuple[str, uuid.UUID, uuid.UUID]:
        seed_places(s)
        keyring.ensure_root(s, now=now)
        partner, secret = save_partner(
            s,
            keyring=keyring,
            actor=SYSTEM,
            profile=PartnerProfile(
                name="Hooked", kind=PartnerType.NGO, delivery=Delivery.WEBHOOK, webhook_url=url
            ),
            now=now,
            allow_http=True,
        )
        user = create_user(
            s,
            keyring=keyring,
            username="cw.bulk",
            display_name="Bulk",
            role=Role.CASEWORKER,
            password_hash="x",
            actor=SYSTEM,
            now=now,
        )
        return str(secret), partner.id, user.id

    secret, partner_id, user_id = db.run(setup, write=True)
    ids: set[str] = set()

    def batch(s: Session) -> None:
        principal = load_principal(s, s.get_one(StaffUser, user_id))
        for _ in range(100):
            receipt = submit_report(
                s, submission=submission(), follow_up=None, clock=FixedClock(now), keyring=keyring
            )
            # Bulk set-up for the delivery test: the case is given to the referring
            # caseworker directly (a referral is only made by someone who may work the case).
            s.get_one(Case, receipt.case_id).assigned_to_id = user_id
            referral = refer(
                Acting(s, keyring, FixedClock(now), now, principal),
                receipt.case_id,
                partner_id,
                "Please call the family.",
                ConsentRecord(Consent.GIVEN, "guardian"),
            )
            ids.add(str(referral.id))

    for _ in range(REFERRALS // 100):
        db.run(batch, write=True)
    _fill.secret = secret  # type: ignore[attr-defined]
    return ids


def _pending(db: Database) -> int:
    count = db.run(
        lambda s: s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.kind == OutboxKind.WEBHOOK, OutboxMessage.status != OutboxStatus.SENT
            )
        ),
        write=False,
    )
    return int(count or 0)


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_twice_killed_worker_delivers_every_referral_once(
    fresh_url: str, keys: LocalKeyFile, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    db = Database(make_engine(fresh_url, pool_size=2, max_overflow=0))
    expected = _fill(db, Keyring(keys), receiver.url)
    receiver.secret = _fill.secret  # type: ignore[attr-defined]
    env = {
        **os.environ,
        "HOTLINE_ENV": "development",
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_DATABASE_URL": fresh_url,
        "HOTLINE_KEY_FILE": str(keys.path),
        "HOTLINE_PUBLIC_BASE_URL": "https://hotline.example.org",
        "HOTLINE_OUTBOX_LEASE_SECONDS": "2",
        "HOTLINE_WORKER_BATCH": "10",
        "HOTLINE_WORKER_POLL_SECONDS": "0.1",
        "HOTLINE_LOG_LEVEL": "WARNING",
    }

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "hotline", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    workers = [start()]
    try:
        for share in (REFERRALS // 4, REFERRALS // 2):
            _wait(lambda share=share: len(receiver.effects) >= share, 120, f"{share} effects")
            workers[-1].send_signal(signal.SIGKILL)
            workers[-1].wait(10)
            assert len(receiver.effects) < REFERRALS, "the worker finished before the kill"
            workers.append(start())
        _wait(lambda: _pending(db) == 0, 240, "every webhook to be delivered")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(15)
                except subprocess.TimeoutExpired:
                    worker.kill()
        db.dispose()

    assert receiver.rejected == 0  # every signature verified
    delivered = {m["data"]["referral_id"] for m in receiver.effects.values()}
    assert delivered == expected  # every referral reached the partner...
    assert len(receiver.effects) == REFERRALS  # ...each effect once (one webhook-id each)
    failures = sum(1 for status, _, _ in receiver.received if status == 500)
    assert failures > REFERRALS * 0.1  # the endpoint really failed about one in five
