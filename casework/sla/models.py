"""SLA targets (editable), region calendars and holidays, the clock index, and notices sent.

The clocks themselves are computed from the case's event log (``casework.sla.clocks``);
``sla_clock`` only indexes when each running clock next needs a look, so the periodic scan
reads what is due and nothing else.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, str_enum
from casework.enums import Priority
from casework.sla.resolution import MINUTE_BOUNDS, SHARE_LABELS


class ClockKind(enum.StrEnum):
    """What a clock measures."""

    ACKNOWLEDGE = "acknowledge"  # until a member of staff first acts on the case
    TRIAGE = "triage"  # until staff triage it (or set its priority)
    FIRST_RESPONSE = "first_response"  # until the reporter hears from us
    REFERRAL_DECISION = "referral_decision"  # until referred, or decided not to
    PARTNER_ACKNOWLEDGEMENT = "partner_acknowledgement"  # until the partner acknowledges
    PARTNER_ACCEPTANCE = "partner_acceptance"  # until the partner accepts or declines
    CLOSURE_REVIEW = "closure_review"  # from a closure request until a supervisor decides


class SlaTarget(Base):
    """How long a clock may run, per priority and optionally per category."""

    __tablename__ = "sla_target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock: Mapped[ClockKind] = mapped_column(str_enum(ClockKind, "sla_target_clock"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "sla_target_priority"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    minutes: Mapped[int] = mapped_column(Integer)
    # Counted in the region's business hours (P1 always runs around the clock).
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("clock", "priority", "category_id"),)


class RegionCalendar(Base):
    """A region's time zone and working hours (clocks that follow business hours use it)."""

    __tablename__ = "region_calendar"

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # {"0": ["08:00", "18:00"], ...} by ISO weekday - 1 (Monday is "0"); absent: closed.
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)


class Holiday(Base):
    """A day without business hours, in one region or (region empty) everywhere."""

    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))


class SlaClock(Base):
    """Index of one running clock of a case: when it next needs a look.

    Rebuilt from the event log whenever the case's history grows; never the source of truth
    (a clock's row goes when it stops).
    ``start_seq`` is the event that started it, so a clock that starts again (a new referral,
    a reopened case) is a new row.
    """

    __tablename__ = "sla_clock"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), primary_key=True)
    clock: Mapped[ClockKind] = mapped_column(
        str_enum(ClockKind, "sla_clock_clock"), primary_key=True
    )
    start_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the scan must look next (the warning, then the breach); empty once both are sent
    # or the clock has stopped.
    next_notice_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index(
            "ix_sla_clock_next_notice_at",
            "next_notice_at",
            postgresql_where=text("next_notice_at IS NOT NULL"),
            sqlite_where=text("next_notice_at IS NOT NULL"),
        ),
    )


class SlaNotice(Base):
    """A warning or breach notice sent for one clock: its primary key makes it happen once."""

    __tablename__ = "sla_notice"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    clock: Mapped[ClockKind] = mapped_column(
        str_enum(ClockKind, "sla_notice_clock"), primary_key=True
    )
    start_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)  # warning | breach
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ClockFact(Base):
    """How one clock of a case came out, with what the figures are broken down by.

    Derived, like ``sla_clock``: rebuilt by the SLA refresh whenever the case's history grows,
    so response-time figures for a year of cases are one indexed aggregate, not a replay of
    every event. No personal data: dimensions and times only. ``minutes`` is the duration at
    reporting bucket (``casework.sla.figures.reported_minutes``); the case's dimensions are
    those it had when its clocks were last computed.
    """

    __tablename__ = "sla_clock_fact"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    clock: Mapped[str] = mapped_column(String(30), primary_key=True)
    start_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    opened_week: Mapped[dt.date] = mapped_column(Date)  # the Monday (UTC) of opened_at
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(10))  # met | missed | stopped; None: runs
    minutes: Mapped[int | None] = mapped_column(Integer)
    target_minutes: Mapped[int] = mapped_column(Integer)
    # How long it took as a share of the time it was allowed (due - start, pauses included):
    # the index of ``casework.sla.resolution.SHARE_BOUNDS`` it falls under; None while it runs.
    share_bucket: Mapped[int | None] = mapped_column(SmallInteger)
    priority: Mapped[str] = mapped_column(String(4))  # the priority whose target it was held to
    category_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    region_id: Mapped[int | None] = mapped_column(Integer)
    school_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (
        Index("ix_sla_clock_fact_opened_at", "opened_at"),
        Index("ix_sla_clock_fact_region_opened_at", "region_id", "opened_at"),
        Index("ix_sla_clock_fact_assignee_opened_at", "assignee_id", "opened_at"),
        # The running clocks of a period: the figures read them from the facts.
        Index(
            "ix_sla_clock_fact_running",
            "opened_at",
            postgresql_where=text("outcome IS NULL"),
            sqlite_where=text("outcome IS NULL"),
        ),
    )


# The weekly summary's counters: per outcome of the ended clocks, per reporting bucket of their
# minutes (``casework.sla.resolution.MINUTE_BOUNDS``) and per share of the allowed time.
OUTCOME_COLUMNS: Final = ("met", "missed", "ended_otherwise")
MINUTE_COLUMNS: Final = tuple(f"m{i}" for i in range(len(MINUTE_BOUNDS)))
SHARE_COLUMNS: Final = tuple(f"s{i}" for i in range(len(SHARE_LABELS)))
COUNT_COLUMNS: Final = OUTCOME_COLUMNS + MINUTE_COLUMNS + SHARE_COLUMNS
WEEK_KEY: Final = ("week", "clock", "dim", "value", "region_id", "team_id", "priority")

# How the ended clocks of the cases opened in one week came out, per dimension value, region,
# team and (for "all", category and channel) priority: kept by the SLA refresh in the same
# transaction as the facts it adds to or takes from (``casework.sla.weekly``), so a year of
# figures sums a few thousand rows instead of millions of facts. ``dim`` is "all" (value "")
# or the breakdown the row counts (category, channel, school, caseworker; value "none" for no
# value) - school and caseworker also split by priority ("school/p") and in blocks of weeks
# ("school/16w", "school/p/4w": ``week`` is the block's first Monday); region and team 0:
# none; priority "" for the school and caseworker rows not split by it. School, caseworker and
# channel rows are kept split by category too, school and caseworker rows by channel, a dim per
# value ("school/c3", "school/c3/4w", "school/hsms"), split by priority as well.
clock_week = Table(
    "sla_clock_week",
    Base.metadata,
    Column("week", Date, primary_key=True),
    Column("clock", String(30), primary_key=True),
    Column("dim", String(32), primary_key=True),
    Column("value", String(40), primary_key=True),
    Column("region_id", Integer, primary_key=True),
    Column("team_id", Integer, primary_key=True),
    Column("priority", String(4), primary_key=True),  # "": a row not split by priority
    # NULL for none: a row counts a few clocks in a few buckets, and PostgreSQL keeps a NULL
    # in the row's null bitmap rather than four bytes - at a million cases the table is a fifth
    # of the size (119 MB, not 580) and a year of school rows sums twice as fast.
    *(Column(name, Integer, nullable=True) for name in COUNT_COLUMNS),
    # The figures read one breakdown's rows for a range of weeks: without it, every figure
    # scanned the whole table (at a million cases 580 MB, three quarters of it school rows).
    Index("ix_sla_clock_week_dim_week", "dim", "week"),
)


class CaseStat(Base):
    """How one case is counted in the monthly case summary (``case_month``): the month it was
    opened and the dimensions the statistics ask for, as they stood when its clocks were last
    computed - kept so a refresh can take the case's old count away before adding the new one,
    and a conflicted supervisor's count can leave out a restricted case about their school. No
    personal data: the child's age is kept as its band only."""

    __tablename__ = "case_stat"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    opened_month: Mapped[dt.date] = mapped_column(Date)  # the first day (UTC) of its month
    category_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))  # its first report's
    age_band: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int | None] = mapped_column(Integer)
    school_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        # The cases about some schools, whose restricted ones are taken out of a supervisor's
        # counts when a conflict of interest hides them (a few schools' cases, found at once).
        Index("ix_case_stat_school", "school_id", "opened_month"),
    )


MONTH_KEY: Final = ("month", "category_id", "channel", "age_band", "region_id")

# Cases opened per month, category, first channel, age band and region (0: none), kept by the
# SLA refresh in the same transaction as ``case_stat`` (``casework.sla.case_months``): a year
# of the CHI statistics sums a few thousand rows instead of counting a million cases.
case_month = Table(
    "case_month",
    Base.metadata,
    Column("month", Date, primary_key=True),
    Column("category_id", Integer, primary_key=True),
    Column("channel", String(10), primary_key=True),
    Column("age_band", String(20), primary_key=True),
    Column("region_id", Integer, primary_key=True),
    Column("cases", Integer, nullable=False, server_default=text("0")),
)
