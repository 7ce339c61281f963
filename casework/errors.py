"""Domain errors. Plain exceptions; ``hotline.errors`` maps them to HTTP answers.

Messages are written for the person who sent the input and never contain personal data.
"""

from __future__ import annotations

import datetime as dt


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidInput(DomainError):
    """An input field names something that does not exist or breaks a rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key came back with a different request body."""


class FollowUpDenied(DomainError):
    """The reference and follow-up code do not match (or the reference does not exist)."""


class FollowUpLocked(DomainError):
    """Too many wrong follow-up attempts for this reference: wait before trying again."""

    def __init__(self, retry_after: dt.timedelta) -> None:
        super().__init__("too many attempts")
        self.retry_after = retry_after
