"""Keyed blind indexes: find equal values (a phone number) without storing them in clear.

HMAC-SHA256 under a key derived from the root secret for the one purpose, over the
normalised value (E.164 for phones). Without the key, the index reveals nothing useful; with
it, equality search is a plain indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session

from casework.protection.keys import Keyring


def phone_index(session: Session, keyring: Keyring, e164: str) -> bytes:
    """The blind index of an E.164 phone number."""
    key = keyring.purpose_key(session, "blind-index/phone")
    return hmac.new(key.secret, e164.encode(), hashlib.sha256).digest()
