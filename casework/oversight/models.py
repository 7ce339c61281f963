"""Tables of the oversight package: what it keeps besides what it reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime


class TransparencySnapshot(Base):
    """A quarter's transparency counts for every area, before suppression
    (``casework.oversight.transparency_counts.QuarterCounts``), as the worker last counted
    them: counts only, nothing about a child."""

    __tablename__ = "transparency_snapshot"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-Qn
    counted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
