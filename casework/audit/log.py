"""Reading the stored log: records in position order, checkpoints, export, verification."""

from __future__ import annotations

import json
import queue
import threading
from binascii import b2a_base64
from collections.abc import Generator, Iterator
from contextlib import closing, suppress
from typing import IO, Any

import psycopg
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from casework.audit.leaf import LeafRecord, canonical_bytes, canonical_from_text
from casework.audit.merkle import node_hash
from casework.audit.models import AuditCheckpoint, AuditEvent, AuditNode
from casework.audit.note import Verifier
from casework.audit.verify import Verification, verify_log

_CHUNK = 5000


def stored_rows(session: Session) -> Iterator[Any]:
    """Sequenced event rows in position order, each with the leaf hash stored for it."""
    # Core, not ORM: a million rows go through here during verification.
    rows = session.connection().execute(
        select(
            AuditEvent.position,
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor_kind,
            AuditEvent.actor_id,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.case_id,
            AuditEvent.payload_ct,
            AuditNode.hash,
        )
        .outerjoin(AuditNode, and_(AuditNode.level == 0, AuditNode.idx == AuditEvent.position))
        .where(AuditEvent.position.is_not(None))
        .order_by(AuditEvent.position),
        execution_options={"yield_per": _CHUNK},
    )
    yield from rows


def stored_records(session: Session) -> Iterator[tuple[LeafRecord, bytes | None]]:
    """Sequenced events in position order, each with the leaf hash stored for its position."""
    for position, *fields, stored in stored_rows(session):
        yield LeafRecord(position, *fields), (bytes(stored) if stored is not None else None)


def _canonical_rows(session: Session) -> Generator[tuple[int, bytes, bytes | None]]:
    # The hot loop of verification: straight from each row to its canonical bytes.
    driver = session.connection().connection.driver_connection
    if isinstance(driver, psycopg.Connection):
        yield from _canonical_rows_postgresql(driver)
        return
    for row in stored_rows(session):
        stored = row[10]
        yield row[0], canonical_bytes(*row[:10]), (bytes(stored) if stored is not None else None)


# What ``stored_rows`` selects, with the ids and the time already in their canonical text
# (``str(UUID)`` is PostgreSQL's uuid output; the time in UTC as ``leaf.timestamp`` writes it).
# The leaf hash is still recomputed here from every column: the database only spells them.
_POSTGRESQL_ROWS = """
SELECT e.position, e.id::text,
       to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       e.actor_kind, e.actor_id, e.action, e.object_type, e.object_id, e.case_id::text,
       e.payload_ct, n.hash
FROM audit_event AS e
LEFT OUTER JOIN audit_node AS n ON n.level = 0 AND n.idx = e.position
WHERE e.position IS NOT NULL
ORDER BY e.position
"""


def _canonical_rows_postgresql(
    driver: psycopg.Connection[Any],
) -> Iterator[tuple[int, bytes, bytes | None]]:
    # psycopg's own cursor, not SQLAlchemy rows: building a Row and converting a UUID and a
    # datetime per column was most of the time verification took. A server-side cursor in
    # the session's transaction, in binary (bytea arrives as bytes), closed if we stop early.
    with (
        driver.cursor(name="audit_verify", binary=True, scrollable=False) as cursor,
        closing(_read_ahead(cursor)) as batches,
    ):
        cursor.execute(_POSTGRESQL_ROWS)
        for batch in batches:
            for position, event_id, at, kind, actor, action, otype, oid, case, ct, stored in batch:
                payload = b2a_base64(ct, newline=False).decode()
                canonical = canonical_from_text(
                    position, event_id, at, kind, actor, action, otype, oid, case, payload
                )
                yield position, canonical, stored


def _read_ahead(cursor: psycopg.ServerCursor[Any]) -> Generator[list[Any]]:
    """The cursor's rows a batch at a time, the next batch fetched while this one is checked.

    Without it the database and this process take turns: the server works out the next
    batch only when asked. One thread, at most two batches ahead, and finished (joined)
    before the cursor can be closed, however the caller stops.
    """
    ready: queue.Queue[list[Any] | BaseException] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set():
                batch = cursor.fetchmany(_CHUNK)
                ready.put(batch)
                if not batch:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, raised there
            ready.put(exc)

    fetcher = threading.Thread(target=fetch, name="audit-verify-fetch", daemon=True)
    fetcher.start()
    try:
        while batch := ready.get():
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        stop.set()
        while fetcher.is_alive():  # unblock a fetcher waiting to hand over a batch
            with suppress(queue.Empty):
                ready.get(timeout=0.05)
        fetcher.join()


def checkpoint_notes(session: Session) -> list[str]:
    """Every signed checkpoint, smallest first."""
    return list(session.scalars(select(AuditCheckpoint.note).order_by(AuditCheckpoint.size)))


def pending_count(session: Session) -> int:
    """Events written but not yet sequenced."""
    return int(
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.position.is_(None))
        )
        or 0
    )


def verify_stored(
    session: Session, *, verifier: Verifier, extra_checkpoints: list[str]
) -> Verification:
    """Verify the log in the database (and any checkpoints kept outside it)."""
    checkpoints = [*checkpoint_notes(session), *extra_checkpoints]
    # Closed here, not whenever the generator is collected: a verification that stops at the
    # first problem must not leave its cursor open in the session's transaction.
    with closing(_canonical_rows(session)) as rows:
        return verify_log(rows, checkpoints=checkpoints, verifier=verifier, stored_leaves=True)


def export_log(session: Session, out: IO[str]) -> int:
    """Write the log as JSON lines: every sequenced event, then every checkpoint."""
    count = 0
    for record, _ in stored_records(session):
        out.write(json.dumps({"event": record.to_json()}, sort_keys=True) + "\n")
        count += 1
    for note in checkpoint_notes(session):
        out.write(json.dumps({"checkpoint": note}) + "\n")
    return count


def read_export(lines: IO[str]) -> tuple[list[LeafRecord], list[str]]:
    """Parse an exported log (raises ValueError on anything malformed)."""
    records, notes = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if "event" in item:
                records.append(LeafRecord.from_json(item["event"]))
            else:
                notes.append(str(item["checkpoint"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"line {number} of the exported log is malformed") from exc
    return records, notes


def verify_export(
    lines: IO[str], *, verifier: Verifier, extra_checkpoints: list[str]
) -> Verification:
    """Verify an exported log offline, with nothing but the log's public key."""
    records, notes = read_export(lines)
    return verify_log(
        ((r.position, r.canonical(), None) for r in records),
        checkpoints=[*notes, *extra_checkpoints],
        verifier=verifier,
        stored_leaves=False,
    )


def _first_bad_node(session: Session, level: int, count: int) -> int | None:
    """Index of the first of ``count`` stored nodes at ``level`` that is missing or is not the
    hash of its two children as stored one level down."""
    below = session.connection().execute(
        select(AuditNode.hash)
        .where(AuditNode.level == level - 1)
        .order_by(AuditNode.idx)
        .limit(count * 2),
        execution_options={"yield_per": _CHUNK},
    )
    stored = session.connection().execute(
        select(AuditNode.idx, AuditNode.hash)
        .where(AuditNode.level == level)
        .order_by(AuditNode.idx)
        .limit(count),
        execution_options={"yield_per": _CHUNK},
    )
    children = iter(below.scalars())
    seen = 0
    for expected, (idx, digest) in enumerate(stored):
        left, right = next(children, None), next(children, None)
        if idx != expected or left is None or right is None:
            return expected
        if node_hash(bytes(left), bytes(right)) != bytes(digest):
            return expected
        seen = expected + 1
    return None if seen == count else seen


def check_stored_nodes(session: Session, size: int) -> int | None:
    """Recompute every stored interior node from the level below; the first leaf position
    under the lowest node that is wrong or missing, or None when all are right.

    Proofs are served from these nodes, so a damaged node would make proofs fail for auditors
    even though every leaf is right; ``audit verify --nodes`` finds it first.
    """
    # Lowest level first: a wrong node also makes its parents disagree, but it is the first
    # one to be wrong from below that is damaged.
    for level in range(1, size.bit_length()):
        index = _first_bad_node(session, level, size >> level)
        if index is not None:
            return index << level
    return None
