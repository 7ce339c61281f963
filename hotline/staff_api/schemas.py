"""Inputs and outputs of the staff and partner APIs (never table models)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casework.enums import CaseStatus, Danger, PerpetratorRole, Priority
from casework.messages.models import Direction
from casework.partners.models import Consent, Delivery, PartnerType, ReferralStatus
from casework.sla.models import ClockKind
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
    risk_score: int = Field(description="Triage points (see the factors)")
    triage_factors: list[str] = Field(description="What made the priority, e.g. authority:teacher")
    region: str | None = Field(None, description="The region's code; empty while not known")
    school: str | None = Field(None, description="The school's code, if one is named")
    perpetrator_role: PerpetratorRole = PerpetratorRole.UNKNOWN


class PlaceIn(_In):
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
    summary: str = Field(
        min_length=1, max_length=2000, description="What the partner needs to know, no more"
    )
    consent: Consent = Field(description="given, refused, or not_asked")
    consent_from: str | None = Field(None, max_length=20, description="child or guardian")
    override_reason: str | None = Field(
        None, max_length=500, description="Without consent (supervisors only): why it cannot wait"
    )
    send: bool = Field(True, description="False: keep it as a draft")


class ReferralOut(BaseModel):
    id: uuid.UUID
    status: ReferralStatus
    created_at: dt.datetime
    fields: dict[str, str | int | None] = Field(
        description="Only what a partner of your type may see (category, summary, ...)"
    )


class ReferralStatusIn(_In):
    status: ReferralStatus
    note: str | None = Field(
        None, max_length=2000, description="Why (declining, withdrawing) or the outcome"
    )


class StaffReferralOut(BaseModel):
    id: uuid.UUID
    partner_id: uuid.UUID
    status: ReferralStatus
    consent: Consent
    shared: list[str]
    created_at: dt.datetime
    status_changed_at: dt.datetime | None


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
    kind: PartnerType
    delivery: Delivery = Delivery.POLL
    regions: list[str] = Field(
        default_factory=list, max_length=200, description="Region codes; empty: every region"
    )
    categories: list[str] = Field(
        default_factory=list, max_length=50, description="Category codes; empty: every category"
    )
    languages: list[str] = Field(
        default_factory=list, max_length=10, description="Empty: every language"
    )
    webhook_url: str | None = Field(None, max_length=500, description="With delivery=webhook")
    email: str | None = Field(None, max_length=254, description="With delivery=email (sealed)")
    contact: str | None = Field(None, max_length=500, description="Contact details (sealed)")
    school: str | None = Field(
        None, max_length=40, description="The school whose safeguarding lead this is"
    )
    active: bool = True


class PartnerSavedOut(BaseModel):
    id: uuid.UUID
    webhook_secret: str | None = Field(
        None, description="Made when webhooks are first chosen; shown once: store it now"
    )


class PartnerOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    delivery: Delivery
    active: bool
    regions: list[str]
    categories: list[str]
    languages: list[str]
    webhook_url: str | None
    webhook_disabled: bool
    school: str | None


class SuggestionOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    delivery: Delivery


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


# ---------------------------------------------------------------- workflow


class TriageIn(_In):
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


class PriorityIn(_In):
    priority: Priority
    reason: str = Field(min_length=1, max_length=500)


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=500)


class PauseIn(_In):
    reason: str = Field(
        min_length=1,
        max_length=40,
        description="waiting_for_reporter, waiting_for_partner, waiting_for_information, "
        "child_unsafe_to_contact",
    )


class ClosureIn(_In):
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


class ClosureDecisionIn(_In):
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


# ---------------------------------------------------------------- routing and SLA configuration


class LanguagesIn(_In):
    languages: list[str] = Field(max_length=10)


class ShiftIn(_In):
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


class PhoneIn(_In):
    phone: str | None = Field(max_length=40, description="E.164, or empty to remove")


class TargetIn(_In):
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


class CalendarIn(_In):
    timezone: str = Field(min_length=1, max_length=64)
    hours: dict[str, list[str]] = Field(
        description='By weekday, Monday "0" to Sunday "6": ["08:00", "18:00"]; absent: closed',
        max_length=7,
    )


class HolidayIn(_In):
    region: str | None = Field(None, max_length=40, description="Empty: every region")
    day: dt.date
    name: str = Field(min_length=1, max_length=120)


class CreatedIdOut(BaseModel):
    id: int
