"""SMS reports routed as the conversation teaches us more: the language the child chooses,
and a story that makes the case urgent after it was routed."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.clock import FixedClock
from casework.enums import Priority
from casework.outbox.models import OutboxKind
from casework.protection.keys import Keyring
from casework.routing.service import set_staff_phone
from casework.staff.accounts import ensure_team
from casework.staff.models import Role, StaffUser
from hotline.runtime.database import Database
from tests.factories.routing import on_shift
from tests.factories.sms import text
from tests.factories.staff import make_staff
from tests.helpers import outbox_payloads

JP, UK = "+819012345678", "+447400123456"


def _case(db: Database) -> Case:
    return db.run(lambda s: s.scalars(select(Case)).one(), write=False)


def _desk(db: Database, keyring: Keyring, clock: FixedClock, *languages: str) -> list[uuid.UUID]:
    """A national desk with one caseworker on shift per language."""

    def build(s: Session) -> list[uuid.UUID]:
        ensure_team(s, name="Desk", region_codes=[], national=True)
        people = []
        for language in languages:
            user = make_staff(
                s, keyring, username=f"desk.{language}", role=Role.CASEWORKER,
                now=clock.now(), teams=("Desk",),
            )  # fmt: skip
            on_shift(s, user.id, None, clock.now(), languages=(language,))
            people.append(user.id)
        return people

    return db.run(build, write=True)


def test_the_language_the_child_chooses_sends_the_case_to_someone_who_speaks_it(
    sms_client: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    english, bulgarian = _desk(db, keyring, clock, "en", "bg")

    text(sms_client, JP, "hello")  # a Japanese phone: the language is asked
    assert _case(db).assigned_to_id == english  # English until the child says otherwise

    text(sms_client, JP, "3")  # Български

    case = _case(db)
    assert (case.language, case.assigned_to_id) == ("bg", bulgarian)


def test_a_story_that_makes_the_case_urgent_after_routing_wakes_on_call(
    sms_client: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    def on_call(s: Session) -> None:
        ensure_team(s, name="Desk", region_codes=[], national=True)
        boss = make_staff(
            s, keyring, username="boss", role=Role.SUPERVISOR, now=clock.now(), teams=("Desk",)
        )
        on_shift(s, boss.id, None, clock.now(), on_call=True)
        set_staff_phone(
            s, keyring=keyring, user=s.get_one(StaffUser, boss.id), phone="+359888000111",
            region=None,
        )  # fmt: skip

    db.run(on_call, write=True)

    text(sms_client, UK, "hi")  # nobody on shift; not urgent yet
    assert _case(db).priority in (Priority.P3, Priority.P4)
    assert outbox_payloads(db, keyring, OutboxKind.ALERT) == []

    text(sms_client, UK, "my teacher hits us with a stick")

    case = _case(db)
    assert (case.priority, case.assigned_to_id) == (Priority.P2, None)
    (alert,) = outbox_payloads(db, keyring, OutboxKind.ALERT)
    assert alert["to"] == ["+359888000111"]
    assert alert["reference"] == case.reference
