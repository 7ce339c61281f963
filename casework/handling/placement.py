"""A member of staff sets or corrects where a case belongs (region, school, category, the
alleged perpetrator's role): the case moves, is triaged again and re-routed."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.context import Acting
from casework.enums import CaseStatus, PerpetratorRole
from casework.errors import InvalidInput, NotAllowed
from casework.handling.finding import Command, may, take
from casework.handling.lifecycle import TriageInput, triage_found
from casework.handling.reads import CaseSummary, summarise
from casework.places.matching import school_named
from casework.places.models import Region, School
from casework.routing.placement import Where, move_case, settle
from casework.taxonomy.models import Category


@dataclass(frozen=True)
class Placement:
    """What a member of staff says about where a case belongs (codes)."""

    region: str | None
    school: str | None
    category: str
    perpetrator_role: PerpetratorRole


def _resolve(session: Session, placement: Placement) -> Where:
    category = session.scalar(select(Category.id).where(Category.code == placement.category))
    if category is None:
        raise InvalidInput("category", "Choose a category from the list.")
    region = None
    if placement.region:
        region = session.scalar(select(Region.id).where(Region.code == placement.region))
        if region is None:
            raise InvalidInput("region", "Choose a region from the list.")
    school = None
    if placement.school:
        found = session.execute(
            select(School.id, School.region_id).where(School.code == placement.school)
        ).first()
        if found is None:
            raise InvalidInput("school", "Choose a school from the list.")
        school = found.id
        if region is not None and found.region_id != region:
            raise InvalidInput("school", "This school is not in the region chosen.")
        region = found.region_id
    return Where(region, school, int(category), placement.perpetrator_role)


class Placed(enum.StrEnum):
    """What placing a case did, as the person who placed it sees it."""

    UNCHANGED = "unchanged"
    PLACED = "placed"
    MOVED_AWAY = "moved_away"  # it now belongs where the person who placed it may not follow


@dataclass(frozen=True)
class PlaceResult:
    """What placing did, and the case as it is now."""

    outcome: Placed
    case: CaseSummary


def correct_place(
    acting: Acting, case_id: uuid.UUID, placement: Placement, *, school_typed: bool = False
) -> PlaceResult:
    """A member of staff sets or corrects where the case belongs; it is triaged again (at
        least P2 when the accused is in authority) and re-routed. Placing a case whose region is
        not known is anyone's work on it; moving it from one region to another is a supervisor's
        (it changes who has it). ``school_typed``: the school is a name or code as typed, not a code
    from a list."""
    case = take(acting, case_id, Command.PLACE)
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    if case.status is CaseStatus.CLOSED:
        raise InvalidInput("status", "This case is closed: reopen it first.")
    if school_typed and placement.school:
        code = school_named(session, placement.school)
        if code is None:
            raise InvalidInput(
                "school", "No single school has that name: type more of it, or its code."
            )
        placement = replace(placement, school=code)
    to = _resolve(session, placement)
    if to == Where.of(case):
        return PlaceResult(Placed.UNCHANGED, summarise(session, case))
    moving = case.region_id is not None and to.region_id != case.region_id
    if moving and not may(acting, case, Action.CASE_ASSIGN):
        raise NotAllowed("only a supervisor of the region moves a case to another region")
    was = case.priority
    moved = move_case(session, keyring=keyring, case=case, to=to, actor=principal.actor, now=now)
    triage_found(acting, case, TriageInput(perpetrator_role=to.perpetrator_role))
    # Triage gives the case back when its owner turns out to be linked to the school.
    moved = moved or case.assigned_to_id is None
    settle(
        session, keyring=keyring, case=case, moved=moved, was=was, actor=principal.actor, now=now
    )
    stays = may(acting, case, Action.CASE_READ)
    return PlaceResult(Placed.PLACED if stays else Placed.MOVED_AWAY, summarise(session, case))
