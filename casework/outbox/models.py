"""The outbox table: one row per message or job, delivered at least once by a worker."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, str_enum


class OutboxKind(enum.StrEnum):
    """What a row asks a worker to do."""

    SMS = "sms"  # a text to a reporter
    ALERT = "alert"  # a text to the on-duty staff
    MEDIA_FETCH = "media_fetch"  # download an MMS picture, keep it as evidence
    MEDIA_DELETE = "media_delete"  # delete a picture from the provider once we hold it
    STAFF_NOTICE = "staff_notice"  # tell members of staff something (break-glass access...)
    WEBHOOK = "webhook"  # a signed webhook to a partner (Standard Webhooks)
    EMAIL = "email"  # an e-mail to a partner with a signed, expiring link


class OutboxStatus(enum.StrEnum):
    """Where a row is in its delivery."""

    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a worker until ``lease_until``
    SENT = "sent"  # done
    FAILED = "failed"  # can never succeed (opted out, landline): not retried
    DEAD = "dead"  # gave up: out of attempts, or refused for an unknown reason
    CANCELLED = "cancelled"  # withdrawn before sending (the safe word)


FINAL = frozenset(
    {OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DEAD, OutboxStatus.CANCELLED}
)


class OutboxMessage(Base):
    """A message or job; its payload is sealed (the case key, or the system outbox key)."""

    __tablename__ = "outbox_message"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(str_enum(OutboxKind, "outbox_message_kind"))
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, "outbox_message_status"))
    # Given to the receiver with every attempt, so it can drop a repeat.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case.id", deferrable=True, initially="DEFERRED"), index=True
    )
    # Blind index of the phone a text goes to, so the safe word can cancel what is queued.
    phone_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    payload_ct: Mapped[bytes] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))
    provider_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"OutboxMessage({self.kind.value}, {self.status.value}, attempts={self.attempts})"
