"""Ports: what the domain needs from the outside world, as small protocols.

Adapters in ``integrations`` implement them; ``hotline`` wires an implementation in. The
domain never knows which one it got.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class KeyUnavailable(Exception):
    """A key needed to read protected data is missing, destroyed or cannot be unwrapped."""


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted under a master key, and the id of that master key (version)."""

    key_id: str
    ciphertext: bytes

    def __repr__(self) -> str:
        return f"WrappedKey({self.key_id!r}, ***)"


class KeyProvider(Protocol):
    """Master keys that never leave the provider: they only wrap and unwrap data keys.

    Implementations: a local key file (``integrations.keys.local``, the default), or a KMS /
    Vault transit key, where ``wrap`` is the service's Encrypt call, ``unwrap`` its Decrypt
    call and ``current_key_id`` names the key version Encrypt uses now. ``context`` is
    authenticated (AES-GCM associated data, or KMS "encryption context" / Vault "context")
    so a wrapped key copied to another row does not unwrap.
    """

    def current_key_id(self) -> str:
        """The master key version new data keys are wrapped with."""
        ...

    def wrap(self, data_key: bytes, *, context: bytes) -> WrappedKey:
        """Encrypt a data key under the current master key."""
        ...

    def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes:
        """Decrypt a data key; raises KeyUnavailable if its master key is unknown."""
        ...


class Signer(Protocol):
    """An Ed25519 signing key held by the provider (a file, a KMS or an HSM)."""

    @property
    def name(self) -> str:
        """The key name verifiers know it by (the log's origin, e.g. ``example.org/audit``)."""
        ...

    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        ...

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature of ``message``."""
        ...


class SendOutcome(enum.StrEnum):
    """What happened to one attempt to hand a message to a provider."""

    SENT = "sent"  # the provider took it
    RETRY = "retry"  # a passing problem (rate limit, outage, network): try again later
    OPTED_OUT = "opted_out"  # the recipient opted out: never retry, remember it
    UNREACHABLE = "unreachable"  # e.g. a landline: never retry
    REJECTED = "rejected"  # refused for another reason: dead-letter for a person to look at
    GONE = "gone"  # the endpoint says it is gone for good (HTTP 410): stop sending there


@dataclass(frozen=True)
class SendResult:
    """The outcome, the provider's id for the message, and an error code (never content)."""

    outcome: SendOutcome
    provider_ref: str | None = None
    error: str | None = None


class SmsSender(Protocol):
    """Sends one text message."""

    def send(
        self, *, to: str, body: str, status_callback: str | None, idempotency_key: str
    ) -> SendResult:
        """Hand a text to the provider; never raises for provider or network errors."""
        ...


@dataclass(frozen=True)
class FetchedMedia:
    """A downloaded media item, or why not."""

    outcome: SendOutcome
    content: bytes = b""
    content_type: str | None = None
    error: str | None = None

    def __repr__(self) -> str:
        return f"FetchedMedia({self.outcome.value}, {len(self.content)} bytes)"


class MediaStore(Protocol):
    """Where MMS media waits until we take it (the provider's store)."""

    def fetch(self, url: str, *, max_bytes: int) -> FetchedMedia:
        """Download one item (at most ``max_bytes``)."""
        ...

    def delete(self, url: str) -> SendOutcome:
        """Remove it from the provider once we hold it."""
        ...


class WebhookPoster(Protocol):
    """Posts one signed webhook."""

    def post(self, *, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        """POST it; 2xx is SENT, 410 GONE, anything else (or no answer) RETRY; never raises."""
        ...


class Mailer(Protocol):
    """Sends one plain-text e-mail."""

    def send(self, *, to: str, subject: str, text: str, message_id: str) -> SendResult:
        """Hand it to the mail server; never raises for server or network errors."""
        ...
