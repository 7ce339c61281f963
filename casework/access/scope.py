"""The access policy as SQL: which cases a member of staff may act on, in the query itself.

Every list, search, count and single-case lookup for staff goes through ``case_filter``, so
what the policy denies is never loaded at all (and a case out of scope is "not found").
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true
from sqlalchemy.orm import QueryableAttribute, Session

from casework.access.policy import Action, Relation, may, relations_allowing
from casework.actors import Actor
from casework.cases.models import Case
from casework.enums import ActorKind
from casework.staff.models import (
    CaseAccessGrant,
    GrantKind,
    Role,
    StaffSchoolLink,
    StaffUser,
    Team,
    TeamMember,
    TeamRegion,
)


@dataclass(frozen=True)
class Principal:
    """A signed-in member of staff, with what their scope is built from."""

    user_id: uuid.UUID
    role: Role
    team_ids: frozenset[int]
    region_ids: frozenset[int]
    national: bool  # in a team that covers every region
    school_ids: frozenset[int]  # schools they are linked to (conflicts of interest)
    partner_id: uuid.UUID | None = None

    @property
    def actor(self) -> Actor:
        """How this person appears in case events and the audit trail."""
        return Actor(ActorKind.STAFF, str(self.user_id))


def load_principal(session: Session, user: StaffUser) -> Principal:
    """The principal of a user: their teams, the regions those cover, their school links."""
    teams = list(
        session.execute(
            select(Team.id, Team.national)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user.id)
        )
    )
    team_ids = frozenset(team_id for team_id, _ in teams)
    regions = (
        frozenset(
            session.scalars(select(TeamRegion.region_id).where(TeamRegion.team_id.in_(team_ids)))
        )
        if team_ids
        else frozenset()
    )
    schools = frozenset(
        session.scalars(select(StaffSchoolLink.school_id).where(StaffSchoolLink.user_id == user.id))
    )
    return Principal(
        user_id=user.id,
        role=user.role,
        team_ids=team_ids,
        region_ids=regions,
        national=any(national for _, national in teams),
        school_ids=schools,
        partner_id=user.partner_id,
    )


def _in(column: QueryableAttribute[int | None], values: frozenset[int]) -> ColumnElement[bool]:
    return column.in_(sorted(values)) if values else false()


def _grant(principal: Principal, kind: GrantKind, now: dt.datetime) -> ColumnElement[bool]:
    condition = and_(
        CaseAccessGrant.case_id == Case.id,
        CaseAccessGrant.user_id == principal.user_id,
        CaseAccessGrant.kind == kind,
    )
    if kind is GrantKind.BREAK_GLASS:
        condition = and_(condition, CaseAccessGrant.expires_at > now)
    return exists().where(condition)


def _relation(principal: Principal, relation: Relation, now: dt.datetime) -> ColumnElement[bool]:
    in_regions = true() if principal.national else _in(Case.region_id, principal.region_ids)
    if relation is Relation.ASSIGNED:
        return Case.assigned_to_id == principal.user_id
    if relation is Relation.TEAM_QUEUE:
        return and_(_in(Case.team_id, principal.team_ids), in_regions)
    if relation is Relation.REGION:
        return in_regions
    if relation is Relation.NAMED:
        return _grant(principal, GrantKind.NAMED, now)
    return _grant(principal, GrantKind.BREAK_GLASS, now)


def _any_of(
    principal: Principal, relations: frozenset[Relation], now: dt.datetime
) -> ColumnElement[bool]:
    if not relations:
        return false()
    return or_(*(_relation(principal, r, now) for r in sorted(relations)))


def conflicted(principal: Principal) -> ColumnElement[bool]:
    """The case is restricted and about a school this person is linked to."""
    return and_(
        Case.restricted, Case.school_id.is_not(None), _in(Case.school_id, principal.school_ids)
    )


def case_filter(principal: Principal, action: Action, *, now: dt.datetime) -> ColumnElement[bool]:
    """A WHERE clause on ``Case``: the cases ``principal`` may do ``action`` on, at ``now``."""
    role = principal.role
    open_cases = and_(
        not_(Case.restricted),
        _any_of(principal, relations_allowing(role, action, restricted=False), now),
    )
    restricted_cases = and_(
        Case.restricted,
        not_(conflicted(principal)),
        _any_of(principal, relations_allowing(role, action, restricted=True), now),
    )
    return or_(open_cases, restricted_cases)


def may_in_memory(
    session: Session, principal: Principal, case: Case, action: Action, *, now: dt.datetime
) -> bool:
    """``case_filter`` for one case held in memory (perhaps not written yet, e.g. at intake):
    the same relations and the same policy, decided in Python."""
    in_regions = principal.national or case.region_id in principal.region_ids
    relations = set()
    if case.assigned_to_id == principal.user_id:
        relations.add(Relation.ASSIGNED)
    if case.team_id in principal.team_ids and in_regions:
        relations.add(Relation.TEAM_QUEUE)
    if in_regions:
        relations.add(Relation.REGION)
    if case.restricted:
        grants = session.scalars(
            select(CaseAccessGrant.kind).where(
                CaseAccessGrant.case_id == case.id,
                CaseAccessGrant.user_id == principal.user_id,
                or_(
                    CaseAccessGrant.kind == GrantKind.NAMED,
                    CaseAccessGrant.expires_at > now,
                ),
            )
        )
        relations |= {
            Relation.NAMED if kind is GrantKind.NAMED else Relation.BREAK_GLASS for kind in grants
        }
    conflicted_here = (
        case.restricted and case.school_id is not None and case.school_id in principal.school_ids
    )
    return may(
        principal.role,
        action,
        frozenset(relations),
        restricted=case.restricted,
        conflicted=conflicted_here,
    )
