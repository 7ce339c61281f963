"""Case messages and attachments (their content sealed under the case key)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, str_enum
from casework.enums import Channel


class Direction(enum.StrEnum):
    """Who wrote a message."""

    INBOUND = "inbound"  # from the reporter
    OUTBOUND = "outbound"  # to the reporter


class CaseMessage(Base):
    """One message in a case's conversation with its reporter."""

    __tablename__ = "case_message"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case.id", deferrable=True, initially="DEFERRED"), index=True
    )
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "case_message_direction"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "case_message_channel"))
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    outbox_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"CaseMessage({self.direction.value}, {self.id})"


class Attachment(Base):
    """A picture or file a reporter sent, kept as evidence: sealed bytes and their SHA-256."""

    __tablename__ = "attachment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case.id", deferrable=True, initially="DEFERRED"), index=True
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    # Of the original bytes: proves later that the evidence was not altered.
    sha256: Mapped[str] = mapped_column(String(64))
    content_ct: Mapped[bytes] = mapped_column(LargeBinary)
    source_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"Attachment({self.content_type}, {self.size} bytes)"
