"""CHI statistics and the public transparency report, counted by hand over reports sent
through the web form and the app API, on both databases.

The world (clock at 2026-11-26; the public report is read at 2027-01-04, once the fourth
quarter has ended - it is published for whole calendar quarters only):

    when (UTC)                     channel  school       category       age  then
    2026-04-06 .. (the second quarter: the differencing attacks of the review)
      April   x 10                 web      capital-001  bullying       10    -
      April   x 6                  app      capital-002  corporal_pun.  11    -
      May     x 2                  web      capital-001  bullying       10    -
      May     x 9                  app      capital-002  corporal_pun.  11    -
      June    x 8                  web      capital-001  bullying       10    closed after 10 min
      June    x 3                  web      north-001    bullying       10    closed after 10 min
    2026-09-30 23:59:59            web      capital-001  bullying        7    -
    2026-10-01 00:00:00 +1h x 5    web      capital-001  bullying       10    closed after 10 min
      (6 reports)                                                             (5 advice, 1 resolved)
    2026-10-10 12:00 +1h x 2       app      capital-002  child_labour   16    referred after 10 min
                                                                              (NGO: accepts it;
                                                                              social services)
    2026-10-15 12:00               app      north-001    self_harm       -    -
    2026-11-02 12:00               web      capital-001  bullying       12    - (this month)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from casework.actors import SYSTEM
from casework.audit.models import AuditEvent
from casework.clock import FixedClock
from casework.oversight.models import TransparencySnapshot
from casework.oversight.quarters import Quarter
from casework.oversight.transparency_counts import keep_snapshots, quarter_counts
from casework.partners.service import create_partner, new_api_key
from casework.places.models import Region
from casework.ports import MediaStore, SmsSender
from casework.protection.keys import Keyring
from casework.sla.service import refresh_stale
from casework.staff.models import Role
from hotline.app import create_app
from hotline.cli import stats as stats_cli
from hotline.cli.context import Command
from hotline.cli.demo import seed_places
from hotline.cli.main import app as cli_app
from hotline.runtime.database import Database, make_engine
from hotline.worker import JOBS, Worker, WorkerConfig
from integrations.keys.local import LocalKeyFile
from tests.databases import TemplateDatabase
from tests.factories.reports import app_payload, idempotency_key, web_form
from tests.factories.staff import bearer, make_staff, make_team, signed_in, staff_settings

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
PUBLISHED = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)  # the fourth quarter has ended
SECRET_WORDS = "zebracrossing"  # in every narrative: must never be published
EVIL_REGION = '=HYPERLINK("http://evil.example","x")'
CHI = "/api/staff/v1/stats/chi"


@dataclass
class Stats:
    """The world's client, tokens and what must never be published."""

    client: TestClient
    engine: Any
    clock: FixedClock
    tokens: dict[str, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)


def _web(client: TestClient, clock: FixedClock, at: dt.datetime, **form: str) -> str:
    clock.set(at)
    sent = client.post(
        "/report",
        data=web_form(
            token=secrets.token_urlsafe(24),
            narrative=f"The {SECRET_WORDS} boys push me every break.",
            **form,
        ),
    )
    assert sent.status_code == 200, sent.text
    found = re.search(r'id="reference">([^<]+)<', sent.text)
    assert found
    return found[1]


def _app(client: TestClient, clock: FixedClock, at: dt.datetime, **body: Any) -> str:
    clock.set(at)
    payload = app_payload(narrative=f"They make me work at the {SECRET_WORDS} farm.", **body)
    sent = client.post(
        "/api/v1/reports", json=payload, headers={"Idempotency-Key": idempotency_key()}
    )
    assert sent.status_code == 201, sent.text
    return str(sent.json()["reference"])


def _case_id(client: TestClient, token: str, reference: str) -> str:
    found = client.get(
        "/api/staff/v1/cases", params={"reference": reference}, headers=bearer(token)
    ).json()
    return str(found["cases"][0]["id"])


def _close(world: Stats, clock: FixedClock, reference: str, supervisor: str) -> None:
    """Close the case ten minutes after it was opened, as its region's supervisor."""
    clock.set(clock.now() + dt.timedelta(minutes=10))
    case_id = _case_id(world.client, world.tokens[supervisor], reference)
    closed = world.client.post(
        f"/api/staff/v1/cases/{case_id}/closure",
        json={"outcome": "advice_given", "views_missing": "unreachable"},
        headers=bearer(world.tokens[supervisor]),
    )
    assert closed.status_code == 200, closed.text


def _second_quarter(world: Stats, clock: FixedClock) -> None:
    """The review's attacks, in April to June 2026: month against months (April web 10,
    app 6; April and May web 12, app 15), region against nation (north web 3, capital web
    20, nation 23) and response times (acknowledged: north 3, capital 8, nation 11)."""
    client = world.client
    sent = (
        (4, "web", 10, "capital"),
        (4, "app", 6, "capital"),
        (5, "web", 2, "capital"),
        (5, "app", 9, "capital"),
        (6, "web", 8, "capital"),
        (6, "web", 3, "north"),
    )
    for month, channel, count, region in sent:
        for i in range(count):
            at = dt.datetime(2026, month, 6 + i, 12, tzinfo=dt.UTC)
            if channel == "app":
                world.references.append(_app(client, clock, at))
                continue
            reference = _web(client, clock, at, age="10", school=f"{region}-001")
            world.references.append(reference)
            if month == 6:
                _close(world, clock, reference, f"sv_{region}")


def _build(client: TestClient, db: Database, clock: FixedClock, keyring: Keyring) -> Stats:
    world = Stats(client, None, clock)
    partners: dict[str, tuple[uuid.UUID, str]] = {}

    def people(s: Session) -> None:
        seed_places(s)
        s.add(Region(code="evil", name=EVIL_REGION))
        make_team(s, "T1", "capital")
        make_team(s, "T2", "north")
        for name, role, teams in (
            ("sv_capital", Role.SUPERVISOR, ("T1",)),
            ("sv_north", Role.SUPERVISOR, ("T2",)),
            ("auditor", Role.AUDITOR, ()),
            ("cw_capital", Role.CASEWORKER, ("T1",)),
        ):
            user = make_staff(s, keyring, username=name, role=role, now=NOW, teams=teams)
            world.tokens[name] = signed_in(s, user.id, now=NOW)
        for name, kind in (
            ("Helping Hands NGO", "ngo"),
            ("City Social Services", "social_services"),
        ):
            partner = create_partner(
                s, keyring=keyring, name=name, kind=kind, actor=SYSTEM, now=NOW
            )
            key = new_api_key(s, keyring=keyring, partner=partner, label="t", actor=SYSTEM, now=NOW)
            partners[kind] = (partner.id, key[1])

    db.run(people, write=True)
    sv = bearer(world.tokens["sv_capital"])
    _second_quarter(world, clock)
    world.references.append(
        _web(client, clock, dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=dt.UTC), age="7")
    )
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    for i in range(6):
        opened = start + dt.timedelta(hours=i)
        reference = _web(client, clock, opened, age="10")
        world.references.append(reference)
        clock.set(opened + dt.timedelta(minutes=10))
        case_id = _case_id(client, world.tokens["sv_capital"], reference)
        outcome = "resolved" if i == 5 else "advice_given"
        closed = client.post(
            f"/api/staff/v1/cases/{case_id}/closure",
            json={"outcome": outcome, "views_missing": "unreachable"},
            headers=sv,
        )
        assert closed.status_code == 200, closed.text
        assert closed.json()["closed"]
    for i, kind in enumerate(("ngo", "social_services")):
        opened = dt.datetime(2026, 10, 10, 12 + i, tzinfo=dt.UTC)
        reference = _app(
            client, clock, opened, category="child_labour", school="capital-002", child_age=16
        )
        world.references.append(reference)
        clock.set(opened + dt.timedelta(minutes=10))
        case_id = _case_id(client, world.tokens["sv_capital"], reference)
        referred = client.post(
            f"/api/staff/v1/cases/{case_id}/referrals",
            json={
                "partner_id": str(partners[kind][0]),
                "summary": f"Please visit the {SECRET_WORDS} farm.",
                "consent": "given",
                "consent_from": "child",
            },
            headers=sv,
        )
        assert referred.status_code == 201, referred.text
        if kind == "ngo":
            for status in ("acknowledged", "accepted"):
                moved = client.post(
                    f"/api/partner/v1/referrals/{referred.json()['id']}/status",
                    json={"status": status},
                    headers=bearer(partners[kind][1]),
                )
                assert moved.status_code == 204, moved.text
    world.references.append(
        _app(
            client,
            clock,
            dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC),
            category="self_harm",
            school="north-001",
            child_age=None,
        )
    )
    world.references.append(
        _web(client, clock, dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC), age="12")
    )
    # The worker's SLA refresh fills the clock facts the response times are read from.
    while db.run(refresh_stale, write=True):
        pass
    clock.set(NOW)
    return world


@pytest.fixture(scope="module")
def stats(
    template_db: TemplateDatabase, keys: LocalKeyFile, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stats]:
    """The world, built once per backend through the product's own doors."""
    engine = make_engine(template_db.copy(), pool_size=2, max_overflow=2)
    db = Database(engine)
    clock = FixedClock(NOW)
    settings = staff_settings(tmp_path_factory.mktemp("stats"))
    app = create_app(settings, database=db, clock=clock, keys=keys)
    with TestClient(app, raise_server_exceptions=False) as client:
        world = _build(client, db, clock, Keyring(keys))
        world.engine = engine
        yield world
    engine.dispose()


def _chi(world: Stats, who: str, **params: str) -> Any:
    answer = world.client.get(
        CHI,
        params={"from": "2026-09", "to": "2026-10", **params},
        headers=bearer(world.tokens[who]),
    )
    assert answer.status_code == 200, answer.text
    return answer


def _table(body: dict[str, Any], by: str) -> dict[str, Any]:
    table = next(t for t in body["tables"] if t["by"] == by)
    return {
        "cells": {
            (row, column): table["cells"][i][j]
            for i, row in enumerate(table["rows"])
            for j, column in enumerate(table["columns"])
        },
        "row_totals": dict(zip(table["rows"], table["row_totals"], strict=True)),
        "column_totals": dict(zip(table["columns"], table["column_totals"], strict=True)),
        "total": table["total"],
        "columns": table["columns"],
    }


def test_chi_counts_by_hand_with_small_cells_hidden(stats: Stats) -> None:
    body = _chi(stats, "auditor").json()
    assert (body["from"], body["to"], body["cases"], body["threshold"]) == (
        "2026-09",
        "2026-10",
        10,
        5,
    )
    assert body["scope"] == "national"
    assert "not record" in body["gender_note"]

    channel = _table(body, "channel")
    # violence: web 7; exploitation: app 2, mental health: app 1 - both small, with their
    # row totals and the app column's total (3). The row of column totals would then give the
    # 3 away (10 - 7 - 0 - 0), so the web total hides too, then the violence web count in its
    # column and a zero beside it in its row: no line hides exactly one value.
    assert channel["cells"][("violence", "web")] == "<5"  # one mark for every hidden count
    assert channel["cells"][("violence", "app")] == "<5"  # a 0, hidden with the 7
    assert channel["cells"][("exploitation", "app")] == "<5"
    assert channel["cells"][("exploitation", "web")] == 0
    assert channel["cells"][("mental_health", "app")] == "<5"
    assert channel["cells"][("discrimination", "sms")] == 0
    assert channel["row_totals"]["violence"] == 7
    assert channel["row_totals"]["exploitation"] == "<5"
    assert channel["column_totals"] == {"web": "<5", "app": "<5", "sms": 0, "voice": 0}
    assert channel["total"] == 10

    ages = _table(body, "age_band")
    assert ages["columns"] == [
        "0-6 years",
        "7-9 years",
        "10-12 years",
        "13-15 years",
        "16-17 years",
        "18 years and over",
        "age unknown",
    ]
    # By band: 0, 1, 6, 0, 2, 0 and 1 without an age - only the 6 is shown. In the violence
    # row (1 and 6, total 7 shown) the 6 must hide with the 1, or 7 - 6 would give it away.
    assert list(ages["column_totals"].values()) == [0, "<5", 6, 0, "<5", 0, "<5"]
    assert ages["row_totals"]["violence"] == 7
    assert ages["cells"][("violence", "7-9 years")] == "<5"
    assert ages["cells"][("violence", "10-12 years")] == "<5"  # 6, hidden with the 1

    gender = _table(body, "gender")
    assert gender["columns"] == ["not recorded"]
    assert gender["column_totals"] == {"not recorded": 10}

    # The boundary: 23:59:59 on 30 September is September, midnight is October.
    months = _table(body, "month")
    assert months["columns"] == ["2026-09", "2026-10"]
    assert months["column_totals"] == {"2026-09": "<5", "2026-10": "<5"}  # 10 - 9
    assert months["cells"][("violence", "2026-09")] == "<5"  # 1
    assert months["cells"][("violence", "2026-10")] == "<5"  # 6, hidden with the 1

    regions = _table(body, "region")
    assert regions["columns"] == [
        EVIL_REGION,
        "Capital District",
        "Northern Province",
        "Southern Province",
    ]
    assert regions["column_totals"]["Capital District"] == "<5"  # 10 - 9 gives the 1
    assert regions["column_totals"]["Northern Province"] == "<5"
    assert regions["column_totals"]["Southern Province"] == 0


def test_no_hidden_cell_can_be_worked_out_from_a_published_total(stats: Stats) -> None:
    body = _chi(stats, "auditor").json()
    for table in body["tables"]:
        # Every row with its total, every column with its total, the totals with the grand
        # total: the last value of each line is the sum of the others.
        rows = [
            [*row, total] for row, total in zip(table["cells"], table["row_totals"], strict=True)
        ]
        rows.append([*table["column_totals"], table["total"]])
        for line in rows + [list(column) for column in zip(*rows, strict=True)]:
            hidden = sum(1 for c in line if c == "<5")
            assert hidden != 1, (table["by"], line)
            if hidden == 0:
                assert sum(line[:-1]) == line[-1]


def test_a_supervisor_counts_only_their_regions_and_a_caseworker_none(stats: Stats) -> None:
    body = _chi(stats, "sv_capital").json()
    assert body["scope"] == "own_regions"
    assert body["cases"] == 9  # the north report is not theirs
    assert _table(body, "region")["columns"] == ["Capital District"]
    refused = stats.client.get(
        CHI, params={"from": "2026-10", "to": "2026-10"}, headers=bearer(stats.tokens["cw_capital"])
    )
    assert refused.status_code == 403


def test_every_look_is_audited_and_a_download_as_an_export(stats: Stats) -> None:
    def actions() -> Counter[str]:
        with Session(stats.engine) as s:
            return Counter(str(a) for a in s.scalars(select(AuditEvent.action)))

    before = actions()
    _chi(stats, "auditor")
    _chi(stats, "auditor", format="csv")
    assert actions() - before == Counter({"stats.read": 1, "stats.exported": 1})


def test_chi_csv_is_safe_and_says_what_json_says(stats: Stats) -> None:
    answer = _chi(stats, "auditor", format="csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["table", "chi_group", "value", "count"]
    assert ["channel", "violence", "all", "7"] in rows
    assert ["channel", "exploitation", "app", "<5"] in rows
    assert ["month", "all", "all", "10"] in rows
    # The region's name is text to a spreadsheet, never a formula.
    evil = [r for r in rows if r[0] == "region" and "HYPERLINK" in r[2]]
    assert evil
    assert all(r[2] == "'" + EVIL_REGION for r in evil)
    # The same rows as a workbook: counts as numbers, words as inert text.
    book = _chi(stats, "auditor", format="xlsx")
    assert book.headers["content-disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    cells = [[str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == rows


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13", "to": "2026-10"}, "from"),
        ({"from": "2026-10", "to": "2026-09"}, "to"),
        ({"from": "2026-12", "to": "2026-12"}, "to"),  # to come
        ({"from": "2025-09", "to": "2026-10"}, "period"),  # 14 months
    ],
)
def test_chi_refuses_a_bad_period(stats: Stats, params: dict[str, str], field: str) -> None:
    answer = stats.client.get(CHI, params=params, headers=bearer(stats.tokens["auditor"]))
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == field


def test_the_chi_route_is_documented(stats: Stats) -> None:
    operation = stats.client.get("/openapi.json").json()["paths"][CHI]["get"]
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "format"}


# ------------------------------------------------------------------ the public report
@pytest.fixture
def public(stats: Stats) -> Iterator[Stats]:
    """The world read once the fourth quarter has ended."""
    stats.clock.set(PUBLISHED)
    yield stats
    stats.clock.set(NOW)


def _published(stats: Stats, **params: str) -> tuple[str, list[list[str]]]:
    page = stats.client.get("/transparency", params=params)
    assert page.status_code == 200, page.text
    sheet = stats.client.get("/transparency.csv", params=params)
    assert sheet.status_code == 200, sheet.text
    return page.text, list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))


def _values(rows: list[list[str]], section: str, measure: str = "count") -> dict[str, str]:
    return {r[3]: r[5] for r in rows[1:] if r[2] == section and r[4] == measure}


# How a hidden count is published: "<5", small or hidden with a small one alike.
HIDDEN = ("<5",)
AREAS = ("capital", "north", "south", "evil")


def test_the_national_report_for_the_fourth_quarter_by_hand(public: Stats) -> None:
    page, rows = _published(public, period="2026-Q4")
    assert rows[0] == ["area", "period", "section", "item", "measure", "value"]
    assert rows[1][:2] == ["All regions", "2026-Q4"]
    assert _values(rows, "reports_received") == {"all": "10"}
    # One table for the quarter: capital web 7, app 2; north app 1. The 2, the 1, north's
    # total and the app total (3) are small; capital's 7 hides beside its 2, the web total
    # (7) beside the app total, capital's total (9) beside north's - the nation shows 10.
    channels = _values(rows, "reports_by_channel")
    assert channels["web"] in HIDDEN
    assert channels["app"] in HIDDEN
    assert (channels["sms"], channels["voice"]) == ("0", "0")
    groups = _values(rows, "reports_by_chi_group")
    assert groups["violence"] == "7"
    assert groups["exploitation"] in HIDDEN
    assert groups["mental_health"] in HIDDEN
    # Six closed, all in capital: five advice given and one resolved; the one hides the five.
    closed = _values(rows, "cases_closed")
    assert closed["advice_given"] in HIDDEN  # 5: hidden, not under 5
    assert closed["resolved"] in HIDDEN
    assert closed["duplicate"] == "0"
    made = _values(rows, "referrals_made")
    assert made["social_services"] in HIDDEN
    assert made["ngo"] in HIDDEN
    assert {made[k] for k in ("police", "health", "school", "legal_aid", "other")} == {"0"}
    assert _values(rows, "referrals_accepted")["ngo"] in HIDDEN
    # Staff acted on 8 cases 10 minutes after each was opened: all acknowledged in time.
    assert _values(rows, "response_times", "ended")["acknowledge"] == "8"
    assert _values(rows, "response_times", "within_target_percent")["acknowledge"] == "100.0"
    assert _values(rows, "response_times", "median_minutes")["acknowledge"] == "10"
    # Two partner clocks ended: too few to give a share or a median of.
    assert _values(rows, "response_times", "ended")["partner_acceptance"] in HIDDEN
    assert _values(rows, "response_times", "within_target_percent")["partner_acceptance"] == ""
    assert "Reports received: 10" in page
    assert "All regions: October to December 2026" in page
    assert "100%" in page


def test_a_regions_report_and_the_quarter_before(public: Stats) -> None:
    _, rows = _published(public, region="north", period="2026-Q4")
    assert rows[1][:2] == ["Northern Province", "2026-Q4"]
    assert _values(rows, "reports_received")["all"] in HIDDEN
    _, capital = _published(public, region="capital", period="2026-Q4")
    # Capital's 9 hides beside north's 1: else the nation's 10 minus it gives north away.
    assert _values(capital, "reports_received")["all"] in HIDDEN
    assert _values(capital, "response_times", "ended")["acknowledge"] == "8"
    assert _values(capital, "response_times", "within_target_percent")["acknowledge"] == "100.0"
    _, september = _published(public, region="capital", period="2026-Q3")
    assert _values(september, "reports_received")["all"] in HIDDEN
    assert _values(september, "cases_closed")["advice_given"] == "0"


def test_the_old_month_form_is_read_only_as_a_whole_quarter(public: Stats) -> None:
    _, quarter = _published(public, period="2026-Q2")
    _, months = _published(public, **{"from": "2026-04", "to": "2026-06"})
    assert months == quarter


def test_months_cannot_be_subtracted_from_months(public: Stats) -> None:
    """The review's first attack: April (web 10, app 6) and April to May (web 12, app 15)
    both published would give May's small web count (2) away. Only whole quarters are."""
    _, quarter = _published(public, period="2026-Q2")
    assert _values(quarter, "reports_by_channel")["web"] == "23"
    assert _values(quarter, "reports_by_channel")["app"] == "15"
    for months in (("2026-04", "2026-04"), ("2026-04", "2026-05"), ("2026-05", "2026-07")):
        asked = {"from": months[0], "to": months[1]}
        page = public.client.get("/transparency", params=asked)
        assert page.status_code == 422, months
        assert 'role="alert"' in page.text
        assert "whole calendar quarters only" in page.text
        assert "April to June 2026" in page.text  # the quarters to choose from instead
        assert public.client.get("/transparency.csv", params=asked).status_code == 422


def _areas_published(stats: Stats, period: str) -> dict[str, dict[tuple[str, str, str], str]]:
    """Every count the public can read for the quarter: per area, (section, item, measure)
    to value - the nation's and each region's report."""
    found = {}
    for area in ("", *AREAS):
        _, rows = _published(stats, region=area, period=period)
        found[area or "nation"] = {(r[2], r[3], r[4]): r[5] for r in rows[1:]}
    return found


def _nothing_pinned(published: dict[str, dict[tuple[str, str, str], str]]) -> int:
    """For each count a region hides: the nation's value minus the other regions' never
    pins it down - one of them is hidden too. Where nothing is hidden, the regions add up
    to the nation (one table). The number of hidden counts checked."""
    checked = 0
    nation = published["nation"]
    for key, value in nation.items():
        if key[2] not in ("count", "ended"):
            continue
        regions = {area: published[area][key] for area in AREAS}
        hidden = [area for area, v in regions.items() if v in HIDDEN]
        for area in hidden:
            others = [a for a in hidden if a != area]
            assert value in HIDDEN or others, (key, area, value, regions)
            checked += 1
        if not hidden and value not in HIDDEN:
            assert sum(int(v) for v in regions.values()) == int(value), (key, regions)
    return checked


def test_a_region_cannot_be_worked_out_from_the_nation_and_the_others(public: Stats) -> None:
    """The review's second and third attacks: north web 3 hidden, capital web 20 and the
    nation's 23 published gave the 3 away; so did north's 3 acknowledged against capital's 8
    and the nation's 11. Now each quarter is one table, suppressed once."""
    second = _areas_published(public, "2026-Q2")
    nation, capital, north = second["nation"], second["capital"], second["north"]
    web = ("reports_by_channel", "web", "count")
    assert nation[web] == "23"
    assert capital[web] in HIDDEN
    assert north[web] in HIDDEN
    acknowledged = ("response_times", "acknowledge", "ended")
    assert nation[acknowledged] == "11"
    assert capital[acknowledged] in HIDDEN
    assert north[acknowledged] in HIDDEN
    assert _nothing_pinned(second) >= 10
    assert _nothing_pinned(_areas_published(public, "2026-Q4")) >= 10
    # A share or a median only beside a published count of at least five.
    for period in ("2026-Q2", "2026-Q4"):
        for area, values in _areas_published(public, period).items():
            for (section, clock, measure), value in values.items():
                if measure in ("within_target_percent", "median_minutes") and value:
                    ended = values[(section, clock, "ended")]
                    assert ended.isdigit(), (period, area, clock)
                    assert int(ended) >= 5, (period, area, clock)
    shares = _values(
        _published(public, period="2026-Q2")[1], "response_times", "within_target_percent"
    )
    assert shares["acknowledge"] == "100.0"


def test_nothing_personal_is_published(public: Stats) -> None:
    for period in ("2026-Q2", "2026-Q3", "2026-Q4"):
        page, rows = _published(public, period=period)
        sheet = "\n".join(",".join(r) for r in rows)
        for text in (page, sheet):
            assert SECRET_WORDS not in text
            for school in ("Riverside Primary", "Central High", "Pine Valley"):
                assert school not in text
            for reference in public.references:
                assert reference not in text
            assert "Helping Hands" not in text
            assert "City Social Services" not in text
            assert "@" not in text
    assert "Cache-Control" in {k.title() for k in public.client.get("/transparency").headers}


def test_a_region_name_is_never_a_formula_in_the_csv(public: Stats) -> None:
    _, rows = _published(public, region="evil", period="2026-Q4")
    assert {r[0] for r in rows[1:]} == {"'" + EVIL_REGION}


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2027-Q1"},  # this quarter has not ended
        {"period": "2027-Q3"},  # to come
        {"period": "October"},
        {"period": "2026-Q5"},
        {"from": "2026-10", "to": "2026-10"},  # a month is not a quarter
        {"from": "2026-01", "to": "2026-12"},  # nor is a year
        {"from": "2026-12", "to": "2026-10"},
        {"period": "2026-Q4", "region": "atlantis"},
    ],
)
def test_a_bad_question_gets_a_friendly_page(public: Stats, params: dict[str, str]) -> None:
    page = public.client.get("/transparency", params=params)
    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert 'role="alert"' in page.text
    assert "Capital District" in page.text  # the form is there to try again
    assert "October to December 2026" in page.text
    sheet = public.client.get("/transparency.csv", params=params)
    assert sheet.status_code == 422
    assert "text/html" in sheet.headers["content-type"]


def test_by_default_the_last_quarter_for_the_nation(stats: Stats, public: Stats) -> None:
    page = public.client.get("/transparency")
    assert page.status_code == 200
    assert "All regions: October to December 2026" in page.text
    public.clock.set(NOW)
    assert "All regions: July to September 2026" in stats.client.get("/transparency").text


# ------------------------------------------------------------------ the command line
@contextmanager
def _at(stats: Stats, keys: LocalKeyFile, tmp_path: Path, at: dt.datetime) -> Iterator[Command]:
    yield Command(
        staff_settings(tmp_path),
        Database(stats.engine),
        keys,
        Keyring(keys),
        clock=FixedClock(at),
    )


def test_the_cli_prints_the_report_and_the_chi_tables(
    stats: Stats, keys: LocalKeyFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats_cli, "command", lambda: _at(stats, keys, tmp_path, PUBLISHED))
    runner = CliRunner()
    text = runner.invoke(cli_app, ["stats", "transparency", "--period", "2026-Q4"])
    assert text.exit_code == 0, text.output
    assert "Transparency report: All regions, 2026-Q4 (October to December 2026)" in text.output
    assert "Reports received: 10" in text.output
    sheet = runner.invoke(
        cli_app,
        ["stats", "transparency", "--region", "capital", "--period", "2026-Q4", "--format", "csv"],
    )
    assert sheet.exit_code == 0, sheet.output
    capital = next(r for r in csv.reader(io.StringIO(sheet.output)) if "reports_received" in r)
    assert capital[:5] == ["Capital District", "2026-Q4", "reports_received", "all", "count"]
    assert capital[5] in HIDDEN
    # The attacks at the terminal: the same published tables, nothing pinned down.
    published = {}
    for area in ("", *AREAS):
        region = ["--region", area] if area else []
        answer = runner.invoke(
            cli_app,
            ["stats", "transparency", *region, "--period", "2026-Q2", "--format", "csv"],
        )
        assert answer.exit_code == 0, answer.output
        rows = list(csv.reader(io.StringIO(answer.output.lstrip("\ufeff"))))
        published[area or "nation"] = {(r[2], r[3], r[4]): r[5] for r in rows[1:]}
    assert published["north"][("reports_by_channel", "web", "count")] in HIDDEN
    assert published["nation"][("reports_by_channel", "web", "count")] == "23"
    assert _nothing_pinned(published) >= 10
    for months in (["--from", "2026-04", "--to", "2026-04"], ["--period", "2026-04"]):
        refused = runner.invoke(cli_app, ["stats", "transparency", *months])
        assert refused.exit_code == 2, refused.output
    chi = runner.invoke(cli_app, ["stats", "chi", "--from", "2026-09", "--to", "2026-10"])
    assert chi.exit_code == 0, chi.output
    assert "channel,violence,all,7" in chi.output
    monkeypatch.setattr(stats_cli, "command", lambda: _at(stats, keys, tmp_path, NOW))
    bad = runner.invoke(cli_app, ["stats", "transparency", "--period", "2026-Q4"])
    assert bad.exit_code == 2
    assert "not ended" in bad.output


def test_the_worker_keeps_the_quarters_counts_and_the_public_is_served_them(
    public: Stats, keys: LocalKeyFile
) -> None:
    areas = ("", "capital", "north")
    live = {area: _published(public, period="2026-Q4", region=area) for area in areas}
    assert "Counted on 04 January 2027 at 09:00 UTC" in live[""][0]  # counted for the asking
    db = Database(public.engine)
    worker = Worker(
        db,
        keyring=Keyring(keys),
        clock=public.clock,
        sms=cast(SmsSender, None),
        media=cast(MediaStore, None),
        signer=None,
        config=WorkerConfig(public_base_url="https://hotline.example.org"),
    )
    (job,) = [j for j in JOBS.periodic_jobs if j.name == "transparency.snapshot"]
    try:
        assert job.run(worker.context) == 4  # the latest ended quarters
        kept = db.run(lambda s: s.scalars(select(TransparencySnapshot.quarter)).all(), write=False)
        assert sorted(kept) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
        # Within the hour every area's report is the snapshot's, figure for figure.
        public.clock.set(PUBLISHED + dt.timedelta(minutes=59))
        for area in areas:
            page, rows = _published(public, period="2026-Q4", region=area)
            assert rows == live[area][1]
            assert "Counted on 04 January 2027 at 09:00 UTC" in page
        # An hour on, without the worker, it is counted again for the asking.
        public.clock.set(PUBLISHED + dt.timedelta(minutes=61))
        page, rows = _published(public, period="2026-Q4")
        assert rows == live[""][1]
        assert "Counted on 04 January 2027 at 10:01 UTC" in page
    finally:
        db.run(lambda s: s.execute(delete(TransparencySnapshot)), write=True)
        public.clock.set(PUBLISHED)


def test_a_snapshot_counted_before_a_region_was_added_is_not_served(public: Stats) -> None:
    db = Database(public.engine)
    now = public.clock.now()
    quarter = Quarter(2026, 4)
    try:
        db.run(lambda s: keep_snapshots(s, now=now), write=True)
        kept = db.run(lambda s: quarter_counts(s, quarter, now=now), write=False)
        assert kept.counted_at == now

        def without_a_region(s: Session) -> None:
            row = s.get_one(TransparencySnapshot, "2026-Q4")
            row.counts = {**row.counts, "areas": row.counts["areas"][1:]}

        db.run(without_a_region, write=True)
        later = now + dt.timedelta(minutes=5)
        found = db.run(lambda s: quarter_counts(s, quarter, now=later), write=False)
        assert found.counted_at == later  # counted afresh, with every region
        assert found.areas == kept.areas
        assert found.to_data() | {"counted_at": ""} == kept.to_data() | {"counted_at": ""}
    finally:
        db.run(lambda s: s.execute(delete(TransparencySnapshot)), write=True)
