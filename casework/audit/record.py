"""Writing audit events: in the caller's transaction, with what changed sealed."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.models import AuditEvent
from casework.ids import new_id
from casework.protection.fields import open_sealed, seal
from casework.protection.keys import Keyring, SealingKey


class AuditAction(enum.StrEnum):
    """Every kind of action the trail records."""

    REPORT_RECEIVED = "report.received"
    REPORT_RECEIPT_REPLAYED = "report.receipt_replayed"
    FOLLOW_UP_VIEWED = "follow_up.viewed"
    FOLLOW_UP_DENIED = "follow_up.denied"
    CASE_ERASED = "case.erased"
    KEYS_ROTATION_STARTED = "keys.rotation_started"
    KEYS_ROTATED = "keys.rotated"
    KEYS_RETIRED = "keys.retired"
    AUDIT_EXPORTED = "audit.exported"
    SMS_RECEIVED = "sms.received"
    SMS_OPTED_OUT = "sms.opted_out"
    SMS_OPTED_IN = "sms.opted_in"
    SMS_SILENCED = "sms.silenced"
    SMS_STATUS = "sms.status"
    OUTBOX_DELIVERED = "outbox.delivered"
    OUTBOX_FAILED = "outbox.failed"
    EVIDENCE_STORED = "evidence.stored"


SYSTEM_PURPOSE = "audit"


def record_event(
    session: Session,
    *,
    keyring: Keyring,
    action: AuditAction,
    actor: Actor,
    object_type: str,
    object_id: str,
    details: dict[str, Any],
    now: dt.datetime,
    case_key: SealingKey | None = None,
) -> uuid.UUID:
    """Append one event to the trail, in the caller's transaction; returns its id.

    ``details`` (what changed) is sealed under the case's key when the event belongs to a
    case, so erasing the case also erases what the trail said about it; otherwise under the
    system audit key.
    """
    event_id = new_id()
    key = case_key or keyring.purpose_key(session, SYSTEM_PURPOSE)
    payload = seal(
        key,
        table="audit_event",
        column="payload",
        row_id=event_id,
        plaintext=json.dumps(details, sort_keys=True, default=str).encode(),
    )
    session.execute(
        insert(AuditEvent).values(
            id=event_id,
            occurred_at=now,
            actor_kind=actor.kind.value,
            actor_id=actor.id,
            action=action.value,
            object_type=object_type,
            object_id=object_id,
            case_id=case_key.case_id if case_key else None,
            payload_ct=payload,
        )
    )
    return event_id


def read_details(session: Session, *, keyring: Keyring, event: AuditEvent) -> dict[str, Any]:
    """What an event says changed (raises DataErased for an erased case)."""
    key = (
        keyring.case_key(session, event.case_id)
        if event.case_id
        else keyring.purpose_key(session, SYSTEM_PURPOSE)
    )
    plaintext = open_sealed(
        key, table="audit_event", column="payload", row_id=event.id, ciphertext=event.payload_ct
    )
    details: dict[str, Any] = json.loads(plaintext)
    return details
