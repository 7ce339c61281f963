"""The inbound inbox: raw provider events stored once, keyed by the provider's message id."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.clock import Clock
from casework.enums import Channel, InboxStatus
from casework.ids import new_id
from casework.intake.models import InboundMessage
from casework.protection.fields import open_sealed, seal
from casework.protection.keys import Keyring, SealingKey
from casework.sql import insert_returning_new, skip_locked

INBOX_PURPOSE = "inbox"
# How long a provider may retry a webhook and get the same answer. After it, the answer (which
# may hold a new follow-up code) is forgotten, and so is the raw payload of anything that
# never joined a case (STOP, HELP, the safe word: the sender's number and nothing else).
RETRY_WINDOW = dt.timedelta(days=1)


def record_inbound(
    session: Session,
    *,
    channel: Channel,
    provider_message_id: str,
    payload: dict[str, Any],
    clock: Clock,
    keyring: Keyring,
) -> tuple[InboundMessage, bool]:
    """Store a provider event (sealed) unless already stored; returns the row and if it is new."""
    row_id: uuid.UUID = new_id()
    sealed = seal(
        keyring.purpose_key(session, INBOX_PURPOSE),
        table="inbound_message",
        column="payload",
        row_id=row_id,
        plaintext=json.dumps(payload, sort_keys=True).encode(),
    )
    row = insert_returning_new(
        session,
        InboundMessage,
        {
            "id": row_id,
            "channel": channel,
            "provider_message_id": provider_message_id,
            "payload_ct": sealed,
            "status": InboxStatus.RECEIVED,
            "received_at": clock.now(),
        },
        ["channel", "provider_message_id"],
    )
    if row is not None:
        return row, True
    earlier = session.scalars(
        select(InboundMessage).where(
            InboundMessage.channel == channel,
            InboundMessage.provider_message_id == provider_message_id,
        )
    ).one()
    return earlier, False


def _key(session: Session, keyring: Keyring, message: InboundMessage) -> SealingKey:
    if message.case_id is not None:
        return keyring.case_key(session, message.case_id)
    return keyring.purpose_key(session, INBOX_PURPOSE)


def complete_inbound(
    session: Session,
    *,
    keyring: Keyring,
    message: InboundMessage,
    case_key: SealingKey | None,
    report_id: uuid.UUID | None,
    response: str | None,
    now: dt.datetime,
) -> None:
    """Mark an event processed, keep the answer given (None: it was answered through the
    outbox, so a retry gets an empty answer), and move it under its case's key."""
    payload = read_inbound_payload(session, keyring=keyring, message=message)
    key = case_key or keyring.purpose_key(session, INBOX_PURPOSE)
    message.case_id = case_key.case_id if case_key else None
    message.report_id = report_id
    if payload is not None:
        message.payload_ct = seal(
            key,
            table="inbound_message",
            column="payload",
            row_id=message.id,
            plaintext=json.dumps(payload, sort_keys=True).encode(),
        )
    message.response_ct = (
        seal(
            key,
            table="inbound_message",
            column="response",
            row_id=message.id,
            plaintext=response.encode(),
        )
        if response is not None
        else None
    )
    message.status = InboxStatus.PROCESSED
    message.processed_at = now
    session.flush()


def next_waiting(session: Session, *, channel: Channel) -> InboundMessage | None:
    """The oldest event of ``channel`` stored but not handled yet, locked for this transaction
    (rows other workers hold are skipped on PostgreSQL)."""
    query = (
        select(InboundMessage)
        .where(InboundMessage.channel == channel, InboundMessage.status == InboxStatus.RECEIVED)
        .order_by(InboundMessage.received_at)
        .limit(1)
    )
    return session.scalars(skip_locked(session, query)).first()


def mark_failed(message: InboundMessage, *, now: dt.datetime) -> None:
    """An event that cannot be handled: kept (sealed), never retried, seen by an operator."""
    message.status = InboxStatus.FAILED
    message.processed_at = now


def stored_response(session: Session, *, keyring: Keyring, message: InboundMessage) -> str | None:
    """The answer given the first time this event arrived (None if it was never answered)."""
    if message.response_ct is None:
        return None
    return open_sealed(
        _key(session, keyring, message),
        table="inbound_message",
        column="response",
        row_id=message.id,
        ciphertext=message.response_ct,
    ).decode()


def read_inbound_payload(
    session: Session, *, keyring: Keyring, message: InboundMessage
) -> dict[str, Any] | None:
    """The raw payload of an inbound event (None once erased)."""
    if message.payload_ct is None:
        return None
    plaintext = open_sealed(
        _key(session, keyring, message),
        table="inbound_message",
        column="payload",
        row_id=message.id,
        ciphertext=message.payload_ct,
    )
    payload: dict[str, Any] = json.loads(plaintext)
    return payload


def forget_after_retry_window(session: Session, *, now: dt.datetime) -> int:
    """Drop stored answers, and payloads outside any case, once retries are over."""
    cutoff = now - RETRY_WINDOW
    answers = session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.response_ct.is_not(None))
        .values(response_ct=None)
    )
    caseless = session.execute(
        update(InboundMessage)
        .where(
            InboundMessage.received_at < cutoff,
            InboundMessage.case_id.is_(None),
            InboundMessage.payload_ct.is_not(None),
            # A text still waiting to be handled keeps its words, however late it is.
            InboundMessage.status != InboxStatus.RECEIVED,
        )
        .values(payload_ct=None)
    )
    return int(answers.rowcount) + int(caseless.rowcount)  # type: ignore[attr-defined]
