"""The dashboard's charts in a real browser (Debian's Chromium through Playwright), served with
the app's own security headers: each SVG shows as an image under the unchanged CSP, nothing is
refused, and axe-core finds no serious or critical violation in the figure and its table."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from hotline.console.charts import compliance_chart, distribution_chart, trend_chart
from hotline.runtime.middleware import SecurityHeaders
from hotline.runtime.templating import make_templates
from tests.browser.test_console_browser import _ARGS, ARTIFACTS, CHROMIUM, _free_port

playwright_api = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

STATIC = Path(__file__).resolve().parents[2] / "hotline" / "static"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Charts</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/console.css">
</head><body><main><h1>Response times</h1>
{% from "chart_macros.html" import chart %}{% for c in charts %}{{ chart(c) }}{% endfor %}
</main></body></html>"""


def _charts() -> list[object]:
    weeks = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(8)]
    return [
        trend_chart(
            weeks,
            {
                "First response": [0.8, 0.82, None, 0.85, 0.9, 0.88, 0.91, 0.93],
                "Referral": [0.6, None, None, 0.7, 0.72, 0.7, 0.75, 0.8],
            },
            title="Within target per week",
            unit="%",
            target=0.9,
        ),
        compliance_chart(
            ["North", "<script>alert(1)</script>", "\"&'", "South"],
            [0.95, 0.5, None, 0.8],
            title="Within target by region",
            target=0.9,
        ),
        distribution_chart(
            ["≤15 min", "15\u201360 min", "1\u20134 h", "> 4 h"],
            [20, 9, 3, 1],
            title="First response times",
            target_label="15\u201360 min",
        ),
        compliance_chart([], [], title="Within target by school"),
    ]


@pytest.fixture
def base() -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("HOTLINE_TEST_BROWSER") == "required":
            pytest.fail(f"Chromium is required for the browser tests: {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    app = FastAPI()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    page = make_templates().env.from_string(PAGE).render(charts=_charts())

    @app.get("/charts", response_class=HTMLResponse)
    def charts() -> str:
        return page

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(SecurityHeaders(app), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_charts_show_under_the_csp_and_pass_axe(base: str) -> None:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        messages: list[str] = []
        page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
        answer = page.goto(f"{base}/charts")
        assert answer is not None
        assert "img-src 'self' data:" in answer.headers["content-security-policy"]
        assert "style-src 'self' 'sha256-" in answer.headers["content-security-policy"]
        page.wait_for_load_state("load")

        images = page.locator("figure.chart img")
        assert images.count() == 4
        for i in range(4):
            loaded = images.nth(i).evaluate("img => img.complete && img.naturalWidth")
            assert loaded == 720, f"chart {i} did not render"
        assert page.locator("figure.chart table").count() == 4
        assert page.get_by_role("img", name="Within target by region: 4 groups").count() == 1
        assert page.locator("th[scope=row]", has_text="<script>alert(1)</script>").count() == 1
        # Chromium reports every refusal by the CSP on the console; there must be none at all.
        assert messages == []

        results = axe_module.Axe().run(page)
        serious = [
            v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}
        ]
        assert serious == [], serious
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "charts.png"), full_page=True)
        browser.close()
