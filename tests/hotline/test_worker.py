"""The worker delivering the outbox through the real twilio Client to a local fake Twilio."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from casework.actors import SYSTEM
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.clock import FixedClock
from casework.lifecycle.erasure import erase_case
from casework.messages.models import Attachment
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.outbox.service import (
    DEFAULT_MAX_ATTEMPTS,
    MAX_DELAY,
    claim,
    enqueue,
    mark_failed,
    record_delivery_status,
    renew,
)
from casework.protection.fields import open_sealed
from casework.protection.keys import Keyring
from casework.sms.models import SmsConversation
from casework.sms.service import InboundSms, SmsPolicy, queue_text_to_reporter, receive
from casework.staff.models import Role
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from hotline.worker import Worker, WorkerConfig
from integrations.keys.local import LocalKeyFile
from integrations.twilio.sender import TwilioMediaStore, TwilioSmsSender
from tests.factories.staff import make_staff
from tests.fakes.twilio_api import FakeTwilio, Serving
from tests.helpers import outbox_payloads

CHILD = "+447400123456"
ON_CALL = "+359888000999"
POLICY = SmsPolicy(safe_word="BANANA", emergency_number="112")


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with Serving(FakeTwilio()) as running:
        yield running


@pytest.fixture
def wdb(fresh_url: str) -> Iterator[Database]:
    db = Database(make_engine(fresh_url, pool_size=4, max_overflow=2))
    db.run(seed_places, write=True)
    yield db
    db.dispose()


def _worker(
    db: Database,
    keyring: Keyring,
    keys: LocalKeyFile,
    clock: FixedClock,
    fake: FakeTwilio,
    *,
    on_call: list[str] | None = None,
) -> Worker:
    return Worker(
        db,
        keyring=keyring,
        clock=clock,
        sms=TwilioSmsSender(
            account_sid=fake.account_sid,
            auth_token=fake.auth_token,
            sender="+15005550006",
            api_base=fake.url,
        ),
        media=TwilioMediaStore(
            account_sid=fake.account_sid, auth_token=fake.auth_token, api_base=fake.url
        ),
        signer=keys,
        config=WorkerConfig(
            public_base_url="https://hotline.example.org",
            oncall_phones=[ON_CALL] if on_call is None else on_call,
        ),
        rng=random.Random(1),  # noqa: S311 - back-off jitter in a test
    )


def _converse(
    db: Database,
    keyring: Keyring,
    clock: FixedClock,
    answers: tuple[str, ...],
    media: tuple[tuple[str, str], ...] = (),
) -> None:
    for n, body in enumerate(answers):
        sms = InboundSms(
            message_sid=f"SM{n:032d}", phone=CHILD, body=body, media=media if n == 0 else ()
        )
        db.run(
            lambda s, sms=sms: receive(s, keyring=keyring, clock=clock, sms=sms, policy=POLICY),
            write=True,
        )


def _queued_text(db: Database, keyring: Keyring, clock: FixedClock) -> OutboxMessage:
    _converse(db, keyring, clock, ("Older boys take my money", "3", "school", "no", "yes"))
    outbox_id = db.run(
        lambda s: queue_text_to_reporter(
            s,
            keyring=keyring,
            case=s.scalars(select(Case)).one(),
            body="Hello, I am your caseworker.",
            now=clock.now(),
        ),
        write=True,
    )
    assert outbox_id is not None
    return _row(db, outbox_id)


def _row(db: Database, outbox_id) -> OutboxMessage:  # type: ignore[no-untyped-def]
    return db.run(lambda s: s.get_one(OutboxMessage, outbox_id), write=False)


def test_a_text_is_delivered_with_our_id_in_the_callback(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)

    assert _worker(wdb, keyring, keys, clock, fake).deliver_due() == 1

    sent = _row(wdb, row.id)
    assert sent.status is OutboxStatus.SENT
    assert (sent.provider_ref or "").startswith("SM")
    assert fake.violations == []
    assert fake.delivered_to(CHILD) == ["Hello, I am your caseworker."]
    assert (
        fake.messages[0]["StatusCallback"]
        == f"https://hotline.example.org/twilio/sms/status?m={row.id.hex}&a=1"
    )
    actions = wdb.run(lambda s: list(s.scalars(select(AuditEvent.action))), write=False)
    assert "outbox.delivered" in actions


def test_a_500_is_retried_after_a_back_off_then_delivered(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)
    worker = _worker(wdb, keyring, keys, clock, fake)
    fake.fail_next(1, status=500)

    worker.deliver_due()
    waiting = _row(wdb, row.id)
    assert (waiting.status, waiting.attempts, waiting.last_error) == (
        OutboxStatus.PENDING,
        1,
        "twilio_20500",
    )
    assert waiting.next_attempt_at > clock.now()
    assert worker.deliver_due() == 0  # not before its time

    clock.advance(dt.timedelta(seconds=3))
    worker.deliver_due()
    assert _row(wdb, row.id).status is OutboxStatus.SENT
    assert fake.delivered_to(CHILD) == ["Hello, I am your caseworker."]


def test_21610_means_the_phone_opted_out_and_is_never_retried(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)
    fake.errors[CHILD] = (400, 21610)
    worker = _worker(wdb, keyring, keys, clock, fake)

    worker.deliver_due()
    clock.advance(MAX_DELAY)

    assert worker.deliver_due() == 0
    assert _row(wdb, row.id).status is OutboxStatus.FAILED
    conversation = wdb.run(lambda s: s.scalars(select(SmsConversation)).one(), write=False)
    assert conversation.opted_out_at is not None
    assert fake.requests == 1


def test_a_landline_is_not_retried(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)
    fake.errors[CHILD] = (400, 30006)

    _worker(wdb, keyring, keys, clock, fake).deliver_due()

    assert (_row(wdb, row.id).status, _row(wdb, row.id).last_error) == (
        OutboxStatus.FAILED,
        "twilio_30006",
    )


def test_an_unexplained_refusal_goes_to_the_dead_letters(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)
    fake.errors[CHILD] = (400, 21211)

    _worker(wdb, keyring, keys, clock, fake).deliver_due()

    assert _row(wdb, row.id).status is OutboxStatus.DEAD


def test_endless_500s_end_in_the_dead_letters_after_the_last_attempt(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)
    fake.fail_next(100, status=503, code=20503)
    worker = _worker(wdb, keyring, keys, clock, fake)

    for _ in range(DEFAULT_MAX_ATTEMPTS + 2):
        worker.deliver_due()
        clock.advance(MAX_DELAY)

    dead = _row(wdb, row.id)
    assert (dead.status, dead.attempts) == (OutboxStatus.DEAD, DEFAULT_MAX_ATTEMPTS)
    assert fake.requests == DEFAULT_MAX_ATTEMPTS


def test_a_worker_that_died_mid_send_is_replaced_and_the_receiver_sees_one_effect(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)
    worker = _worker(wdb, keyring, keys, clock, fake)
    (held,) = wdb.run(
        lambda s: claim(
            s, keyring=keyring, now=clock.now(), lease=dt.timedelta(seconds=60), batch=5
        ),
        write=True,
    )
    worker.sms.send(
        to=CHILD,
        body="Hello, I am your caseworker.",
        status_callback=f"https://hotline.example.org/twilio/sms/status?m={held.id.hex}",
        idempotency_key=held.idempotency_key,
    )
    # ...and the worker is killed before it could record the send.
    assert worker.deliver_due() == 0  # the lease still holds
    clock.advance(dt.timedelta(seconds=61))

    assert worker.deliver_due() == 1
    assert _row(wdb, row.id).status is OutboxStatus.SENT
    assert fake.requests == 2
    assert fake.effects[row.id.hex] == 2
    assert fake.delivered_to(CHILD) == ["Hello, I am your caseworker."]  # deduplicated on our key


def test_a_text_silenced_after_it_was_queued_is_not_sent(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)

    def silence(s) -> None:  # type: ignore[no-untyped-def]
        s.scalars(
            select(SmsConversation)
        ).one().silenced_at = clock.now()  # no cancel: the send-time check must catch it

    wdb.run(silence, write=True)
    _worker(wdb, keyring, keys, clock, fake).deliver_due()

    assert _row(wdb, row.id).status is OutboxStatus.FAILED
    assert fake.requests == 0


def test_a_danger_alert_reaches_the_on_call_phone(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    _converse(wdb, keyring, clock, ("he has a knife",))

    _worker(wdb, keyring, keys, clock, fake).deliver_due()

    (alert,) = fake.delivered_to(ON_CALL)
    reference = wdb.run(lambda s: s.scalars(select(Case.reference)).one(), write=False)
    assert reference in alert
    assert "knife" not in alert  # no words of the child in an alert
    assert fake.violations == []


def test_an_alert_with_nobody_on_call_is_a_visible_dead_letter(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    _converse(wdb, keyring, clock, ("he has a knife",))

    _worker(wdb, keyring, keys, clock, fake, on_call=[]).deliver_due()

    (alert,) = wdb.run(
        lambda s: list(
            s.scalars(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.ALERT))
        ),
        write=False,
    )
    assert (alert.status, alert.last_error) == (OutboxStatus.DEAD, "no_on_call_phone")


def test_mms_pictures_are_kept_sealed_as_evidence_then_deleted_from_twilio(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    picture = b"\xff\xd8\xff picture bytes"
    url = fake.add_media(picture, "image/jpeg")
    _converse(wdb, keyring, clock, ("look at this",), media=((url, "image/jpeg"),))

    worker = _worker(wdb, keyring, keys, clock, fake)
    worker.deliver_due()

    attachment = wdb.run(lambda s: s.scalars(select(Attachment)).one(), write=False)
    assert attachment.sha256 == hashlib.sha256(picture).hexdigest()
    assert picture not in attachment.content_ct
    key = wdb.run(lambda s: keyring.case_key(s, attachment.case_id), write=False)
    assert (
        open_sealed(
            key,
            table="attachment",
            column="content",
            row_id=attachment.id,
            ciphertext=attachment.content_ct,
        )
        == picture
    )
    # Deleting it from Twilio is a job of its own, queued with the evidence...
    assert fake.media != {}
    worker.deliver_due()
    assert fake.media == {}  # ...and done once we hold it


def test_a_picture_over_5_mb_is_refused(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    url = fake.add_media(b"x" * (5 * 1024 * 1024 + 1), "image/jpeg")
    _converse(wdb, keyring, clock, ("big one",), media=((url, "image/jpeg"),))

    _worker(wdb, keyring, keys, clock, fake).deliver_due()

    job = wdb.run(
        lambda s: s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.MEDIA_FETCH)
        ).one(),
        write=False,
    )
    assert (job.status, job.last_error) == (OutboxStatus.DEAD, "too_large")


def test_jobs_of_an_erased_case_are_cancelled_not_crashed_on(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)
    wdb.run(
        lambda s: keyring.destroy_case_key(s, s.scalars(select(Case.id)).one(), now=clock.now()),
        write=True,
    )

    _worker(wdb, keyring, keys, clock, fake).deliver_due()

    assert _row(wdb, row.id).status is OutboxStatus.CANCELLED
    assert fake.requests == 0


def test_system_outbox_payloads_are_sealed(
    wdb: Database, keyring: Keyring, clock: FixedClock
) -> None:
    message_id = wdb.run(
        lambda s: enqueue(
            s,
            keyring=keyring,
            kind=OutboxKind.ALERT,
            payload={"reference": "HX-AAAA-AAA"},
            now=clock.now(),
        ),
        write=True,
    )

    assert b"HX-AAAA-AAA" not in _row(wdb, message_id).payload_ct


def test_a_worker_whose_lease_ran_out_can_neither_send_nor_settle_a_row_taken_over(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    row = _queued_text(wdb, keyring, clock)
    (slow,) = wdb.run(
        lambda s: claim(
            s, keyring=keyring, now=clock.now(), lease=dt.timedelta(seconds=60), batch=5
        ),
        write=True,
    )
    clock.advance(dt.timedelta(seconds=61))  # the slow worker is still busy with its batch
    assert _worker(wdb, keyring, keys, clock, fake).deliver_due() == 1  # another takes over

    def slow_worker_comes_back(s) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
        mine = renew(
            s, slow.id, attempt=slow.attempts, now=clock.now(), lease=dt.timedelta(seconds=60)
        )
        settled = mark_failed(s, slow.id, attempt=slow.attempts, error="late", dead=True)
        return mine, settled

    assert wdb.run(slow_worker_comes_back, write=True) == (False, False)
    assert _row(wdb, row.id).status is OutboxStatus.SENT
    assert fake.requests == 1  # sent once, by the worker that held it


def test_an_unreadable_row_is_set_aside_and_the_queue_behind_it_still_moves(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    def two_alerts(s) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
        return [
            enqueue(
                s,
                keyring=keyring,
                kind=OutboxKind.ALERT,
                payload={"reference": ref, "priority": "P1", "channel": "sms"},
                now=clock.now(),
            )
            for ref in ("HX-AAAA-AAA", "HX-BBBB-BBB")
        ]

    broken, good = wdb.run(two_alerts, write=True)

    def tamper(s) -> None:  # type: ignore[no-untyped-def]
        row = s.get_one(OutboxMessage, broken)
        row.payload_ct = row.payload_ct[:-1] + bytes([row.payload_ct[-1] ^ 1])

    wdb.run(tamper, write=True)
    worker = _worker(wdb, keyring, keys, clock, fake)
    for _ in range(3):
        worker.deliver_due()

    assert (_row(wdb, broken).status, _row(wdb, broken).last_error) == (
        OutboxStatus.DEAD,
        "unreadable: TamperedField",
    )
    assert _row(wdb, good).status is OutboxStatus.SENT
    assert ["HX-BBBB-BBB" in body for body in fake.delivered_to(ON_CALL)] == [True]


def test_late_delivery_failures_retry_only_when_they_may_pass(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    rate_limited = _queued_text(wdb, keyring, clock)
    worker = _worker(wdb, keyring, keys, clock, fake)
    worker.deliver_due()

    def callback(message_id, status, attempt, code) -> bool:  # type: ignore[no-untyped-def]
        return wdb.run(
            lambda s: record_delivery_status(
                s,
                message_id,
                status,
                attempt=attempt,
                error_code=code,
                now=clock.now(),
                rng=random.Random(2),  # noqa: S311 - jitter in a test
            ),
            write=True,
        )

    assert callback(rate_limited.id, "sent", 1, "")
    assert callback(rate_limited.id, "failed", 1, "63018")  # Twilio's rate limit: try again
    again = _row(wdb, rate_limited.id)
    assert (again.status, again.last_error) == (OutboxStatus.PENDING, "failed:63018")
    clock.advance(MAX_DELAY)
    worker.deliver_due()
    assert _row(wdb, rate_limited.id).attempts == 2
    assert not callback(rate_limited.id, "delivered", 1, "")  # about the first attempt: ignored
    assert callback(rate_limited.id, "delivered", 2, "")
    assert _row(wdb, rate_limited.id).delivery_status == "delivered"

    landline = _queued_text(wdb, keyring, clock)
    worker.deliver_due()
    assert callback(landline.id, "undelivered", 1, "30006")
    final = _row(wdb, landline.id)
    assert (final.status, final.last_error) == (OutboxStatus.FAILED, "undelivered:30006")


def test_erasing_a_case_has_its_pictures_deleted_from_twilio_not_fetched(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    url = fake.add_media(b"picture", "image/jpeg")
    _converse(wdb, keyring, clock, ("look",), media=((url, "image/jpeg"),))

    def erase(s) -> None:  # type: ignore[no-untyped-def]
        erase_case(
            s,
            keyring=keyring,
            case=s.scalars(select(Case)).one(),
            actor=SYSTEM,
            reason="test",
            now=clock.now(),
        )

    wdb.run(erase, write=True)
    _worker(wdb, keyring, keys, clock, fake).deliver_due()

    assert fake.media == {}
    assert fake.deleted_media
    assert wdb.run(lambda s: s.scalars(select(Attachment)).all(), write=False) == []


def test_an_alert_no_phone_can_take_is_dead_lettered_and_told_never_silently(
    wdb: Database, keyring: Keyring, keys: LocalKeyFile, clock: FixedClock, fake: FakeTwilio
) -> None:
    admin = wdb.run(
        lambda s: (
            make_staff(s, keyring, username="admin", role=Role.ADMINISTRATOR, now=clock.now()).id
        ),
        write=True,
    )
    _converse(wdb, keyring, clock, ("he has a knife",))  # P1: an alert for the on-call rota
    (alert,) = wdb.run(
        lambda s: list(
            s.scalars(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.ALERT))
        ),
        write=False,
    )

    _worker(wdb, keyring, keys, clock, fake, on_call=[]).deliver_due()  # no rota, no phones

    row = _row(wdb, alert.id)
    assert (row.status, row.last_error) == (OutboxStatus.DEAD, "no_on_call_phone")
    told = [
        n
        for n in outbox_payloads(wdb, keyring, OutboxKind.STAFF_NOTICE)
        if n["kind"] == "alert_undelivered"
    ]
    assert [n["to"] for n in told] == [[str(admin)]]
    assert fake.requests == 0
