"""Inputs and outputs of the staff and partner APIs (never table models)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casework.enums import CaseStatus, Priority
from casework.messages.models import Direction
from casework.partners.models import ReferralStatus
from casework.staff.models import Role

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        # A NUL byte is refused by PostgreSQL; none of these belong in any of our fields.
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class CodeIn(_In):
    token: str = Field(min_length=1, max_length=100, description="The token from the login step")
    code: str = Field(min_length=1, max_length=32)


class TokenIn(_In):
    token: str = Field(min_length=1, max_length=100)


class LoginStepOut(BaseModel):
    stage: str = Field(description="mfa: send the TOTP code; enrol: set up TOTP first")
    token: str = Field(description="Send it with the next step; it lasts 5 minutes")


class SignedInOut(BaseModel):
    stage: str = "active"
    token: str = Field(description="The session: a cookie was set too; or send as a bearer token")
    csrf_token: str = Field(description="Send as X-CSRF-Token with changes made by cookie")
    recovery_codes: list[str] = Field(
        default_factory=list, description="Only after enrolment: keep them safe, shown once"
    )


class EnrolmentOut(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class MeOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    csrf_token: str


class PasswordChangeIn(_In):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


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


class CaseListOut(BaseModel):
    total: int
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


class NoteIn(_In):
    body: str = Field(min_length=1, max_length=10_000)


class NoteOut(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: dt.datetime


class CreatedOut(BaseModel):
    id: uuid.UUID


class TextIn(_In):
    body: str = Field(min_length=1, max_length=640)


class AssignIn(_In):
    assignee_id: uuid.UUID | None = None
    team_id: int | None = None


class RestrictionIn(_In):
    restricted: bool
    named_user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class BreakGlassIn(_In):
    reason: str = Field(min_length=1, max_length=500)


class BreakGlassOut(BaseModel):
    case_id: uuid.UUID
    minutes: int


class ReferralIn(_In):
    partner_id: uuid.UUID
    summary: str = Field(min_length=1, max_length=2000)


class ReferralOut(BaseModel):
    id: uuid.UUID
    status: ReferralStatus
    created_at: dt.datetime
    category: str
    priority: Priority
    summary: str


class ReferralListOut(BaseModel):
    referrals: list[ReferralOut]


class UserIn(_In):
    username: str = Field(min_length=3, max_length=64)
    display_name: str = Field(min_length=1, max_length=120)
    role: Role
    password: str = Field(min_length=1, max_length=1024)
    partner_id: uuid.UUID | None = None
    teams: list[str] = Field(default_factory=list, max_length=20)


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    active: bool
    mfa_enrolled: bool
    partner_id: uuid.UUID | None


class RoleIn(_In):
    role: Role


class TeamsIn(_In):
    teams: list[str] = Field(max_length=20)


class TeamIn(_In):
    name: str = Field(min_length=1, max_length=120)
    regions: list[str] = Field(default_factory=list, max_length=200)
    national: bool = False


class TeamOut(BaseModel):
    id: int


class PartnerIn(_In):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=40)


class ApiKeyIn(_In):
    label: str = Field(min_length=1, max_length=120)


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    key: str = Field(description="Shown once: store it in the partner's system now")


class AuditEventOut(BaseModel):
    position: int | None
    occurred_at: dt.datetime
    actor_kind: str
    actor_id: str | None
    action: str
    object_type: str
    object_id: str


class StatsOut(BaseModel):
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_category: dict[str, int]


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: str
    text: str
    case_id: uuid.UUID | None
    created_at: dt.datetime


class SchoolLinkIn(_In):
    school: str = Field(min_length=1, max_length=40, description="The school's code")
