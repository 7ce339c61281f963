"""The CHI statistics in the console: the same suppressed tables as the staff API, scoped to a
supervisor's regions, the audited CSV, the public report's links, friendly refusals.

The world's four cases were opened on 2026-11-26 (NOW): three in capital, one in north, all
bullying reports with no age given - every count is under five.
"""

from __future__ import annotations

import csv
import html
import io
import re
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEvent
from casework.audit.record import AuditAction
from casework.sla.service import refresh_stale
from hotline.signin.auth import COOKIE as COOKIE_NAME_FOR_TESTS
from tests.factories.reports import web_form
from tests.factories.staff import bearer
from tests.hotline.staff_world import World

PAGE = "/console/figures/statistics"
NOVEMBER = {"from": "2026-11", "to": "2026-11"}


def _as(client: TestClient, world: World, who: str) -> TestClient:
    client.cookies.set(COOKIE_NAME_FOR_TESTS, world.tokens[who])
    return client


def _table(text: str, table_id: str) -> dict[str, dict[str, str]]:
    """A table of the page as {row heading: {column heading: cell}}, totals included."""
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', text, re.DOTALL)
    assert found, table_id
    body = found[1]
    columns = [html.unescape(c) for c in re.findall(r'<th scope="col">([^<]*)</th>', body)][1:]
    rows = {}
    for line in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", body, re.DOTALL):
        name, rest = line.split("</th>", 1)
        cells = [html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", rest)]
        rows[html.unescape(name)] = dict(zip(columns, cells, strict=True))
    return rows


def _exports(client: TestClient) -> int:
    def count(s: Session) -> int:
        return int(
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == AuditAction.STATS_EXPORTED,
                    AuditEvent.object_type == "chi_statistics",
                )
            )
            or 0
        )

    db: Any = client.app.state.db  # type: ignore[attr-defined]
    return int(db.run(count, write=False))


def test_a_supervisor_sees_the_tables_with_small_counts_hidden(
    world_client: TestClient, world: World
) -> None:
    page = _as(world_client, world, "SV_REGION").get(PAGE, params=NOVEMBER)
    assert page.status_code == 200, page.text
    text = page.text
    assert "<h1>CHI statistics</h1>" in text
    assert 'aria-current="page">CHI statistics' in text
    assert text.count("<caption>") == 5  # channel, age band, gender, region, month
    assert "Cases opened November 2026: <strong>&lt;5</strong>" in text  # capital's three
    region = _table(text, "chi-region")
    assert list(region["All groups"]) == ["Capital District", "All"]
    assert region["All groups"]["Capital District"] == "<5"
    assert "Northern Province" not in text
    gender = _table(text, "chi-gender")
    assert list(gender["All groups"]) == ["Not recorded", "All"]
    assert "The hotline does not record gender yet" in text
    assert "could point at one child" in text  # what suppression means, in words
    channel = _table(text, "chi-channel")
    assert set(channel["All groups"]) >= {"Web form", "App", "SMS", "All"}
    assert "Words of case" not in text  # counts, never a child's words
    # November's quarter has not ended: no public report for it yet, and the page says so.
    assert "/transparency?" not in text
    assert "Choose months up to September 2026" in text
    assert 'href="/console/figures/statistics.csv?from=2026-11&amp;to=2026-11"' in text


def test_another_regions_supervisor_counts_none_of_capitals_cases(
    world_client: TestClient, world: World
) -> None:
    text = _as(world_client, world, "SV_OTHER").get(PAGE, params=NOVEMBER).text
    region = _table(text, "chi-region")
    assert list(region["All groups"]) == ["Northern Province", "All"]
    assert "Capital District" not in text
    months = _table(text, "chi-month")
    assert months["All groups"]["November 2026"] == "<5"


def test_the_page_shows_the_staff_apis_figures(world_client: TestClient, world: World) -> None:
    # Six more reports through the web form today: enough for counts to be shown.
    for _ in range(6):
        sent = world_client.post("/report", data=web_form(token=secrets.token_urlsafe(24)))
        assert sent.status_code == 200, sent.text
    # The worker's SLA pass counts them in the monthly case summary the statistics read.
    app_db: Any = world_client.app.state.db  # type: ignore[attr-defined]
    assert app_db.run(refresh_stale, write=True) == 6
    text = _as(world_client, world, "AUDITOR").get(PAGE, params=NOVEMBER).text
    api = world_client.get(
        "/api/staff/v1/stats/chi", params=NOVEMBER, headers=bearer(world.tokens["AUDITOR"])
    ).json()
    assert api["cases"] == 10
    assert "Cases opened November 2026: <strong>10</strong>" in text
    for table in api["tables"]:
        shown = _table(text, "chi-" + table["by"].replace("_", "-"))
        for i, row in enumerate(table["rows"]):
            line = next(v for k, v in shown.items() if k.lower() == row.replace("_", " "))
            assert list(line.values()) == [str(c) for c in table["cells"][i]] + [
                str(table["row_totals"][i])
            ]
        assert list(shown["All groups"].values()) == [str(c) for c in table["column_totals"]] + [
            str(table["total"])
        ]
    ages = _table(text, "chi-age-band")
    # The web form's six aged 10 hide with the four without an age: 10 - 6 would tell.
    assert ages["All groups"]["10-12 years"] == "<5"
    assert ages["All groups"]["age unknown"] == "<5"  # the world's four gave none


def test_the_csv_is_the_apis_and_audited_as_an_export(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "SV_REGION")
    before = _exports(client)
    answer = client.get(PAGE + ".csv", params=NOVEMBER)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "chi-statistics-2026-11-2026-11" in answer.headers["content-disposition"]
    assert _exports(client) == before + 1
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["table", "chi_group", "value", "count"]
    assert ["region", "all", "Capital District", "<5"] in rows
    api = world_client.get(
        "/api/staff/v1/stats/chi",
        params={**NOVEMBER, "format": "csv"},
        headers=bearer(world.tokens["SV_REGION"]),
    )
    assert api.content == answer.content
    # Looking at the page is audited as a read, not as an export.
    client.get(PAGE, params=NOVEMBER)
    assert _exports(client) == before + 2  # the API's download above


def test_by_default_the_last_three_ended_months_with_the_public_reports(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "SV_REGION")
    page = client.get(PAGE)
    assert page.status_code == 200, page.text
    text = page.text
    assert "Cases opened August 2026 to October 2026: <strong>0</strong>" in text
    assert 'value="2026-08"' in text
    assert 'value="2026-10"' in text
    # The public report is published for whole quarters: the latest among these months
    # that has ended (July to September).
    links = re.findall(r'href="(/transparency\?[^"]*)"', text)
    assert [html.unescape(link) for link in links] == [
        "/transparency?period=2026-Q3",
        "/transparency?region=capital&period=2026-Q3",
    ]
    assert "The whole country, July to September 2026" in text
    assert "publishable version" in text
    for link in links:
        assert client.get(html.unescape(link)).status_code == 200


def test_auditors_get_every_regions_public_report(world_client: TestClient, world: World) -> None:
    text = _as(world_client, world, "AUDITOR").get(PAGE, params={"from": "2026-09"}).text
    links = [html.unescape(x) for x in re.findall(r'href="(/transparency\?[^"]*)"', text)]
    assert "/transparency?region=north&period=2026-Q3" in links
    assert "/transparency?region=capital&period=2026-Q3" in links
    # October alone falls in a quarter that has not ended: no public report yet.
    october = _as(world_client, world, "AUDITOR").get(PAGE, params={"from": "2026-10"}).text
    assert "/transparency?" not in october


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13", "to": "2026-13"}, "Give a month as YYYY-MM"),
        ({"from": "2026-12", "to": "2026-12"}, "That month is to come."),
        ({"from": "2025-01", "to": "2026-10"}, "Choose at most 12 months."),
        ({"from": "2026-10", "to": "2026-09"}, "The last month comes before the first."),
        ({"from": "last month", "to": "2026-10"}, "Give a month as YYYY-MM"),
    ],
)
def test_bad_months_get_the_form_again_with_what_is_wrong(
    world_client: TestClient, world: World, params: dict[str, str], message: str
) -> None:
    client = _as(world_client, world, "SV_REGION")
    answer = client.get(PAGE, params=params)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert message in answer.text
    assert 'action="/console/figures/statistics"' in answer.text
    assert "<caption>" not in answer.text
    download = client.get(PAGE + ".csv", params=params)
    assert 400 <= download.status_code < 500
    assert download.headers["content-type"].startswith("text/html")


def test_a_caseworker_is_refused_kindly_and_not_shown_the_link(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    refused = client.get(PAGE, params=NOVEMBER)
    assert refused.status_code == 403
    assert "Your role does not include them." in refused.text
    assert "<caption>" not in refused.text
    assert client.get(PAGE + ".csv", params=NOVEMBER).status_code == 403
    figures = client.get("/console/figures")
    assert figures.status_code == 200
    assert PAGE not in figures.text
    shown = _as(world_client, world, "SV_REGION").get("/console/figures").text
    assert f'<a href="{PAGE}">CHI statistics</a>' in shown
