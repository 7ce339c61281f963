"""Time-based one-time passwords (RFC 6238) for every staff account, and recovery codes.

- Secret: 160 random bits (base32), sealed in the database under the installation's "staff"
  key; shown once at enrolment as text and as a QR code.
- A code is accepted for the current 30-second step and one step either side (clock drift),
  and only for a step later than the last one accepted: a code, once used, is refused again
  (no replay), even within its window.
- Recovery codes: ten per account, 50 random bits each (two groups of five symbols),
  argon2id-hashed,
  each good once.
"""

from __future__ import annotations

import datetime as dt
import hmac

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from casework import crockford

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_SYMBOLS = 10
_recovery_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def new_secret() -> str:
    """A fresh TOTP secret (base32)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, *, username: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def code_at(secret: str, moment: dt.datetime) -> str:
    """The code an authenticator shows at ``moment`` (for tests and the demo)."""
    return pyotp.TOTP(secret).at(moment)


def accepted_step(secret: str, code: str, *, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to if it is good now and not used before, else None."""
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    matched = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            matched = step
    if matched is None or (last_step is not None and matched <= last_step):
        return None
    return matched


def new_recovery_codes() -> list[str]:
    """Ten fresh recovery codes, for showing once."""
    return [
        crockford.group(crockford.random_symbols(_RECOVERY_SYMBOLS), 5)
        for _ in range(RECOVERY_CODES)
    ]


def hash_recovery_code(code: str) -> str:
    """argon2id hash of a recovery code (any display form)."""
    return _recovery_hasher.hash(crockford.normalise(code) or "")


def recovery_code_matches(code_hash: str, code: str) -> bool:
    """True when ``code`` is the one hashed."""
    symbols = crockford.normalise(code)
    if symbols is None or len(symbols) != _RECOVERY_SYMBOLS:
        return False
    try:
        return _recovery_hasher.verify(code_hash, symbols)
    except (VerificationError, InvalidHashError):
        return False
