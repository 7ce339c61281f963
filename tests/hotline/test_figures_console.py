"""The response-time dashboard in the console: figures, charts with their tables, filters,
downloads, scope and friendly refusals."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from hotline.signin.auth import COOKIE as COOKIE_NAME_FOR_TESTS
from tests.hotline.staff_world import NOW, World

DAY = NOW.date().isoformat()


def _as(client: TestClient, world: World, who: str) -> TestClient:
    client.cookies.set(COOKIE_NAME_FOR_TESTS, world.tokens[who])
    return client


def test_a_supervisor_sees_the_figures_charts_and_tables(
    world_client: TestClient, world: World
) -> None:
    page = _as(world_client, world, "SV_REGION").get(
        "/console/figures", params={"from": DAY, "to": DAY, "by": "school", "clock": "acknowledge"}
    )
    assert page.status_code == 200, page.text
    text = page.text
    assert "Cases opened from" in text
    assert "<strong>3</strong>" in text  # capital only: C1, C2, C4
    assert text.count('src="data:image/svg+xml;base64,') == 3  # trend, by school, distribution
    assert text.count("<figure") == 3
    assert "Riverside Primary School" in text  # the breakdown's table names the schools
    assert "Pine Valley" not in text  # another region's school
    assert "Words of case" not in text  # never a child's words
    assert 'href="/console/figures/clock-rows.csv?' in text
    assert 'aria-current="page">Response times' in text


def test_filters_and_the_default_period(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "AUDITOR")
    north = client.get("/console/figures", params={"from": DAY, "to": DAY, "region": "north"})
    assert "<strong>1</strong>" in north.text
    # The form as a browser sends it: "Any" is an empty value.
    anything = client.get(
        "/console/figures",
        params={
            "from": DAY,
            "to": DAY,
            "priority": "",
            "channel": "",
            "region": "",
            "category": "",
        },
    )
    assert anything.status_code == 200
    assert "<strong>4</strong>" in anything.text
    default = client.get("/console/figures")  # the last 12 weeks, to today
    assert default.status_code == 200
    assert "<strong>4</strong>" in default.text


def test_a_caseworker_sees_their_own_figures_without_downloads(
    world_client: TestClient, world: World
) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get(
        "/console/figures", params={"from": DAY, "to": DAY}
    )
    assert page.status_code == 200
    assert "These are the cases assigned to you." in page.text
    assert "<strong>1</strong>" in page.text
    assert "clock-rows.csv" not in page.text
    refused = world_client.get("/console/figures/clock-rows.csv", params={"from": DAY, "to": DAY})
    assert refused.status_code == 403
    assert "<html" in refused.text.lower()


@pytest.mark.parametrize(
    "params",
    [
        {"from": DAY, "to": "2026-13-01"},
        {"from": DAY, "to": "2024-01-01"},
        {"from": "2024-01-01", "to": DAY},
        {"by": "mood"},
        {"priority": "P9"},
        {"channel": "fax"},
    ],
)
def test_bad_choices_get_a_friendly_page(
    world_client: TestClient, world: World, params: dict[str, str]
) -> None:
    answer = _as(world_client, world, "AUDITOR").get("/console/figures", params=params)
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"].startswith("text/html")


def test_the_downloads_carry_the_page_choices(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "AUDITOR")
    table = client.get(
        "/console/figures/response-times.csv", params={"from": DAY, "to": DAY, "by": "region"}
    )
    assert table.status_code == 200
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert {r["group"] for r in rows} == {"all", "capital", "north"}
    rows_file = client.get(
        "/console/figures/clock-rows.xlsx", params={"from": DAY, "to": DAY, "region": "north"}
    )
    assert rows_file.status_code == 200
    assert rows_file.headers["content-disposition"].endswith('.xlsx"')
    assert client.get("/console/figures/clock-rows.pdf").status_code in (404, 422)
