"""The inbound inbox: raw provider events stored once, keyed by the provider's message id."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.clock import Clock
from casework.enums import Channel, InboxStatus
from casework.ids import new_id
from casework.intake.models import InboundMessage
from casework.protection.fields import open_sealed, seal
from casework.protection.keys import Keyring
from casework.sql import insert_ignoring_conflict

INBOX_PURPOSE = "inbox"


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
    created = insert_ignoring_conflict(
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
    row = session.scalars(
        select(InboundMessage).where(
            InboundMessage.channel == channel,
            InboundMessage.provider_message_id == provider_message_id,
        )
    ).one()
    return row, created


def read_inbound_payload(
    session: Session, *, keyring: Keyring, message: InboundMessage
) -> dict[str, Any] | None:
    """The raw payload of an inbound event (None once erased)."""
    if message.payload_ct is None:
        return None
    plaintext = open_sealed(
        keyring.purpose_key(session, INBOX_PURPOSE),
        table="inbound_message",
        column="payload",
        row_id=message.id,
        ciphertext=message.payload_ct,
    )
    payload: dict[str, Any] = json.loads(plaintext)
    return payload
