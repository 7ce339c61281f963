"""A supervisor audits response times: signed in to the demo (months of history through the
product's own use cases), she opens the figures, sees every chart say something with its table
beside it, compares caseworkers, narrows to one region, and takes the clock rows away as a
spreadsheet - an export the audit trail then names her for."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable
from typing import Any

from tests.journeys.console import accessible
from tests.journeys.service import Service


def _figures(page: Any, service: Service) -> str:
    """Open the figures page until the worker has indexed the demo's clocks."""
    deadline = time.monotonic() + 60
    while True:
        page.goto(f"{service.base}/console/figures")
        text: str = page.locator("main").inner_text()
        if "No cases were opened in this period" not in text or time.monotonic() > deadline:
            return text
        time.sleep(1)


def test_a_supervisor_sees_response_times_compares_and_exports(
    hotline: Service, consoles: Callable[[Service, str], Any]
) -> None:
    chen = consoles(hotline, "sv.chen")
    chen.get_by_role("link", name="Response times").click()
    text = _figures(chen, hotline)
    assert "Response times against targets" in text
    assert "No cases were opened in this period" not in text, text[:2000]
    # Three charts, each a picture with words for it and its table beside it.
    charts = chen.locator("figure.chart")
    assert charts.count() == 3
    for n in range(3):
        picture = charts.nth(n).locator("img")
        assert picture.get_attribute("alt")
        assert picture.evaluate("img => img.naturalWidth") > 0
        assert charts.nth(n).locator("table tbody tr").count() >= 1
    # Twelve weeks of trend, most with figures.
    trend_rows = charts.nth(0).locator("table tbody tr")
    assert trend_rows.count() >= 12
    accessible(chen)

    chen.locator("#f-by").select_option("caseworker")
    chen.locator("#f-clock").select_option("acknowledge")
    chen.get_by_role("button", name="Show").click()
    compared = chen.locator("main").inner_text()
    assert "Acknowledge by caseworker" in compared
    assert "Amina Diallo" in compared
    assert "Boris Petrov" in compared
    accessible(chen)

    # Two breakdowns at once - bullying, by school - from the summary's rows split by category.
    chen.locator("#f-by").select_option("school")
    chen.locator("#f-category").select_option("bullying")
    chen.get_by_role("button", name="Show").click()
    assert "Acknowledge by school" in chen.locator("main").inner_text()
    accessible(chen)
    # The same through the staff API: the schools' cases add up to all of bullying's.
    today = dt.datetime.now(dt.UTC).date()
    period = {"from": (today - dt.timedelta(days=180)).isoformat(), "to": today.isoformat()}
    path = "/api/staff/v1/stats/response-times"
    bullying = hotline.staff_get("sv.chen", path, category="bullying", **period).json()
    by_school = hotline.staff_get("sv.chen", path, category="bullying", by="school", **period)
    assert by_school.status_code == 200, by_school.text
    assert bullying["cases"] > 0, bullying
    acknowledged = [
        c["stopped"] + c["running"]
        for group in by_school.json()["groups"]
        for c in group["clocks"]
        if c["clock"] == "acknowledge"
    ]
    assert len(acknowledged) >= 2
    assert sum(acknowledged) == bullying["cases"]
    chen.locator("#f-by").select_option("caseworker")
    chen.locator("#f-category").select_option("")

    chen.locator("#f-region").select_option("north")
    chen.get_by_role("button", name="Show").click()
    assert "Amina Diallo" not in chen.locator("main").inner_text()  # capital's caseworker

    with chen.expect_download() as taken:
        chen.get_by_role("link", name="CSV").nth(1).click()
    body = taken.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows, body[:500]
    assert {r["region"] for r in rows} == {"north"}
    assert {r["outcome"] for r in rows} >= {"met", "missed"}

    # The statistics a ministry asks for, suppressed, and the report anyone may read.
    chen.get_by_role("link", name="CHI statistics").click()
    statistics = chen.locator("main").inner_text()
    assert "By channel" in statistics
    assert "By age band" in statistics
    accessible(chen)
    chen.get_by_role("link", name="The whole country").first.click()
    assert "/transparency" in chen.url
    public = chen.locator("main").inner_text()
    assert "Reports received" in public
    assert "HX-" not in public  # no case is named in what is published
    accessible(chen)

    audited = hotline.staff_get(
        "audit.eli", "/api/staff/v1/audit/events", action="stats.exported", staff="sv.chen"
    )
    assert audited.status_code == 200, audited.text
    assert "clock_rows" in audited.text
