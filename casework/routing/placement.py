"""Where a case belongs: its region, school, category and the alleged perpetrator's role.

Set at intake from what the reporter chose; found later in a child's own words (an SMS answer
naming their school, matched tolerantly against the directory); or set and corrected by staff
on the case page or through the API. Each change is a ``placed`` case event (codes only) and
is followed by what it implies: a fresh triage (a teacher named -> at least P2; the priority
only rises automatically) and re-routing (the region's team queue, someone on shift there,
and never a member of staff linked to the school when the accused works there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.service import NewEvent, append_events
from casework.enums import CaseEventKind, CaseStatus, PerpetratorRole, Priority
from casework.places.matching import find_place
from casework.places.models import Region, School
from casework.protection.keys import Keyring
from casework.routing.service import escalate, reroute
from casework.taxonomy.models import Category
from casework.triage.case_facts import apply_assessment, facts_of
from casework.triage.rules import assess


@dataclass(frozen=True)
class Where:
    """Where a case belongs."""

    region_id: int | None
    school_id: int | None
    category_id: int
    perpetrator_role: PerpetratorRole

    @classmethod
    def of(cls, case: Case) -> Where:
        """Where the case is now."""
        return cls(case.region_id, case.school_id, case.category_id, case.perpetrator_role)


def _codes(session: Session, where: Where) -> dict[str, object]:
    """The codes of a place, for the case's history (never names or words)."""
    region = session.get(Region, where.region_id) if where.region_id is not None else None
    school = session.get(School, where.school_id) if where.school_id is not None else None
    category = session.get(Category, where.category_id)
    return {
        "region": region.code if region else None,
        "school": school.code if school else None,
        "category": category.code if category else None,
        "perpetrator_role": where.perpetrator_role.value,
    }


def move_case(
    session: Session, *, keyring: Keyring, case: Case, to: Where, actor: Actor, now: dt.datetime
) -> bool:
    """Put the case where it belongs, with its ``placed`` event. True when who may have it
    changed (its region, school or the accused's role): the caller triages it again, then
    ``settle`` re-routes it."""
    before = Where.of(case)
    if to == before:
        return False
    case.region_id, case.school_id = to.region_id, to.school_id
    case.category_id, case.perpetrator_role = to.category_id, to.perpetrator_role
    data = {"from": _codes(session, before), "to": _codes(session, to)}
    append_events(session, case=case, now=now, events=[NewEvent(CaseEventKind.PLACED, actor, data)])
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.CASE_PLACED,
        actor=actor,
        object_type="case",
        object_id=str(case.id),
        case_key=keyring.case_key(session, case.id),
        details=data,
        now=now,
    )
    return (before.region_id, before.school_id, before.perpetrator_role) != (
        to.region_id,
        to.school_id,
        to.perpetrator_role,
    )


def settle(
    session: Session,
    *,
    keyring: Keyring,
    case: Case,
    moved: bool,
    was: Priority,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """After a case moved or was triaged again: re-route it when who may have it changed, and
    wake the on-call rota when its priority rose to where nobody should wait (unless routing
    just did)."""
    routed = None
    if moved and case.status is not CaseStatus.CLOSED:
        routed = reroute(session, keyring=keyring, case=case, actor=actor, now=now)
    if routed is None or not routed.alerted_on_call:
        escalate(session, keyring=keyring, case=case, was=was, now=now)
    session.flush()


def reassess(session: Session, *, case: Case, actor: Actor, now: dt.datetime) -> bool:
    """Triage again from what the case holds now (the priority only rises); the new priority
    is a case event when it rose. True when it rose."""
    before = case.priority
    assessment = assess(facts_of(session, case))
    if not apply_assessment(case, assessment):
        return False
    data = {"priority": case.priority.value, "factors": list(assessment.factors)}
    if before is not case.priority:
        data["from"] = before.value
    append_events(
        session,
        case=case,
        now=now,
        events=[NewEvent(CaseEventKind.PRIORITY_ASSESSED, actor, data)],
    )
    return True


def place_from_words(
    session: Session,
    *,
    keyring: Keyring,
    case: Case,
    text: str,
    actor: Actor,
    now: dt.datetime,
    answer: bool = False,
) -> bool:
    """Place the case where the child's words say, when they name a school (or a region the
    case has not got yet). ``answer``: the words answer "where did it happen?", so a school
    named there replaces one guessed earlier; other words place the case only when they say
    "school" too. True when who may have it changed (see ``move_case``)."""
    if case.school_id is not None and not answer:
        return False
    found = find_place(session, text, loose=answer)
    if found is None or (found.school_id is None and case.region_id is not None):
        return False
    to = replace(Where.of(case), region_id=found.region_id, school_id=found.school_id)
    return move_case(session, keyring=keyring, case=case, to=to, actor=actor, now=now)
