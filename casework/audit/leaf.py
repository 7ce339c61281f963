"""The canonical bytes of an audit event: what the Merkle tree commits to.

Everything but the payload's plaintext: the payload appears as its ciphertext, so an
auditor verifies without any decryption key and verification survives crypto-shredding.
The position is included, binding each event to its place in the log. JSON with sorted keys,
no spaces, ASCII only; timestamps as RFC 3339 UTC with microseconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from binascii import b2a_base64
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any

from casework.audit.merkle import leaf_hash

LEAF_VERSION = 1
_quote = encode_basestring_ascii  # json's own string escaper (C): the bytes json.dumps gives


def timestamp(moment: dt.datetime) -> str:
    """RFC 3339 UTC with microseconds, as in the leaf (``2026-11-26T09:00:00.000000Z``)."""
    if moment.tzinfo is not dt.UTC:
        moment = moment.astimezone(dt.UTC)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"


def canonical_bytes(
    position: int,
    event_id: uuid.UUID,
    occurred_at: dt.datetime,
    actor_kind: str,
    actor_id: str | None,
    action: str,
    object_type: str,
    object_id: str,
    case_id: uuid.UUID | None,
    payload_ct: bytes,
) -> bytes:
    """The canonical JSON of an event: keys sorted, no spaces, ASCII only.

    A test holds it equal to ``json.dumps(..., sort_keys=True, separators=(",", ":"))`` of
    ``LeafRecord.to_json``.
    """
    return canonical_from_text(
        position,
        str(event_id),
        timestamp(occurred_at),
        actor_kind,
        actor_id,
        action,
        object_type,
        object_id,
        None if case_id is None else str(case_id),
        b2a_base64(payload_ct, newline=False).decode(),
    )


def canonical_from_text(
    position: int,
    event_id: str,
    occurred_at: str,
    actor_kind: str,
    actor_id: str | None,
    action: str,
    object_type: str,
    object_id: str,
    case_id: str | None,
    payload: str,
) -> bytes:
    """``canonical_bytes`` from the text forms of the fields that have one: the ids as
    ``str(UUID)``, ``occurred_at`` as ``timestamp`` writes it, ``payload`` in base64.

    Written out by hand because verification runs it a million times; verification on
    PostgreSQL has the database write those text forms and comes straight here.
    """
    actor = "null" if actor_id is None else _quote(actor_id)
    case = "null" if case_id is None else f'"{case_id}"'
    return (
        f'{{"action":{_quote(action)},"actor_id":{actor},"actor_kind":{_quote(actor_kind)},'
        f'"case_id":{case},"id":"{event_id}","object_id":{_quote(object_id)},'
        f'"object_type":{_quote(object_type)},"occurred_at":"{occurred_at}",'
        f'"payload":"{payload}","position":{position:d},"v":{LEAF_VERSION:d}}}'
    ).encode()


@dataclass(frozen=True)
class LeafRecord:
    """An audit event as the log sees it (also one line of an exported log)."""

    position: int
    id: uuid.UUID
    occurred_at: dt.datetime
    actor_kind: str
    actor_id: str | None
    action: str
    object_type: str
    object_id: str
    case_id: uuid.UUID | None
    payload_ct: bytes

    def canonical(self) -> bytes:
        """The exact bytes that are hashed into the leaf."""
        return canonical_bytes(
            self.position,
            self.id,
            self.occurred_at,
            self.actor_kind,
            self.actor_id,
            self.action,
            self.object_type,
            self.object_id,
            self.case_id,
            self.payload_ct,
        )

    def leaf_hash(self) -> bytes:
        """RFC 6962 leaf hash of the canonical bytes."""
        return leaf_hash(self.canonical())

    def to_json(self) -> dict[str, Any]:
        """The JSON object form (exports use it too)."""
        return {
            "v": LEAF_VERSION,
            "position": self.position,
            "id": str(self.id),
            "occurred_at": timestamp(self.occurred_at),
            "actor_kind": self.actor_kind,
            "actor_id": self.actor_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "case_id": str(self.case_id) if self.case_id else None,
            "payload": base64.b64encode(self.payload_ct).decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LeafRecord:
        """Read a record back from its JSON object form (raises ValueError/KeyError if bad)."""
        if data.get("v") != LEAF_VERSION:
            raise ValueError("unknown leaf version")
        return cls(
            position=int(data["position"]),
            id=uuid.UUID(data["id"]),
            occurred_at=dt.datetime.strptime(data["occurred_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=dt.UTC
            ),
            actor_kind=data["actor_kind"],
            actor_id=data["actor_id"],
            action=data["action"],
            object_type=data["object_type"],
            object_id=data["object_id"],
            case_id=uuid.UUID(data["case_id"]) if data["case_id"] else None,
            payload_ct=base64.b64decode(data["payload"], validate=True),
        )
