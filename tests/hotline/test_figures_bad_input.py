"""Input no figure or audit route can use is refused with a clear 4xx - JSON for the API, a
page for the console and the public report - never a 500, on both databases: days at the
calendar's ends (a day added or taken away would overflow), numbers longer than their column
holds, and control characters (PostgreSQL refuses NUL in text) in any query parameter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.signin.auth import COOKIE
from tests.hotline.staff_world import NOW, World

DAY = NOW.date().isoformat()
RT = "/api/staff/v1/stats/response-times"
ROWS = "/api/staff/v1/stats/clock-rows"
EXPORT = "/api/staff/v1/stats/response-times/export"
CHI = "/api/staff/v1/stats/chi"
AUDIT = "/api/staff/v1/audit/events"

BAD: list[tuple[str, dict[str, str]]] = [
    # Days at the calendar's ends, and outside the years a period may name.
    (RT, {"from": DAY, "to": "9999-12-31"}),
    (RT, {"from": "9999-12-30", "to": "9999-12-30"}),
    (RT, {"from": "0001-01-01", "to": "0001-01-02"}),
    (RT, {"from": "2101-01-01", "to": "2101-01-01"}),
    (RT, {"from": "1999-12-31", "to": "1999-12-31"}),
    (ROWS, {"from": DAY, "to": "9999-12-31"}),
    (ROWS, {"from": "9999-12-30", "to": "9999-12-30"}),
    (EXPORT, {"from": DAY, "to": "9999-12-31"}),
    (AUDIT, {"to": "9999-12-31"}),
    (AUDIT, {"from": "0001-01-01"}),
    ("/console/figures", {"to": "0001-01-01"}),
    ("/console/figures", {"to": "9999-12-31"}),
    ("/console/figures", {"from": "9999-12-30", "to": "9999-12-30"}),
    ("/console/figures", {"from": "0001-01-01", "to": DAY}),
    ("/console/figures/clock-rows.csv", {"to": "9999-12-31"}),
    ("/console/figures/response-times.csv", {"to": "9999-12-31"}),
    ("/console/audit", {"to": "9999-12-31"}),
    ("/console/audit", {"from": "0001-01-01"}),
    (CHI, {"from": "9999-12", "to": "9999-12"}),
    ("/console/figures/statistics", {"from": "9999-12", "to": "9999-12"}),
    ("/transparency", {"from": "9999-12", "to": "9999-12"}),
    # Numbers longer than their column holds.
    (RT, {"from": DAY, "to": DAY, "team": "99999999999999999999999"}),
    (RT, {"from": DAY, "to": DAY, "team": str(2**31)}),
    (RT, {"from": DAY, "to": DAY, "team": str(-(2**31) - 1)}),
    (RT, {"from": DAY, "to": DAY, "by": "team", "team": "9" * 5000}),
    (ROWS, {"from": DAY, "to": DAY, "team": "99999999999999999999"}),
    (EXPORT, {"from": DAY, "to": DAY, "team": "99999999999999999999"}),
    (AUDIT, {"before": str(2**63)}),
    (AUDIT, {"before": str(10**30)}),
    # Control characters in a query parameter.
    (RT, {"from": DAY, "to": DAY, "channel": "\x00"}),
    (RT, {"from": DAY, "to": DAY, "region": "\x00"}),
    (RT, {"from": DAY, "to": DAY, "category": "a\x00b"}),
    (RT, {"from": DAY, "to": DAY, "school": "\x00"}),
    (RT, {"from": DAY, "to": DAY, "caseworker": "\x00"}),
    (RT, {"from": DAY, "to": DAY, "priority": "\x1b"}),
    (RT, {"from": DAY, "to": DAY, "\x00": "x"}),
    (ROWS, {"from": DAY, "to": DAY, "region": "\x00"}),
    (EXPORT, {"from": DAY, "to": DAY, "school": "\x00"}),
    (CHI, {"from": "2026-10", "to": "2026-10", "region": "\x00"}),
    (CHI, {"from": "2026-10\x00", "to": "2026-10"}),
    (AUDIT, {"staff": "\x00"}),
    (AUDIT, {"case": "HX-\x00"}),
    ("/console/audit", {"who": "\x00"}),
    ("/console/audit", {"case": "\x00"}),
    ("/console/audit", {"action": "\x7f"}),
    ("/console/figures", {"from": DAY, "to": DAY, "region": "\x00"}),
    ("/console/figures", {"from": DAY, "to": DAY, "category": "\x00"}),
    ("/console/figures/clock-rows.csv", {"region": "\x00"}),
    ("/console/figures/statistics", {"from": "2026-10", "to": "2026-10\x00"}),
    ("/console/figures/statistics.csv", {"from": "\x00"}),
    ("/transparency", {"region": "\x00"}),
    ("/transparency.csv", {"region": "\x00"}),
    ("/transparency", {"from": "2026-\x00"}),
]


def _ask(client: TestClient, world: World, path: str, params: dict[str, str]) -> str:
    """Ask as the auditor (nobody signed in for the public report); the type expected."""
    if path.startswith("/transparency"):
        client.cookies.clear()
    else:
        client.cookies.set(COOKIE, world.tokens["AUDITOR"])
    return "application/json" if path.startswith("/api/") else "text/html"


@pytest.mark.parametrize(("path", "params"), BAD)
def test_bad_input_is_refused_clearly(
    world_client: TestClient, world: World, path: str, params: dict[str, str]
) -> None:
    expected = _ask(world_client, world, path, params)
    answer = world_client.get(path, params=params)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith(expected)
    if expected == "application/json":
        assert answer.json()["error"]["code"]
    else:
        assert "<html" in answer.text.lower()
    assert "\x00" not in answer.text  # nothing sent is echoed back


def test_a_control_character_names_the_parameter(world_client: TestClient, world: World) -> None:
    _ask(world_client, world, RT, {})
    answer = world_client.get(RT, params={"from": DAY, "to": DAY, "region": "north\x00"})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"] == [
        {"field": "region", "message": "This contains characters we cannot read."}
    ]
    page = world_client.get("/console/cases/%00")  # in the path too
    assert page.status_code == 422
    assert "We could not do that" in page.text
    assert 'href="/console/queue"' in page.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (RT, {"from": "2000-01-01", "to": "2000-01-01"}),
        (RT, {"from": "2100-12-31", "to": "2100-12-31"}),
        (RT, {"from": DAY, "to": DAY, "team": str(2**31 - 1)}),
        (RT, {"from": DAY, "to": DAY, "team": str(-(2**31))}),
        (RT, {"from": DAY, "to": DAY, "region": "north\tsouth"}),  # a tab is no control here
        (ROWS, {"from": "2100-12-31", "to": "2100-12-31"}),
        (AUDIT, {"from": "2000-01-01", "to": "2100-12-31"}),
        (AUDIT, {"before": str(2**63 - 1)}),
        ("/console/figures", {"from": "2100-12-31", "to": "2100-12-31"}),
        ("/console/figures", {"to": "2000-01-05"}),  # the default 12 weeks stop at 2000
        ("/console/audit", {"from": "2000-01-01", "to": "2100-12-31"}),
    ],
)
def test_the_years_and_numbers_a_period_may_name_are_accepted(
    world_client: TestClient, world: World, path: str, params: dict[str, str]
) -> None:
    _ask(world_client, world, path, params)
    answer = world_client.get(path, params=params)
    assert answer.status_code == 200, answer.text[:300]
