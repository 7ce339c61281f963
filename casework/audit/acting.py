"""A change made by a signed-in member of staff, as the functions that record it in the
audit trail take it: ``set_x(**audited_as(acting), ...)``."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.context import Acting
from casework.protection.keys import Keyring


class Audited(TypedDict):
    """The transaction, keyring, actor and time of an audited change."""

    session: Session
    keyring: Keyring
    actor: Actor
    now: dt.datetime


def audited_as(acting: Acting) -> Audited:
    """The keyword arguments of a change recorded as done by the person acting, now."""
    return {
        "session": acting.session,
        "keyring": acting.keyring,
        "actor": acting.principal.actor,
        "now": acting.now,
    }
