"""Routing and SLA configuration: languages, shifts and on-call turns, phones, SLA targets,
region calendars and holidays."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field, field_validator

from casework.enums import Priority
from casework.sla.models import ClockKind
from hotline.schemas import StrictIn


class LanguagesIn(StrictIn):
    languages: list[str] = Field(max_length=10)


class ShiftIn(StrictIn):
    user_id: uuid.UUID
    region: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="The region's code; leave it out for the national desk (or national on call)",
    )
    starts_at: dt.datetime
    ends_at: dt.datetime
    on_call: bool = Field(False, description="An on-call turn (texted) rather than a shift")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone offset, e.g. 2026-11-27T08:00:00Z")
        if not 2000 <= value.year <= 2200:
            raise ValueError("give a date between the years 2000 and 2200")
        return value


class ShiftOut(BaseModel):
    id: str


class PhoneIn(StrictIn):
    phone: str | None = Field(max_length=40, description="E.164, or empty to remove")


class TargetIn(StrictIn):
    clock: ClockKind
    priority: Priority
    category: str | None = Field(None, max_length=40, description="Empty: every category")
    minutes: int | None = Field(description="Empty: remove this target")
    business_hours: bool = False


class TargetOut(BaseModel):
    clock: ClockKind
    priority: Priority
    category_id: int | None
    minutes: int
    business_hours: bool


class CalendarIn(StrictIn):
    timezone: str = Field(min_length=1, max_length=64)
    hours: dict[str, list[str]] = Field(
        description='By weekday, Monday "0" to Sunday "6": ["08:00", "18:00"]; absent: closed',
        max_length=7,
    )


class HolidayIn(StrictIn):
    region: str | None = Field(None, max_length=40, description="Empty: every region")
    day: dt.date
    name: str = Field(min_length=1, max_length=120)


class CreatedIdOut(BaseModel):
    id: int
