"""A member of staff at the console, in a real browser: sign in, find, open, reply."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.journeys.service import Service


def sign_in(page: Any, service: Service, username: str) -> None:
    """Sign in with the password and the authenticator app's code, as printed by the demo."""
    page.goto(f"{service.base}/console/queue")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(service.logins[username].password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(service.code(username))
    page.get_by_role("button", name="Sign in").click()
    assert page.url.startswith(f"{service.base}/console/queue"), page.url


def find_in_queue(
    page: Any, service: Service, reference: str, *, view: str, tries: int = 3
) -> bool:
    """Search the queue (one of its tabs) for a reference with the filter form; True when the
    case is listed. A page that could not list (the service busy, a 503 page) is asked again
    a few times, as a person would press Show again."""
    for attempt in range(tries):
        page.goto(f"{service.base}/console/queue?view={view}")
        page.get_by_label("Search: reference, school or category").fill(reference)
        page.get_by_role("button", name="Show").click()
        assert "error" not in page.url, page.url
        if page.get_by_role("link", name=reference).count() > 0:
            return True
        listed = page.locator("#count").count() > 0
        if listed:  # the queue answered: the case is not in this view
            return False
        if attempt + 1 < tries:
            time.sleep(2)
    return False


def open_case(page: Any, reference: str) -> str:
    """Open the case from the queue's list; returns the page's text."""
    page.get_by_role("link", name=reference).first.click()
    assert re.search(r"/console/cases/[0-9a-f-]{36}$", page.url), page.url
    text: str = page.locator("main").inner_text()
    return text


def reply(page: Any, body: str) -> None:
    """Write to the reporter from the case page."""
    page.locator("#reply-body").fill(body)
    page.locator("#reply-body").locator("xpath=ancestor::form").get_by_role(
        "button", name="Send"
    ).click()
    flash = page.locator("p.flash").inner_text()
    assert "sent to the reporter" in flash, flash


def accessible(page: Any) -> None:
    """No serious or critical axe-core violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: {bad}"
