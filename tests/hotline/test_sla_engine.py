"""The SLA engine with real commits and a moved clock: warnings at 75 % then breaches, each
exactly once even with two workers racing; P1 breaches text the on-call person; closed
cases and stopped clocks stay quiet."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.clock import FixedClock
from casework.enums import Danger
from casework.intake.service import submit_report
from casework.outbox.models import OutboxKind
from casework.ports import MediaStore, SmsSender
from casework.protection.keys import Keyring
from casework.routing.service import set_staff_phone
from casework.sla.models import ClockKind, SlaClock, SlaNotice
from casework.staff.models import Role, StaffUser
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from hotline.worker import Worker, WorkerConfig
from tests.factories.reports import submission
from tests.factories.routing import on_shift
from tests.factories.staff import make_staff, make_team
from tests.helpers import outbox_payloads

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def sdb(fresh_url: str) -> Iterator[Database]:
    db = Database(make_engine(fresh_url, pool_size=6, max_overflow=2))
    db.run(seed_places, write=True)
    yield db
    db.dispose()


@pytest.fixture
def supervisor(sdb: Database, keyring: Keyring) -> uuid.UUID:
    def build(s: Session) -> uuid.UUID:
        make_team(s, "Capital", "capital")
        return make_staff(
            s, keyring, username="boss", role=Role.SUPERVISOR, now=NOW, teams=("Capital",)
        ).id

    return sdb.run(build, write=True)


def _worker(db: Database, keyring: Keyring, clock: FixedClock) -> Worker:
    # The SLA scan sends nothing itself: it queues notices and alerts in the outbox.
    return Worker(
        db,
        keyring=keyring,
        clock=clock,
        sms=cast(SmsSender, None),
        media=cast(MediaStore, None),
        signer=None,
        config=WorkerConfig(public_base_url="https://hotline.example.org"),
    )


def _report(db: Database, keyring: Keyring, **overrides: Any) -> uuid.UUID:
    values: dict[str, Any] = {"school": "capital-001", "category": "bullying", **overrides}
    return db.run(
        lambda s: (
            submit_report(
                s,
                submission=submission(**values),
                follow_up=None,
                clock=FixedClock(NOW),
                keyring=keyring,
            ).case_id
        ),
        write=True,
    )


def _outbox(db: Database, keyring: Keyring, kind: OutboxKind) -> list[dict[str, Any]]:
    return outbox_payloads(db, keyring, kind)


def _sla_notices(db: Database, keyring: Keyring) -> list[tuple[str, str]]:
    return [
        (n["kind"], n["text"])
        for n in _outbox(db, keyring, OutboxKind.STAFF_NOTICE)
        if n["kind"].startswith("sla_")
    ]


def test_a_warning_at_three_quarters_then_a_breach_each_once(
    sdb: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    clock = FixedClock(NOW)
    worker = _worker(sdb, keyring, clock)
    _report(sdb, keyring)  # P3: acknowledge within 8 hours, around the clock

    assert worker.scan_sla() == 0
    clock.set(NOW + 6 * HOUR - MIN)
    assert worker.scan_sla() == 0
    clock.set(NOW + 6 * HOUR)
    assert worker.scan_sla() == 1
    assert worker.scan_sla() == 0  # once
    clock.set(NOW + 8 * HOUR + MIN)
    assert worker.scan_sla() == 1
    clock.set(NOW + 9 * HOUR)
    assert worker.scan_sla() == 0

    notices = _sla_notices(sdb, keyring)
    assert [kind for kind, _ in notices] == ["sla_warning", "sla_breach"]
    assert "acknowledge due at 17:00 UTC" in notices[0][1]
    assert "acknowledge target missed" in notices[1][1]
    # Nobody owns the case: the warning went to the region's supervisors.
    payloads = [
        n for n in _outbox(sdb, keyring, OutboxKind.STAFF_NOTICE) if n["kind"] == "sla_warning"
    ]
    assert payloads[0]["to"] == [str(supervisor)]


def test_a_late_scan_still_sends_the_warning_before_the_breach(
    sdb: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    clock = FixedClock(NOW)
    _report(sdb, keyring)
    clock.set(NOW + 10 * HOUR)  # the worker was down; acknowledge (8 h) is overdue

    assert _worker(sdb, keyring, clock).scan_sla() == 2
    kinds = [kind for kind, _ in _sla_notices(sdb, keyring)]
    assert kinds == ["sla_warning", "sla_breach"]


def test_two_workers_racing_send_each_notice_exactly_once(
    sdb: Database, fresh_url: str, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    cases = [_report(sdb, keyring) for _ in range(30)]
    clock = FixedClock(NOW)
    _worker(sdb, keyring, clock).scan_sla()  # index the clocks
    clock.set(NOW + 8 * HOUR + MIN)  # every acknowledge clock past its warning and breach

    other = Database(make_engine(fresh_url, pool_size=4, max_overflow=2))
    workers = [_worker(sdb, keyring, clock), _worker(other, keyring, clock)]
    sent: list[int] = []
    start = threading.Barrier(len(workers))

    def run(worker: Worker) -> None:
        start.wait()
        sent.append(worker.scan_sla())

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    other.dispose()

    assert sum(sent) == 2 * len(cases)
    notices = _sla_notices(sdb, keyring)
    assert len(notices) == 2 * len(cases)
    rows = sdb.run(
        lambda s: s.execute(
            select(SlaNotice.case_id, SlaNotice.level, func.count()).group_by(
                SlaNotice.case_id, SlaNotice.level
            )
        ).all(),
        write=False,
    )
    assert {(c, level) for c, level, _ in rows} == {
        (c, level) for c in cases for level in ("warning", "breach")
    }
    assert all(n == 1 for _, _, n in rows)


def test_a_p1_breach_texts_the_on_call_person(
    sdb: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    def rota(s: Session) -> None:
        on_shift(s, supervisor, "capital", NOW, on_call=True)
        user = s.get_one(StaffUser, supervisor)
        set_staff_phone(s, keyring=keyring, user=user, phone="+359888000111", region=None)

    sdb.run(rota, write=True)
    clock = FixedClock(NOW)
    case_id = _report(sdb, keyring, immediate_danger=Danger.YES, category="physical_abuse")
    reference = sdb.run(lambda s: s.get_one(Case, case_id).reference, write=False)
    assert len(_outbox(sdb, keyring, OutboxKind.ALERT)) == 1  # nobody on shift: at intake

    clock.set(NOW + 16 * MIN)  # P1: acknowledge within 15 minutes
    _worker(sdb, keyring, clock).scan_sla()

    alerts = _outbox(sdb, keyring, OutboxKind.ALERT)
    assert len(alerts) == 2
    assert alerts[1] == {
        "reference": reference,
        "case": str(case_id),
        "priority": "P1",
        "why": "acknowledge missed",
        "to": ["+359888000111"],
    }


def test_a_clock_stopped_in_time_and_a_closed_case_stay_quiet(
    sdb: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    clock = FixedClock(NOW)
    worker = _worker(sdb, keyring, clock)
    seen, closed = _report(sdb, keyring), _report(sdb, keyring)

    from casework.access.scope import load_principal
    from casework.context import Acting
    from casework.handling.closure import Closure, request_closure
    from casework.handling.history import acknowledge

    def act(s: Session) -> None:
        principal = load_principal(s, s.get_one(StaffUser, supervisor))
        acting = Acting(s, keyring, FixedClock(NOW + HOUR), NOW + HOUR, principal)
        acknowledge(acting, s.get_one(Case, seen))
        request_closure(acting, closed, Closure("duplicate", views_missing="anonymous_report"))

    sdb.run(act, write=True)
    clock.set(NOW + 100 * HOUR)
    worker.scan_sla()

    notices = _sla_notices(sdb, keyring)
    assert all("acknowledge" not in text for _, text in notices)  # acknowledged in time
    closed_reference = _ref(sdb, closed)
    assert all(closed_reference not in text for _, text in notices)  # closed: no notice
    due = sdb.run(
        lambda s: s.scalar(
            select(func.count()).select_from(SlaClock).where(SlaClock.next_notice_at.is_not(None))
        ),
        write=False,
    )
    assert due == 0  # nothing left to look at: the scan will not touch these again
    indexed = sdb.run(
        lambda s: set(s.execute(select(SlaClock.case_id, SlaClock.clock)).all()), write=False
    )
    assert (seen, ClockKind.TRIAGE) in indexed  # still running (and already breached)
    assert (seen, ClockKind.ACKNOWLEDGE) not in indexed  # stopped: out of the index
    assert all(case_id != closed for case_id, _ in indexed)  # a closed case is not indexed


def _ref(db: Database, case_id: uuid.UUID) -> str:
    return db.run(lambda s: s.get_one(Case, case_id).reference, write=False)


def test_closing_a_case_stops_the_partner_clocks_without_meeting_them(
    sdb: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    """The partner never answered: its clocks leave the index and never escalate, and they
    count as stopped - neither met (no inflated compliance) nor missed (it was in time)."""
    from casework.access.scope import load_principal
    from casework.actors import SYSTEM
    from casework.context import Acting
    from casework.handling.closure import Closure, request_closure
    from casework.handling.referrals import refer
    from casework.partners.models import Consent
    from casework.partners.referrals import ConsentRecord
    from casework.partners.service import create_partner
    from casework.sla.clocks import PARTNER_CLOCKS, Outcome
    from casework.sla.service import clocks_of

    clock = FixedClock(NOW)
    worker = _worker(sdb, keyring, clock)
    case_id = _report(sdb, keyring)

    def refer_then_close(s: Session) -> None:
        principal = load_principal(s, s.get_one(StaffUser, supervisor))
        case = s.get_one(Case, case_id)
        partner = create_partner(s, keyring=keyring, name="NGO", kind="ngo", actor=SYSTEM, now=NOW)
        refer(
            Acting(s, keyring, clock, NOW + HOUR, principal),
            case.id,
            partner.id,
            "Please call the family.",
            ConsentRecord(Consent.GIVEN, "child"),
        )
        request_closure(
            Acting(s, keyring, clock, NOW + 2 * HOUR, principal),
            case.id,
            Closure("advice_given", views_missing="unreachable"),
        )

    sdb.run(refer_then_close, write=True)
    clock.set(NOW + 1000 * HOUR)  # long past every partner target
    worker.scan_sla()

    outcomes = sdb.run(
        lambda s: {c.clock: c.outcome() for c in clocks_of(s, s.get_one(Case, case_id))},
        write=False,
    )
    assert outcomes[ClockKind.PARTNER_ACKNOWLEDGEMENT] is Outcome.STOPPED
    assert outcomes[ClockKind.PARTNER_ACCEPTANCE] is Outcome.STOPPED
    indexed = sdb.run(
        lambda s: list(s.scalars(select(SlaClock.clock).where(SlaClock.case_id == case_id))),
        write=False,
    )
    assert not PARTNER_CLOCKS.intersection(indexed)
    assert all("partner" not in text for _, text in _sla_notices(sdb, keyring))
