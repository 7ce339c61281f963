"""Staff set or correct where a case belongs (PUT /cases/{id}/place): re-triaged, re-routed,
audited; bad input is a clear 4xx; out of scope is 404."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories.staff import bearer
from tests.hotline.staff_world import World

URL = "/api/staff/v1/cases/{}/place"


def _put(client: TestClient, world: World, who: str, case: str, **body: object):  # type: ignore[no-untyped-def]
    payload = {"category": "other", **body}
    return client.put(
        URL.format(world.cases[case]), json=payload, headers=bearer(world.tokens[who])
    )


def test_naming_a_teacher_makes_it_at_least_p2_and_keeps_it_in_its_region(
    world_client: TestClient, world: World
) -> None:
    answer = _put(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        region="capital",
        school="capital-001",
        category="corporal_punishment",
        perpetrator_role="teacher",
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["region"], body["school"], body["category"]) == (
        "capital",
        "capital-001",
        "corporal_punishment",
    )
    assert body["priority"] in ("P1", "P2")
    assert "authority:teacher" in body["triage_factors"]


def test_moving_a_case_to_another_region_moves_it_to_that_region_s_queue(
    world_client: TestClient, world: World
) -> None:
    answer = _put(world_client, world, "SV_REGION", "C2", school="north-001")

    assert answer.status_code == 200, answer.text
    assert answer.json()["team_id"] == world.teams["T2"]
    assert answer.json()["region"] == "north"
    # Now in the north: the north's caseworker sees it, the capital's no longer does.
    north = world_client.get(
        f"/api/staff/v1/cases/{world.cases['C2']}", headers=bearer(world.tokens["CW_OTHER"])
    )
    assert north.status_code == 200
    capital = world_client.get(
        f"/api/staff/v1/cases/{world.cases['C2']}", headers=bearer(world.tokens["CW_TEAM"])
    )
    assert capital.status_code == 404


def test_bad_places_are_clear_4xx_and_change_nothing(
    world_client: TestClient, world: World
) -> None:
    cases = [
        ({"region": "atlantis"}, "region"),
        ({"school": "nowhere-001"}, "school"),
        ({"region": "capital", "school": "north-001"}, "school"),
        ({"category": "not-a-category"}, "category"),
        ({"perpetrator_role": "wizard"}, "perpetrator_role"),
        ({"region": ""}, "region"),
    ]
    for body, field in cases:
        answer = _put(world_client, world, "CW_ASSIGNEE", "C1", **body)
        assert answer.status_code == 422, (body, answer.text)
        fields = [d["field"] for d in answer.json()["error"]["details"]]
        assert fields == [field], body
    unchanged = world_client.get(
        f"/api/staff/v1/cases/{world.cases['C1']}", headers=bearer(world.tokens["CW_ASSIGNEE"])
    ).json()
    assert unchanged["region"] == "capital"


def test_out_of_scope_is_not_found_and_roles_without_casework_are_refused(
    world_client: TestClient, world: World
) -> None:
    assert _put(world_client, world, "CW_OTHER", "C1", region="north").status_code == 404
    assert _put(world_client, world, "AUDITOR", "C1", region="north").status_code == 404
    assert (
        world_client.put(URL.format(world.cases["C1"]), json={"category": "other"}).status_code
        == 401
    )


def test_a_caseworker_corrects_a_case_in_its_region_but_does_not_move_it_elsewhere(
    world_client: TestClient, world: World
) -> None:
    moved = _put(world_client, world, "CW_TEAM", "C2", school="north-001")
    assert moved.status_code == 403
    # Correcting the category and the accused's role in the same region is casework.
    same_region = _put(
        world_client, world, "CW_TEAM", "C2", school="capital-001", perpetrator_role="peer"
    )
    assert same_region.status_code == 200, same_region.text
