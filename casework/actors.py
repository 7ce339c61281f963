"""Who does things: reporters (anonymous), members of staff, the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from casework.enums import ActorKind


@dataclass(frozen=True)
class Actor:
    """An actor as recorded in case events and the audit trail."""

    kind: ActorKind
    id: str | None = None


SYSTEM = Actor(ActorKind.SYSTEM)
REPORTER = Actor(ActorKind.REPORTER)
