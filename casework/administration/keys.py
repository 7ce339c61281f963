"""Retiring a master key version, as the operator does it from the command line: refused
while a data key still uses it; recorded in the trail before the key file forgets it."""

from __future__ import annotations

from casework.administration.operator import Operating, audited_by
from casework.audit.record import AuditAction, record_event
from casework.errors import DomainError
from casework.protection.rotation import keys_using


class KeyInUse(DomainError):
    """A master key version still wraps data keys: rotate them first."""

    def __init__(self, in_use: int) -> None:
        super().__init__(f"{in_use} data keys still use it")
        self.in_use = in_use


def retire_master_key(op: Operating, key_id: str) -> None:
    """Record that master key ``key_id`` is retired (KeyInUse while data keys use it)."""
    in_use = keys_using(op.session, key_id)
    if in_use:
        raise KeyInUse(in_use)
    record_event(
        **audited_by(op),
        action=AuditAction.KEYS_RETIRED,
        object_type="master_key",
        object_id=key_id,
        details={},
    )
