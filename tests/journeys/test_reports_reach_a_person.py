"""Every report reaches a person, who answers the child on the channel they used.

For each channel (web form, app, SMS), with and without a place, in each language: a child
reports; the member of staff of the demo it went to finds it in their console queue (the
search form), opens it, reads the child's words and replies; the reply reaches the child -
as a text on their phone, or on the follow-up page / in the app with their code. Reports with
a school go to the region's caseworker who speaks the language (else to the national desk);
reports without one go to the national desk. The web form is in English for now (issue 17),
so a web report's language is English whatever the child writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from casework.i18n import translate
from casework.sms.texts import ASK_CONSENT, ASK_DANGER, ASK_LANGUAGE, ASK_WHAT, ASK_WHERE
from tests.journeys.child import (
    REFERENCE,
    WORDS,
    Phone,
    Receipt,
    app_messages,
    app_report,
    web_messages,
    web_report,
)
from tests.journeys.console import find_in_queue, open_case, reply
from tests.journeys.service import Service, eventually

SCHOOL = "capital-001"  # Riverside Primary School, in the capital: Amina's (English, French)


def _who_finds_it(channel: str, language: str, placed: bool) -> str:
    """The demo's member of staff the routing rules give the case to."""
    spoken = "en" if channel == "web" else language
    return "cw.amina" if placed and spoken in ("en", "fr") else "cw.dara"


@pytest.mark.parametrize("language", ["en", "fr", "bg", "fil"])
@pytest.mark.parametrize("placed", [True, False], ids=["with-place", "without-place"])
@pytest.mark.parametrize("channel", ["web", "app", "sms"])
def test_a_report_reaches_a_person_who_answers_the_child(
    hotline: Service,
    consoles: Callable[[Service, str], Any],
    child_browser: Any,
    channel: str,
    placed: bool,
    language: str,
) -> None:
    words = WORDS[language]
    phone: Phone | None = None
    if channel == "app":
        school = {"school": SCHOOL} if placed else {}
        receipt = app_report(
            hotline.base,
            category="corporal_punishment",
            narrative=words.story,
            language=language,
            **school,
        )
    elif channel == "web":
        receipt = web_report(
            child_browser,
            hotline.base,
            category="corporal_punishment",
            narrative=words.story,
            school=SCHOOL if placed else None,
        )
    else:
        phone = Phone(hotline.base, language)
        receipt, said = phone.report(words, school=placed)
        # Told the story first: asked where, then danger, then may we text - in that order,
        # in the child's language, and never "what happened?" again.
        questions = [translate(language, q) for q in (ASK_WHERE, ASK_DANGER, ASK_CONSENT)]
        at = [said.find(q) for q in questions]
        assert -1 not in at, said
        assert at == sorted(at), said
        assert translate(language, ASK_WHAT) not in said

    staff = _who_finds_it(channel, language, placed)
    console = consoles(hotline, staff)
    assert find_in_queue(console, hotline, receipt.reference, view="mine"), (staff, receipt)
    page_text = open_case(console, receipt.reference)
    assert words.story in page_text

    answer = f"Thank you for telling us ({receipt.reference}). We will help."
    reply(console, answer)

    if phone is not None:
        eventually(lambda: answer in phone.received(), what="the text on the child's phone")
    elif channel == "app":
        eventually(
            lambda: answer in app_messages(hotline.base, receipt), what="the reply in the app"
        )
    else:
        assert answer in web_messages(child_browser, hotline.base, receipt)


def test_the_issue_s_danger_report_is_seen_by_the_supervisor_alerted(hotline: Service) -> None:
    """Issue 13, item 2, as written: a P1 web/app report without a place reaches sv.chen,
    who is texted about it and can open it."""
    receipt: Receipt = app_report(
        hotline.base,
        category="physical_abuse",
        narrative="he is hitting me now",
        immediate_danger="yes",
    )

    found = hotline.staff_get("sv.chen", "/api/staff/v1/cases", reference=receipt.reference)
    assert found.status_code == 200
    assert found.json()["total"] == 1
    (case,) = found.json()["cases"]
    assert case["priority"] == "P1"
    assert case["assigned_to_id"] is not None  # the desk's caseworker on shift has it


def test_a_phone_from_elsewhere_is_asked_its_language_and_answered_in_it(
    hotline: Service, consoles: Callable[[Service, str], Any]
) -> None:
    """A Japanese phone: the hotline cannot tell the language, so it asks; the child chooses
    Bulgarian and the whole conversation, and the case, follow."""
    phone = Phone(hotline.base, "en")
    phone.number = "+8190" + phone.number[-8:]
    assert phone.text("hello") == [translate("en", ASK_LANGUAGE)]
    assert phone.text("3") == [translate("bg", ASK_WHAT)]
    words = WORDS["bg"]
    said = phone.text(words.story) + phone.text(words.elsewhere)
    said += phone.text(words.no) + phone.text(words.yes)
    assert said[:3] == [translate("bg", q) for q in (ASK_WHERE, ASK_DANGER, ASK_CONSENT)]
    found = REFERENCE.search(said[-1])
    assert found is not None, said

    console = consoles(hotline, "cw.dara")  # the desk's caseworker who speaks Bulgarian
    assert find_in_queue(console, hotline, found.group(), view="mine")
    assert words.story in open_case(console, found.group())
