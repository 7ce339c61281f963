"""The supervision page says when a report could reach nobody (here: no national desk, and
the south covered by no team)."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from hotline.signin.auth import COOKIE
from tests.hotline.staff_world import World


def test_the_supervision_page_names_every_gap(world_client: TestClient, world: World) -> None:
    world_client.cookies.set(COOKIE, world.tokens["SV_REGION"])

    page = html.unescape(world_client.get("/console/supervise").text)

    assert "Reports that would reach nobody" in page
    assert "No national desk" in page
    assert "Region south: no team with active staff covers it" in page
    assert 'role="alert"' in page
