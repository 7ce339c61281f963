"""Coverage: every configuration gap through which a report would reach nobody is named."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from casework.protection.keys import Keyring
from casework.routing.coverage import Severity, coverage_gaps
from casework.routing.service import set_staff_phone
from casework.staff.accounts import ensure_team
from casework.staff.models import Role, StaffUser
from hotline.runtime.database import Database
from tests.factories.routing import on_shift
from tests.factories.staff import make_staff, make_team

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _gaps(db: Database, phones: int = 0) -> dict[str, Severity]:
    found = db.run(lambda s: coverage_gaps(s, now=NOW, installation_phones=phones), write=False)
    return {g.code + (f":{g.region}" if g.region else ""): g.severity for g in found}


def test_nothing_set_up_means_nobody_would_get_a_report(db: Database, places: None) -> None:
    assert _gaps(db) == {
        "no_national_desk": Severity.CRITICAL,
        "region_uncovered:capital": Severity.CRITICAL,
        "region_uncovered:north": Severity.CRITICAL,
        "region_uncovered:south": Severity.CRITICAL,
        "no_alert_phone": Severity.CRITICAL,
    }
    # Installation on-call phones take every alert.
    assert "no_alert_phone" not in _gaps(db, phones=1)


def test_an_empty_national_team_is_no_desk(db: Database, places: None) -> None:
    db.run(lambda s: ensure_team(s, name="Desk", region_codes=[], national=True), write=True)
    assert "no_national_desk" in _gaps(db)


def test_a_staffed_desk_with_a_phone_on_call_closes_every_gap(
    db: Database, keyring: Keyring, places: None
) -> None:
    def build(s: Session) -> None:
        ensure_team(s, name="Desk", region_codes=[], national=True)
        make_team(s, "Regions", "capital", "north", "south")
        make_staff(s, keyring, username="cw.one", role=Role.CASEWORKER, now=NOW, teams=("Regions",))
        boss = make_staff(
            s, keyring, username="boss", role=Role.SUPERVISOR, now=NOW, teams=("Desk",)
        )
        on_shift(s, boss.id, None, NOW, on_call=True)
        set_staff_phone(
            s,
            keyring=keyring,
            user=s.get_one(StaffUser, boss.id),
            phone="+359888000111",
            region=None,
        )

    db.run(build, write=True)

    # The national on-call turn is on duty (no desk shift now) and texts for every region.
    assert _gaps(db) == {}


def test_a_region_whose_team_has_nobody_falls_back_to_the_desk_with_a_warning(
    db: Database, keyring: Keyring, places: None
) -> None:
    def build(s: Session) -> None:
        ensure_team(s, name="Desk", region_codes=[], national=True)
        make_team(s, "Capital", "capital")  # nobody in it
        make_staff(s, keyring, username="desk", role=Role.CASEWORKER, now=NOW, teams=("Desk",))

    db.run(build, write=True)

    gaps = _gaps(db, phones=1)
    assert gaps["region_uncovered:capital"] is Severity.WARNING
    assert "no_national_desk" not in gaps


def test_a_desk_with_nobody_on_duty_now_is_a_warning(
    db: Database, keyring: Keyring, places: None
) -> None:
    def build(s: Session) -> None:
        ensure_team(s, name="Desk", region_codes=[], national=True)
        make_staff(s, keyring, username="desk", role=Role.CASEWORKER, now=NOW, teams=("Desk",))

    db.run(build, write=True)

    assert _gaps(db, phones=1) == {
        "desk_unstaffed": Severity.WARNING,
        "region_uncovered:capital": Severity.WARNING,
        "region_uncovered:north": Severity.WARNING,
        "region_uncovered:south": Severity.WARNING,
    }
