"""The data key table: one wrapped key per case, plus the installation's root secret."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime

# The root secret's row has a fixed id, so two processes creating it at once collide on the
# primary key instead of making two roots.
ROOT_KEY_ID = uuid.UUID("00000000-0000-7000-8000-000000000001")


class DataKey(Base):
    """A random 256-bit key, stored only wrapped by a master key of the key provider.

    ``purpose`` is ``case`` (one per case: every protected field of the case is sealed under
    keys derived from it) or ``root`` (one per installation: blind-index and system keys are
    derived from it). Destroying a case key (``wrapped`` set to NULL) makes every field of
    that case unreadable for good: crypto-shredding.
    """

    __tablename__ = "data_key"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    # Checked at commit: the key is made while the case it belongs to is being written.
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case.id", deferrable=True, initially="DEFERRED"), unique=True
    )
    key_id: Mapped[str] = mapped_column(String(200), index=True)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary(512))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    rewrapped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"DataKey({self.purpose}, {self.id}, master={self.key_id})"
