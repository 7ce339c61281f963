"""Inputs and outputs of the partner API (never table models). Staff set a referral's status
with the same body as a partner does."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from casework.partners.models import ReferralStatus


class ReferralOut(BaseModel):
    id: uuid.UUID
    status: ReferralStatus
    created_at: dt.datetime
    fields: dict[str, str | int | None] = Field(
        description="Only what a partner of your type may see (category, summary, ...)"
    )


class ReferralListOut(BaseModel):
    referrals: list[ReferralOut]
