"""A child reporting, on each channel, in each language - and reading what comes back.

The web form in a real browser, the app over its JSON API, SMS through the simulated phone
page (`/dev/phone`, the development phone network standing in for Twilio).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx

REFERENCE = re.compile(r"HX-[0-9A-Z]{4}-[0-9A-Z]{3}")
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@dataclass(frozen=True)
class Words:
    """What a child says, in one language."""

    story: str  # what happened (a teacher hitting: corporal punishment, at least P2)
    school: str  # the school, as a child writes it
    elsewhere: str  # a place that is no school
    no: str
    yes: str
    danger: str  # someone in danger now
    phone_prefix: str  # a phone of this language's country


WORDS = {
    "en": Words(
        "My teacher hits us with a stick", "Riverside primary", "at home", "no", "yes",
        "he has a knife and is hitting me now", "+447400",
    ),
    "fr": Words(
        "Le professeur nous frappe avec une règle", "école Riverside", "à la maison", "non",
        "oui", "il a un couteau", "+33612",
    ),
    "bg": Words(
        "Учителят ни удря с пръчка", "училище Ривърсайд", "вкъщи", "не", "да",
        "той има нож", "+359888",
    ),
    "fil": Words(
        "Pinapalo kami ng guro namin ng patpat", "paaralang Riverside", "sa bahay", "hindi",
        "oo", "may kutsilyo siya", "+639171",
    ),
}  # fmt: skip
_numbers = count(100_001)


@dataclass(frozen=True)
class Receipt:
    """What the child keeps."""

    reference: str
    code: str


def _words(page_text: str, pattern: re.Pattern[str]) -> str:
    found = pattern.search(page_text)
    assert found is not None, page_text[-2000:]
    return found.group()


# ---------------------------------------------------------------- the app


def app_report(base: str, **fields: Any) -> Receipt:
    """Report through the app's API."""
    answer = httpx.post(f"{base}/api/v1/reports", json=fields, timeout=30)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Receipt(body["reference"], body["follow_up_code"])


def app_messages(base: str, receipt: Receipt) -> list[str]:
    """What the team wrote back, as the app shows it."""
    answer = httpx.post(
        f"{base}/api/v1/follow-up",
        json={"reference": receipt.reference, "code": receipt.code},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return [m["body"] for m in answer.json()["messages"]]


# ---------------------------------------------------------------- the web form


def web_report(
    page: Any,
    base: str,
    *,
    category: str,
    narrative: str,
    danger: str = "no",
    school: str | None = None,
    place: str | None = None,
) -> Receipt:
    """Fill in the web form in the browser, as a child would."""
    page.goto(f"{base}/report")
    page.locator(f"#category-{category}").check()
    page.locator("#narrative").fill(narrative)
    page.locator(f"#danger-{danger}").check()
    if school:
        page.locator("#school").select_option(school)
    if place:
        page.locator("#place").fill(place)
    page.get_by_role("button", name="Send my report").click()
    reference = page.locator("#reference").inner_text()
    code = page.locator("#follow-up-code").inner_text()
    return Receipt(reference.strip(), code.strip())


def web_messages(page: Any, base: str, receipt: Receipt) -> list[str]:
    """Come back with reference and code, and read the messages on the follow-up page."""
    page.goto(f"{base}/follow-up")
    page.locator("#reference").fill(receipt.reference)
    page.locator("#code").fill(receipt.code)
    page.locator("form button[type=submit]").click()
    return [text.strip() for text in page.locator("ul.inbox li p:not(.meta)").all_inner_texts()]


def web_form_post(base: str, **fields: str) -> Receipt:
    """The web form posted without a browser (as one with scripts off would)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        form = http.get("/report").text
        token = re.search(r'name="token" value="([^"]*)"', form)
        assert token is not None
        answer = http.post(
            "/report", data={"token": html.unescape(token.group(1)), "language": "en", **fields}
        )
        assert answer.status_code == 200, answer.text[-2000:]
        page = html.unescape(answer.text)
        return Receipt(_words(page, REFERENCE), _words(page, CODE))


# ---------------------------------------------------------------- a phone


class Phone:
    """A child's phone on the simulated phone network, texting from the phone page."""

    def __init__(self, base: str, language: str) -> None:
        self.base = base
        self.number = f"{WORDS[language].phone_prefix}{next(_numbers):06d}"
        self.http = httpx.Client(base_url=base, timeout=30)
        self._token: str | None = None

    def text(self, body: str) -> list[str]:
        """Send a text from the phone page; the hotline's answers, at once."""
        if self._token is None:
            page = self.http.get("/dev/phone")
            assert page.status_code == 200, page.text
            found = re.search(r'name="form_token" value="([^"]+)"', page.text)
            assert found is not None
            self._token = found.group(1)
        answer = self.http.post(
            "/dev/phone", data={"phone": self.number, "body": body, "form_token": self._token}
        )
        assert answer.status_code == 200, answer.text[-2000:]
        just_now = answer.text.split("<h2>Just now</h2>", 1)[-1].split("</ul>", 1)[0]
        return [html.unescape(m) for m in re.findall(r'<li class="them">(.*?)</li>', just_now)]

    def received(self) -> list[str]:
        """Every text the hotline sent to this phone later (the outbox's texts)."""
        return inbox(self.base, self.number)

    def report(self, words: Words, *, school: bool, danger: bool = False) -> tuple[Receipt, str]:
        """A whole intake conversation; returns the receipt and everything the hotline said."""
        said = self.text(words.danger if danger else words.story)
        said += self.text(words.school if school else words.elsewhere)
        said += self.text(words.yes if danger else words.no)  # is someone in danger now?
        said += self.text(words.yes)  # may we text you back?
        everything = "\n".join(said)
        return Receipt(_words(everything, REFERENCE), _words(everything, CODE)), everything


def inbox(base: str, number: str) -> list[str]:
    """The texts the hotline sent a simulated phone (the on-call phone's included)."""
    answer = httpx.get(f"{base}/dev/phone/{number}", timeout=30)
    assert answer.status_code == 200
    return [m["body"] for m in answer.json()["messages"]]
