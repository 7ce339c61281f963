"""Report payloads and submissions for tests."""

from __future__ import annotations

import uuid
from typing import Any

from casework.enums import Channel, Danger
from casework.intake.schemas import ReportSubmission


def app_payload(**overrides: Any) -> dict[str, Any]:
    """A valid app API body."""
    body: dict[str, Any] = {
        "category": "corporal_punishment",
        "narrative": "My teacher hit my hand with a stick because I forgot my homework.",
        "immediate_danger": "no",
        "language": "en",
        "school": "capital-002",
        "child_age": 11,
        "reporter": "self",
    }
    body.update(overrides)
    return body


def idempotency_key() -> str:
    """A fresh key as the app would send it."""
    return str(uuid.uuid4())


def submission(**overrides: Any) -> ReportSubmission:
    """A valid domain submission."""
    values: dict[str, Any] = {
        "channel": Channel.APP,
        "language": "en",
        "category": "bullying",
        "narrative": "Older pupils take my lunch every day.",
        "immediate_danger": Danger.NO,
    }
    values.update(overrides)
    return ReportSubmission(**values)


def web_form(**overrides: str) -> dict[str, str]:
    """A valid web form post."""
    form = {
        "token": "A" * 32,
        "language": "en",
        "category": "bullying",
        "narrative": "Some boys in year 6 push me into the wall every break time.",
        "danger": "no",
        "region": "",
        "school": "capital-001",
        "place": "",
        "age": "10",
        "reporter": "self",
        "contact": "no",
        "phone": "",
    }
    form.update(overrides)
    return form
