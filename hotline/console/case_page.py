"""Everything the case page shows, gathered in one transaction (and audited like the API:
each part of the case that is read is an audit entry)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.access.scope import Principal
from casework.cases.models import Case
from casework.clock import Clock
from casework.enums import (
    ActorKind,
    CaseEventKind,
    CaseStatus,
    PerpetratorRole,
    Priority,
    ReporterRole,
)
from casework.handling.closure import closure_pending, read_child_views
from casework.handling.history import HistoryEntry, read_history
from casework.handling.lifecycle import OUTCOMES, VIEWS_MISSING_REASONS, acknowledge
from casework.handling.reads import (
    find_case,
    may_on,
    read_messages,
    read_notes,
    read_reports,
)
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
from hotline.console.labels import CLOCK_NAMES, event_detail, label
from hotline.console.views import staff_names
from hotline.staff.routes_workflow import clock_state

# Shown by what they record (the report, the message, the note), not a second time as events.
_SHOWN_AS_CONTENT = frozenset(
    {
        CaseEventKind.REPORT_RECEIVED,
        CaseEventKind.NOTE_ADDED,
        CaseEventKind.MESSAGE_SENT,
        CaseEventKind.MESSAGE_RECEIVED,
    }
)
_AUTOMATIC = "Automatic"
_REPORTER = "The reporter"


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: dt.datetime
    kind: str  # report | message-in | message-out | note | event
    title: str
    who: str | None = None
    body: str | None = None
    detail: str | None = None
    reason: str | None = None  # a member of staff's reason for what they did
    rank: int = 2  # among entries at the same moment: the opening, then the report, then others


def _who(entry: HistoryEntry, people: dict[str, str], partners: dict[str, str]) -> str:
    if entry.actor_kind is ActorKind.STAFF:
        return people.get(entry.actor_id or "", "A member of staff")
    if entry.actor_kind is ActorKind.PARTNER:
        return partners.get(str(entry.data.get("referral")), "The partner")
    return label(entry.actor_kind, "actor")


def _reporter(report: Report) -> str:
    if report.reporter_role is ReporterRole.UNKNOWN:
        return _REPORTER
    return f"{_REPORTER} ({label(report.reporter_role, 'reporter_role').lower()})"


def _timeline(
    session: Session,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    now: dt.datetime,
    referrals: list[Any],
) -> tuple[list[Entry], list[Any]]:
    reports = read_reports(session, keyring=keyring, principal=principal, case=case, now=now)
    messages = read_messages(session, keyring=keyring, principal=principal, case=case, now=now)
    notes = read_notes(session, keyring=keyring, principal=principal, case=case, now=now)
    history = read_history(session, keyring=keyring, principal=principal, case=case, now=now)
    staff_ids = {n.author_id for n in notes}
    for e in history:
        for value in (
            e.actor_id if e.actor_kind is ActorKind.STAFF else None,
            e.data.get("assignee"),
        ):
            try:
                staff_ids.add(uuid.UUID(str(value)))
            except ValueError:
                continue
    people = {str(k): v for k, v in staff_names(session, staff_ids).items()}
    partners = {str(r.id): name for r, name in referrals}
    names = {**people, **{str(r.partner_id): name for r, name in referrals}}
    sent_by = {e.message_id: _who(e, people, partners) for e in history if e.message_id}
    entries = [
        Entry(
            r.report.received_at,
            "report",
            "Report received",
            who=_reporter(r.report),
            body=r.content.narrative,
            detail=label(r.report.channel, "channel"),
            rank=1,
        )
        for r in reports
    ]
    for m in messages:
        inbound = m.direction.value == "inbound"
        entries.append(
            Entry(
                m.created_at,
                "message-in" if inbound else "message-out",
                label(
                    CaseEventKind.MESSAGE_RECEIVED if inbound else CaseEventKind.MESSAGE_SENT,
                    "event",
                ),
                who=_REPORTER if inbound else sent_by.get(m.id, _AUTOMATIC),
                body=m.body,
            )
        )
    entries += [
        Entry(
            n.created_at,
            "note",
            label(CaseEventKind.NOTE_ADDED, "event"),
            who=people.get(str(n.author_id)),
            body=n.body,
        )
        for n in notes
    ]
    entries += [
        Entry(
            e.occurred_at,
            "event",
            label(e.kind, "event"),
            who=_who(e, people, partners),
            detail=event_detail(e.kind, e.data, names),
            reason=e.reason,
            rank=0 if e.kind is CaseEventKind.OPENED else 2,
        )
        for e in history
        if e.kind not in _SHOWN_AS_CONTENT
    ]
    entries.sort(key=lambda x: (x.at, x.rank))
    return entries, reports


def _contact(session: Session, case: Case) -> str:
    conversation = session.scalars(
        select(SmsConversation).where(SmsConversation.case_id == case.id)
    ).first()
    if conversation is not None and may_text(conversation):
        return "sms"
    return "inbox"


def _place_choices(session: Session, case: Case) -> dict[str, Any]:
    """What the "where it belongs" form offers (regions, categories), and what the case holds
    now (codes). Schools are typed, not listed: a national directory is thousands long."""
    regions = session.execute(select(Region.code, Region.name).order_by(Region.name)).all()
    region = session.get(Region, case.region_id) if case.region_id is not None else None
    return {
        "regions": [(code, name) for code, name in regions],
        "categories": list(
            session.execute(select(Category.code, Category.name).order_by(Category.sort_order))
        ),
        "region": region.code if region is not None else "",
        "category": session.get_one(Category, case.category_id).code,
    }


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
    referrals = list(
        session.execute(
            select(Referral, Partner.name)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(Referral.case_id == case.id)
            .order_by(Referral.created_at)
        ).all()
    )
    timeline, reports = _timeline(session, keyring, principal, case, now, referrals)
    may_work = may_on(session, principal, case.id, Action.CASE_WORK, now=now)
    supervising = may_on(session, principal, case.id, Action.CASE_SUPERVISE, now=now)
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
        "place": _place_choices(session, case) if may_work else None,
        "perpetrator_roles": [r.value for r in PerpetratorRole],
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
