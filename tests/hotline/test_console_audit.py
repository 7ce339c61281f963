"""The audit viewer over HTTP, in the console and the staff API: who looked at what, filtered
and paged; supervisors see their regions' cases only, auditors everything, caseworkers
nothing; never a payload; the trail's last verification and newest checkpoint."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from casework.access.policy import Action, may_globally
from casework.actors import SYSTEM
from casework.audit.record import AuditAction, record_event
from casework.audit.status import record_verify_run
from casework.audit.verify import Verification
from casework.cases.models import Case
from casework.protection.keys import Keyring
from casework.staff.models import Role
from hotline.runtime.database import Database
from hotline.signin.auth import COOKIE
from tests.factories.staff import bearer
from tests.hotline.staff_world import NOW, World

MARKER = "PAYLOAD-MARKER-7Q"  # sealed in an event's details: must never reach a page


def _db(client: TestClient) -> Database:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db


def _keyring(client: TestClient) -> Keyring:
    keyring: Keyring = client.app.state.keyring  # type: ignore[attr-defined]
    return keyring


def _as(client: TestClient, world: World, who: str) -> TestClient:
    client.cookies.set(COOKIE, world.tokens[who])
    return client


def _ref(client: TestClient, world: World, name: str) -> str:
    return _db(client).run(lambda s: s.get_one(Case, world.cases[name]).reference, write=False)


def _read_case(client: TestClient, world: World, who: str, case: str) -> None:
    answer = client.get(
        f"/api/staff/v1/cases/{world.cases[case]}", headers=bearer(world.tokens[who])
    )
    assert answer.status_code == 200


def _record(
    client: TestClient, count: int, action: AuditAction, *, details: dict[str, str]
) -> None:
    keyring = _keyring(client)

    def write(s: Session) -> None:
        for n in range(count):
            record_event(
                s,
                keyring=keyring,
                action=action,
                actor=SYSTEM,
                object_type="master_key",
                object_id=f"k{n}",
                details=details,
                now=NOW - dt.timedelta(minutes=n),
            )

    _db(client).run(write, write=True)


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)


def test_an_auditor_sees_everything_but_never_a_payload(
    world_client: TestClient, world: World
) -> None:
    _read_case(world_client, world, "CW_OTHER", "C3")
    _record(world_client, 1, AuditAction.KEYS_ROTATED, details={"secret": MARKER})

    page = _as(world_client, world, "AUDITOR").get("/console/audit")

    assert page.status_code == 200
    assert page.headers["cache-control"].startswith("no-store")
    assert 'href="/console/audit" aria-current="page"' in page.text  # the nav link
    c3 = _ref(world_client, world, "C3")
    # Another region's case is there, linked to its own entries (auditors cannot open cases).
    assert f'href="/console/audit?case={c3}"' in page.text
    assert "cw_other (cw_other)" in page.text
    assert "keys.rotated" in page.text
    assert MARKER not in page.text
    assert "Words of case" not in page.text


def test_a_supervisor_sees_only_their_regions_cases(world_client: TestClient, world: World) -> None:
    _read_case(world_client, world, "CW_OTHER", "C3")  # north
    _read_case(world_client, world, "CW_ASSIGNEE", "C1")  # capital
    c1, c3 = _ref(world_client, world, "C1"), _ref(world_client, world, "C3")
    client = _as(world_client, world, "SV_REGION")

    page = client.get("/console/audit")
    only_c3 = client.get(f"/console/audit?case={c3}")

    assert page.status_code == 200
    assert c1 in page.text
    assert f'href="/console/cases/{world.cases["C1"]}"' in page.text  # supervisors open cases
    assert c3 not in page.text
    assert "cw_other" not in page.text
    assert all("/console/cases/" in row for row in _rows(page.text))  # nothing but cases
    assert only_c3.status_code == 200
    assert _rows(only_c3.text) == []
    assert "No entries match." in only_c3.text


def test_caseworkers_are_refused_and_see_no_link(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")

    refused = client.get("/console/audit")
    refused_bad_input = client.get("/console/audit?from=nonsense")

    assert refused.status_code == refused_bad_input.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    assert "/console/audit" not in client.get("/console/queue").text


@pytest.mark.parametrize("who", ["CW_ASSIGNEE", "SV_REGION", "AUDITOR"])
def test_the_nav_link_follows_the_policy(world_client: TestClient, world: World, who: str) -> None:
    role = {"CW_ASSIGNEE": Role.CASEWORKER, "SV_REGION": Role.SUPERVISOR, "AUDITOR": Role.AUDITOR}
    page = _as(world_client, world, who).get("/console/queue")

    assert ('href="/console/audit"' in page.text) is may_globally(role[who], Action.AUDIT_READ)


def test_filters_by_case_staff_action_and_days(world_client: TestClient, world: World) -> None:
    _read_case(world_client, world, "CW_ASSIGNEE", "C1")
    _read_case(world_client, world, "CW_TEAM", "C2")
    c1, c2 = _ref(world_client, world, "C1"), _ref(world_client, world, "C2")
    client = _as(world_client, world, "AUDITOR")
    day = NOW.date().isoformat()
    next_day = (NOW.date() + dt.timedelta(days=1)).isoformat()

    by_case = _rows(client.get(f"/console/audit?case={c1.lower()}").text)
    by_staff = _rows(client.get("/console/audit?who=CW_TEAM").text)
    by_action = _rows(client.get("/console/audit?action=case.read&who=cw_assignee").text)
    that_day = _rows(client.get(f"/console/audit?from={day}&to={day}&who=cw_team").text)
    later = _rows(client.get(f"/console/audit?from={next_day}").text)

    assert by_case
    assert all(c1 in row for row in by_case)
    assert by_staff
    assert all("cw_team (cw_team)" in row and c2 in row for row in by_staff)
    assert by_action
    assert all("case.read" in row and "cw_assignee" in row for row in by_action)
    assert len(that_day) == len(by_staff)
    assert later == []


def test_pages_keep_their_filters(world_client: TestClient, world: World) -> None:
    _record(world_client, 57, AuditAction.KEYS_RETIRED, details={})
    client = _as(world_client, world, "AUDITOR")

    first = client.get("/console/audit?action=keys.retired")
    second = client.get("/console/audit?action=keys.retired&page=2")

    assert len(_rows(first.text)) == 50
    assert len(_rows(second.text)) == 7
    links = html.unescape(first.text)
    assert 'href="/console/audit?case=&who=&action=keys.retired&from=&to=&page=2"' in links
    assert "Previous" not in first.text
    assert 'page=1" rel="prev">Previous' in html.unescape(second.text)
    assert "Next</a>" not in second.text
    # Newest first: the page ends where the next begins.
    assert "k49" not in first.text  # object ids are not shown, only what they are
    assert first.text.count("master key") == 50


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=2026-13-45", "YYYY-MM-DD"),
        ("to=yesterday", "YYYY-MM-DD"),
        ("action=case.hacked", "Choose the action from the list."),
        ("case=not-a-reference!", "A case reference looks like"),
        ("from=2026-11-27&to=2026-11-20", "must come after its start"),
    ],
)
def test_a_bad_filter_shows_the_page_again_saying_why(
    world_client: TestClient, world: World, query: str, says: str
) -> None:
    page = _as(world_client, world, "AUDITOR").get(f"/console/audit?{query}")

    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert says in html.unescape(page.text)
    assert 'role="search"' in page.text  # the form, to correct it
    assert _rows(page.text) == []


def test_the_last_verification_and_checkpoint_are_shown(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "AUDITOR")
    never = client.get("/console/audit").text

    def ran(result: Verification, when: dt.datetime) -> None:
        _db(world_client).run(
            lambda s: record_verify_run(s, result, ran_by="cli:ops", now=when), write=True
        )

    ran(Verification(size=4321, checkpoints=3), NOW - dt.timedelta(hours=2))
    fresh = client.get("/console/audit").text
    ran(Verification(size=99).fail(17, "the event at position 17 is wrong"), NOW)
    failed = client.get("/console/audit").text

    assert "has never been verified" in never
    assert "Passed" in fresh
    assert "4321 entries" in fresh
    assert 'role="alert"' not in fresh
    assert "FAILED" in failed
    assert "first bad position 17" in failed
    assert "The last verification FAILED at position 17" in failed


def test_a_verification_older_than_a_day_is_a_warning(
    world_client: TestClient, world: World
) -> None:
    _db(world_client).run(
        lambda s: record_verify_run(
            s, Verification(size=5), ran_by="cli:ops", now=NOW - dt.timedelta(days=2)
        ),
        write=True,
    )

    page = _as(world_client, world, "SV_REGION").get("/console/audit").text

    assert "has not been verified for more than a day" in page


def test_the_case_page_shows_who_looked_at_it(world_client: TestClient, world: World) -> None:
    _read_case(world_client, world, "CW_ASSIGNEE", "C1")
    case = f"/console/cases/{world.cases['C1']}"

    supervisor = _as(world_client, world, "SV_REGION").get(case).text
    caseworker = _as(world_client, world, "CW_ASSIGNEE").get(case).text

    log = supervisor.split('id="access-h"', 1)[1].split("</section>", 1)[0]
    assert "cw_assignee" in log  # the world's display names are the usernames
    assert "Case read (case)" in log
    assert f"/console/audit?case={_ref(world_client, world, 'C1')}" in log
    assert 'id="access-h"' not in caseworker


def test_the_api_filters_and_pages_with_the_same_use_case(
    world_client: TestClient, world: World
) -> None:
    _record(world_client, 5, AuditAction.KEYS_RETIRED, details={"secret": MARKER})
    _read_case(world_client, world, "CW_OTHER", "C3")
    auditor = bearer(world.tokens["AUDITOR"])

    first = world_client.get(
        "/api/staff/v1/audit/events?action=keys.retired&limit=3", headers=auditor
    )
    rest = world_client.get(
        "/api/staff/v1/audit/events?action=keys.retired&limit=3&page=2", headers=auditor
    )
    c3 = _ref(world_client, world, "C3")
    supervisor = world_client.get(
        f"/api/staff/v1/audit/events?case={c3}", headers=bearer(world.tokens["SV_REGION"])
    )
    case_log = world_client.get(f"/api/staff/v1/audit/cases/{world.cases['C3']}", headers=auditor)
    bad = world_client.get("/api/staff/v1/audit/events?action=nope", headers=auditor)
    status = world_client.get("/api/staff/v1/audit/status", headers=auditor)

    assert [e["object_id"] for e in first.json()] == ["k0", "k1", "k2"]
    assert 'page=2>; rel="next"' in first.headers["link"]
    assert [e["object_id"] for e in rest.json()] == ["k3", "k4"]
    assert "link" not in rest.headers
    assert MARKER not in first.text
    assert supervisor.status_code == 200
    assert supervisor.json() == []  # another region's case
    assert any(e["actor_id"] == str(world.users["CW_OTHER"]) for e in case_log.json())
    assert bad.status_code == 422
    assert status.json()["warning"].startswith("The audit trail has never been verified")
    assert (
        world_client.get(
            f"/api/staff/v1/audit/cases/{world.cases['C3']}",
            headers=bearer(world.tokens["SV_REGION"]),
        ).status_code
        == 404
    )


def test_every_look_is_audited(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "AUDITOR")
    client.get("/console/audit?action=case.read")

    page = client.get("/console/audit?action=audit.read&who=auditor")

    assert len(_rows(page.text)) >= 1
    assert "audit trail" in page.text
