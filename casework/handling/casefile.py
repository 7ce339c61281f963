"""Everything a member of staff sees of one case, gathered in one transaction: the console's
case page shapes it, and each part of the case read here is an audit entry as in the API."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.policy import Action, may_globally
from casework.audit.index import AuditEntry, case_access
from casework.audit.record import AuditAction
from casework.cases.models import Case
from casework.context import Acting
from casework.enums import ActorKind
from casework.handling.closure import closure_pending, read_child_views
from casework.handling.finding import Command, may, take
from casework.handling.history import HistoryEntry, acknowledge, audit_read, read_history
from casework.handling.reads import (
    MessageView,
    NoteView,
    ReportView,
    read_messages,
    read_notes,
    read_reports,
)
from casework.messages.models import Attachment
from casework.partners.directory import suggest_partners
from casework.partners.models import Partner, Referral
from casework.places.models import Region, School
from casework.sla.clocks import ClockState
from casework.sla.service import clocks_of
from casework.sms.models import SmsConversation
from casework.sms.service import may_text
from casework.staff.models import Role, StaffUser, Team, TeamMember
from casework.staff.names import staff_names
from casework.taxonomy.models import Category


@dataclass(frozen=True)
class PlaceChoices:
    """What the "where it belongs" form offers, and what the case holds now (codes).
    Schools are typed, not listed: a national directory is thousands long."""

    regions: list[tuple[str, str]]
    categories: list[tuple[str, str]]
    region: str
    category: str


@dataclass(frozen=True)
class CaseFile:
    """One case as its page shows it."""

    case: Case
    reports: list[ReportView]
    messages: list[MessageView]
    notes: list[NoteView]
    history: list[HistoryEntry]
    referrals: list[tuple[Referral, str]]  # each with its partner's name
    people: dict[str, str]  # staff named in the file (authors, actors, assignees) by id
    clocks: list[ClockState]
    attachments: list[Attachment]
    category: str
    school: str | None
    region: str | None
    team: str | None
    assignee: str | None
    may_work: bool
    supervising: bool
    may_download: bool
    contact: str  # sms | inbox: how a reply reaches the reporter
    caseworkers: list[tuple[uuid.UUID, str]]  # whom a supervisor may give it to
    place: PlaceChoices | None
    suggestions: list[Partner]
    child_views: str | None
    closure_pending: bool
    now: dt.datetime
    # Who looked at or changed it (newest first, and whether there is more), for those who
    # may read the audit trail; None for everyone else.
    access_log: tuple[list[AuditEntry], bool] | None = None


def _named_staff(history: list[HistoryEntry], notes: list[NoteView]) -> set[uuid.UUID]:
    ids = {n.author_id for n in notes}
    for e in history:
        for value in (
            e.actor_id if e.actor_kind is ActorKind.STAFF else None,
            e.data.get("assignee"),
        ):
            try:
                ids.add(uuid.UUID(str(value)))
            except ValueError:
                continue
    return ids


def _access_log(acting: Acting, case: Case) -> tuple[list[AuditEntry], bool] | None:
    """The case's access log for a role that reads the audit trail (a supervisor who could
    open the case sees the whole trail of it); the look is audited like any read."""
    if not may_globally(acting.principal.role, Action.AUDIT_READ):
        return None
    found = case_access(acting.session, case.id)
    audit_read(acting, case, "case_access_log", str(case.id), AuditAction.AUDIT_READ)
    return found


def _contact(session: Session, case: Case) -> str:
    conversation = session.scalars(
        select(SmsConversation).where(SmsConversation.case_id == case.id)
    ).first()
    return "sms" if conversation is not None and may_text(conversation) else "inbox"


def _place_choices(session: Session, case: Case) -> PlaceChoices:
    regions = session.execute(select(Region.code, Region.name).order_by(Region.name)).all()
    region = session.get(Region, case.region_id) if case.region_id is not None else None
    categories = session.execute(
        select(Category.code, Category.name).order_by(Category.sort_order)
    ).all()
    return PlaceChoices(
        regions=[(code, name) for code, name in regions],
        categories=[(code, name) for code, name in categories],
        region=region.code if region is not None else "",
        category=session.get_one(Category, case.category_id).code,
    )


def _caseworkers(session: Session, case: Case) -> list[tuple[uuid.UUID, str]]:
    if case.team_id is None:
        return []
    rows = session.execute(
        select(StaffUser.id, StaffUser.display_name)
        .join(TeamMember, TeamMember.user_id == StaffUser.id)
        .where(
            TeamMember.team_id == case.team_id,
            StaffUser.active.is_(True),
            StaffUser.role.in_([Role.CASEWORKER, Role.SUPERVISOR]),
        )
        .order_by(StaffUser.display_name)
    ).all()
    return [(user_id, name) for user_id, name in rows]


def case_file(acting: Acting, case_id: uuid.UUID) -> CaseFile:
    """The case's whole story for the person acting (NotFound outside their view); the first
    look by a caseworker or supervisor acknowledges it."""
    session = acting.session
    case = take(acting, case_id, Command.READ)
    acknowledge(acting, case)
    referrals = [
        (referral, name)
        for referral, name in session.execute(
            select(Referral, Partner.name)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(Referral.case_id == case.id)
            .order_by(Referral.created_at)
        )
    ]
    reports = read_reports(acting, case)
    messages = read_messages(acting, case)
    notes = read_notes(acting, case)
    history = read_history(acting, case)
    may_work = may(acting, case, Action.CASE_WORK)
    supervising = may(acting, case, Action.CASE_SUPERVISE)
    wanted = _named_staff(history, notes)
    if case.assigned_to_id is not None:
        wanted.add(case.assigned_to_id)
    people = staff_names(session, wanted)
    return CaseFile(
        case=case,
        reports=reports,
        messages=messages,
        notes=notes,
        history=history,
        referrals=referrals,
        people={str(k): v for k, v in people.items()},
        clocks=clocks_of(session, case),
        attachments=list(
            session.scalars(
                select(Attachment)
                .where(Attachment.case_id == case.id)
                .order_by(Attachment.created_at)
            )
        ),
        category=session.get_one(Category, case.category_id).name,
        school=session.get_one(School, case.school_id).name if case.school_id else None,
        region=session.get_one(Region, case.region_id).name if case.region_id else None,
        team=session.get_one(Team, case.team_id).name if case.team_id else None,
        assignee=people.get(case.assigned_to_id) if case.assigned_to_id else None,
        may_work=may_work,
        supervising=supervising,
        may_download=may(acting, case, Action.EVIDENCE_READ),
        contact=_contact(session, case),
        caseworkers=_caseworkers(session, case) if supervising else [],
        place=_place_choices(session, case) if may_work else None,
        suggestions=suggest_partners(session, case) if may_work else [],
        child_views=read_child_views(session, keyring=acting.keyring, case=case),
        closure_pending=closure_pending(session, case),
        now=acting.now,
        access_log=_access_log(acting, case),
    )
