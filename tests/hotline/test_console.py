"""The console over HTTP: sign-in redirects that remember the page, CSRF on every form,
no caching of case pages, scope, and clear 4xx answers to bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from hotline.console.session import safe_next
from hotline.staff.auth import COOKIE as COOKIE_NAME_FOR_TESTS
from tests.hotline.staff_world import World


def _as(client: TestClient, world: World, who: str) -> TestClient:
    client.cookies.set(COOKIE_NAME_FOR_TESTS, world.tokens[who])
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_page_without_a_session_goes_to_sign_in_and_remembers_it(
    world_client: TestClient, world: World
) -> None:
    path = f"/console/cases/{world.cases['C1']}"
    answer = world_client.get(path, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/login?next={path}"
    page = world_client.get(answer.headers["location"])
    assert f'name="next" value="{path}"' in page.text


@pytest.mark.parametrize(
    "wanted",
    ["//evil.example/x", "https://evil.example", "/console/../api", "/report", "/console?x=1"],
)
def test_only_console_paths_are_remembered(wanted: str) -> None:
    assert safe_next(wanted) == "/console/queue"


def test_the_queue_lists_what_the_caseworker_may_see(
    world_client: TestClient, world: World
) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get("/console/queue?view=team")

    assert page.status_code == 200
    assert page.headers["cache-control"].startswith("no-store")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text  # no inline script anywhere
    assert str(world.cases["C1"]) in page.text
    assert str(world.cases["C3"]) not in page.text  # another region's


def test_the_case_page_is_never_cached_and_shows_the_story(
    world_client: TestClient, world: World
) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get(f"/console/cases/{world.cases['C1']}")

    assert page.status_code == 200
    assert page.headers["cache-control"].startswith("no-store")
    assert "Words of case C1." in page.text
    assert "secret note" in page.text


def test_another_regions_case_is_not_found(world_client: TestClient, world: World) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get(f"/console/cases/{world.cases['C3']}")

    assert page.status_code == 404
    assert "Words of case C3." not in page.text
    assert "text/html" in page.headers["content-type"]


def test_a_form_without_the_csrf_token_is_refused(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"

    refused = client.post(f"{path}/notes", data={"body": "forged"}, follow_redirects=False)
    wrong = client.post(
        f"{path}/notes", data={"body": "forged", "csrf_token": "x" * 43}, follow_redirects=False
    )

    assert refused.status_code == wrong.status_code == 403
    assert "forged" not in client.get(path).text


def test_a_note_with_the_token_is_added(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    token = _csrf(client.get(path).text)

    added = client.post(
        f"{path}/notes",
        data={"body": "called the school", "csrf_token": token},
        follow_redirects=False,
    )

    assert added.status_code == 303
    assert added.headers["location"] == f"{path}?done=note"
    assert "called the school" in client.get(added.headers["location"]).text


@pytest.mark.parametrize(
    ("form", "action"),
    [
        ({"priority": "P9", "reason": "because of reasons"}, "priority"),
        ({"priority": "P1", "reason": ""}, "priority"),
        ({"body": ""}, "notes"),
        ({"body": "x" * 9000}, "notes"),
        ({"partner_id": "not-an-id", "consent": "given", "summary": "s"}, "referrals"),
        ({"outcome": "nonsense"}, "closure"),
    ],
)
def test_bad_input_is_a_clear_4xx_page(
    world_client: TestClient, world: World, form: dict[str, str], action: str
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    token = _csrf(client.get(path).text)

    answer = client.post(f"{path}/{action}", data={**form, "csrf_token": token})

    assert answer.status_code == 422
    assert "text/html" in answer.headers["content-type"]


def test_supervision_is_for_supervisors(world_client: TestClient, world: World) -> None:
    assert _as(world_client, world, "CW_ASSIGNEE").get("/console/supervise").status_code == 403
    page = _as(world_client, world, "SV_REGION").get("/console/supervise")
    assert page.status_code == 200
    assert "Caseload" in page.text


def test_a_caseworker_sees_the_cleaned_picture_but_not_the_original_link(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    page = client.get(path).text

    assert f"{path}/attachments/{world.attachments['C1']}" in page
    assert "/original" not in page
    assert client.get(f"{path}/attachments/{world.attachments['C1']}/original").status_code == 403


def test_an_expired_session_returns_to_sign_in_remembering_the_page(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    assert client.get(path).status_code == 200

    client.app.state.clock.advance(dt.timedelta(days=2))  # type: ignore[attr-defined]
    answer = client.get(path, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/login?next={path}"
