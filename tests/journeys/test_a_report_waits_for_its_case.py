"""A report is safe from the moment the child sees the receipt, even with case building down.

On PostgreSQL the case builder is the `hotline worker` process. It is killed (SIGKILL); a child
reports on the app and on the web form and checks in with the code at once: "received". The
backlog shows on /readyz. A danger report does not wait for the builder: its P1 case exists at
once (built in its request). The worker is started again: the waiting reports become cases
with the reference on the receipt, a supervisor finds them, and the child's code still works.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.journeys.child import Receipt, app_report, web_report
from tests.journeys.service import Service, eventually

SCHOOL = "capital-001"


def _check_in(base: str, receipt: Receipt) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/follow-up",
        json={"reference": receipt.reference, "code": receipt.code},
        timeout=30,
    )


def _case(hotline: Service, reference: str) -> dict[str, Any] | None:
    found = hotline.staff_get("sv.chen", "/api/staff/v1/cases", reference=reference)
    assert found.status_code == 200, found.text
    cases: list[dict[str, Any]] = found.json()["cases"]
    return cases[0] if cases else None


def test_reports_wait_safely_while_the_builder_is_down(
    hotline: Service, child_browser: Any
) -> None:
    if hotline.backend != "postgresql":
        pytest.skip("on SQLite the builder runs inside `hotline serve`: it cannot be down alone")
    hotline.kill_worker()
    try:
        by_app = app_report(
            hotline.base,
            category="corporal_punishment",
            narrative="My teacher hit my hand with a ruler today.",
            immediate_danger="no",
            language="en",
            school=SCHOOL,
        )
        by_web = web_report(
            child_browser,
            hotline.base,
            category="bullying",
            narrative="Three older boys take my lunch every day.",
            school=SCHOOL,
        )
        danger = app_report(
            hotline.base,
            category="physical_abuse",
            narrative="He is hitting my sister right now.",
            immediate_danger="yes",
            language="en",
            school=SCHOOL,
        )
        for receipt in (by_app, by_web):
            answer = _check_in(hotline.base, receipt)
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "received"
            assert _case(hotline, receipt.reference) is None  # not built: the builder is down
        ready = httpx.get(f"{hotline.base}/readyz", timeout=10).json()
        assert ready["intake"]["waiting"] >= 2
        urgent = _case(hotline, danger.reference)
        assert urgent is not None  # the fast lane built it in its request
        assert urgent["priority"] == "P1"
    finally:
        hotline.start_worker()

    for receipt in (by_app, by_web):
        case = eventually(
            lambda r=receipt: _case(hotline, r.reference),
            seconds=60,
            what=f"the case of {receipt.reference} once the builder is back",
        )
        assert case["region"] == "capital"
        answer = _check_in(hotline.base, receipt)
        assert answer.status_code == 200
    eventually(
        lambda: (
            httpx.get(f"{hotline.base}/readyz", timeout=10).json()["intake"]["waiting"] == 0 or None
        ),
        what="the backlog drained",
    )
