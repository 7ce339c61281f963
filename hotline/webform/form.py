"""Reading the report form: every problem found at once, explained next to its field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from casework.enums import Channel, ContactMethod, Danger, ReporterRole
from casework.intake.models import NARRATIVE_MAX_CHARS, PLACE_MAX_CHARS
from casework.intake.schemas import ReportSubmission
from casework.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
FIELDS = ("category", "narrative", "danger", "region", "school", "place", "age", "reporter",
          "contact", "phone")

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


def parse_report_form(data: Mapping[str, object], *, category_codes: set[str]) -> ParsedForm:
    """Check the posted form; fill ``submission`` when there is nothing to fix."""
    values = {name: _text(data, name) for name in FIELDS}
    parsed = ParsedForm(values=values)
    errors = parsed.errors
    token = _text(data, "token")
    parsed.token = token if TOKEN_PATTERN.match(token) else None
    language = _text(data, "language")
    if language not in SUPPORTED_LANGUAGES:
        language = DEFAULT_LANGUAGE

    category = values["category"]
    if not category:
        errors["category"] = "Please choose what happened. If nothing fits, choose Something else."
    elif category not in category_codes:
        errors["category"] = "Please choose one of the options."

    narrative = values["narrative"].strip()
    if not narrative:
        errors["narrative"] = "Please tell us what happened, in your own words."
    elif len(narrative) > NARRATIVE_MAX_CHARS:
        errors["narrative"] = f"Please make it shorter: at most {NARRATIVE_MAX_CHARS} letters."

    danger = Danger.UNKNOWN
    if values["danger"]:
        try:
            danger = Danger(values["danger"])
        except ValueError:
            errors["danger"] = "Please choose Yes, No or I am not sure."

    place = values["place"].strip()
    if len(place) > PLACE_MAX_CHARS:
        errors["place"] = f"Please make it shorter: at most {PLACE_MAX_CHARS} letters."

    age: int | None = None
    if values["age"].strip():
        raw_age = values["age"].strip()
        if not raw_age.isdigit() or not 1 <= int(raw_age) <= 25:
            errors["age"] = "Please write the age as a number, like 12."
        else:
            age = int(raw_age)

    reporter = ReporterRole.UNKNOWN
    if values["reporter"]:
        try:
            reporter = ReporterRole(values["reporter"])
        except ValueError:
            errors["reporter"] = "Please choose one of the options."

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

    if not errors:
        parsed.submission = ReportSubmission(
            channel=Channel.WEB,
            language=language,
            category=category,
            narrative=narrative,
            immediate_danger=danger,
            school=values["school"] or None,
            place=place or None,
            region=values["region"] or None,
            child_age=age,
            reporter_role=reporter,
            contact_method=contact,
            contact_phone=phone,
        )
    return parsed
