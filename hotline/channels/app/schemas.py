"""Request and response bodies of the app API (what the OpenAPI document shows)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from casework.enums import ContactMethod, Danger, PerpetratorRole, ReporterRole
from casework.followup.service import ReporterStatus
from casework.intake.models import (
    CHILD_AGE_MAX,
    CHILD_AGE_MIN,
    NARRATIVE_MAX_CHARS,
    PLACE_MAX_CHARS,
)
from casework.text import has_control_characters

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class _Strict(BaseModel):
    # Unknown fields are refused: a typo must not silently drop information. Numbers are
    # StrictInt so "12" is not an age; pydantic never turns numbers into text.
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        if isinstance(value, str) and has_control_characters(value):
            raise ValueError("contains control characters")
        return value


class ContactIn(_Strict):
    """Whether and how we may contact the reporter."""

    method: ContactMethod = Field(
        default=ContactMethod.FOLLOW_UP_ONLY,
        description="`follow_up_only` (default): we never contact you, you come back with "
        "your reference and code. `sms`: we may text you at `phone`.",
    )
    phone: str | None = Field(
        default=None,
        max_length=32,
        description="Only with `sms`. International format, e.g. +359888123456.",
    )


class ReportIn(_Strict):
    """A report from the app."""

    category: str = Field(
        pattern=CODE_PATTERN,
        description="Category code from the taxonomy, e.g. `bullying`, `corporal_punishment`.",
    )
    narrative: str = Field(
        min_length=1,
        max_length=NARRATIVE_MAX_CHARS,
        description=f"What happened, in the reporter's words (at most {NARRATIVE_MAX_CHARS} "
        "characters).",
    )
    immediate_danger: Danger = Field(
        default=Danger.UNKNOWN, description="Is someone in danger right now?"
    )
    language: Literal["en", "fr", "bg", "fil"] = "en"
    school: str | None = Field(default=None, pattern=CODE_PATTERN, description="School code.")
    region: str | None = Field(default=None, pattern=CODE_PATTERN, description="Region code.")
    place: str | None = Field(
        default=None, max_length=PLACE_MAX_CHARS, description="Where it happened, in words."
    )
    child_age: StrictInt | None = Field(
        default=None, ge=CHILD_AGE_MIN, le=CHILD_AGE_MAX, description="Age of the child."
    )
    reporter: ReporterRole = Field(
        default=ReporterRole.UNKNOWN, description="Who is reporting: the child or someone else."
    )
    contact: ContactIn = Field(default_factory=ContactIn)
    perpetrator_role: PerpetratorRole = Field(
        default=PerpetratorRole.UNKNOWN, description="Who did it, to the child (if they say)."
    )
    ongoing: Danger = Field(default=Danger.UNKNOWN, description="Is it still happening?")
    injury: Danger = Field(default=Danger.UNKNOWN, description="Was the child hurt?")
    perpetrator_name: str | None = Field(
        default=None,
        max_length=120,
        description="The name of the person, if the reporter wants to give it (kept sealed).",
    )


class ReportReceiptOut(BaseModel):
    """What the reporter keeps: the case reference and the secret follow-up code."""

    reference: str = Field(examples=["HX-7K3P-9QW"])
    follow_up_code: str = Field(
        examples=["K7P3-9QWX-M2RT"],
        description="Secret. Shown once; needed with the reference to follow the case up.",
    )
    status: ReporterStatus = ReporterStatus.RECEIVED
    message: str


class FollowUpIn(_Strict):
    """A reporter coming back to their case."""

    reference: str = Field(min_length=1, max_length=32, examples=["HX-7K3P-9QW"])
    code: str = Field(min_length=1, max_length=32, examples=["K7P3-9QWX-M2RT"])
    message: str | None = Field(
        default=None,
        max_length=4000,
        description="Something more to tell us: it joins the case (only with the right code).",
    )


class InboxMessageOut(BaseModel):
    """A message from the hotline's team to the reporter."""

    sent_at: dt.datetime
    body: str


class FollowUpOut(BaseModel):
    """The little a reporter is told about their case, and what the team wrote to them."""

    reference: str
    status: ReporterStatus
    message: str
    updated_on: dt.date | None
    messages: list[InboxMessageOut] = Field(
        default_factory=list, description="Messages from the team to the reporter, oldest first"
    )
