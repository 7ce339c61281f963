"""An auditor reads the audit trail in the demo: who looked at which case, filtered to one
member of staff, without any of what the entries sealed; the page passes axe-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.journeys.console import find_in_queue
from tests.journeys.service import Service


def _no_serious_violation(page: Any) -> None:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe.Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: {bad}"


def test_the_auditor_sees_who_searched_the_queue(
    hotline: Service, consoles: Callable[[Service, str], Any]
) -> None:
    supervisor = consoles(hotline, "sv.chen")
    find_in_queue(supervisor, hotline, "HX-0000-000", view="region")  # a search: audited

    auditor = consoles(hotline, "audit.eli")
    auditor.goto(f"{hotline.base}/console/queue")
    auditor.get_by_role("link", name="Audit trail").click()
    assert auditor.url == f"{hotline.base}/console/audit"
    assert auditor.get_by_role("heading", name="Integrity").count() == 1
    _no_serious_violation(auditor)

    auditor.get_by_label("Staff username").fill("sv.chen")
    auditor.get_by_label("Action").select_option("case.listed")
    auditor.get_by_role("button", name="Show").click()
    rows = auditor.locator("table.audit tbody tr")
    assert rows.count() >= 1
    assert "(sv.chen)" in rows.first.inner_text()
    assert "case.listed" in rows.first.inner_text()
    _no_serious_violation(auditor)
