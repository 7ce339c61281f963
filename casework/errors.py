"""Domain errors. Plain exceptions; ``hotline.errors`` maps them to HTTP answers.

Messages are written for the person who sent the input and never contain personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

from casework.ports import KeyUnavailable

__all__ = [
    "DataErased",
    "DomainError",
    "IdempotencyKeyReused",
    "InvalidInput",
    "KeyUnavailable",
    "NotAllowed",
    "NotFound",
]


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidInput(DomainError):
    """An input field names something that does not exist or breaks a rule.

    ``message`` is for people (words, no codes); ``allowed`` lists the codes a client may
    send instead, for the API to give to programs.
    """

    def __init__(self, field: str, message: str, *, allowed: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.allowed = tuple(allowed)


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key came back with a different request body."""


class DataErased(DomainError, KeyUnavailable):
    """The case's data key was destroyed (crypto-shredded): its fields can never be read."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is outside the caller's view)."""


class NotAllowed(DomainError):
    """The caller may see this but not do that to it (their role does not allow it)."""
