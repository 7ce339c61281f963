"""IDOR: every endpoint that takes a case, report, attachment or referral id, called with an id
from another scope, answers 404 and nothing else - also when the id is mixed into a path the
caller may use (another case's report or attachment under their own case)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.factories.staff import bearer
from tests.hotline.staff_world import World

# CW_OTHER works in the north: C3 is theirs; C1 (capital) is another scope's.
MINE, THEIRS = "C3", "C1"


def _paths(
    world: World, case: str, report_of: str, attachment_of: str
) -> list[tuple[str, str, object]]:
    base = f"/api/staff/v1/cases/{world.cases[case]}"
    return [
        ("GET", base, None),
        ("GET", f"{base}/reports/{world.reports[report_of]}", None),
        ("GET", f"{base}/messages", None),
        ("GET", f"{base}/attachments/{world.attachments[attachment_of]}", None),
        ("GET", f"{base}/attachments/{world.attachments[attachment_of]}/original", None),
        ("GET", f"{base}/notes", None),
        ("POST", f"{base}/notes", {"body": "x"}),
        ("POST", f"{base}/messages", {"body": "hello"}),
        ("POST", f"{base}/assignment", {"team_id": world.teams["T2"]}),
        ("POST", f"{base}/restriction", {"restricted": True}),
        (
            "POST",
            f"{base}/referrals",
            {"partner_id": str(world.partners["P1"]), "summary": "s", "consent": "given"},
        ),
    ]


def _cases(world: World) -> list[tuple[str, str, object]]:
    return [
        # another scope's case
        *_paths(world, THEIRS, THEIRS, THEIRS),
        # another case's report and attachment under one's own case
        ("GET", f"/api/staff/v1/cases/{world.cases[MINE]}/reports/{world.reports[THEIRS]}", None),
        (
            "GET",
            f"/api/staff/v1/cases/{world.cases[MINE]}/attachments/{world.attachments[THEIRS]}",
            None,
        ),
        # ids that exist nowhere
        ("GET", f"/api/staff/v1/cases/{uuid.uuid4()}", None),
        ("GET", f"/api/staff/v1/cases/{world.cases[MINE]}/reports/{uuid.uuid4()}", None),
    ]


@pytest.mark.parametrize("index", range(14))
def test_another_scopes_ids_are_not_found(
    world_client: TestClient, world: World, index: int
) -> None:
    method, path, body = _cases(world)[index]

    response = world_client.request(
        method, path, json=body, headers=bearer(world.tokens["CW_OTHER"])
    )

    assert response.status_code == 404, path
    assert response.json() == {"error": {"code": "not_found", "message": "There is nothing here."}}


def test_the_same_paths_work_in_ones_own_scope(world_client: TestClient, world: World) -> None:
    headers = bearer(world.tokens["CW_OTHER"])
    base = f"/api/staff/v1/cases/{world.cases[MINE]}"

    assert (
        world_client.get(base, headers=headers).json()["reports"][0]["narrative"]
        == "Words of case C3."
    )
    assert (
        world_client.get(f"{base}/reports/{world.reports[MINE]}", headers=headers).status_code
        == 200
    )
    picture = world_client.get(f"{base}/attachments/{world.attachments[MINE]}", headers=headers)
    assert picture.status_code == 200
    assert picture.content.startswith(b"\xff\xd8\xff")
    assert world_client.get(f"{base}/notes", headers=headers).json()[0]["body"] == "secret note"


def test_searching_another_scopes_reference_finds_nothing(
    world_client: TestClient, world: World
) -> None:
    theirs = world_client.get(
        f"/api/staff/v1/cases/{world.cases[THEIRS]}", headers=bearer(world.tokens["CW_ASSIGNEE"])
    ).json()["reference"]

    found = world_client.get(
        "/api/staff/v1/cases",
        params={"reference": theirs},
        headers=bearer(world.tokens["CW_OTHER"]),
    ).json()

    assert found == {"total": 0, "total_capped": False, "cases": []}
