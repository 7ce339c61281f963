"""A member of staff sets or corrects where a case belongs (region, school, category, the
alleged perpetrator's role): the case moves, is triaged again and re-routed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.access.scope import Principal
from casework.cases.models import Case
from casework.enums import CaseStatus, PerpetratorRole
from casework.errors import InvalidInput, NotAllowed
from casework.handling.lifecycle import TriageInput, triage
from casework.handling.reads import may_on
from casework.places.models import Region, School
from casework.protection.keys import Keyring
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


def correct_place(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    placement: Placement,
    now: dt.datetime,
) -> bool:
    """A member of staff sets or corrects where the case belongs; it is triaged again (at
    least P2 when the accused is in authority) and re-routed. Placing a case whose region is
    not known is anyone's work on it; moving it from one region to another is a supervisor's
    (it changes who has it). False when nothing changed."""
    if case.status is CaseStatus.CLOSED:
        raise InvalidInput("status", "This case is closed: reopen it first.")
    to = _resolve(session, placement)
    if to == Where.of(case):
        return False
    moving = case.region_id is not None and to.region_id != case.region_id
    if moving and not may_on(session, principal, case.id, Action.CASE_ASSIGN, now=now):
        raise NotAllowed("only a supervisor of the region moves a case to another region")
    was = case.priority
    moved = move_case(session, keyring=keyring, case=case, to=to, actor=principal.actor, now=now)
    triage(
        session,
        keyring=keyring,
        principal=principal,
        case=case,
        facts=TriageInput(perpetrator_role=to.perpetrator_role),
        now=now,
    )
    # Triage gives the case back when its owner turns out to be linked to the school.
    moved = moved or case.assigned_to_id is None
    settle(
        session, keyring=keyring, case=case, moved=moved, was=was, actor=principal.actor, now=now
    )
    return True
