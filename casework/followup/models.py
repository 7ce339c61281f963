"""Follow-up credential and attempt-throttle tables."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, UTCDateTime
from casework.ids import new_id

if TYPE_CHECKING:
    from casework.cases.models import Case
    from casework.intake.models import Report


class FollowUpCredential(Base):
    """The argon2id hash of one report's follow-up code. The code itself is never stored."""

    __tablename__ = "follow_up_credential"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), index=True)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    # Declared so the unit of work inserts the case and report first.
    case: Mapped[Case] = relationship(lazy="raise")
    report: Mapped[Report] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"FollowUpCredential({self.id})"


class FollowUpThrottle(Base):
    """Wrong-attempt counter per reference, whether or not the reference exists.

    Keyed by the normalised reference so that an unknown reference is slowed and locked
    exactly like a real one and the answers never reveal which references exist.
    """

    __tablename__ = "follow_up_throttle"

    reference: Mapped[str] = mapped_column(String(16), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"FollowUpThrottle({self.reference!r}, {self.failures})"
