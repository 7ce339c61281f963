"""Who stands where to a case: supervisors of its region, and conflicts of interest."""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.enums import PerpetratorRole
from casework.staff.models import Role, StaffSchoolLink, StaffUser, Team, TeamMember, TeamRegion

# The alleged perpetrator works at the school: staff linked to it must not have the case.
AT_SCHOOL: Final = frozenset({PerpetratorRole.TEACHER, PerpetratorRole.SCHOOL_STAFF})


def covering(region_id: int | None) -> Select[int]:
    """The ids of the teams that cover a region (none for no region)."""
    return select(TeamRegion.team_id).where(TeamRegion.region_id == region_id)


def staffed_teams() -> Select[int]:
    """The ids of the teams with an active caseworker or supervisor in them."""
    return (
        select(TeamMember.team_id)
        .join(StaffUser, StaffUser.id == TeamMember.user_id)
        .where(StaffUser.active, StaffUser.role.in_([Role.CASEWORKER, Role.SUPERVISOR]))
    )


def conflicted_with_school(case: Case) -> bool:
    """Whether staff linked to the case's school must be kept away from it."""
    return case.school_id is not None and (case.restricted or case.perpetrator_role in AT_SCHOOL)


def region_supervisors(session: Session, case: Case) -> list[uuid.UUID]:
    """Active supervisors whose teams cover the case's region (or every region); for a
    restricted case, or one about someone who works at the school, not those linked to the
    school (they must not learn of it)."""
    national = select(Team.id).where(Team.national)
    query = (
        select(StaffUser.id)
        .join(TeamMember, TeamMember.user_id == StaffUser.id)
        .where(
            StaffUser.role == Role.SUPERVISOR,
            StaffUser.active,
            TeamMember.team_id.in_(covering(case.region_id).union(national)),
        )
        .distinct()
    )
    if conflicted_with_school(case):
        linked = select(StaffSchoolLink.user_id).where(StaffSchoolLink.school_id == case.school_id)
        query = query.where(StaffUser.id.not_in(linked))
    return sorted(session.scalars(query))
