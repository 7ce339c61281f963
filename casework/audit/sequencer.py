"""The sequencer: gives pending audit events contiguous positions and grows the tree.

Requests only INSERT events, so they never contend on a global counter. One sequencer at a
time (a PostgreSQL advisory lock held for its transaction; on SQLite every writer is already
serialised) takes pending events in the order they happened, writes each event's position
once, stores every complete subtree the new leaves finish, and can sign a checkpoint of the
result in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.leaf import LeafRecord
from casework.audit.models import AuditCheckpoint, AuditEvent, AuditNode
from casework.audit.note import Checkpoint, sign_note
from casework.audit.record import AuditAction, record_event
from casework.audit.tree import load_frontier, root_at, tree_size
from casework.ports import Signer
from casework.protection.keys import Keyring
from casework.sql import insert_ignoring_conflict

# An arbitrary constant naming the lock; every process uses the same one.
_LOCK_KEY = 7_243_026_110_001


def _take_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def sequence(session: Session, *, batch: int = 1000) -> int:
    """Give up to ``batch`` pending events their positions; returns how many were sequenced."""
    _take_lock(session)
    pending = session.execute(
        select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor_kind,
            AuditEvent.actor_id,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.case_id,
            AuditEvent.payload_ct,
        )
        .where(AuditEvent.position.is_(None))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
        .limit(batch)
    ).all()
    if not pending:
        return 0
    size = tree_size(session)
    frontier = load_frontier(session, size)
    positions: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    for offset, row in enumerate(pending):
        record = LeafRecord(position=size + offset, **row._asdict())
        nodes.extend(
            {"level": level, "idx": idx, "hash": digest}
            for level, idx, digest in frontier.append(record.leaf_hash())
        )
        positions.append({"id": row.id, "position": record.position})
    # Leaves first: the database lets a position be written only where its leaf is stored.
    session.execute(insert(AuditNode), nodes)
    session.execute(update(AuditEvent), positions)  # by primary key, one statement per batch
    return len(pending)


def issue_checkpoint(session: Session, *, signer: Signer, now: dt.datetime) -> int | None:
    """Sign the current tree head unless the newest checkpoint already covers it."""
    _take_lock(session)
    size = tree_size(session)
    latest = session.scalar(
        select(AuditCheckpoint.size).order_by(AuditCheckpoint.size.desc()).limit(1)
    )
    if size in (0, latest):
        return None
    root = root_at(session, size)
    note = sign_note(Checkpoint(signer.name, size, root, now).text(), signer)
    insert_ignoring_conflict(
        session,
        AuditCheckpoint,
        {"size": size, "root": root, "issued_at": now, "note": note},
        ["size"],
    )
    return size


def latest_checkpoint(session: Session) -> str | None:
    """The newest signed checkpoint note."""
    return session.scalar(
        select(AuditCheckpoint.note).order_by(AuditCheckpoint.size.desc()).limit(1)
    )


def open_log(
    session: Session, *, signer: Signer, keyring: Keyring, actor: Actor, now: dt.datetime
) -> bool:
    """Name a log that has no checkpoint yet: its first event says the name (``signer.name``)
    and a checkpoint signed under it fixes it for good. False when the log already has one."""
    _take_lock(session)  # two processes starting at once: the second finds the checkpoint
    if session.scalar(select(AuditCheckpoint.size).limit(1)) is not None:
        return False
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.AUDIT_LOG_STARTED,
        actor=actor,
        object_type="audit_log",
        object_id="origin",
        details={"origin": signer.name},
        now=now,
    )
    while sequence(session, batch=5000):
        pass
    issue_checkpoint(session, signer=signer, now=now)
    return True
