"""The journey suite's fixtures: one hotline per database, started by its own commands, and
one real Chromium whose tabs are the child's browser and each member of staff's console."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.databases import PG_MODE, postgres_unavailable_reason
from tests.journeys.console import sign_in
from tests.journeys.service import Service, running_hotline

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def hotline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """The hotline with its demo data, on each database, for the whole run."""
    backend: str = request.param
    if backend == "postgresql":
        reason = postgres_unavailable_reason()
        if reason is not None:
            if PG_MODE == "required":
                pytest.fail(f"PostgreSQL is required (HOTLINE_TEST_POSTGRES=required): {reason}")
            pytest.skip(reason)
    with running_hotline(backend, tmp_path_factory.mktemp(f"journey-{backend}")) as service:
        yield service


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright (no browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("HOTLINE_TEST_BROWSER") == "required":
            pytest.fail(f"Chromium is required for the journeys: {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def consoles(browser: Any) -> Iterator[Callable[[Service, str], Any]]:
    """A signed-in console tab per member of staff and hotline (each signs in once)."""
    pages: dict[tuple[str, str], Any] = {}
    contexts: list[Any] = []

    def console(service: Service, username: str) -> Any:
        key = (service.base, username)
        if key not in pages:
            context = browser.new_context()
            context.set_default_timeout(20_000)
            contexts.append(context)
            page = context.new_page()
            sign_in(page, service, username)
            pages[key] = page
        return pages[key]

    yield console
    for context in contexts:
        context.close()


@pytest.fixture
def child_browser(browser: Any) -> Iterator[Any]:
    """A fresh browser tab for a child (no cookies: reporters keep none)."""
    context = browser.new_context()
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()
