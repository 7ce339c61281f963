"""Who may do what: one table for the whole system, pure and deny-by-default.

A member of staff stands in one or more *relations* to a case (it is assigned to them, it is
in their team's queue in their regions, it is in a region they cover, they are named on it,
they opened it with break-glass). Each role allows each case action through some relations.
Two overrides, decided here too:

- a **restricted** case (e.g. the accused works at the school) is seen only through the
  relations in ``RESTRICTED_RELATIONS`` (named users and the assignee) and, for supervisors,
  their regions;
- a member of staff **linked to the case's school** never sees a restricted case, whatever
  else is true (a conflict of interest), not even with break-glass;
- break-glass (``may_break_glass``) is for caseworkers and supervisors, into a restricted
  case for supervisors only, and never across a conflict of interest.

Actions that are not about one case (users, configuration, the audit trail, statistics,
receiving referrals) are allowed per role in ``GLOBAL``. Anything not written here is denied.
``casework.access.scope`` turns the same table into SQL, so lists, counts and exports apply
exactly these rules.
"""

from __future__ import annotations

import enum
from typing import Final

from casework.staff.models import Role


class Action(enum.StrEnum):
    """Something a member of staff wants to do."""

    CASE_READ = "case.read"  # find it in lists and searches, open it, its reports, messages...
    CASE_WORK = "case.work"  # add notes, text the reporter, refer to a partner
    CASE_ASSIGN = "case.assign"  # give it to a member of staff or a team
    CASE_RESTRICT = "case.restrict"  # restrict it and name who may see it
    CASE_SUPERVISE = "case.supervise"  # approve or reject closing it
    # Download an attachment's original bytes, kept as evidence (everyone who may read the case
    # sees a copy without the metadata, e.g. where a photo was taken).
    EVIDENCE_READ = "case.evidence"
    BREAK_GLASS = "case.break_glass"  # open a case outside one's scope, with a reason
    AUDIT_READ = "audit.read"
    STATS_READ = "stats.read"
    USERS_MANAGE = "users.manage"
    CONFIG_MANAGE = "config.manage"  # teams, regions, partners and their keys, SLA targets
    ROTA_MANAGE = "rota.manage"  # shifts, on-call rota, staff languages and on-call phones
    REFERRALS_RECEIVE = "referrals.receive"  # a partner: the referrals sent to them


class Relation(enum.StrEnum):
    """How a member of staff stands to one case."""

    ASSIGNED = "assigned"
    TEAM_QUEUE = "team_queue"  # in the queue of one of their teams, in a region they cover
    REGION = "region"  # in a region one of their teams covers
    NAMED = "named"  # named on a restricted case
    BREAK_GLASS = "break_glass"  # a current break-glass grant


_WORKING: Final = frozenset(
    {Relation.ASSIGNED, Relation.TEAM_QUEUE, Relation.NAMED, Relation.BREAK_GLASS}
)
_SUPERVISING: Final = _WORKING | {Relation.REGION}

CASE_ACTIONS: Final[dict[Role, dict[Action, frozenset[Relation]]]] = {
    Role.CASEWORKER: {Action.CASE_READ: _WORKING, Action.CASE_WORK: _WORKING},
    Role.SUPERVISOR: {
        Action.CASE_READ: _SUPERVISING,
        Action.CASE_WORK: _SUPERVISING,
        # Not through break-glass: that access is temporary and must not make itself lasting.
        Action.CASE_ASSIGN: frozenset({Relation.REGION}),
        Action.CASE_RESTRICT: frozenset({Relation.REGION}),
        Action.CASE_SUPERVISE: frozenset({Relation.REGION}),
        # Not through break-glass either: a copy of the evidence would outlast the grant.
        Action.EVIDENCE_READ: _SUPERVISING - {Relation.BREAK_GLASS},
    },
}

# On a restricted case only these relations count (supervisors keep their regions).
RESTRICTED_RELATIONS: Final = frozenset({Relation.ASSIGNED, Relation.NAMED, Relation.BREAK_GLASS})
RESTRICTED_SUPERVISOR_RELATIONS: Final = RESTRICTED_RELATIONS | {Relation.REGION}

GLOBAL: Final[dict[Role, frozenset[Action]]] = {
    Role.CASEWORKER: frozenset({Action.BREAK_GLASS}),
    Role.SUPERVISOR: frozenset(
        {Action.BREAK_GLASS, Action.AUDIT_READ, Action.STATS_READ, Action.ROTA_MANAGE}
    ),
    Role.ADMINISTRATOR: frozenset(
        {Action.USERS_MANAGE, Action.CONFIG_MANAGE, Action.STATS_READ, Action.ROTA_MANAGE}
    ),
    Role.AUDITOR: frozenset({Action.AUDIT_READ, Action.STATS_READ}),
    Role.PARTNER: frozenset({Action.REFERRALS_RECEIVE}),
}


def relations_allowing(role: Role, action: Action, *, restricted: bool) -> frozenset[Relation]:
    """The relations through which ``role`` may do ``action`` on a case (empty: never)."""
    allowed = CASE_ACTIONS.get(role, {}).get(action, frozenset())
    if restricted:
        keep = RESTRICTED_SUPERVISOR_RELATIONS if role is Role.SUPERVISOR else RESTRICTED_RELATIONS
        allowed = allowed & keep
    return allowed


def may(
    role: Role,
    action: Action,
    relations: frozenset[Relation],
    *,
    restricted: bool,
    conflicted: bool,
) -> bool:
    """Whether ``role``, standing in ``relations`` to a case, may do ``action`` on it."""
    if restricted and conflicted:
        return False
    return bool(relations & relations_allowing(role, action, restricted=restricted))


def may_break_glass(role: Role, *, restricted: bool, conflicted: bool) -> bool:
    """Whether ``role`` may open a case outside its scope in an emergency.

    Caseworkers and supervisors may; a restricted case only a supervisor (it is for named
    people and supervisors); never someone with a conflict of interest.
    """
    if conflicted or not may_globally(role, Action.BREAK_GLASS):
        return False
    return not restricted or role is Role.SUPERVISOR


def may_globally(role: Role, action: Action) -> bool:
    """Whether ``role`` may do an action that is not about one case."""
    return action in GLOBAL.get(role, frozenset())
