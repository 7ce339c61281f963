"""Administration: accounts, teams, partners and their API keys, the audit trail, statistics
and one's notices."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from casework.audit.status import AuditStatus
from casework.partners.models import Delivery, PartnerType
from casework.staff.models import Role
from hotline.schemas import StrictIn


class UserIn(StrictIn):
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


class RoleIn(StrictIn):
    role: Role


class TeamsIn(StrictIn):
    teams: list[str] = Field(max_length=20)


class TeamIn(StrictIn):
    name: str = Field(min_length=1, max_length=120)
    regions: list[str] = Field(default_factory=list, max_length=200)
    national: bool = False


class TeamOut(BaseModel):
    id: int


class PartnerIn(StrictIn):
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


class ApiKeyIn(StrictIn):
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


class CheckpointOut(BaseModel):
    size: int
    issued_at: dt.datetime
    signed_by: list[str]  # "<key name>+<hex key id>" of each signature


class VerifyRunOut(BaseModel):
    ran_at: dt.datetime
    ran_by: str
    ok: bool
    entries: int
    checkpoints: int
    first_bad_position: int | None
    problem: str | None


class AuditStatusOut(BaseModel):
    checkpoint: CheckpointOut | None
    last_verify: VerifyRunOut | None
    warning: str | None  # set when the last check failed or is more than a day old

    @classmethod
    def of(cls, status: AuditStatus) -> AuditStatusOut:
        """The API's view of how the trail stands."""
        point, run = status.checkpoint, status.last_run
        return cls(
            checkpoint=CheckpointOut(
                size=point.size,
                issued_at=point.issued_at,
                signed_by=[f"{name}+{kid}" for name, kid in point.signers],
            )
            if point
            else None,
            last_verify=VerifyRunOut.model_validate(run, from_attributes=True) if run else None,
            warning=status.warning,
        )


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


class SchoolLinkIn(StrictIn):
    school: str = Field(min_length=1, max_length=40, description="The school's code")
