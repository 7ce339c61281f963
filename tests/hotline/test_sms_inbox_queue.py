"""The SMS webhook when texts can wait (issue 16): a text is stored and Twilio is answered at
once; the sms.inbox job handles it and its replies go through the outbox. What cannot wait -
keywords, danger or self-harm words, the answer to the danger question - is handled in the
webhook as before. On both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.cases.models import Case
from casework.clock import FixedClock
from casework.enums import InboxStatus, Priority
from casework.intake.models import InboundMessage
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.outbox.service import read_payload
from casework.protection.keys import Keyring
from casework.sms.inbound import handle_waiting
from casework.sms.service import SmsPolicy
from hotline.app import create_app
from hotline.runtime.database import Database
from hotline.settings import Settings
from integrations.keys.local import LocalKeyFile
from tests.factories.sms import signed_post, sms_params, text
from tests.helpers import count

PHONE = "+447400111222"
POLICY = SmsPolicy(safe_word="BANANA", emergency_number="112")


@pytest.fixture
def queued_sms(
    sms_settings: Settings, db: Database, clock: FixedClock, places: None, keys: LocalKeyFile
) -> Iterator[TestClient]:
    """The app with SMS as on PostgreSQL in production (asked for on SQLite too): texts that
    can wait are handled by the job."""
    app = create_app(
        sms_settings.model_copy(update={"intake_build_inline": False, "sms_queue_texts": True}),
        database=db,
        clock=clock,
        keys=keys,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def handle(db: Database, keyring: Keyring, clock: FixedClock) -> int:
    return handle_waiting(db, keyring=keyring, clock=clock, policy=POLICY, limit=100)


def replies_queued(db: Database, keyring: Keyring) -> list[str]:
    def read(s):  # type: ignore[no-untyped-def]
        rows = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == OutboxKind.SMS)
            .order_by(OutboxMessage.next_attempt_at)
        )
        return [
            read_payload(s, keyring=keyring, message=r)
            for r in rows
            if r.status is OutboxStatus.PENDING
        ]

    return [p["body"] for p in db.run(read, write=False) if p.get("reply") and p["to"] == PHONE]


def test_a_story_is_stored_answered_at_once_and_handled_by_the_job(
    queued_sms: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    sent_at = clock.now()
    assert text(queued_sms, PHONE, "my teacher slaps us") == []  # Twilio is answered at once
    assert count(db, Case) == 0
    (row,) = db.run(lambda s: list(s.scalars(select(InboundMessage))), write=False)
    assert row.status is InboxStatus.RECEIVED

    clock.advance(dt.timedelta(seconds=5))
    assert handle(db, keyring, clock) == 1
    case = db.run(lambda s: s.scalars(select(Case)).one(), write=False)
    assert case.opened_at == sent_at  # clocks start when the child wrote
    (reply,) = replies_queued(db, keyring)
    assert "Where did it happen?" in reply
    row = db.run(lambda s: s.get_one(InboundMessage, row.id), write=False)
    assert row.status is InboxStatus.PROCESSED
    assert handle(db, keyring, clock) == 0  # handled once

    # A retry of the same text from Twilio gets nothing new.
    again = signed_post(
        queued_sms,
        "/twilio/sms",
        sms_params(PHONE, "my teacher slaps us", sid=row.provider_message_id),
    )
    assert again.status_code == 200
    assert count(db, Case) == 1


def test_danger_words_are_handled_in_the_webhook_with_the_alert(
    queued_sms: TestClient, db: Database
) -> None:
    answer = text(queued_sms, PHONE, "he is hitting me right now, help")
    assert answer  # answered in the webhook, not queued
    case = db.run(lambda s: s.scalars(select(Case)).one(), write=False)
    assert case.priority is Priority.P1
    kinds = db.run(lambda s: list(s.scalars(select(OutboxMessage.kind))), write=False)
    assert OutboxKind.ALERT in kinds


def test_the_answer_to_the_danger_question_is_handled_at_once(
    queued_sms: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    text(queued_sms, PHONE, "my teacher slaps us")
    handle(db, keyring, clock)
    text(queued_sms, PHONE, "Central High")
    handle(db, keyring, clock)
    assert any("danger" in r.lower() for r in replies_queued(db, keyring))
    answer = text(queued_sms, PHONE, "yes")  # someone is in danger now: not queued
    assert answer
    case = db.run(lambda s: s.scalars(select(Case)).one(), write=False)
    assert case.priority is Priority.P1


def test_the_safe_word_is_handled_at_once_and_nothing_more_goes_out(
    queued_sms: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    text(queued_sms, PHONE, "my teacher slaps us")
    handle(db, keyring, clock)
    assert replies_queued(db, keyring)
    assert text(queued_sms, PHONE, "BANANA") == []
    assert replies_queued(db, keyring) == []  # the queued reply was withdrawn
    text(queued_sms, PHONE, "Central High")
    handle(db, keyring, clock)
    assert replies_queued(db, keyring) == []  # silenced: handled, but nothing goes back
