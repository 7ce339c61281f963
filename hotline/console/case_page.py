"""Everything the case page shows, gathered in one transaction (and audited like the API:
each part of the case that is read is an audit entry)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.cases import (
    find_case,
    may_on,
    read_messages,
    read_notes,
    read_reports,
)
from casework.access.policy import Action
from casework.access.scope import Principal
from casework.cases.models import Case, CaseEvent
from casework.clock import Clock
from casework.enums import CaseEventKind, CaseStatus, Priority
from casework.intake.models import Report
from casework.messages.models import Attachment
from casework.partners.directory import suggest_partners
from casework.partners.models import Partner, Referral
from casework.places.models import Region, School
from casework.protection.keys import Keyring
from casework.sla.service import clocks_of
from casework.sms.models import SmsConversation
from casework.sms.service import may_text
from casework.staff.models import Role, StaffUser, Team, TeamMember
from casework.taxonomy.models import Category
from casework.workflow import (
    OUTCOMES,
    VIEWS_MISSING_REASONS,
    acknowledge,
    closure_pending,
    read_child_views,
)
from hotline.console.views import CLOCK_NAMES, staff_names
from hotline.staff.routes_workflow import clock_state

EVENT_WORDS = {
    CaseEventKind.OPENED: "Case opened",
    CaseEventKind.REPORT_RECEIVED: "Report received",
    CaseEventKind.PRIORITY_ASSESSED: "Priority assessed",
    CaseEventKind.STATUS_CHANGED: "Status changed",
    CaseEventKind.ASSIGNED: "Assigned",
    CaseEventKind.RESTRICTION_CHANGED: "Restriction changed",
    CaseEventKind.NOTE_ADDED: "Note added",
    CaseEventKind.MESSAGE_SENT: "Message to the reporter",
    CaseEventKind.ACCESS_GRANTED: "Access granted",
    CaseEventKind.REFERRED: "Referred to a partner",
    CaseEventKind.TRIAGED: "Triaged",
    CaseEventKind.PRIORITY_OVERRIDDEN: "Priority changed by staff",
    CaseEventKind.ACKNOWLEDGED: "Acknowledged",
    CaseEventKind.CLOCK_PAUSED: "Clocks paused",
    CaseEventKind.CLOCK_RESUMED: "Clocks resumed",
    CaseEventKind.CLOSURE_REQUESTED: "Closure requested",
    CaseEventKind.CLOSURE_REJECTED: "Closure rejected",
    CaseEventKind.REFERRAL_DECIDED: "Decided not to refer",
    CaseEventKind.MESSAGE_RECEIVED: "Message from the reporter",
    CaseEventKind.LINK_SUGGESTED: "Linked case suggested",
    CaseEventKind.PATTERN_ALERT: "Pattern alert",
    CaseEventKind.REFERRAL_ACKNOWLEDGED: "Partner acknowledged",
    CaseEventKind.REFERRAL_UPDATED: "Referral updated",
}
# Event data shown as is: codes and statuses only (event data never holds a child's words).
_SHOWN = ("from", "to", "priority", "status", "why", "outcome", "minutes")


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: dt.datetime
    kind: str  # report | message-in | message-out | note | event
    title: str
    who: str | None = None
    body: str | None = None
    detail: str | None = None


def _event_detail(data: dict[str, Any]) -> str | None:
    parts = [f"{k}: {data[k]}" for k in _SHOWN if data.get(k) not in (None, "")]
    return ", ".join(parts) or None


def _timeline(
    session: Session, keyring: Keyring, principal: Principal, case: Case, now: dt.datetime
) -> tuple[list[Entry], list[Any]]:
    reports = read_reports(session, keyring=keyring, principal=principal, case=case, now=now)
    messages = read_messages(session, keyring=keyring, principal=principal, case=case, now=now)
    notes = read_notes(session, keyring=keyring, principal=principal, case=case, now=now)
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
    people = staff_names(
        session,
        {n.author_id for n in notes}
        | {uuid.UUID(e.actor_id) for e in events if e.actor_kind.value == "staff" and e.actor_id},
    )
    entries = [
        Entry(
            r.report.received_at,
            "report",
            f"Report by {r.report.channel.value}",
            body=r.content.narrative,
        )
        for r in reports
    ]
    entries += [
        Entry(
            m.created_at,
            "message-in" if m.direction.value == "inbound" else "message-out",
            "From the reporter" if m.direction.value == "inbound" else "To the reporter",
            body=m.body,
        )
        for m in messages
    ]
    entries += [
        Entry(n.created_at, "note", "Note", who=people.get(n.author_id), body=n.body) for n in notes
    ]
    for e in events:
        who = (
            people.get(uuid.UUID(e.actor_id))
            if e.actor_kind.value == "staff" and e.actor_id
            else e.actor_kind.value
        )
        entries.append(
            Entry(
                e.occurred_at,
                "event",
                EVENT_WORDS.get(e.kind, e.kind.value),
                who=who,
                detail=_event_detail(e.data),
            )
        )
    entries.sort(key=lambda x: x.at)
    return entries, reports


def _contact(session: Session, case: Case) -> str:
    conversation = session.scalars(
        select(SmsConversation).where(SmsConversation.case_id == case.id)
    ).first()
    if conversation is not None and may_text(conversation):
        return "sms"
    return "inbox"


def case_page_data(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case_id: uuid.UUID,
    clock: Clock,
) -> dict[str, Any]:
    """The case page's content for ``principal`` (NotFound outside their view)."""
    now = clock.now()
    case = find_case(session, principal, case_id, Action.CASE_READ, now=now)
    acknowledge(session, principal=principal, case=case, now=now)
    timeline, reports = _timeline(session, keyring, principal, case, now)
    may_work = may_on(session, principal, case.id, Action.CASE_WORK, now=now)
    supervising = may_on(session, principal, case.id, Action.CASE_SUPERVISE, now=now)
    referrals = list(
        session.execute(
            select(Referral, Partner.name)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(Referral.case_id == case.id)
            .order_by(Referral.created_at)
        ).all()
    )
    attachments = list(
        session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.created_at)
        )
    )
    clocks = [
        {
            "name": CLOCK_NAMES[c.clock],
            "state": clock_state(c, now),
            "due_at": c.due_at,
            "stopped_at": c.stopped_at,
            "seconds": int((c.due_at - now).total_seconds()) if c.due_at else None,
        }
        for c in clocks_of(session, case)
    ]
    people = staff_names(session, {case.assigned_to_id} if case.assigned_to_id else set())
    caseworkers: list[tuple[uuid.UUID, str]] = []
    if supervising and case.team_id is not None:
        caseworkers = list(
            session.execute(
                select(StaffUser.id, StaffUser.display_name)
                .join(TeamMember, TeamMember.user_id == StaffUser.id)
                .where(
                    TeamMember.team_id == case.team_id,
                    StaffUser.active.is_(True),
                    StaffUser.role.in_([Role.CASEWORKER, Role.SUPERVISOR]),
                )
                .order_by(StaffUser.display_name)
            ).all()
        )
    first: Report | None = reports[0].report if reports else None
    return {
        "case": case,
        "timeline": timeline,
        "reports": reports,
        "category": session.get_one(Category, case.category_id).name,
        "school": session.get_one(School, case.school_id).name if case.school_id else None,
        "region": session.get_one(Region, case.region_id).name if case.region_id else None,
        "team": session.get_one(Team, case.team_id).name if case.team_id else None,
        "assignee": people.get(case.assigned_to_id) if case.assigned_to_id else None,
        "reporter_role": first.reporter_role.value if first else "unknown",
        "may_work": may_work,
        "supervising": supervising,
        "may_download": may_on(session, principal, case.id, Action.EVIDENCE_READ, now=now),
        "contact": _contact(session, case),
        "clocks": clocks,
        "referrals": referrals,
        "suggestions": suggest_partners(session, case) if may_work else [],
        "attachments": attachments,
        "child_views": read_child_views(session, keyring=keyring, case=case),
        "closure_pending": closure_pending(session, case),
        "closed": case.status is CaseStatus.CLOSED,
        "caseworkers": caseworkers,
        "priorities": [p.value for p in Priority],
        "outcomes": sorted(OUTCOMES),
        "views_missing": sorted(VIEWS_MISSING_REASONS),
        "now": now,
    }
