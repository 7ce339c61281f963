"""A case's workflow: triage, priority, pausing, closure, its clocks, links and the partners
suggested for it."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from casework.enums import Danger, PerpetratorRole, Priority
from casework.partners.models import Delivery
from hotline.schemas import StrictIn


class TriageIn(StrictIn):
    danger: Danger | None = Field(None, description="Is someone in danger right now?")
    perpetrator_role: PerpetratorRole | None = None
    ongoing: Danger | None = Field(None, description="Is it still happening?")
    injury: Danger | None = None
    child_age: int | None = Field(None, ge=0, le=25)
    self_harm: bool | None = Field(None, description="Self-harm or suicidal thoughts")
    perpetrator_name: str | None = Field(
        None, max_length=120, description="Who is named, at the case's school (kept sealed)"
    )


class TriageOut(BaseModel):
    priority: Priority
    assessed: Priority = Field(description="What the rules give (the priority never drops)")
    score: int
    factors: list[str]


class PriorityIn(StrictIn):
    priority: Priority
    reason: str = Field(min_length=1, max_length=500)


class ReasonIn(StrictIn):
    reason: str = Field(min_length=1, max_length=500)


class PauseIn(StrictIn):
    reason: str = Field(
        min_length=1,
        max_length=40,
        description="waiting_for_reporter, waiting_for_partner, waiting_for_information, "
        "child_unsafe_to_contact",
    )


class ClosureIn(StrictIn):
    outcome: str = Field(min_length=1, max_length=40)
    child_views: str | None = Field(None, max_length=4000)
    views_missing: str | None = Field(
        None,
        max_length=40,
        description="Why the child's views could not be asked: too_young, unreachable, "
        "would_put_at_risk, anonymous_report, declined_to_say",
    )


class ClosureOut(BaseModel):
    closed: bool = Field(description="False: the request waits for a supervisor")


class ClosureDecisionIn(StrictIn):
    approve: bool
    reason: str | None = Field(None, max_length=500, description="Needed to reject")


class ClockOut(BaseModel):
    clock: str
    start_seq: int
    priority: Priority
    target_minutes: int
    started_at: dt.datetime
    warn_at: dt.datetime | None
    due_at: dt.datetime | None = Field(description="Empty while the clock is paused")
    stopped_at: dt.datetime | None
    state: str = Field(
        description="running, warning, breached or paused; once stopped: met, missed, or "
        "stopped (ended before its due time by something other than what it waits for - the "
        "case closed, the referral withdrawn - so neither met nor missed)"
    )


class LinkOut(BaseModel):
    case_id: uuid.UUID
    reason: str
    created_at: dt.datetime


class SuggestionOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    delivery: Delivery
