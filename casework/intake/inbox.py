"""The inbound inbox: raw provider events stored once, keyed by the provider's message id."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.clock import Clock
from casework.enums import Channel, InboxStatus
from casework.ids import new_id
from casework.intake.models import InboundMessage
from casework.sql import insert_ignoring_conflict


def record_inbound(
    session: Session,
    *,
    channel: Channel,
    provider_message_id: str,
    payload: dict[str, Any],
    clock: Clock,
) -> tuple[InboundMessage, bool]:
    """Store a provider event unless already stored; returns the row and whether it is new."""
    row_id: uuid.UUID = new_id()
    created = insert_ignoring_conflict(
        session,
        InboundMessage,
        {
            "id": row_id,
            "channel": channel,
            "provider_message_id": provider_message_id,
            "payload": payload,
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
