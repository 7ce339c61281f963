"""The case page's "Where it belongs" form: staff set region, school, category and the alleged
perpetrator's role; the case is triaged again and re-routed; bad input is a friendly 422."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from hotline.signin.auth import COOKIE
from tests.hotline.staff_world import World


def _as(client: TestClient, world: World, who: str) -> TestClient:
    client.cookies.set(COOKIE, world.tokens[who])
    return client


def _place(client: TestClient, world: World, case: str, **form: str):  # type: ignore[no-untyped-def]
    path = f"/console/cases/{world.cases[case]}"
    page = client.get(path).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    fields = {"region": "", "school": "", "category": "other", "perpetrator_role": "unknown"}
    return client.post(
        f"{path}/place",
        data={**fields, **form, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def test_the_form_shows_where_the_case_is_now(world_client: TestClient, world: World) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get(f"/console/cases/{world.cases['C1']}")

    assert "Where it belongs" in page.text
    assert 'name="school" value="Riverside Primary School"' in page.text
    assert '<option value="capital" selected>' in page.text


def test_naming_a_teacher_triages_again(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    answer = _place(
        client,
        world,
        "C1",
        school="Riverside primary",  # the name, as typed
        category="corporal_punishment",
        perpetrator_role="teacher",
    )

    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?done=placed")
    page = html.unescape(client.get(answer.headers["location"]).text)
    assert "triaged again" in page
    assert "in authority (teacher)" in page  # the factor, in words
    assert "Changed: category, alleged perpetrator's role" in page  # on the timeline


def test_only_a_supervisor_moves_a_case_to_another_region(
    world_client: TestClient, world: World
) -> None:
    refused = _place(_as(world_client, world, "CW_TEAM"), world, "C2", school="north-001")
    assert refused.status_code == 403
    assert "does not allow" in html.unescape(refused.text)

    client = _as(world_client, world, "SV_REGION")
    answer = _place(client, world, "C2", school="north-001")

    # It left the capital's queue for the north's: the page says so, back in the queue.
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/queue?done=moved_away"
    queue = html.unescape(client.get(answer.headers["location"]).text)
    assert "now belongs to another team's queue" in queue
    assert client.get(f"/console/cases/{world.cases['C2']}").status_code == 404


def test_bad_input_is_a_friendly_page(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    for form, problem in (
        ({"region": "atlantis"}, "Choose a region from the list."),
        ({"region": "capital", "school": "north-001"}, "This school is not in the region"),
        ({"school": "Nowhere Academy"}, "No single school has that name"),
        ({"perpetrator_role": "wizard"}, "Choose one of the options."),
        ({"category": ""}, "Choose a category from the list."),
    ):
        answer = _place(client, world, "C1", **form)
        assert answer.status_code == 422, form
        assert "text/html" in answer.headers["content-type"]
        assert problem in html.unescape(answer.text), form
