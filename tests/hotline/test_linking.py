"""Linking: the same person named at the same school raises a pattern alert at the third
case, across channels; the same phone within 30 days suggests a link; a reporter's later
message (with their code) joins their case."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.scope import load_principal
from casework.cases.models import Case, CaseEvent
from casework.clock import FixedClock
from casework.context import Acting
from casework.enums import CaseEventKind, Channel, ContactMethod, PerpetratorRole
from casework.handling.lifecycle import TriageInput, triage
from casework.intake.service import submit_report
from casework.linking.models import CaseLink, PatternAlert, PersonMention
from casework.linking.service import normalise_name
from casework.messages.models import CaseMessage, Direction
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.protection.keys import Keyring
from casework.staff.models import Role, StaffUser
from hotline.runtime.database import Database
from tests.factories.reports import app_payload, submission
from tests.factories.staff import make_staff, make_team
from tests.helpers import outbox_payloads

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def supervisor(db: Database, keyring: Keyring, places: None) -> uuid.UUID:
    def build(s: Session) -> uuid.UUID:
        make_team(s, "Capital", "capital")
        return make_staff(
            s, keyring, username="boss", role=Role.SUPERVISOR, now=NOW, teams=("Capital",)
        ).id

    return db.run(build, write=True)


def _report(db: Database, keyring: Keyring, at: dt.datetime = NOW, **overrides: Any) -> Case:
    values: dict[str, Any] = {"school": "capital-001", "category": "physical_abuse", **overrides}
    return db.run(
        lambda s: s.get_one(
            Case,
            submit_report(
                s,
                submission=submission(**values),
                follow_up=None,
                clock=FixedClock(at),
                keyring=keyring,
            ).case_id,
        ),
        write=True,
    )


def _triage_naming(
    db: Database, keyring: Keyring, supervisor: uuid.UUID, case: Case, name: str
) -> Case:
    def run(s: Session) -> Case:
        principal = load_principal(s, s.get_one(StaffUser, supervisor))
        found = s.get_one(Case, case.id)
        triage(
            Acting(s, keyring, FixedClock(NOW), NOW, principal),
            found.id,
            TriageInput(perpetrator_role=PerpetratorRole.TEACHER, perpetrator_name=name),
        )
        return found

    return db.run(run, write=True)


def _notices(db: Database, keyring: Keyring, kind: str) -> list[dict[str, Any]]:
    notices = outbox_payloads(db, keyring, OutboxKind.STAFF_NOTICE)
    return [n for n in notices if n["kind"] == kind]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mr. John SMITH", "smith john"),
        ("Jean-Luc Dupont", "dupont  jean luc"),
        ("Mme Hélène Łukasz", "HELENE lukasz"),
    ],
)
def test_names_are_compared_without_case_accents_titles_or_order(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)
    assert normalise_name("John Smith") != normalise_name("Jane Smith")


def test_the_third_case_naming_a_person_at_a_school_alerts_supervisors_once(
    db: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    # Three channels: the app names him at intake; the web and SMS cases are triaged by staff.
    first = _report(db, keyring, channel=Channel.APP, perpetrator_name="Mr. John SMITH")
    second = _triage_naming(
        db, keyring, supervisor, _report(db, keyring, channel=Channel.WEB), "smith, john"
    )
    assert _notices(db, keyring, "pattern_alert") == []  # two cases: not yet

    third = _triage_naming(
        db, keyring, supervisor, _report(db, keyring, channel=Channel.SMS), "John Smith"
    )

    (alert,) = _notices(db, keyring, "pattern_alert")
    assert alert["to"] == [str(supervisor)]
    assert alert["case"] == str(third.id)
    assert "3 reports" in alert["text"]
    assert "app, sms, web" in alert["text"]
    assert "Smith" not in alert["text"]  # no name in a notice
    assert "repeat_person:2" in third.triage_factors
    event = db.run(
        lambda s: s.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == third.id, CaseEvent.kind == CaseEventKind.PATTERN_ALERT
            )
        ).one(),
        write=False,
    )
    assert set(event.data["cases"]) == {str(first.id), str(second.id), str(third.id)}

    # A fourth report links to the others but raises no second alert.
    fourth = _report(db, keyring, channel=Channel.APP, perpetrator_name="JOHN SMITH")
    assert len(_notices(db, keyring, "pattern_alert")) == 1
    assert db.run(lambda s: len(list(s.scalars(select(PatternAlert)))), write=False) == 1
    links = db.run(
        lambda s: set(
            s.scalars(select(CaseLink.other_case_id).where(CaseLink.case_id == fourth.id))
        ),
        write=False,
    )
    assert links == {first.id, second.id, third.id}


def test_the_same_name_at_another_school_is_another_person(
    db: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    _report(db, keyring, perpetrator_name="John Smith")
    _report(db, keyring, perpetrator_name="John Smith")
    _report(db, keyring, perpetrator_name="John Smith", school="capital-002")

    assert _notices(db, keyring, "pattern_alert") == []


def test_a_name_is_kept_sealed_and_indexed_never_in_clear(
    db: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    _report(db, keyring, perpetrator_name="Gregory Thornbury")

    (mention,) = db.run(lambda s: list(s.scalars(select(PersonMention))), write=False)
    assert b"Thornbury" not in mention.name_ct
    assert b"thornbury" not in mention.name_index


def test_reports_from_the_same_phone_within_30_days_are_suggested_as_linked(
    db: Database, keyring: Keyring, supervisor: uuid.UUID
) -> None:
    texted: dict[str, Any] = {
        "contact_method": ContactMethod.SMS,
        "contact_phone": "+359888123456",
    }
    first = _report(db, keyring, **texted)
    second = _report(db, keyring, at=NOW + dt.timedelta(days=29), **texted)
    other = _report(
        db,
        keyring,
        at=NOW + dt.timedelta(days=29),
        contact_method=ContactMethod.SMS,
        contact_phone="+359888999999",
    )
    late = _report(db, keyring, at=NOW + dt.timedelta(days=61), **texted)

    def links(case: Case) -> set[uuid.UUID]:
        return db.run(
            lambda s: set(
                s.scalars(select(CaseLink.other_case_id).where(CaseLink.case_id == case.id))
            ),
            write=False,
        )

    assert links(second) == {first.id}
    assert links(first) == {second.id}  # both ways
    assert links(other) == set()
    assert links(late) == set()  # the last one from that phone was 32 days before
    kinds = db.run(
        lambda s: list(s.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == second.id))),
        write=False,
    )
    assert CaseEventKind.LINK_SUGGESTED in kinds


def test_a_message_with_the_right_code_joins_the_case(
    client: TestClient, db: Database, keyring: Keyring
) -> None:
    receipt = client.post("/api/v1/reports", json=app_payload()).json()
    wrong = client.post(
        "/api/v1/follow-up",
        json={"reference": receipt["reference"], "code": "AAAA-AAAA-AAAA", "message": "hi"},
    )
    assert wrong.status_code == 403

    right = client.post(
        "/api/v1/follow-up",
        json={
            "reference": receipt["reference"],
            "code": receipt["follow_up_code"],
            "message": "He did it again today.",
        },
    )

    assert right.status_code == 200, right.text
    (message,) = db.run(lambda s: list(s.scalars(select(CaseMessage))), write=False)
    assert message.direction is Direction.INBOUND
    assert message.channel is Channel.APP
    assert b"again today" not in message.body_ct
    kinds = db.run(
        lambda s: list(
            s.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == message.case_id))
        ),
        write=False,
    )
    assert kinds[-1] is CaseEventKind.MESSAGE_RECEIVED


def test_a_later_message_with_danger_words_raises_the_case_and_wakes_on_call(
    client: TestClient, db: Database, keyring: Keyring
) -> None:
    receipt = client.post("/api/v1/reports", json=app_payload(category="bullying")).json()
    client.post(
        "/api/v1/follow-up",
        json={
            "reference": receipt["reference"],
            "code": receipt["follow_up_code"],
            "message": "He has a knife and says he will kill me. Help me now.",
        },
    )

    case = db.run(lambda s: s.scalars(select(Case)).one(), write=False)
    assert case.priority.value == "P1"
    assert "danger_words" in case.triage_factors
    kinds = db.run(
        lambda s: [r.kind for r in s.scalars(select(OutboxMessage))],
        write=False,
    )
    assert OutboxKind.ALERT in kinds
    notices = _notices(db, keyring, "message_received")
    assert len(notices) == 1
    assert "knife" not in notices[0]["text"]
