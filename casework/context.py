"""What every use case runs inside: one transaction, the keys, and the moment it happens.

An entrypoint (a route, the CLI, a worker job) opens the transaction and builds a ``Unit``;
a member of staff's request builds an ``Acting``, which adds who is acting. Use cases take
one of these first, so no route passes ``keyring=`` and ``now=`` by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casework.access.policy import Action, may_globally
from casework.access.scope import Principal
from casework.clock import Clock
from casework.errors import NotAllowed
from casework.protection.keys import Keyring


@dataclass(frozen=True)
class Unit:
    """One unit of work: a transaction, the keyring, the clock and the time it started."""

    session: Session
    keyring: Keyring
    clock: Clock
    now: dt.datetime


@dataclass(frozen=True)
class Acting(Unit):
    """A unit of work done by a signed-in member of staff."""

    principal: Principal

    def require(self, action: Action) -> None:
        """Refuse (NotAllowed) an action not about one case that the role may not do."""
        if not may_globally(self.principal.role, action):
            raise NotAllowed("Your role does not allow this.")
