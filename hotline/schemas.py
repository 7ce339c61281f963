"""What the request bodies of the staff and partner APIs share: unknown fields are refused,
and no text may hold a control character; and the one body both send to move a referral."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casework.partners.models import ReferralStatus
from casework.text import has_control_characters


class StrictIn(BaseModel):
    """A request body of the staff or partner API (never a table model)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        # A NUL byte is refused by PostgreSQL; none of these belong in any of our fields.
        if isinstance(value, str) and has_control_characters(value):
            raise ValueError("must not contain control characters")
        return value


class ReferralStatusIn(StrictIn):
    status: ReferralStatus
    note: str | None = Field(
        None, max_length=2000, description="Why (declining, withdrawing) or the outcome"
    )
