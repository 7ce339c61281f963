"""Routing new cases: by region, language and load; never across a conflict of interest;
nobody on shift -> the region's queue and the on-call person texted for P1/P2."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseEvent
from casework.clock import FixedClock
from casework.enums import CaseEventKind, CaseStatus, Danger, PerpetratorRole, Priority
from casework.intake.service import submit_report
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.protection.keys import Keyring
from casework.routing.service import set_staff_phone
from casework.staff.models import Role, StaffUser
from hotline.runtime.database import Database
from tests.factories.reports import submission
from tests.factories.routing import on_shift
from tests.factories.staff import make_staff, make_team
from tests.helpers import outbox_payloads

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def team(db: Database, places: None) -> int:
    return db.run(lambda s: make_team(s, "Capital", "capital"), write=True)


def _staff(
    db: Database, keyring: Keyring, name: str, role: Role = Role.CASEWORKER, **kw: Any
) -> uuid.UUID:
    return db.run(
        lambda s: (
            make_staff(s, keyring, username=name, role=role, now=NOW, teams=("Capital",), **kw).id
        ),
        write=True,
    )


def _report(db: Database, keyring: Keyring, **overrides: Any) -> Case:
    values: dict[str, Any] = {"school": "capital-001", **overrides}

    def run(s: Session) -> Case:
        receipt = submit_report(
            s,
            submission=submission(**values),
            follow_up=None,
            clock=FixedClock(NOW),
            keyring=keyring,
        )
        return s.get_one(Case, receipt.case_id)

    return db.run(run, write=True)


def _shift(db: Database, user: uuid.UUID, region: str = "capital", **kw: Any) -> None:
    db.run(lambda s: on_shift(s, user, region, NOW, **kw), write=True)


def _alerts(db: Database, keyring: Keyring) -> list[dict[str, Any]]:
    return outbox_payloads(db, keyring, OutboxKind.ALERT)


def test_the_caseworker_on_shift_who_speaks_the_language_gets_it(
    db: Database, keyring: Keyring, team: int
) -> None:
    english, french, north = (_staff(db, keyring, n) for n in ("english", "french", "north"))
    _shift(db, english, languages=("en",))
    _shift(db, french, languages=("fr",))
    _shift(db, north, "north", languages=("fr", "en"))

    case_en = _report(db, keyring, language="en")
    case_fr = _report(db, keyring, language="fr")

    assert case_en.assigned_to_id == english
    assert case_fr.assigned_to_id == french
    assert case_en.status is CaseStatus.ASSIGNED
    assert case_en.team_id == team
    kinds = db.run(
        lambda s: list(
            s.scalars(
                select(CaseEvent.kind)
                .where(CaseEvent.case_id == case_en.id)
                .order_by(CaseEvent.seq)
            )
        ),
        write=False,
    )
    assert kinds[-2:] == [CaseEventKind.ASSIGNED, CaseEventKind.STATUS_CHANGED]
    notices = db.run(
        lambda s: list(
            s.scalars(
                select(OutboxMessage.kind).where(OutboxMessage.kind == OutboxKind.STAFF_NOTICE)
            )
        ),
        write=False,
    )
    assert len(notices) == 2  # each told their new case is theirs


def test_the_lowest_open_load_wins_and_closed_cases_do_not_count(
    db: Database, keyring: Keyring, team: int
) -> None:
    busy, free = _staff(db, keyring, "busy"), _staff(db, keyring, "free")
    _shift(db, busy)
    first = _report(db, keyring)
    assert first.assigned_to_id == busy  # the only one on shift
    _shift(db, free)
    second = _report(db, keyring)
    third = _report(db, keyring)
    owners = {first.assigned_to_id, second.assigned_to_id, third.assigned_to_id}
    assert owners == {busy, free}
    loads = db.run(
        lambda s: {
            u: len(list(s.scalars(select(Case.id).where(Case.assigned_to_id == u))))
            for u in (busy, free)
        },
        write=False,
    )
    assert loads in ({busy: 2, free: 1}, {busy: 1, free: 2})

    # Closing the busier one's cases makes them the lighter one.
    heavier = max(loads, key=lambda u: loads[u])

    def close_theirs(s: Session) -> None:
        for case in s.scalars(select(Case).where(Case.assigned_to_id == heavier)):
            case.status = CaseStatus.CLOSED

    db.run(close_theirs, write=True)
    assert _report(db, keyring).assigned_to_id == heavier


def test_supervisors_off_shift_and_inactive_people_are_not_given_cases(
    db: Database, keyring: Keyring, team: int
) -> None:
    supervisor = _staff(db, keyring, "boss", Role.SUPERVISOR)
    gone = _staff(db, keyring, "gone")
    _shift(db, supervisor)
    _shift(db, gone)
    db.run(lambda s: setattr(s.get_one(StaffUser, gone), "active", False), write=True)
    later = _staff(db, keyring, "later")

    def tomorrow(s: Session) -> None:
        on_shift(s, later, "capital", NOW + dt.timedelta(days=1))

    db.run(tomorrow, write=True)
    case = _report(db, keyring)
    assert case.assigned_to_id is None
    assert case.team_id == team


def test_staff_linked_to_the_school_never_get_a_case_about_its_staff(
    db: Database, keyring: Keyring, team: int
) -> None:
    linked = _staff(db, keyring, "linked", schools=("capital-001",))
    _shift(db, linked)

    about_teacher = _report(
        db, keyring, perpetrator_role=PerpetratorRole.TEACHER, category="physical_abuse"
    )
    about_pupils = _report(db, keyring, perpetrator_role=PerpetratorRole.PEER)

    assert about_teacher.assigned_to_id is None  # a conflict of interest
    assert about_pupils.assigned_to_id == linked  # no conflict: the pupils do not work there


def test_nobody_on_shift_queues_it_and_texts_on_call_for_p1_and_p2_only(
    db: Database, keyring: Keyring, team: int
) -> None:
    on_call = _staff(db, keyring, "oncall")
    _shift(db, on_call, on_call=True)

    def phone(s: Session) -> None:
        set_staff_phone(
            s,
            keyring=keyring,
            user=s.get_one(StaffUser, on_call),
            phone="+359888123456",
            region=None,
        )

    db.run(phone, write=True)

    urgent = _report(db, keyring, immediate_danger=Danger.YES)
    assert urgent.priority is Priority.P1
    assert urgent.assigned_to_id is None
    assert urgent.team_id == team
    (alert,) = _alerts(db, keyring)
    assert alert["to"] == ["+359888123456"]
    assert alert["reference"] == urgent.reference
    assert alert["why"] == "someone may be in danger now; nobody on shift"

    p3 = _report(db, keyring, category="bullying")
    assert p3.priority is Priority.P3
    assert len(_alerts(db, keyring)) == 1  # no one woken for a P3

    p2 = _report(db, keyring, perpetrator_role=PerpetratorRole.TEACHER)
    assert p2.priority is Priority.P2
    assert len(_alerts(db, keyring)) == 2


def test_with_nobody_on_call_the_alert_falls_back_to_the_installation_phones(
    db: Database, keyring: Keyring, team: int
) -> None:
    _report(db, keyring, immediate_danger=Danger.YES)
    (alert,) = _alerts(db, keyring)
    assert alert["to"] == []  # the worker then texts the configured on-call phones


def test_an_assigned_case_notifies_its_new_owner(db: Database, keyring: Keyring, team: int) -> None:
    worker = _staff(db, keyring, "worker")
    _shift(db, worker)
    case = _report(db, keyring)

    (notice,) = outbox_payloads(db, keyring, OutboxKind.STAFF_NOTICE)
    assert notice["to"] == [str(worker)]
    assert notice["case"] == str(case.id)
    assert case.reference in notice["text"]
