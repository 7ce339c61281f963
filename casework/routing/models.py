"""Languages staff speak, their shifts, and the on-call rota per region."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime
from casework.ids import new_id


class StaffLanguage(Base):
    """A language a member of staff can work in."""

    __tablename__ = "staff_language"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)


class StaffShift(Base):
    """A member of staff on shift in a region for a while, or on the national desk (no
    region: the cases whose region is not known yet, and any region nobody else covers)."""

    __tablename__ = "staff_shift"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_staff_shift_region_id_ends_at", "region_id", "ends_at"),)


class OnCallShift(Base):
    """Who is on call for a region (texted for P1 cases, and P2 cases nobody on shift can
    take), or nationally (no region: unplaced cases, and regions with nobody on call)."""

    __tablename__ = "oncall_shift"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_oncall_shift_region_id_ends_at", "region_id", "ends_at"),)
