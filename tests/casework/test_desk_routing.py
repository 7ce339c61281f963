"""No orphan case: reports without a region go to the national desk, a region with nobody on
shift falls back to it, P1 wakes the on-call rota whoever has the case, the national on-call
turn covers what no region covers, an alarm that reaches no phone is never silent, and a turn
is refused to anyone who could not open the cases it brings them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.actors import REPORTER, SYSTEM
from casework.cases.models import Case, CaseEvent
from casework.clock import FixedClock
from casework.enums import CaseEventKind, Danger, PerpetratorRole, Priority
from casework.errors import InvalidInput
from casework.intake.service import submit_report
from casework.outbox.models import OutboxKind
from casework.protection.keys import Keyring
from casework.routing.config import add_shift
from casework.routing.oncall import alarm_reached_no_phone
from casework.routing.placement import Where, move_case, place_from_words, settle
from casework.routing.service import set_staff_phone
from casework.staff.accounts import ensure_team
from casework.staff.models import Role, StaffUser
from hotline.runtime.database import Database
from tests.factories.reports import submission
from tests.factories.routing import on_shift
from tests.factories.staff import make_staff, make_team
from tests.helpers import outbox_payloads

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def teams(db: Database, places: None) -> dict[str, int]:
    def build(s: Session) -> dict[str, int]:
        return {
            "capital": make_team(s, "Capital", "capital"),
            "desk": ensure_team(s, name="Desk", region_codes=[], national=True).id,
        }

    return db.run(build, write=True)


def _person(
    db: Database,
    keyring: Keyring,
    name: str,
    team: str,
    role: Role = Role.CASEWORKER,
    *,
    region: str | None = "?",
    on_call: bool = False,
    phone: str | None = None,
    languages: tuple[str, ...] = ("en",),
    schools: tuple[str, ...] = (),
) -> uuid.UUID:
    def build(s: Session) -> uuid.UUID:
        user = make_staff(
            s, keyring, username=name, role=role, now=NOW, teams=(team,), schools=schools
        )
        if region != "?":
            on_shift(s, user.id, region, NOW, on_call=on_call, languages=languages)
        if phone:
            set_staff_phone(
                s, keyring=keyring, user=s.get_one(StaffUser, user.id), phone=phone, region=None
            )
        return user.id

    return db.run(build, write=True)


def _report(db: Database, keyring: Keyring, **overrides: Any) -> Case:
    def run(s: Session) -> Case:
        receipt = submit_report(
            s,
            submission=submission(**overrides),
            follow_up=None,
            clock=FixedClock(NOW),
            keyring=keyring,
        )
        return s.get_one(Case, receipt.case_id)

    return db.run(run, write=True)


def test_a_report_without_a_place_goes_to_the_desk_and_its_caseworker_on_shift(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    regional = _person(db, keyring, "regional", "Capital", region="capital")
    desk = _person(db, keyring, "desk", "Desk", region=None)

    case = _report(db, keyring)  # no school, no region, no place

    assert (case.region_id, case.team_id, case.assigned_to_id) == (None, teams["desk"], desk)
    assert regional != desk


def test_a_region_with_nobody_who_can_take_it_falls_back_to_the_desk(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    _person(db, keyring, "english", "Capital", region="capital", languages=("en",))
    desk = _person(db, keyring, "desk", "Desk", region=None, languages=("en", "bg"))

    case = _report(db, keyring, school="capital-001", language="bg")

    # The region's queue keeps it; the desk's caseworker who speaks Bulgarian has it.
    assert (case.team_id, case.assigned_to_id) == (teams["capital"], desk)


def test_a_desk_shift_counts_only_for_members_of_a_national_team(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    outsider = _person(db, keyring, "outsider", "Capital", region=None)  # rows written directly

    case = _report(db, keyring)

    assert case.assigned_to_id is None
    assert case.team_id == teams["desk"]
    assert outsider


def test_p1_wakes_the_on_call_rota_even_when_someone_has_it_and_tells_them(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    worker = _person(db, keyring, "worker", "Capital", region="capital")
    boss = _person(
        db, keyring, "boss", "Capital", Role.SUPERVISOR, region="capital", on_call=True,
        phone="+359888000111",
    )  # fmt: skip

    case = _report(db, keyring, school="capital-001", immediate_danger=Danger.YES)

    assert (case.priority, case.assigned_to_id) == (Priority.P1, worker)
    (alert,) = outbox_payloads(db, keyring, OutboxKind.ALERT)
    assert alert["to"] == ["+359888000111"]
    assert alert["why"] == "someone may be in danger now"
    notices = outbox_payloads(db, keyring, OutboxKind.STAFF_NOTICE)
    assert {n["kind"]: n["to"] for n in notices} == {
        "assigned": [str(worker)],
        "on_call_alert": [str(boss)],
    }
    assigned = next(n for n in notices if n["kind"] == "assigned")
    assert "danger" in assigned["text"]


def test_the_national_on_call_turn_covers_unplaced_cases_and_regions_without_their_own(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    national = _person(
        db, keyring, "national", "Desk", Role.SUPERVISOR, region=None, on_call=True,
        phone="+359888000222",
    )  # fmt: skip

    unplaced = _report(db, keyring, immediate_danger=Danger.YES)
    regional = _report(db, keyring, school="capital-002", immediate_danger=Danger.YES)

    alerts = outbox_payloads(db, keyring, OutboxKind.ALERT)
    assert [a["reference"] for a in alerts] == [unplaced.reference, regional.reference]
    assert all(a["to"] == ["+359888000222"] for a in alerts)
    assert alerts[0]["why"] == "someone may be in danger now; region not known yet"
    assert national


def test_a_region_s_own_on_call_person_comes_before_the_national_one(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    _person(
        db,
        keyring,
        "nat",
        "Desk",
        Role.SUPERVISOR,
        region=None,
        on_call=True,
        phone="+359888000222",
    )
    _person(
        db,
        keyring,
        "cap",
        "Capital",
        Role.SUPERVISOR,
        region="capital",
        on_call=True,
        phone="+359888000333",
    )

    _report(db, keyring, school="capital-002", immediate_danger=Danger.YES)

    (alert,) = outbox_payloads(db, keyring, OutboxKind.ALERT)
    assert alert["to"] == ["+359888000333"]


def test_an_alarm_that_reaches_no_phone_tells_the_supervisors_and_administrators(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    boss = _person(db, keyring, "boss", "Desk", Role.SUPERVISOR)
    admin = db.run(
        lambda s: make_staff(s, keyring, username="admin", role=Role.ADMINISTRATOR, now=NOW).id,
        write=True,
    )
    case = _report(db, keyring, immediate_danger=Danger.YES)

    db.run(
        lambda s: alarm_reached_no_phone(s, keyring=keyring, case_id=case.id, now=NOW),
        write=True,
    )

    supervisors, admins = [
        n
        for n in outbox_payloads(db, keyring, OutboxKind.STAFF_NOTICE)
        if n["kind"] == "alert_undelivered"
    ]
    # The supervisor is told to open the case; the administrator, who may not, to fix the rota.
    assert (supervisors["to"], supervisors["case"]) == ([str(boss)], str(case.id))
    assert case.reference in supervisors["text"]
    assert (admins["to"], admins["case"]) == ([str(admin)], None)
    assert case.reference not in admins["text"]


@pytest.mark.parametrize(
    ("team", "role", "region", "on_call", "refused"),
    [
        ("Capital", Role.CASEWORKER, None, False, True),  # the desk is for national teams
        ("Desk", Role.CASEWORKER, None, False, False),
        ("Desk", Role.CASEWORKER, None, True, True),  # national on call: a supervisor's turn
        ("Desk", Role.SUPERVISOR, None, True, False),
        ("Capital", Role.CASEWORKER, "north", False, True),  # no team covering north
        ("Capital", Role.CASEWORKER, "capital", True, False),
        ("North", Role.CASEWORKER, "capital", True, True),
        ("Desk", Role.CASEWORKER, "capital", False, False),  # national teams cover every region
        ("Desk", Role.CASEWORKER, "capital", True, True),  # ...but could not open its queue
        ("Desk", Role.SUPERVISOR, "capital", True, False),
    ],
)
def test_a_turn_is_refused_to_someone_who_could_not_open_its_cases(
    db: Database,
    keyring: Keyring,
    teams: dict[str, int],
    team: str,
    role: Role,
    region: str | None,
    on_call: bool,
    refused: bool,
) -> None:
    def attempt(s: Session) -> str:
        make_team(s, "North", "north")
        make_staff(
            s, keyring, username="capital.cw", role=Role.CASEWORKER, now=NOW, teams=("Capital",)
        )
        user = make_staff(s, keyring, username="someone", role=role, now=NOW, teams=(team,))
        return add_shift(
            s,
            keyring=keyring,
            actor=SYSTEM,
            user_id=user.id,
            region=region,
            starts_at=NOW,
            ends_at=NOW + dt.timedelta(hours=8),
            on_call=on_call,
            now=NOW,
        )

    if refused:
        with pytest.raises(InvalidInput):
            db.run(attempt, write=True)
    else:
        assert db.run(attempt, write=True)


def test_a_school_named_later_moves_the_case_to_its_region_and_someone_on_shift_there(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    desk = _person(db, keyring, "desk", "Desk", region=None)
    regional = _person(db, keyring, "regional", "Capital", region="capital")
    case = _report(db, keyring, perpetrator_role=PerpetratorRole.TEACHER)
    assert case.assigned_to_id == desk

    def named(s: Session) -> Case:
        found = s.get_one(Case, case.id)
        was = found.priority
        moved = place_from_words(
            s, keyring=keyring, case=found, text="Riversde primary", actor=REPORTER, now=NOW,
            answer=True,
        )  # fmt: skip
        assert moved
        settle(s, keyring=keyring, case=found, moved=moved, was=was, actor=REPORTER, now=NOW)
        return found

    moved = db.run(named, write=True)

    assert (moved.team_id, moved.assigned_to_id) == (teams["capital"], regional)
    kinds = db.run(
        lambda s: list(
            s.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            )
        ),
        write=False,
    )
    assert kinds[-2:] == [CaseEventKind.PLACED, CaseEventKind.ASSIGNED]


def test_a_regional_on_call_person_without_a_phone_does_not_stop_the_national_phone(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    regional = _person(
        db, keyring, "cap", "Capital", Role.SUPERVISOR, region="capital", on_call=True
    )
    _person(
        db,
        keyring,
        "nat",
        "Desk",
        Role.SUPERVISOR,
        region=None,
        on_call=True,
        phone="+359888000222",
    )

    _report(db, keyring, school="capital-002", immediate_danger=Danger.YES)

    (alert,) = outbox_payloads(db, keyring, OutboxKind.ALERT)
    assert alert["to"] == ["+359888000222"]
    (notice,) = [
        n
        for n in outbox_payloads(db, keyring, OutboxKind.STAFF_NOTICE)
        if n["kind"] == "on_call_alert"
    ]
    assert str(regional) in notice["to"]  # still told in the console


def test_nobody_linked_to_the_school_is_alerted_about_a_case_about_its_staff(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    _person(
        db, keyring, "linked", "Capital", Role.SUPERVISOR, region="capital", on_call=True,
        phone="+359888000111", schools=("capital-002",),
    )  # fmt: skip
    _person(
        db,
        keyring,
        "nat",
        "Desk",
        Role.SUPERVISOR,
        region=None,
        on_call=True,
        phone="+359888000222",
    )

    _report(
        db, keyring, school="capital-002", immediate_danger=Danger.YES,
        perpetrator_role=PerpetratorRole.TEACHER,
    )  # fmt: skip

    (alert,) = outbox_payloads(db, keyring, OutboxKind.ALERT)
    assert alert["to"] == ["+359888000222"]


def test_a_region_whose_team_has_nobody_goes_to_the_desk_queue(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    _person(db, keyring, "desk", "Desk")  # in the desk team, not on shift

    case = _report(db, keyring, school="capital-001")

    assert case.team_id == teams["desk"]  # the capital's team has no one in it


def test_a_restricted_case_moved_elsewhere_goes_to_no_one_it_was_not_restricted_to(
    db: Database, keyring: Keyring, teams: dict[str, int]
) -> None:
    amina = _person(db, keyring, "amina", "Capital", region="capital")
    db.run(lambda s: make_team(s, "North", "north"), write=True)
    boris = _person(db, keyring, "boris", "North", region="north")
    boss = _person(db, keyring, "boss", "Desk", Role.SUPERVISOR)
    case = _report(db, keyring, school="capital-001")
    assert case.assigned_to_id == amina

    def restrict_and_move(s: Session) -> Case:
        found = s.get_one(Case, case.id)
        found.restricted = True  # (restricted to its owner: the API does this with names)
        was = found.priority
        to = Where.of(found)
        moved = move_case(
            s, keyring=keyring, case=found,
            to=Where(region_id=_region(s, "north"), school_id=None,
                     category_id=to.category_id, perpetrator_role=to.perpetrator_role),
            actor=SYSTEM, now=NOW,
        )  # fmt: skip
        settle(s, keyring=keyring, case=found, moved=moved, was=was, actor=SYSTEM, now=NOW)
        return found

    moved = db.run(restrict_and_move, write=True)

    assert moved.assigned_to_id is None  # not Boris, who was never named on it
    assert boris != amina
    needs = [
        n
        for n in outbox_payloads(db, keyring, OutboxKind.STAFF_NOTICE)
        if n["kind"] == "needs_owner"
    ]
    assert [n["to"] for n in needs] == [[str(boss)]]


def _region(s: Session, code: str) -> int:
    from tests.factories.routing import region_id

    return region_id(s, code)
