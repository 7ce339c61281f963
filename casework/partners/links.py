"""Signed, expiring links for partners without an API: the link is the only credential, so
it names one referral, ends at a given time, and is authenticated (HMAC-SHA256 under the
installation's "partner-link" key). A changed or expired link opens nothing."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import uuid
from typing import Final

from sqlalchemy.orm import Session

from casework.errors import DomainError
from casework.protection.keys import Keyring

LINK_PURPOSE: Final = "partner-link"
_DOMAIN: Final = b"hotline/partner-link/v1"
_MAC_BYTES: Final = 16


class LinkRefused(DomainError):
    """The link was altered (``expired`` False) or has ended (``expired`` True)."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("this link has ended" if expired else "this link is not valid")
        self.expired = expired


def _secret(session: Session, keyring: Keyring) -> bytes:
    return keyring.purpose_key(session, LINK_PURPOSE).secret


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, _DOMAIN + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(
    session: Session, keyring: Keyring, referral_id: uuid.UUID, expires_at: dt.datetime
) -> str:
    """The token of a link to one referral, valid until ``expires_at``."""
    payload = referral_id.bytes + int(expires_at.timestamp()).to_bytes(8, "big")
    raw = payload + _mac(_secret(session, keyring), payload)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def read_token(session: Session, keyring: Keyring, token: str, now: dt.datetime) -> uuid.UUID:
    """The referral a link names, or LinkRefused."""
    if len(token) > 100 or not token.isascii():
        raise LinkRefused(expired=False)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise LinkRefused(expired=False) from None
    if len(raw) != 16 + 8 + _MAC_BYTES:
        raise LinkRefused(expired=False)
    payload, mac = raw[:24], raw[24:]
    if not hmac.compare_digest(mac, _mac(_secret(session, keyring), payload)):
        raise LinkRefused(expired=False)
    if int.from_bytes(payload[16:], "big") <= now.timestamp():
        raise LinkRefused(expired=True)
    return uuid.UUID(bytes=payload[:16])
