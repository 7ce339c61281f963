"""Follow-up codes: the secret a reporter keeps to come back to their case.

Design
- 12 Crockford base32 symbols = 60 random bits, shown as ``K7P3-9QWX-M2RT``: no look-alike
  characters, any case, dashes optional, so a child can copy it onto paper or type it on a
  keypad phone.
- Stored only as an argon2id hash. Because the code itself carries 60 bits of entropy, the
  hash does not have to make up for a weak secret the way password hashing does: an offline
  guesser with a stolen database needs ~2^59 evaluations per code on average. At t=1, m=1 MiB,
  p=1 (about 0.4 ms on one core here, so intake stays fast) and even 10^6 guesses/s on a GPU,
  that is ~18,000 GPU-years per code. The parameters live in each hash, so raising them later
  needs no migration.
- When a submission carries an Idempotency-Key (the app, or the web form's one-time token),
  the code is derived as HMAC-SHA256(key, salt) with a random 128-bit salt stored beside the
  idempotency record. A resend with the same key therefore gets the same code back, yet the
  database holds neither the key (only its SHA-256) nor the code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from casework import crockford

CODE_SYMBOLS = 12  # x 5 bits = 60 bits
SALT_BYTES = 16
_DERIVE_LABEL = b"hotline/follow-up-code/v1\x00"

_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, hash_len=32, salt_len=16)
# Verified against when the reference is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = _hasher.hash(crockford.random_symbols(CODE_SYMBOLS))


def new_code() -> str:
    """A fresh random code, grouped for display."""
    return crockford.group(crockford.random_symbols(CODE_SYMBOLS), 4)


def new_salt() -> bytes:
    """Random salt for a derived code."""
    return secrets.token_bytes(SALT_BYTES)


def derive_code(idempotency_key: str, salt: bytes) -> str:
    """The code for a submission made under ``idempotency_key`` (same inputs, same code)."""
    mac = hmac.new(idempotency_key.encode(), _DERIVE_LABEL + salt, hashlib.sha256).digest()
    value = int.from_bytes(mac[:8], "big") >> (64 - 5 * CODE_SYMBOLS)
    return crockford.group(crockford.symbols_from_int(value, CODE_SYMBOLS), 4)


def normalise_code(text: str) -> str | None:
    """Canonical symbols of a typed code, or None when it cannot be a code."""
    symbols = crockford.normalise(text)
    if symbols is None or len(symbols) != CODE_SYMBOLS:
        return None
    return symbols


def hash_code(code: str) -> str:
    """argon2id hash of a code (any display form)."""
    symbols = normalise_code(code)
    if symbols is None:
        raise ValueError("not a follow-up code")
    return _hasher.hash(symbols)


def verify_code(code_hash: str | None, code: str) -> bool:
    """True when ``code`` matches ``code_hash``; runs a full verification even when it cannot."""
    symbols = normalise_code(code)
    try:
        matched = _hasher.verify(code_hash or _DUMMY_HASH, symbols or "0" * CODE_SYMBOLS)
    except (VerificationError, InvalidHashError):
        return False
    return matched and code_hash is not None and symbols is not None
