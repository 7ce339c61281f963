"""The quick exit in a real browser (Debian's Chromium through Playwright): Shift pressed
while a child types capitals never leaves the page, Shift three times outside a text field
and the button do. The exit page is served on loopback, so nothing leaves this machine."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn

from hotline.app import create_app
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from hotline.settings import Settings
from integrations.keys.local import LocalKeyFile
from tests.browser.test_console_browser import _ARGS, CHROMIUM, _free_port

playwright_api = pytest.importorskip("playwright.sync_api")

NEUTRAL = b"<!doctype html><title>Weather</title><h1>Sunny today</h1>"


class _Neutral(BaseHTTPRequestHandler):
    """The neutral site the quick exit opens."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(NEUTRAL)))
        self.end_headers()
        self.wfile.write(NEUTRAL)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        del format, args


@dataclass
class Site:
    report: str
    exit_url: str


@pytest.fixture
def site(fresh_url: str, keys: LocalKeyFile, tmp_path: Path) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("HOTLINE_TEST_BROWSER") == "required":
            pytest.fail(f"Chromium is required for the browser tests: {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    neutral = ThreadingHTTPServer(("127.0.0.1", 0), _Neutral)
    threading.Thread(target=neutral.serve_forever, daemon=True).start()
    exit_url = f"http://127.0.0.1:{neutral.server_address[1]}/weather"
    engine = make_engine(fresh_url, pool_size=3, max_overflow=2)
    db = Database(engine)
    db.run(seed_places, write=True)
    settings = Settings(
        _env_file=None, env="development", data_dir=tmp_path, quick_exit_url=exit_url
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, database=db, keys=keys),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}/report", exit_url)
    server.should_exit = True
    thread.join(10)
    neutral.shutdown()
    engine.dispose()


def _type_with_shift(page: object, text: str) -> None:
    """Type as a person does: each capital with the Shift key held down."""
    for char in text:
        if char.isupper():
            page.keyboard.press(f"Shift+{char}")  # type: ignore[attr-defined]
        else:
            page.keyboard.type(char)  # type: ignore[attr-defined]


def _three_shifts(page: object) -> None:
    for _ in range(3):
        page.keyboard.press("Shift")  # type: ignore[attr-defined]


def test_shift_while_typing_never_leaves_but_outside_a_field_and_the_button_do(
    site: Site,
) -> None:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        page = browser.new_page()
        page.goto(site.report)

        # A child writes capitals in the story, the place and the phone: Shift x3 each time.
        page.locator("#narrative").click()
        _type_with_shift(page, "MR J hit me")
        page.wait_for_timeout(300)
        assert page.url == site.report
        assert page.locator("#narrative").input_value() == "MR J hit me"
        page.locator("#place").click()
        _type_with_shift(page, "PE Hall")
        page.locator("#region").focus()
        _three_shifts(page)
        page.wait_for_timeout(300)
        assert page.url == site.report
        assert page.locator("#narrative").input_value() == "MR J hit me"
        assert page.locator("#place").input_value() == "PE Hall"

        # Outside any field, Shift three times leaves for the neutral site.
        page.evaluate("document.activeElement.blur()")
        assert page.evaluate("document.activeElement === document.body")
        _three_shifts(page)
        page.wait_for_url(site.exit_url)
        assert page.locator("h1").inner_text() == "Sunny today"

        # The button leaves too, and the form is not left in the back history.
        button_page = browser.new_page()
        button_page.goto(site.report)
        button_page.locator("#narrative").fill("something")
        button_page.get_by_role("link", name="Leave this page fast").click()
        button_page.wait_for_url(site.exit_url)
        button_page.go_back()
        assert "/report" not in button_page.url
        browser.close()
