"""Webhooks to partners, per the Standard Webhooks specification.

Each message has a ``webhook-id`` that stays the same across retries (the partner
deduplicates on it), a ``webhook-timestamp`` (seconds, the time of this attempt) and a
``webhook-signature``: ``v1,`` and the base64 HMAC-SHA256, under the partner's secret, of
``{id}.{timestamp}.{body}``. The body is thin: what happened and where to fetch the referral
with the partner's API key; never a word about the child.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.audit.record import AuditAction, record_event
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.partners.directory import partner_secret
from casework.partners.models import Delivery, Partner, Referral
from casework.protection.keys import Keyring
from casework.staff.models import Role, StaffUser

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the format's prefix, not a secret
MAX_ATTEMPTS: Final = 12  # with the outbox's back-off: about a day


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one attempt."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, at: dt.datetime, body: bytes) -> dict[str, str]:
    """The headers of one attempt (the signature covers this attempt's timestamp)."""
    timestamp = int(at.timestamp())
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def body(payload: dict[str, Any], *, public_base_url: str) -> bytes:
    """The thin JSON body of a queued webhook (the same bytes on every attempt)."""
    referral = str(payload["referral"])
    message = {
        "type": payload["type"],
        "timestamp": payload["created_at"],
        "data": {
            "referral_id": referral,
            "status": payload["status"],
            "href": f"{public_base_url.rstrip('/')}/api/partner/v1/referrals/{referral}",
        },
    }
    return json.dumps(message, separators=(",", ":"), sort_keys=True).encode()


def queue_webhook(
    session: Session,
    *,
    keyring: Keyring,
    partner: Partner,
    referral: Referral,
    event: str,
    now: dt.datetime,
) -> uuid.UUID | None:
    """Queue a webhook about a referral to its partner, if it takes webhooks now."""
    if partner.delivery is not Delivery.WEBHOOK or not partner.active:
        return None
    if partner.webhook_disabled_at is not None or not partner.webhook_url:
        return None
    return enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.WEBHOOK,
        payload={
            "partner": str(partner.id),
            "referral": str(referral.id),
            "type": event,
            "status": referral.status.value,
            # Stable across retries: the partner deduplicates on it.
            "webhook_id": f"msg_{referral.id.hex}_{event.replace('.', '_')}",
            "created_at": now.isoformat(),
        },
        now=now,
        max_attempts=MAX_ATTEMPTS,
    )


@dataclass(frozen=True)
class Endpoint:
    """Where and how to send one partner's webhooks (the secret opened for this attempt)."""

    url: str
    secret: str

    def __repr__(self) -> str:
        return "Endpoint(***)"


def endpoint(session: Session, keyring: Keyring, partner_id: uuid.UUID) -> Endpoint | None:
    """The partner's endpoint, or None when it no longer takes webhooks (disabled, changed)."""
    partner = session.get(Partner, partner_id)
    if partner is None or partner.delivery is not Delivery.WEBHOOK or not partner.active:
        return None
    if partner.webhook_disabled_at is not None or not partner.webhook_url:
        return None
    secret = partner_secret(session, keyring, partner, "webhook_secret")
    return Endpoint(partner.webhook_url, secret) if secret else None


def disable_endpoint(
    session: Session, *, keyring: Keyring, partner_id: uuid.UUID, now: dt.datetime
) -> bool:
    """The endpoint answered 410 Gone: stop sending there, and tell the administrators.
    True when this call disabled it."""
    partner = session.get(Partner, partner_id)
    if partner is None or partner.webhook_disabled_at is not None:
        return False
    partner.webhook_disabled_at = now
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.PARTNER_ENDPOINT_DISABLED,
        actor=SYSTEM,
        object_type="partner",
        object_id=str(partner.id),
        details={"reason": "http_410"},
        now=now,
    )
    admins = session.scalars(
        select(StaffUser.id).where(StaffUser.role == Role.ADMINISTRATOR, StaffUser.active)
    )
    enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.STAFF_NOTICE,
        payload={
            "to": [str(a) for a in admins],
            "kind": "webhook_disabled",
            "case": None,
            "text": f"Webhooks to {partner.name} stopped: its endpoint answered 410 Gone. "
            "Check its address in the partner directory.",
        },
        now=now,
    )
    session.flush()
    return True
