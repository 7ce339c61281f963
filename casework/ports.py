"""Ports: what the domain needs from the outside world, as small protocols.

Adapters in ``integrations`` implement them; ``hotline`` wires an implementation in. The
domain never knows which one it got.
"""

from __future__ import annotations

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
