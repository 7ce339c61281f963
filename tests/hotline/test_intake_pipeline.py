"""The intake inbox (issue 16): the request keeps one row and answers; the builder opens the
case later, from the time of receipt. On both databases, with the builder driven by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.cases.models import Case, CaseEvent
from casework.clock import FixedClock
from casework.enums import CaseEventKind, Priority
from casework.followup.models import FollowUpCredential
from casework.intake import receiving
from casework.intake.backlog import BACKLOG_NOTICE, intake_backlog
from casework.intake.builder import MAX_ATTEMPTS, BuildRun, build_pending
from casework.intake.jobs import alarm_backlog
from casework.intake.models import IntakeItem, Report
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.protection.keys import Keyring
from casework.staff.models import Role, StaffNotification
from hotline.app import create_app
from hotline.runtime.database import Database
from hotline.settings import Settings
from hotline.worker import JOBS, Worker, WorkerConfig
from integrations.keys.local import LocalKeyFile
from tests.factories.reports import app_payload, idempotency_key
from tests.factories.staff import make_staff
from tests.helpers import count
from tests.hotline.test_worker_jobs import NoProvider

URL = "/api/v1/reports"
FOLLOW_UP = "/api/v1/follow-up"


@pytest.fixture
def queued(
    settings: Settings, db: Database, clock: FixedClock, places: None, keys: LocalKeyFile
) -> Iterator[TestClient]:
    """The app as it runs in production: cases are built by the builder, not the request."""
    app = create_app(
        settings.model_copy(update={"intake_build_inline": False}),
        database=db,
        clock=clock,
        keys=keys,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def build(db: Database, keyring: Keyring, clock: FixedClock, limit: int = 100) -> BuildRun:
    """Run the builder as the worker does."""
    return build_pending(db, keyring=keyring, clock=clock, default_phone_region=None, limit=limit)


def items(db: Database) -> list[IntakeItem]:
    return db.run(
        lambda s: list(s.scalars(select(IntakeItem).order_by(IntakeItem.received_at))), write=False
    )


def test_the_receipt_comes_first_and_the_case_is_built_from_the_time_of_receipt(
    queued: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    received_at = clock.now()
    response = queued.post(URL, json=app_payload())
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert count(db, Case) == 0  # nothing built in the request
    (item,) = items(db)
    assert item.reference == receipt["reference"]
    assert item.case_id is None
    assert not item.urgent
    assert item.payload_ct is not None
    assert item.code_ct is not None
    assert app_payload()["narrative"].encode() not in item.payload_ct
    assert receipt["follow_up_code"].encode() not in item.code_ct

    # The child checks in before the case exists: received.
    early = queued.post(
        FOLLOW_UP, json={"reference": receipt["reference"], "code": receipt["follow_up_code"]}
    )
    assert early.status_code == 200, early.text
    assert early.json()["status"] == "received"
    wrong = queued.post(
        FOLLOW_UP, json={"reference": receipt["reference"], "code": "0000-0000-0000"}
    )
    assert wrong.status_code == 403
    # A message written before the case exists is not lost silently: the app is told to resend.
    note = queued.post(
        FOLLOW_UP,
        json={
            "reference": receipt["reference"],
            "code": receipt["follow_up_code"],
            "message": "He did it again today.",
        },
    )
    assert note.status_code == 409
    assert note.headers["retry-after"]

    clock.advance(dt.timedelta(minutes=3))  # the builder is behind
    assert build(db, keyring, clock) == BuildRun(built=1, failed=0)

    (item,) = items(db)
    assert item.case_id is not None
    assert item.payload_ct is None
    assert item.code_ct is None
    assert item.built_at == clock.now()
    case = db.run(lambda s: s.get_one(Case, item.case_id), write=False)
    report = db.run(lambda s: s.scalars(select(Report)).one(), write=False)
    assert case.reference == receipt["reference"]
    assert report.id == item.id  # the receipt's report is the case's report
    assert case.opened_at == report.received_at == received_at  # clocks run from receipt
    assert count(db, FollowUpCredential) == 1

    later = queued.post(
        FOLLOW_UP, json={"reference": receipt["reference"], "code": receipt["follow_up_code"]}
    )
    assert later.status_code == 200
    assert later.json()["status"] == "received"
    assert build(db, keyring, clock) == BuildRun(built=0, failed=0)  # built once only
    assert count(db, Case) == 1


def test_a_resend_gets_the_same_receipt_before_and_after_the_build(
    queued: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    key = idempotency_key()
    first = queued.post(URL, json=app_payload(), headers={"Idempotency-Key": key})
    again = queued.post(URL, json=app_payload(), headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    build(db, keyring, clock)
    after = queued.post(URL, json=app_payload(), headers={"Idempotency-Key": key})
    assert after.json() == first.json()
    assert count(db, IntakeItem) == count(db, Case) == count(db, Report) == 1
    other = queued.post(
        URL, json=app_payload(narrative="Something else."), headers={"Idempotency-Key": key}
    )
    assert other.status_code == 422
    assert count(db, IntakeItem) == 1


def test_what_the_builder_would_refuse_is_refused_in_the_request(
    queued: TestClient, db: Database
) -> None:
    for body in (
        app_payload(category="no_such_thing"),
        app_payload(school="no-such-school"),
        app_payload(region="north", school="capital-002"),
        app_payload(narrative="   "),
    ):
        assert queued.post(URL, json=body).status_code == 422, body
    assert count(db, IntakeItem) == 0


def test_a_danger_report_is_built_in_its_request_with_its_on_call_alert(
    queued: TestClient, db: Database
) -> None:
    response = queued.post(
        URL, json=app_payload(immediate_danger="yes", narrative="He is outside my door now.")
    )
    assert response.status_code == 201
    (item,) = items(db)
    assert item.urgent
    assert item.case_id is not None
    case = db.run(lambda s: s.get_one(Case, item.case_id), write=False)
    assert case.priority is Priority.P1
    kinds = db.run(lambda s: list(s.scalars(select(OutboxMessage.kind))), write=False)
    assert OutboxKind.ALERT in kinds


def test_danger_words_beyond_the_fast_lane_wait_first_in_the_queue(
    settings: Settings,
    db: Database,
    clock: FixedClock,
    places: None,
    keys: LocalKeyFile,
    keyring: Keyring,
) -> None:
    app = create_app(
        settings.model_copy(update={"intake_build_inline": False, "intake_urgent_lane": 0}),
        database=db,
        clock=clock,
        keys=keys,
    )
    with TestClient(app) as client:
        for n in range(3):
            client.post(URL, json=app_payload(narrative=f"Ordinary report {n}."))
            clock.advance(dt.timedelta(seconds=1))
        client.post(URL, json=app_payload(narrative="I want to kill myself."))
    backlog = db.run(intake_backlog, write=False)
    assert (backlog.waiting, backlog.urgent) == (4, 1)
    assert build(db, keyring, clock, limit=1).built == 1
    (first_built,) = [i for i in items(db) if i.case_id is not None]
    assert first_built.urgent  # the last to arrive, the first to be built
    case = db.run(lambda s: s.get_one(Case, first_built.case_id), write=False)
    assert case.priority is Priority.P1


def test_a_report_that_cannot_be_built_is_retried_then_left_for_an_operator(
    queued: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    queued.post(URL, json=app_payload(narrative="First."))
    queued.post(URL, json=app_payload(narrative="Second."))
    broken, _ = items(db)
    db.run(
        lambda s: s.get_one(IntakeItem, broken.id).__setattr__("payload_ct", b"\x01broken"),
        write=True,
    )
    runs = [build(db, keyring, clock) for _ in range(MAX_ATTEMPTS + 1)]
    assert runs[0] == BuildRun(built=1, failed=1)  # the other report is not held up
    assert all(r == BuildRun(built=0, failed=1) for r in runs[1:MAX_ATTEMPTS])
    assert runs[MAX_ATTEMPTS] == BuildRun(built=0, failed=0)  # left alone, not dropped
    kept = db.run(lambda s: s.get_one(IntakeItem, broken.id), write=False)
    assert kept.attempts == MAX_ATTEMPTS
    assert kept.last_error
    assert kept.payload_ct
    backlog = db.run(intake_backlog, write=False)
    assert (backlog.waiting, backlog.stuck) == (1, 1)


def test_a_reference_already_taken_is_never_handed_out_again(
    queued: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = queued.post(URL, json=app_payload()).json()["reference"]
    draws = iter([first, "HX-AAAA-BBB"])
    monkeypatch.setattr(receiving, "new_reference", lambda: next(draws))
    second = queued.post(URL, json=app_payload(narrative="Another one."))
    assert second.status_code == 201
    assert second.json()["reference"] == "HX-AAAA-BBB"


def test_the_backlog_is_on_readyz_and_a_supervisor_is_told_when_it_is_old(
    queued: TestClient,
    db: Database,
    keyring: Keyring,
    clock: FixedClock,
    settings: Settings,
) -> None:
    ready = queued.get("/readyz").json()
    assert ready["intake"] == {
        "waiting": 0,
        "urgent": 0,
        "failing": 0,
        "oldest_seconds": 0.0,
        "behind": False,
    }
    queued.post(URL, json=app_payload())
    clock.advance(dt.timedelta(seconds=settings.intake_backlog_alarm_seconds + 1))
    ready = queued.get("/readyz").json()
    assert ready["status"] == "degraded"
    assert ready["intake"]["waiting"] == 1
    assert ready["intake"]["behind"] is True

    supervisor = db.run(
        lambda s: (
            make_staff(s, keyring, username="sv.backlog", role=Role.SUPERVISOR, now=clock.now()).id
        ),
        write=True,
    )
    worker = Worker(
        db,
        keyring=keyring,
        clock=clock,
        sms=NoProvider(),
        media=NoProvider(),
        signer=None,
        config=WorkerConfig(public_base_url=settings.public_base_url),
        jobs=JOBS,
    )
    context = worker.context
    assert alarm_backlog(context) == 1
    worker.deliver_due()
    notices = db.run(
        lambda s: list(
            s.scalars(select(StaffNotification).where(StaffNotification.kind == BACKLOG_NOTICE))
        ),
        write=False,
    )
    assert [n.user_id for n in notices] == [supervisor]
    assert "1 reports are waiting" in notices[0].text
    assert alarm_backlog(context) == 0  # told once, not every 30 seconds
    worker.run_loops_once()  # the builder catches up
    assert db.run(intake_backlog, write=False).waiting == 0
    assert queued.get("/readyz").json()["intake"]["behind"] is False


def test_the_case_events_carry_the_time_of_receipt(
    queued: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    at = clock.now()
    queued.post(URL, json=app_payload())
    clock.advance(dt.timedelta(seconds=40))
    build(db, keyring, clock)
    events = db.run(
        lambda s: list(s.scalars(select(CaseEvent).order_by(CaseEvent.seq))), write=False
    )
    received = [e for e in events if e.kind is CaseEventKind.REPORT_RECEIVED]
    assert received
    assert received[0].occurred_at == at
