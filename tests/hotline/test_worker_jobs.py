"""The job registry: every outbox kind has one handler, declared by its domain, and the worker
runs what the domains register - handlers per kind, periodic jobs when due."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid

import pytest
from sqlalchemy import select

from casework.actors import SYSTEM
from casework.audit.jobs import verification_running
from casework.audit.models import AuditVerifyRun
from casework.audit.record import AuditAction, record_event
from casework.jobs import JobContext, Jobs
from casework.outbox.delivery import settle
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.outbox.service import Claimed, enqueue
from casework.ports import FetchedMedia, SendOutcome, SendResult
from casework.protection.keys import Keyring
from casework.sla.jobs import jobs as sla_jobs
from casework.sla.jobs import scan
from casework.sms.jobs import jobs as sms_jobs
from casework.staff.models import Role, SessionStage, StaffSession
from hotline.runtime.database import Database, make_engine
from hotline.worker import JOBS, Worker, WorkerConfig
from integrations.keys.local import LocalKeyFile
from tests.databases import TemplateDatabase
from tests.factories.staff import make_staff

CONFIG = WorkerConfig(public_base_url="https://hotline.example.org")


class NoProvider:
    """SMS and media ports no job in these tests may use."""

    def send(
        self, *, to: str, body: str, status_callback: str | None, idempotency_key: str
    ) -> SendResult:
        raise AssertionError("nothing is texted here")

    def fetch(self, url: str, *, max_bytes: int) -> FetchedMedia:
        raise AssertionError("no media here")

    def delete(self, url: str) -> SendOutcome:
        raise AssertionError("no media here")


def _worker(db: Database, keyring: Keyring, clock, **kwargs) -> Worker:  # type: ignore[no-untyped-def]
    kwargs.setdefault("config", CONFIG)
    return Worker(
        db,
        keyring=keyring,
        clock=clock,
        sms=NoProvider(),
        media=NoProvider(),
        signer=None,
        rng=random.Random(5),  # noqa: S311 - back-off jitter in a test
        **kwargs,
    )


def test_every_outbox_kind_has_exactly_one_handler() -> None:
    assert set(JOBS.handlers) == set(OutboxKind)  # a new kind needs a handler in its domain
    with pytest.raises(ValueError, match="two handlers for outbox kind sms"):
        Jobs.combine(JOBS, sms_jobs)


def test_a_periodic_job_must_be_named_once_and_run_on_a_real_setting() -> None:
    with pytest.raises(ValueError, match="two periodic jobs named sla"):
        Jobs.combine(JOBS, sla_jobs)
    with pytest.raises(ValueError, match="no setting purge_evry"):
        Jobs().periodic("typo", every="purge_evry")(scan)


def test_the_domains_periodic_jobs_run_when_due_and_not_before(
    db: Database, keyring: Keyring, clock
) -> None:
    def ended_session(s) -> uuid.UUID:  # type: ignore[no-untyped-def]
        user = make_staff(
            s, keyring, username=f"u{uuid.uuid4().hex[:8]}", role=Role.CASEWORKER, now=clock.now()
        )
        row = StaffSession(
            token_hash=uuid.uuid4().hex,
            user_id=user.id,
            stage=SessionStage.ACTIVE,
            created_at=clock.now() - dt.timedelta(days=3),
            last_seen_at=clock.now() - dt.timedelta(days=3),
            expires_at=clock.now() - dt.timedelta(days=2),
        )
        s.add(row)
        s.flush()
        return row.id

    def kept(session_id: uuid.UUID) -> bool:
        return db.run(lambda s: s.get(StaffSession, session_id) is not None, write=False)

    first = db.run(ended_session, write=True)
    worker = _worker(db, keyring, clock)

    worker.periodic()  # casework/staff/jobs.py forgets sessions that ended a day ago
    assert not kept(first)

    second = db.run(ended_session, write=True)
    worker.periodic()
    assert kept(second)  # the purge is hourly: not due again yet

    _worker(db, keyring, clock, config=dataclasses.replace(CONFIG, purge_every=0)).periodic()
    assert not kept(second)


def test_a_job_added_in_a_module_of_its_own_runs_on_its_schedule(
    db: Database, keyring: Keyring, clock
) -> None:
    ran: list[str] = []
    extra = Jobs()

    @extra.periodic("test.tick", every="sla_every")
    def tick(ctx: JobContext) -> None:
        ran.append(ctx.config.public_base_url)

    worker = _worker(db, keyring, clock, jobs=Jobs.combine(JOBS, extra))
    worker.periodic()
    worker.periodic()
    assert ran == ["https://hotline.example.org"]  # every 15 s: once

    often = _worker(db, keyring, clock, config=dataclasses.replace(CONFIG, sla_every=0), jobs=extra)
    often.periodic()
    often.periodic()
    assert len(ran) == 3


def test_a_handler_that_raises_has_its_row_retried_and_the_others_still_go(
    db: Database, keyring: Keyring, clock
) -> None:
    handled: list[str] = []
    jobs = Jobs()

    @jobs.handler(OutboxKind.STAFF_NOTICE)
    def notice(ctx: JobContext, item: Claimed) -> None:
        if item.payload["text"] == "bad":
            raise RuntimeError("a bug in a handler")
        handled.append(item.payload["text"])
        settle(ctx, item, SendResult(SendOutcome.SENT, provider_ref="ok"))

    def queue(s) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
        return [
            enqueue(
                s,
                keyring=keyring,
                kind=OutboxKind.STAFF_NOTICE,
                payload={"to": [], "text": text},
                now=clock.now(),
            )
            for text in ("bad", "good")
        ]

    bad, good = db.run(queue, write=True)

    assert _worker(db, keyring, clock, jobs=jobs).deliver_due() == 2

    def state(message_id: uuid.UUID) -> tuple[OutboxStatus, str | None]:
        row = db.run(
            lambda s: s.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id)).one(),
            write=False,
        )
        return row.status, row.last_error

    assert state(bad) == (OutboxStatus.PENDING, "worker_error")
    assert state(good) == (OutboxStatus.SENT, None)
    assert handled == ["good"]


def test_the_worker_verifies_the_trail_at_start_then_daily_and_keeps_the_outcome(
    template_db: TemplateDatabase, keyring: Keyring, clock, keys: LocalKeyFile
) -> None:
    # A database of its own: the verification runs on a thread beside the worker's, as in
    # production, which one shared test connection could not carry.
    engine = make_engine(template_db.copy(), pool_size=2, max_overflow=2)
    db = Database(engine)

    def runs() -> list[tuple[bool, str, int]]:
        return db.run(
            lambda s: [
                (r.ok, r.ran_by, r.entries)
                for r in s.scalars(select(AuditVerifyRun).order_by(AuditVerifyRun.ran_at))
            ],
            write=False,
        )

    db.run(
        lambda s: record_event(
            s,
            keyring=keyring,
            action=AuditAction.AUDIT_EXPORTED,
            actor=SYSTEM,
            object_type="audit_log",
            object_id="export",
            details={},
            now=clock.now(),
        ),
        write=True,
    )
    worker = Worker(
        db,
        keyring=keyring,
        clock=clock,
        sms=NoProvider(),
        media=NoProvider(),
        signer=keys,
        rng=random.Random(5),  # noqa: S311 - back-off jitter in a test
        config=CONFIG,
    )
    worker.periodic()  # sequences, signs a checkpoint, and verifies what is logged...
    verifying = verification_running()
    assert verifying is not None
    verifying.join(30)  # ...on a thread of its own, the worker free meanwhile
    first = runs()
    assert len(first) == 1
    ok, ran_by, entries = first[0]
    assert (ok, ran_by) == (True, "worker")
    assert entries >= 1
    worker.periodic()
    assert verification_running() is verifying  # every 6 hours, not at every turn
    assert runs() == first
    engine.dispose()


def test_a_backlog_of_stale_clocks_is_rebuilt_a_slice_at_a_time_newest_open_first(
    db: Database, keyring: Keyring, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an upgrade marks every case stale the SLA scan must not hold the worker: it
    rebuilds for at most REFRESH_SECONDS, open cases and the newest first."""
    from casework.cases.models import Case
    from casework.enums import CaseStatus
    from casework.intake.service import prepare_follow_up, submit_report
    from casework.sla import jobs as sla_jobs_module
    from casework.sla import service as sla_service
    from tests.factories.reports import submission

    def report(s) -> uuid.UUID:  # type: ignore[no-untyped-def]
        return submit_report(
            s,
            submission=submission(),
            follow_up=prepare_follow_up(None),
            clock=clock,
            keyring=keyring,
        ).case_id

    ids = [db.run(report, write=True) for _ in range(3)]

    def mark(s) -> None:  # type: ignore[no-untyped-def]
        old = s.get_one(Case, ids[0])
        old.status = CaseStatus.CLOSED  # closed: rebuilt last
        for case_id in ids:
            s.get_one(Case, case_id).sla_seq = 0

    db.run(mark, write=True)
    monkeypatch.setattr(sla_service, "REFRESH_BATCH", 1)
    monkeypatch.setattr(sla_jobs_module, "REFRESH_BATCH", 1)
    monkeypatch.setattr(sla_jobs_module, "REFRESH_SECONDS", 0.0)  # one batch a scan

    def stale() -> set[uuid.UUID]:
        return set(
            db.run(
                lambda s: s.scalars(
                    select(Case.id).where(Case.id.in_(ids), Case.sla_seq < Case.last_event_seq)
                ).all(),
                write=False,
            )
        )

    refreshed = []
    for _ in range(3):
        before = stale()
        db.run(lambda s: sla_service.refresh_stale(s, batch=1), write=True)
        refreshed += list(before - stale())
    assert refreshed[-1] == ids[0]  # the closed case waited for the open ones
    assert stale() == set()
    db.run(mark, write=True)
    worker = _worker(db, keyring, clock)
    worker.periodic()
    assert len(stale()) == 2  # one batch, then the scan let the worker go
