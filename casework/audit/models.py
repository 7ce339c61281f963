"""Audit tables. Every one is append-only; database triggers refuse changes (see migration).

``audit_event``: one action by anyone. Requests insert events in their own transaction and
never wait for each other; the sequencer later gives each event its ``position`` (written
once, the only change a trigger allows). ``audit_node``: every complete subtree of the
Merkle tree, level 0 being the leaf hashes, kept apart from the events so that an event
moved, altered or inserted no longer matches the hash stored for its position.
``audit_checkpoint``: signed tree heads. ``audit_verify_run``: the outcome of each
``hotline audit verify`` of the database, so the console can say whether the trail was last
found intact (not part of the trail itself, and not append-only).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime


class AuditEvent(Base):
    """Who did what to which object, when; what changed is in the sealed payload."""

    __tablename__ = "audit_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    position: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    # No foreign key: the trail must outlive anything it talks about.
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payload_ct: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        # The sequencer's queue: events not yet given a position.
        Index(
            "ix_audit_event_pending",
            "occurred_at",
            "id",
            postgresql_where=text("position IS NULL"),
            sqlite_where=text("position IS NULL"),
        ),
        # The audit viewer: newest first, whole trail or narrowed to one case, one actor or one
        # action (each also serves equality on its first column, e.g. erasure by case).
        Index("ix_audit_event_time", "occurred_at", "id"),
        Index("ix_audit_event_case_time", "case_id", "occurred_at", "id"),
        Index("ix_audit_event_actor_time", "actor_id", "occurred_at", "id"),
        Index("ix_audit_event_action_time", "action", "occurred_at", "id"),
    )

    def __repr__(self) -> str:
        return f"AuditEvent({self.position}, {self.action})"


class AuditNode(Base):
    """The hash of one complete subtree: ``level`` 0 are leaves, ``idx`` counts from the left."""

    __tablename__ = "audit_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed tree head in C2SP checkpoint form."""

    __tablename__ = "audit_checkpoint"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text)


class AuditVerifyRun(Base):
    """One verification of the stored trail: passed or not, how far, against which checkpoint."""

    __tablename__ = "audit_verify_run"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ran_by: Mapped[str] = mapped_column(String(64))  # e.g. cli:<login>
    ok: Mapped[bool] = mapped_column(Boolean)
    entries: Mapped[int] = mapped_column(BigInteger)  # positions checked
    checkpoints: Mapped[int] = mapped_column(Integer)  # signed checkpoints verified
    first_bad_position: Mapped[int | None] = mapped_column(BigInteger)
    problem: Mapped[str | None] = mapped_column(Text)  # positions and sizes only, no content
    checkpoint_size: Mapped[int | None] = mapped_column(BigInteger)  # the newest, at the time
    checkpoint_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
