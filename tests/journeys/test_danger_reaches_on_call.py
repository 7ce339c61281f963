"""A child in danger now reaches a human at once, whichever channel they used: the on-call
phone (sv.chen's, in the demo) is texted, and the person alerted opens the case - from the
reference in the text, and from the alert on the supervision page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.journeys.child import REFERENCE, WORDS, Phone, app_report, inbox, web_report
from tests.journeys.console import find_in_queue, open_case
from tests.journeys.service import ON_CALL_PHONE, Service, eventually


@pytest.mark.parametrize(
    ("channel", "language"), [("web", "en"), ("app", "fr"), ("sms", "bg"), ("sms", "fil")]
)
def test_the_on_call_person_is_texted_and_opens_the_case(
    hotline: Service,
    consoles: Callable[[Service, str], Any],
    child_browser: Any,
    channel: str,
    language: str,
) -> None:
    words = WORDS[language]
    if channel == "web":
        receipt = web_report(
            child_browser,
            hotline.base,
            category="physical_abuse",
            narrative=words.danger,
            danger="yes",
        )
        assert "in danger now" in child_browser.locator("main").inner_text()
    elif channel == "app":
        receipt = app_report(
            hotline.base,
            category="physical_abuse",
            narrative=words.danger,
            immediate_danger="yes",
            language=language,
        )
    else:
        receipt, said = Phone(hotline.base, language).report(words, school=False, danger=True)
        assert "112" in said  # the emergency number, at once

    alert = eventually(
        lambda: next((t for t in inbox(hotline.base, ON_CALL_PHONE) if receipt.reference in t), ""),
        what="the alert on the on-call phone",
    )
    assert re.search(rf"P1 case {re.escape(receipt.reference)}", alert), alert

    # The person alerted (sv.chen, on call nationally) opens it: from the queue...
    console = consoles(hotline, "sv.chen")
    assert find_in_queue(console, hotline, receipt.reference, view="region")
    assert words.danger in open_case(console, receipt.reference)

    # ...and from the alert in the console (the worker puts it there with the text).
    def alert_listed() -> Any:
        console.goto(f"{hotline.base}/console/supervise")
        entries = console.locator("section", has=console.locator("#alerts-h")).locator(
            "li", has_text=receipt.reference
        )
        return entries.first if entries.count() else None

    eventually(alert_listed, what="the alert on the supervision page").get_by_role(
        "link", name="open"
    ).click()
    assert receipt.reference in console.locator("h1").inner_text()


def test_the_cli_phone_of_the_readme_talks_to_the_running_hotline(hotline: Service) -> None:
    """`hotline sms simulate` finds the service without flags, and issue 13's conversation
    (a story first, then answers in order) gives no false danger."""
    number = "+447400999001"
    said = []
    for text in ("my teacher slaps us", "Central High", "no", "yes"):
        done = hotline.cli("sms", "simulate", "--from", number, text)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        said.append(done.stdout)
    assert "Where did it happen?" in said[0]
    reference = REFERENCE.search(said[-1])
    assert reference is not None, said[-1]

    found = hotline.staff_get("sv.chen", "/api/staff/v1/cases", reference=reference.group())
    (case,) = found.json()["cases"]
    assert case["priority"] == "P2"  # a teacher: authority; not P1 - nobody said "in danger"
    assert case["perpetrator_role"] == "teacher"
    assert (case["region"], case["school"]) == ("capital", "capital-002")
