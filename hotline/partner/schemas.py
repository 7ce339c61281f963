"""Outputs of the partner API (never table models). The body a partner sends to move a
referral, ReferralStatusIn, is in hotline/schemas.py: staff send the same one."""

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
