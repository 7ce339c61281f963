"""The API documentation in a real browser: Swagger UI (/docs) and ReDoc (/redoc) render from
our own origin under the strict CSP, with no violation and no request to anywhere else."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from casework.clock import FixedClock
from hotline.app import create_app
from hotline.runtime.database import Database, make_engine
from integrations.keys.local import LocalKeyFile
from tests.browser.test_console_browser import _ARGS, CHROMIUM, _free_port
from tests.factories.staff import staff_settings
from tests.hotline.staff_world import NOW

playwright_api = pytest.importorskip("playwright.sync_api")

# Reported by the page itself, whatever the console says.
_WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def base(fresh_url: str, keys: LocalKeyFile, tmp_path: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("HOTLINE_TEST_BROWSER") == "required":
            pytest.fail(f"Chromium is required for the browser tests: {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    engine = make_engine(fresh_url, pool_size=2, max_overflow=2)
    app = create_app(
        staff_settings(tmp_path), database=Database(engine), clock=FixedClock(NOW), keys=keys
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    engine.dispose()


def _elsewhere(url: str) -> bool:
    """Whether a request leaves this machine (a blob: URL names the origin that made it)."""
    parts = urlsplit(url.removeprefix("blob:"))
    return parts.scheme not in {"http", "data"} or (
        parts.scheme == "http" and parts.hostname != "127.0.0.1"
    )


def test_swagger_ui_and_redoc_render_offline_under_the_strict_csp(base: str) -> None:
    requests: list[str] = []
    errors: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        page = browser.new_page()
        page.add_init_script(_WATCH_CSP)
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        # Swagger UI: the operations are listed, and the Authorize button offers our schemes.
        page.goto(base + "/docs")
        reports = page.locator(".opblock-summary-path", has_text="/api/v1/reports")
        reports.first.wait_for(state="visible")
        assert page.locator(".opblock").count() > 60
        assert page.locator("button.authorize").is_visible()
        assert page.evaluate("window.__csp") == []

        # ReDoc: the operations are there, and its search (run in a worker) finds one.
        page.goto(base + "/redoc")
        page.get_by_role("heading", name="Submit a report").first.wait_for(state="visible")
        page.get_by_placeholder("Search...").fill("follow")
        found = page.locator('[data-role="search:results"] [role="menuitem"]')
        found.first.wait_for(state="visible")
        assert "Check a report with its reference and code" in found.all_inner_texts()[0]
        assert page.evaluate("window.__csp") == []
        browser.close()

    assert errors == []
    assert f"{base}/static/api-docs/redoc.standalone.js" in requests
    assert [url for url in requests if _elsewhere(url)] == []
