"""The installation's operator at the command line, as the administration use cases see them.

Whoever runs ``hotline`` on the server already holds the database and the keys, so no role is
checked for them: ``Operating.require`` allows every action. What they change is audited as
the system acting for their login (``cli:<login>``). An administration use case takes either
a signed-in member of staff (``Acting``, whose role is checked) or the operator.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.access.policy import Action
from casework.actors import Actor
from casework.audit.acting import Audited, audited_as
from casework.context import Acting, Unit


@dataclass(frozen=True)
class Operating(Unit):
    """A unit of work done by the operator at the command line."""

    actor: Actor

    def require(self, action: Action) -> None:
        """Allow ``action``: the operator holds the database and the keys already."""
        del action


# Who administers: a member of staff through the API or the console, or the operator.
Administering = Acting | Operating


def audited_by(who: Administering) -> Audited:
    """The keyword arguments of a change recorded as done by ``who``, now."""
    if isinstance(who, Acting):
        return audited_as(who)
    return {"session": who.session, "keyring": who.keyring, "actor": who.actor, "now": who.now}
