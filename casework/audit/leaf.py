"""The canonical bytes of an audit event: what the Merkle tree commits to.

Everything but the payload's plaintext: the payload appears as its ciphertext, so an
auditor verifies without any decryption key and verification survives crypto-shredding.
The position is included, binding each event to its place in the log. JSON with sorted keys,
no spaces, ASCII only; timestamps as RFC 3339 UTC with microseconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from casework.audit.merkle import leaf_hash

LEAF_VERSION = 1


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
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()

    def leaf_hash(self) -> bytes:
        """RFC 6962 leaf hash of the canonical bytes."""
        return leaf_hash(self.canonical())

    def to_json(self) -> dict[str, Any]:
        """The JSON object form (exports use it too)."""
        return {
            "v": LEAF_VERSION,
            "position": self.position,
            "id": str(self.id),
            "occurred_at": self.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
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
