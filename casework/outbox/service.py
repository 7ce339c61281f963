"""Writing to the outbox, and the worker's side: claim with a lease, then settle.

Delivery is at least once. A worker claims due rows in a short transaction (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so several workers share the work), marking them SENDING until a
lease expires; it talks to the outside world with no transaction open, then settles each row
in another short transaction. A worker killed in between leaves rows whose lease runs out;
another worker takes them again. Receivers get the row's idempotency key every time, so a
repeat has no second effect. Retries back off exponentially with jitter; after
``max_attempts`` a row is dead-lettered, visible and never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from casework.errors import DataErased
from casework.ids import new_id
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.protection.fields import open_sealed, seal
from casework.protection.keys import Keyring, SealingKey

DEFAULT_MAX_ATTEMPTS = 8
BASE_DELAY = dt.timedelta(seconds=2)
MAX_DELAY = dt.timedelta(minutes=15)
_SYSTEM_PURPOSE = "outbox"


def enqueue(
    session: Session,
    *,
    keyring: Keyring,
    kind: OutboxKind,
    payload: dict[str, Any],
    now: dt.datetime,
    case_key: SealingKey | None = None,
    phone_index: bytes | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> uuid.UUID:
    """Queue a message or job in the caller's transaction; returns its id."""
    message_id = new_id()
    key = case_key or keyring.purpose_key(session, _SYSTEM_PURPOSE)
    session.execute(
        insert(OutboxMessage).values(
            id=message_id,
            kind=kind,
            status=OutboxStatus.PENDING,
            idempotency_key=message_id.hex,
            case_id=case_key.case_id if case_key else None,
            phone_index=phone_index,
            payload_ct=seal(
                key,
                table="outbox_message",
                column="payload",
                row_id=message_id,
                plaintext=json.dumps(payload, sort_keys=True).encode(),
            ),
            attempts=0,
            max_attempts=max_attempts,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return message_id


@dataclass(frozen=True)
class Claimed:
    """A row a worker now holds, with its payload opened."""

    id: uuid.UUID
    kind: OutboxKind
    idempotency_key: str
    case_id: uuid.UUID | None
    attempts: int
    payload: dict[str, Any]

    def __repr__(self) -> str:
        return f"Claimed({self.kind.value}, {self.id}, attempt {self.attempts})"


def claim(
    session: Session, *, keyring: Keyring, now: dt.datetime, lease: dt.timedelta, batch: int
) -> list[Claimed]:
    """Take up to ``batch`` due rows (and rows whose lease ran out) for ``lease``."""
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING)
                & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.lease_until < now),
            )
        )
        .order_by(OutboxMessage.next_attempt_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if not ids:
        return []
    rows = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(
            status=OutboxStatus.SENDING,
            lease_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage),
        execution_options={"populate_existing": True},
    ).all()
    claimed = []
    for row in rows:
        try:
            claimed.append(_opened(session, keyring, row))
        except DataErased:
            # Its case was erased while it waited: nothing to send, ever.
            row.status, row.lease_until, row.last_error = OutboxStatus.CANCELLED, None, "erased"
    session.flush()
    return claimed


def _opened(session: Session, keyring: Keyring, row: OutboxMessage) -> Claimed:
    key = (
        keyring.case_key(session, row.case_id)
        if row.case_id
        else keyring.purpose_key(session, _SYSTEM_PURPOSE)
    )
    payload: dict[str, Any] = json.loads(
        open_sealed(
            key, table="outbox_message", column="payload", row_id=row.id, ciphertext=row.payload_ct
        )
    )
    return Claimed(row.id, row.kind, row.idempotency_key, row.case_id, row.attempts, payload)


def _settle(session: Session, message_id: uuid.UUID, **values: Any) -> bool:
    # Only a row still being sent is settled: a cancelled one stays cancelled.
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(lease_until=None, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(
    session: Session, message_id: uuid.UUID, *, provider_ref: str | None, now: dt.datetime
) -> bool:
    """The receiver took it."""
    return _settle(
        session, message_id, status=OutboxStatus.SENT, provider_ref=provider_ref, sent_at=now
    )


def mark_failed(session: Session, message_id: uuid.UUID, *, error: str, dead: bool) -> bool:
    """It can never succeed (``dead=False``: a known permanent reason; ``True``: unknown)."""
    status = OutboxStatus.DEAD if dead else OutboxStatus.FAILED
    return _settle(session, message_id, status=status, last_error=error[:64])


def backoff(attempts: int, rng: random.Random) -> dt.timedelta:
    """Delay before the next attempt: exponential, capped, with jitter (half to full)."""
    delay: dt.timedelta = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return delay * rng.uniform(0.5, 1.0)


def retry_later(
    session: Session, message_id: uuid.UUID, *, error: str, now: dt.datetime, rng: random.Random
) -> bool:
    """A passing failure: try again later, or dead-letter once out of attempts."""
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status is not OutboxStatus.SENDING:
        return False
    if row.attempts >= row.max_attempts:
        return mark_failed(session, message_id, error=error, dead=True)
    return _settle(
        session,
        message_id,
        status=OutboxStatus.PENDING,
        last_error=error[:64],
        next_attempt_at=now + backoff(row.attempts, rng),
    )


def cancel_to_phone(session: Session, phone_index: bytes) -> int:
    """Withdraw every text not yet sent to a phone (the safe word); returns how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.phone_index == phone_index,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(status=OutboxStatus.CANCELLED, lease_until=None, last_error="cancelled")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# Twilio's message statuses in the order a message moves through them; a callback that
# arrives late with an earlier status does not move it back.
_DELIVERY_ORDER = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}


def record_delivery_status(session: Session, message_id: uuid.UUID, status: str) -> bool:
    """Move a message's delivery status forward (never back); True if it changed."""
    rank = _DELIVERY_ORDER.get(status)
    row = session.get(OutboxMessage, message_id, with_for_update=True)
    if rank is None or row is None:
        return False
    current = _DELIVERY_ORDER.get(row.delivery_status or "", -1)
    if rank <= current:
        return False
    row.delivery_status = status
    session.flush()
    return True
