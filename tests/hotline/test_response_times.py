"""Response times per SLA clock: counted only over the cases the person may count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.scope import load_principal
from casework.audit.models import AuditEvent
from casework.clock import FixedClock
from casework.context import Acting
from casework.errors import InvalidInput, NotAllowed
from casework.oversight.response_times import Breakdown, response_times
from casework.protection.keys import Keyring
from casework.sla.figures import ClockFigures
from casework.sla.models import ClockKind
from casework.staff.models import StaffUser
from integrations.keys.local import LocalKeyFile
from tests.factories.staff import bearer
from tests.hotline.staff_world import NOW, World

DAY = dt.timedelta(days=1)


@pytest.fixture
def session(world: World) -> Iterator[Session]:
    with world.engine.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection) as s:
            yield s
        outer.rollback()


def _as(session: Session, world: World, keys: LocalKeyFile, who: str) -> Acting:
    principal = load_principal(session, session.get_one(StaffUser, world.users[who]))
    later = NOW + dt.timedelta(hours=2)
    return Acting(session, Keyring(keys), FixedClock(later), later, principal)


def _acknowledge_clocks(figures: dict[ClockKind, ClockFigures]) -> int:
    ack = figures[ClockKind.ACKNOWLEDGE]
    return ack.stopped + ack.running


@pytest.mark.parametrize(
    ("who", "cases"),
    [("SV_REGION", 3), ("SV_OTHER", 1), ("AUDITOR", 4), ("ADMIN", 4)],
)
def test_each_counts_the_cases_they_may_count(
    session: Session, world: World, keys: LocalKeyFile, who: str, cases: int
) -> None:
    figures = response_times(
        _as(session, world, keys, who), opened_from=NOW - DAY, opened_to=NOW + DAY
    )
    assert figures.cases == cases
    assert _acknowledge_clocks(figures.overall) == cases  # every case runs one


def test_broken_down_by_region(session: Session, world: World, keys: LocalKeyFile) -> None:
    figures = response_times(
        _as(session, world, keys, "AUDITOR"),
        opened_from=NOW - DAY,
        opened_to=NOW + DAY,
        by=Breakdown.REGION,
    )
    assert {name: _acknowledge_clocks(f) for name, f in figures.groups.items()} == {
        "capital": 3,
        "north": 1,
    }


def test_a_period_outside_the_cases_counts_nothing_and_a_bad_one_is_refused(
    session: Session, world: World, keys: LocalKeyFile
) -> None:
    auditor = _as(session, world, keys, "AUDITOR")
    empty = response_times(auditor, opened_from=NOW + DAY, opened_to=NOW + 2 * DAY)
    assert (empty.cases, empty.overall) == (0, {})
    with pytest.raises(InvalidInput):
        response_times(auditor, opened_from=NOW, opened_to=NOW - DAY)
    with pytest.raises(InvalidInput):
        response_times(auditor, opened_from=NOW - 400 * DAY, opened_to=NOW)


def test_a_caseworker_may_not_and_every_look_is_audited(
    session: Session, world: World, keys: LocalKeyFile
) -> None:
    with pytest.raises(NotAllowed):
        response_times(
            _as(session, world, keys, "CW_ASSIGNEE"), opened_from=NOW - DAY, opened_to=NOW
        )
    before = len(session.scalars(select(AuditEvent.id)).all())
    response_times(
        _as(session, world, keys, "SV_REGION"), opened_from=NOW - DAY, opened_to=NOW + DAY
    )
    assert len(session.scalars(select(AuditEvent.id)).all()) == before + 1


def test_the_staff_api_serves_the_figures(world_client: TestClient, world: World) -> None:
    url = "/api/staff/v1/stats/response-times"
    day = NOW.date().isoformat()
    auditor = bearer(world.tokens["AUDITOR"])
    answer = world_client.get(url, params={"from": day, "to": day, "by": "region"}, headers=auditor)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["cases"] == 4
    assert set(body["groups"]) == {"capital", "north"}
    ack = next(f for f in body["overall"] if f["clock"] == "acknowledge")
    assert ack["stopped"] + ack["running"] == 4
    refused = world_client.get(
        url, params={"from": day, "to": day}, headers=bearer(world.tokens["CW_TEAM"])
    )
    assert refused.status_code == 403
    bad = world_client.get(url, params={"from": day, "to": "yesterday"}, headers=auditor)
    assert bad.status_code == 422
