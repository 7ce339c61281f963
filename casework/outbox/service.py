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

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from casework.errors import DataErased, KeyUnavailable
from casework.ids import new_id
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.protection.fields import open_sealed, seal
from casework.protection.keys import Keyring, SealingKey
from casework.sql import plain_insert

DEFAULT_MAX_ATTEMPTS = 8
BASE_DELAY = dt.timedelta(seconds=2)
MAX_DELAY = dt.timedelta(minutes=15)
_SYSTEM_PURPOSE = "outbox"
_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]


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
        plain_insert(_OUTBOX),
        {
            "id": message_id,
            "kind": kind,
            "status": OutboxStatus.PENDING,
            "idempotency_key": message_id.hex,
            "case_id": case_key.case_id if case_key else None,
            "phone_index": phone_index,
            "payload_ct": seal(
                key,
                table="outbox_message",
                column="payload",
                row_id=message_id,
                plaintext=json.dumps(payload, sort_keys=True).encode(),
            ),
            "attempts": 0,
            "max_attempts": max_attempts,
            "next_attempt_at": now,
            "created_at": now,
        },
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
        except (KeyUnavailable, ValueError) as exc:  # tampered, no key, not JSON
            # One unreadable row must not stop the queue behind it (danger alerts included):
            # set aside, visible, for an operator.
            row.status, row.lease_until = OutboxStatus.DEAD, None
            row.last_error = f"unreadable: {type(exc).__name__}"[:64]
    session.flush()
    return claimed


def read_payload(session: Session, *, keyring: Keyring, message: OutboxMessage) -> dict[str, Any]:
    """The opened payload of an outbox row (raises DataErased once its case was erased)."""
    key = (
        keyring.case_key(session, message.case_id)
        if message.case_id
        else keyring.purpose_key(session, _SYSTEM_PURPOSE)
    )
    payload: dict[str, Any] = json.loads(
        open_sealed(
            key,
            table="outbox_message",
            column="payload",
            row_id=message.id,
            ciphertext=message.payload_ct,
        )
    )
    return payload


def _opened(session: Session, keyring: Keyring, row: OutboxMessage) -> Claimed:
    payload = read_payload(session, keyring=keyring, message=row)
    return Claimed(row.id, row.kind, row.idempotency_key, row.case_id, row.attempts, payload)


def _still_held(message_id: uuid.UUID, attempt: int) -> Any:
    # The claim is the attempt number: a worker whose lease ran out (and whose row another
    # worker has claimed since) can no longer settle or renew it.
    return (
        (OutboxMessage.id == message_id)
        & (OutboxMessage.status == OutboxStatus.SENDING)
        & (OutboxMessage.attempts == attempt)
    )


def _settle(session: Session, message_id: uuid.UUID, attempt: int, **values: Any) -> bool:
    # Only a row still held by this claim is settled: a cancelled one stays cancelled.
    result = session.execute(
        update(OutboxMessage)
        .where(_still_held(message_id, attempt))
        .values(lease_until=None, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(
    session: Session, message_id: uuid.UUID, *, attempt: int, now: dt.datetime, lease: dt.timedelta
) -> bool:
    """Just before sending: True (and the lease extended) only if this claim still holds it.

    A batch can outlast its lease; renewing per item keeps a slow batch from sending a row
    that another worker has taken over, or that was cancelled (STOP, the safe word, erasure).
    """
    held = update(OutboxMessage).where(_still_held(message_id, attempt))
    result = session.execute(held.values(lease_until=now + lease))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(
    session: Session,
    message_id: uuid.UUID,
    *,
    attempt: int,
    provider_ref: str | None,
    now: dt.datetime,
) -> bool:
    """The receiver took it."""
    return _settle(
        session,
        message_id,
        attempt,
        status=OutboxStatus.SENT,
        provider_ref=provider_ref,
        sent_at=now,
        delivery_status=None,
    )


def mark_failed(
    session: Session, message_id: uuid.UUID, *, attempt: int, error: str, dead: bool
) -> bool:
    """It can never succeed (``dead=False``: a known permanent reason; ``True``: unknown)."""
    status = OutboxStatus.DEAD if dead else OutboxStatus.FAILED
    return _settle(session, message_id, attempt, status=status, last_error=error[:64])


def backoff(attempts: int, rng: random.Random) -> dt.timedelta:
    """Delay before the next attempt: exponential, capped, with jitter (half to full)."""
    delay: dt.timedelta = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return delay * rng.uniform(0.5, 1.0)


def retry_later(
    session: Session,
    message_id: uuid.UUID,
    *,
    attempt: int,
    error: str,
    now: dt.datetime,
    rng: random.Random,
) -> bool:
    """A passing failure: try again later, or dead-letter once out of attempts."""
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status is not OutboxStatus.SENDING or row.attempts != attempt:
        return False
    if row.attempts >= row.max_attempts:
        return mark_failed(session, message_id, attempt=attempt, error=error, dead=True)
    return _settle(
        session,
        message_id,
        attempt,
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
# Reported after the provider took the message: worth another attempt (63018: the channel's
# rate limit). Any other failure code is final (30006 landline, 21610 opted out, ...).
RETRY_DELIVERY_CODES = frozenset({"63018"})


def record_delivery_status(
    session: Session,
    message_id: uuid.UUID,
    status: str,
    *,
    attempt: int | None,
    error_code: str,
    now: dt.datetime,
    rng: random.Random,
) -> bool:
    """Move a message's delivery status forward (never back); True if it changed.

    A failure reported this way re-queues the message when the code says it may pass, and
    otherwise marks it failed. A word about an earlier attempt than the current one is ignored.
    """
    rank = _DELIVERY_ORDER.get(status)
    row = session.get(OutboxMessage, message_id, with_for_update=True)
    if rank is None or row is None or (attempt is not None and attempt != row.attempts):
        return False
    current = _DELIVERY_ORDER.get(row.delivery_status or "", -1)
    if rank <= current:
        return False
    row.delivery_status = status
    if status in {"failed", "undelivered"} and row.status is OutboxStatus.SENT:
        row.last_error = f"{status}:{error_code or '?'}"[:64]
        if error_code in RETRY_DELIVERY_CODES and row.attempts < row.max_attempts:
            row.status, row.next_attempt_at = OutboxStatus.PENDING, now + backoff(row.attempts, rng)
            row.delivery_status = None  # the next attempt starts its own progress
        else:
            row.status = OutboxStatus.FAILED
    session.flush()
    return True
