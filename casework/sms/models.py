"""One conversation per phone (found by blind index), and what the phone has asked of us."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, str_enum


class Step(enum.StrEnum):
    """Where the intake conversation is."""

    LANGUAGE = "language"  # waiting for a language choice
    WHAT = "what"  # what happened (a number or words)
    WHERE = "where"  # school or place
    DANGER = "danger"  # is someone in danger now
    CONSENT = "consent"  # may we text back
    OPEN = "open"  # intake done: every message goes to the caseworkers


class SmsConversation(Base):
    """A phone's conversation with the hotline.

    ``phone_ct`` (sealed under the current case's key) is how we reply; ``phone_index`` how we
    find the conversation. The phone's wishes - opted out (STOP), silenced (safe word), consent
    to be texted - are kept here and checked again before every text is sent.
    """

    __tablename__ = "sms_conversation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    phone_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case.id", deferrable=True, initially="DEFERRED"), index=True
    )
    report_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    step: Mapped[Step] = mapped_column(str_enum(Step, "sms_conversation_step"))
    language: Mapped[str | None] = mapped_column(String(8))
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    silenced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    danger_alerted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The first text told what happened (so "what happened?" is not asked again).
    told: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The current question was asked a second time (an answer that did not fit it).
    asked_again: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_inbound_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    @property
    def may_receive(self) -> bool:
        """True when a text to this phone is allowed at all (besides consent)."""
        return self.opted_out_at is None and self.silenced_at is None

    def __repr__(self) -> str:
        return f"SmsConversation({self.id}, {self.step.value})"
