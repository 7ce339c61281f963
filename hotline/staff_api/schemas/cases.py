"""Cases: listing and reading them, their place, notes, texts to the reporter, assignment,
restriction, break-glass access and referrals."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from casework.enums import CaseStatus, PerpetratorRole, Priority
from casework.messages.models import Direction
from casework.partners.models import Consent, ReferralStatus
from hotline.schemas import StrictIn


class CaseSummaryOut(BaseModel):
    id: uuid.UUID
    reference: str
    status: CaseStatus
    priority: Priority
    category: str
    language: str
    opened_at: dt.datetime
    assigned_to_id: uuid.UUID | None
    team_id: int | None
    restricted: bool
    risk_score: int = Field(description="Triage points (see the factors)")
    triage_factors: list[str] = Field(description="What made the priority, e.g. authority:teacher")
    region: str | None = Field(None, description="The region's code; empty while not known")
    school: str | None = Field(None, description="The school's code, if one is named")
    perpetrator_role: PerpetratorRole = PerpetratorRole.UNKNOWN


class PlaceIn(StrictIn):
    """Where a case belongs, as staff set or correct it (the whole of it: a PUT)."""

    region: str | None = Field(
        None, min_length=1, max_length=40, description="Region code; empty: not known"
    )
    school: str | None = Field(
        None, min_length=1, max_length=40, description="School code (sets the region too)"
    )
    category: str = Field(min_length=1, max_length=40, description="Category code")
    perpetrator_role: PerpetratorRole = PerpetratorRole.UNKNOWN


class CaseListOut(BaseModel):
    total: int = Field(description="How many match, counted up to 10,000")
    total_capped: bool = Field(False, description="More than 10,000 match")
    cases: list[CaseSummaryOut]


class ReportOut(BaseModel):
    id: uuid.UUID
    channel: str
    language: str
    received_at: dt.datetime
    immediate_danger: str
    narrative: str
    place: str | None
    contact_phone: str | None


class CaseOut(CaseSummaryOut):
    reports: list[ReportOut]


class MessageOut(BaseModel):
    id: uuid.UUID
    direction: Direction
    body: str
    created_at: dt.datetime
    attachment_ids: list[uuid.UUID]


class NoteIn(StrictIn):
    body: str = Field(min_length=1, max_length=10_000)


class NoteOut(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: dt.datetime


class CreatedOut(BaseModel):
    id: uuid.UUID


class TextIn(StrictIn):
    body: str = Field(min_length=1, max_length=640)


class AssignIn(StrictIn):
    assignee_id: uuid.UUID | None = None
    team_id: int | None = None


class RestrictionIn(StrictIn):
    restricted: bool
    named_user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class BreakGlassIn(StrictIn):
    reason: str = Field(min_length=1, max_length=500)


class BreakGlassOut(BaseModel):
    case_id: uuid.UUID
    minutes: int


class ReferralIn(StrictIn):
    partner_id: uuid.UUID
    summary: str = Field(
        min_length=1, max_length=2000, description="What the partner needs to know, no more"
    )
    consent: Consent = Field(description="given, refused, or not_asked")
    consent_from: str | None = Field(None, max_length=20, description="child or guardian")
    override_reason: str | None = Field(
        None, max_length=500, description="Without consent (supervisors only): why it cannot wait"
    )
    send: bool = Field(True, description="False: keep it as a draft")


class StaffReferralOut(BaseModel):
    id: uuid.UUID
    partner_id: uuid.UUID
    status: ReferralStatus
    consent: Consent
    shared: list[str]
    created_at: dt.datetime
    status_changed_at: dt.datetime | None
