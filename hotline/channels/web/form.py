"""Reading the report form: every problem found at once, explained next to its field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

from casework.enums import Channel, ContactMethod, Danger, ReporterRole
from casework.intake.models import (
    CHILD_AGE_MAX,
    CHILD_AGE_MIN,
    NARRATIVE_MAX_CHARS,
    PLACE_MAX_CHARS,
)
from casework.intake.schemas import ReportSubmission
from casework.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from casework.text import has_control_characters

E = TypeVar("E", bound=Enum)
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
FIELDS = (
    "category",
    "narrative",
    "danger",
    "region",
    "school",
    "place",
    "age",
    "reporter",
    "contact",
    "phone",
)

# Labels used in the error summary at the top of the form.
LABELS = {
    "category": "What happened",
    "narrative": "Your own words",
    "danger": "Danger right now",
    "region": "Area",
    "school": "School",
    "place": "Place",
    "age": "Age",
    "reporter": "Who you are",
    "contact": "Text messages",
    "phone": "Phone number",
}
# Domain field names -> form field names.
DOMAIN_TO_FORM = {"contact_phone": "phone", "child_age": "age", "immediate_danger": "danger"}

REPORTER_CHOICES = (
    (ReporterRole.SELF.value, "It happened to me"),
    (ReporterRole.OTHER_CHILD.value, "I am telling about another child"),
    (ReporterRole.PARENT.value, "I am a parent or carer"),
    (ReporterRole.TEACHER.value, "I work at a school"),
    (ReporterRole.OTHER.value, "Someone else"),
)


@dataclass
class ParsedForm:
    """The values as typed (to show the form again) and what was wrong with them."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    submission: ReportSubmission | None = None
    token: str | None = None


def _text(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _choice(value: str, enum_cls: type[E], default: E) -> E | None:
    """The enum member for a radio value; default when blank; None when not an option."""
    if not value:
        return default
    try:
        return enum_cls(value)
    except ValueError:
        return None


def _age(value: str) -> tuple[int | None, bool]:
    """The age typed (None if blank) and whether it was acceptable."""
    value = value.strip()
    if not value:
        return None, True
    # isdigit() alone accepts "²" and other digits int() refuses.
    if not (value.isascii() and value.isdigit() and len(value) <= 2):
        return None, False
    age = int(value)
    return (age, True) if CHILD_AGE_MIN <= age <= CHILD_AGE_MAX else (None, False)


def _text_problems(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for name in ("narrative", "place", "phone"):
        if has_control_characters(values[name]):
            errors[name] = "This has characters we cannot read. Please type it again."
    # Choices must look like the codes we offer; whether they exist is checked on saving.
    for name in ("region", "school"):
        if values[name] and not CODE_PATTERN.match(values[name]):
            errors[name] = "Please choose one of the options."
    category = values["category"]
    if not category:
        errors["category"] = "Please choose what happened. If nothing fits, choose Something else."
    elif not CODE_PATTERN.match(category):
        errors["category"] = "Please choose one of the options."
    narrative = values["narrative"].strip()
    if not narrative:
        errors["narrative"] = "Please tell us what happened, in your own words."
    elif len(narrative) > NARRATIVE_MAX_CHARS:
        errors["narrative"] = f"Please make it shorter: at most {NARRATIVE_MAX_CHARS} letters."
    if len(values["place"].strip()) > PLACE_MAX_CHARS:
        errors["place"] = f"Please make it shorter: at most {PLACE_MAX_CHARS} letters."
    return errors


def parse_report_form(data: Mapping[str, object]) -> ParsedForm:
    """Check the posted form; fill ``submission`` when there is nothing to fix."""
    values = {name: _text(data, name) for name in FIELDS}
    parsed = ParsedForm(values=values, errors=_text_problems(values))
    errors = parsed.errors
    token = _text(data, "token")
    parsed.token = token if TOKEN_PATTERN.match(token) else None
    language = _text(data, "language")
    if language not in SUPPORTED_LANGUAGES:
        language = DEFAULT_LANGUAGE

    danger = _choice(values["danger"], Danger, Danger.UNKNOWN)
    if danger is None:
        errors["danger"] = "Please choose Yes, No or I am not sure."
    reporter = _choice(values["reporter"], ReporterRole, ReporterRole.UNKNOWN)
    if reporter is None:
        errors["reporter"] = "Please choose one of the options."
    age, age_ok = _age(values["age"])
    if not age_ok:
        errors["age"] = "Please write the age as a number, like 12."

    contact = ContactMethod.FOLLOW_UP_ONLY
    phone = None
    if values["contact"] == "sms":
        contact = ContactMethod.SMS
        phone = values["phone"].strip()
        if not phone:
            errors["phone"] = "Write your phone number, or choose No."
    elif values["contact"] not in {"", "no"}:
        errors["contact"] = "Please choose Yes or No."
    # A phone typed while "No" is chosen is dropped: we never keep what we may not use.

    if errors or danger is None or reporter is None:
        return parsed
    parsed.submission = ReportSubmission(
        channel=Channel.WEB,
        language=language,
        category=values["category"],
        narrative=values["narrative"].strip(),
        immediate_danger=danger,
        school=values["school"] or None,
        place=values["place"].strip() or None,
        region=values["region"] or None,
        child_age=age,
        reporter_role=reporter,
        contact_method=contact,
        contact_phone=phone,
    )
    return parsed
