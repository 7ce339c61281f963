"""Suggested links between cases, mentions of a person at a school, and pattern alerts."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime
from casework.ids import new_id


class CaseLink(Base):
    """Two cases that may be about the same thing (suggested by the system, or linked)."""

    __tablename__ = "case_link"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), primary_key=True)
    other_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))  # same_phone, same_person...
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PersonMention(Base):
    """A report names someone at a school: the name sealed, and its keyed index to count."""

    __tablename__ = "person_mention"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), index=True)
    name_ct: Mapped[bytes] = mapped_column(LargeBinary)  # under the case key
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_person_mention_name_index_school_id", "name_index", "school_id"),)


class PatternAlert(Base):
    """Raised once when a third report names the same person at the same school."""

    __tablename__ = "pattern_alert"

    name_index: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
