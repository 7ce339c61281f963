"""Every export is an audit event naming who took which table, with which filters, in which
format; a role without STATS_READ is refused before anything is written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.scope import load_principal
from casework.audit.models import AuditEvent
from casework.audit.record import read_details
from casework.clock import FixedClock
from casework.context import Acting
from casework.errors import InvalidInput, NotAllowed
from casework.oversight.exports import record_export
from casework.protection.keys import Keyring
from casework.staff.models import Role, StaffUser
from hotline.runtime.database import Database
from tests.factories.staff import make_staff

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
FILTERS: dict[str, str | None] = {"from": "2026-11-01", "to": "2026-11-30", "by": None}


def _acting(session: Session, keyring: Keyring, username: str, role: Role) -> Acting:
    staff = make_staff(session, keyring, username=username, role=role, now=NOW)
    principal = load_principal(session, session.get_one(StaffUser, staff.id))
    return Acting(session, keyring, FixedClock(NOW), NOW, principal)


def _exports(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "stats.exported")))


def test_an_export_names_who_took_what(db: Database, keyring: Keyring) -> None:
    def check(session: Session) -> None:
        auditor = _acting(session, keyring, "audrey.auditor", Role.AUDITOR)
        record_export(auditor, what="response_times", params=FILTERS, fmt="xlsx")
        [event] = _exports(session)
        assert (event.actor_kind, event.actor_id) == ("staff", str(auditor.principal.user_id))
        assert (event.object_type, event.object_id, event.occurred_at) == (
            "export",
            "response_times",
            NOW,
        )
        assert event.case_id is None
        assert read_details(session, keyring=keyring, event=event) == {
            "what": "response_times",
            "format": "xlsx",
            "params": FILTERS,
        }

    db.run(check, write=True)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_supervisors_and_administrators_may_export(
    db: Database, keyring: Keyring, role: Role
) -> None:
    def check(session: Session) -> None:
        record_export(
            _acting(session, keyring, "someone", role), what="clock_rows", params={}, fmt="csv"
        )
        assert [e.object_id for e in _exports(session)] == ["clock_rows"]

    db.run(check, write=True)


def test_a_caseworker_is_refused_and_nothing_is_recorded(db: Database, keyring: Keyring) -> None:
    def check(session: Session) -> None:
        caseworker = _acting(session, keyring, "casey.worker", Role.CASEWORKER)
        with pytest.raises(NotAllowed):
            record_export(caseworker, what="chi_statistics", params=FILTERS, fmt="csv")
        assert _exports(session) == []

    db.run(check, write=True)


def test_only_names_and_short_filters_reach_the_trail(db: Database, keyring: Keyring) -> None:
    def check(session: Session) -> None:
        auditor = _acting(session, keyring, "audrey.auditor", Role.AUDITOR)
        with pytest.raises(ValueError, match="name"):
            record_export(auditor, what="Ana's case, Sofia", params={}, fmt="csv")
        with pytest.raises(ValueError, match="name"):
            record_export(auditor, what="clock_rows", params={"free text": "x"}, fmt="csv")
        with pytest.raises(InvalidInput):
            record_export(auditor, what="clock_rows", params={"school": "x" * 101}, fmt="csv")
        assert _exports(session) == []

    db.run(check, write=True)
