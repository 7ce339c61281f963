"""Case and CaseEvent tables."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, UTCDateTime, str_enum
from casework.enums import ActorKind, CaseEventKind, CaseStatus, Danger, PerpetratorRole, Priority
from casework.ids import new_id

if TYPE_CHECKING:
    from casework.intake.models import Report


class Case(Base):
    """One matter the hotline works on; groups one or more reports."""

    __tablename__ = "case"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # Public reference given to the reporter, e.g. HX-7K3P-9QW (see casework.cases.reference).
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, "case_status"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "case_priority"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Whose it is: a member of staff, and the team whose queue it is in.
    assigned_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_user.id"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    # Restricted (e.g. the accused works at the school): named users and supervisors only,
    # never anyone linked to the school.
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Triage facts and the latest assessment (the factors are shown to caseworkers).
    perpetrator_role: Mapped[PerpetratorRole] = mapped_column(
        str_enum(PerpetratorRole, "case_perpetrator_role"), default=PerpetratorRole.UNKNOWN
    )
    ongoing: Mapped[Danger] = mapped_column(
        str_enum(Danger, "case_ongoing"), default=Danger.UNKNOWN
    )
    injury: Mapped[Danger] = mapped_column(str_enum(Danger, "case_injury"), default=Danger.UNKNOWN)
    child_age: Mapped[int | None] = mapped_column(SmallInteger)
    risk_score: Mapped[int] = mapped_column(Integer, default=0)
    triage_factors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Closing: the outcome, and the child's views (sealed) or why they could not be asked.
    outcome: Mapped[str | None] = mapped_column(String(40))
    child_views_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    child_views_missing: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The history's length, and how much of it the SLA index has seen (the scan refreshes
    # the cases where these differ: only those whose history grew).
    last_event_seq: Mapped[int] = mapped_column(Integer, default=0)
    sla_seq: Mapped[int] = mapped_column(Integer, default=0)

    reports: Mapped[list[Report]] = relationship(back_populates="case", lazy="raise")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", lazy="raise", order_by="CaseEvent.seq"
    )

    __table_args__ = (
        Index("ix_case_queue", "status", "priority", "opened_at"),
        Index("ix_case_region_queue", "region_id", "status", "priority", "opened_at"),
        Index("ix_case_region_priority", "region_id", "priority", "opened_at"),
        Index(
            "ix_case_sla_stale",
            "id",
            postgresql_where=text("sla_seq < last_event_seq"),
            sqlite_where=text("sla_seq < last_event_seq"),
        ),
    )

    def __repr__(self) -> str:
        return f"Case({self.reference!r}, {self.status.value}, {self.priority.value})"


class CaseEvent(Base):
    """One immutable entry of a case's history: who did what, when.

    Rows are never updated or deleted (database triggers refuse it). ``data`` holds only
    identifiers and codes, never a child's words or contact details.
    """

    __tablename__ = "case_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"))
    # Position in this case's history, 1, 2, 3...; unique per case so two writers cannot
    # interleave silently.
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[CaseEventKind] = mapped_column(str_enum(CaseEventKind, "case_event_kind"))
    actor_kind: Mapped[ActorKind] = mapped_column(str_enum(ActorKind, "case_event_actor_kind"))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Why a member of staff did it (a priority override, a reopening...), in their words:
    # sealed under the case's key like every other text of the case, so it is shown on the
    # case page and is shredded with the case.
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    case: Mapped[Case] = relationship(back_populates="events", lazy="raise")

    __table_args__ = (Index("uq_case_event_case_id_seq", "case_id", "seq", unique=True),)

    def __repr__(self) -> str:
        return f"CaseEvent({self.seq}, {self.kind.value})"


class CaseNote(Base):
    """A caseworker's note on a case (sealed under the case key)."""

    __tablename__ = "case_note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"CaseNote({self.id})"
