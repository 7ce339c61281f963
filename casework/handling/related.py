"""What surrounds a case: its SLA clocks as its history gives them, the cases suggested as
linked to it, and the partners that could help."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from casework.access.policy import Action
from casework.context import Acting
from casework.errors import NotFound
from casework.handling.finding import Command, find_case, take
from casework.linking.models import CaseLink
from casework.partners.directory import suggest_partners
from casework.partners.models import Partner
from casework.sla.clocks import ClockState
from casework.sla.service import clocks_of


def case_clocks(acting: Acting, case_id: uuid.UUID) -> list[ClockState]:
    """The case's SLA clocks, computed from its history now."""
    return clocks_of(acting.session, take(acting, case_id, Command.READ))


@dataclass(frozen=True)
class LinkView:
    """A case suggested as linked, and why."""

    case_id: uuid.UUID
    reason: str
    created_at: dt.datetime


def case_links(acting: Acting, case_id: uuid.UUID) -> list[LinkView]:
    """Cases suggested as linked (same phone within 30 days, same person at the school);
    only those the person acting may see themself."""
    case = take(acting, case_id, Command.READ)
    rows = acting.session.execute(
        select(CaseLink.other_case_id, CaseLink.reason, CaseLink.created_at)
        .where(CaseLink.case_id == case.id)
        .order_by(CaseLink.created_at)
    ).all()
    visible = []
    for other, reason, created in rows:
        try:
            find_case(acting.session, acting.principal, other, Action.CASE_READ, now=acting.now)
        except NotFound:  # not theirs to see: left out
            continue
        visible.append(LinkView(other, reason, created))
    return visible


def partner_suggestions(acting: Acting, case_id: uuid.UUID) -> list[Partner]:
    """Active partners for the case's region, category and language (never the accused's
    school)."""
    return suggest_partners(acting.session, take(acting, case_id, Command.SUGGEST_PARTNERS))
