"""Finding, listing and reading cases as a member of staff, always inside their scope.

Every lookup filters with ``case_filter`` in the query, so a case outside the person's scope
is simply not found (the API answers 404, and nothing says it exists). Every read of case
content, and every list or search, is an audit event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, ScalarSelect, exists, func, or_, select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.access.scope import Principal, case_filter
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case, CaseNote
from casework.cases.reference import normalise_reference
from casework.enums import CaseStatus, Channel, Priority
from casework.errors import NotAllowed, NotFound
from casework.intake.models import Report
from casework.intake.reading import ReportContent, read_report_content
from casework.messages.models import Attachment, CaseMessage, Direction
from casework.places.models import School
from casework.protection.fields import open_sealed, open_text
from casework.protection.keys import Keyring
from casework.sla.models import SlaClock
from casework.taxonomy.models import Category

MAX_PAGE = 100
COUNT_CAP = 10_000


def find_case(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    action: Action,
    *,
    now: dt.datetime,
    for_update: bool = False,
) -> Case:
    """The case, if ``principal`` may do ``action`` on it.

    NotFound (as if it did not exist) when it is outside their view; NotAllowed when they may
    see it but their role does not allow this action on it. ``for_update`` locks the case row
    first (PostgreSQL), so a change's guards see the state no one else is changing.
    """
    query = select(Case).where(Case.id == case_id, case_filter(principal, action, now=now))
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.scalars(query).first()
    if case is not None:
        return case
    if action is not Action.CASE_READ:
        visible = session.scalar(
            select(Case.id).where(
                Case.id == case_id, case_filter(principal, Action.CASE_READ, now=now)
            )
        )
        if visible is not None:
            raise NotAllowed("not allowed")
    raise NotFound("no such case")


def may_on(
    session: Session, principal: Principal, case_id: uuid.UUID, action: Action, *, now: dt.datetime
) -> bool:
    """Whether ``principal`` may do ``action`` on the case (no exception either way)."""
    found = session.scalar(
        select(Case.id).where(Case.id == case_id, case_filter(principal, action, now=now))
    )
    return found is not None


@dataclass(frozen=True)
class CaseQuery:
    """Filters of a case list."""

    status: CaseStatus | None = None
    priority: Priority | None = None
    reference: str | None = None
    assigned_to_me: bool = False
    team_queue: bool = False  # in the queue of one of the caller's teams
    region_id: int | None = None
    category_id: int | None = None
    open_only: bool = False  # the queue: everything not closed
    channel: Channel | None = None  # cases with a report that came this way
    # Free text: a reference, or part of a school's or a category's name or code.
    search: str | None = None
    limit: int = 50
    offset: int = 0


def nearest_due() -> ScalarSelect[dt.datetime | None]:
    """When the case's most pressing running SLA clock is due (from the clock index)."""
    return (
        select(func.min(SlaClock.due_at))
        .where(SlaClock.case_id == Case.id, SlaClock.stopped_at.is_(None))
        .correlate(Case)
        .scalar_subquery()
    )


def _matching(text: str) -> ColumnElement[bool]:
    """Cases whose reference is ``text``, or whose school or category name or code holds it."""
    reference = normalise_reference(text)
    term = text.strip().lower()
    schools = select(School.id).where(
        or_(
            func.lower(School.name).contains(term, autoescape=True),
            func.lower(School.code).contains(term, autoescape=True),
        )
    )
    categories = select(Category.id).where(
        or_(
            func.lower(Category.name).contains(term, autoescape=True),
            func.lower(Category.code).contains(term, autoescape=True),
        )
    )
    found: list[ColumnElement[bool]] = [
        Case.school_id.in_(schools),
        Case.category_id.in_(categories),
    ]
    if reference is not None:
        found.append(Case.reference == reference)
    return or_(*found)


def list_cases(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    query: CaseQuery,
    now: dt.datetime,
) -> tuple[list[Case], int]:
    """One page of the cases ``principal`` may see, most urgent first, and how many in all
    (at most ``COUNT_CAP + 1``: more than the cap is shown as "10,000+")."""
    where = [case_filter(principal, Action.CASE_READ, now=now)]
    if query.status is not None:
        where.append(Case.status == query.status)
    if query.priority is not None:
        where.append(Case.priority == query.priority)
    if query.reference:
        where.append(Case.reference == query.reference)
    if query.assigned_to_me:
        where.append(Case.assigned_to_id == principal.user_id)
    if query.team_queue:
        where.append(Case.team_id.in_(principal.team_ids))
    if query.region_id is not None:
        where.append(Case.region_id == query.region_id)
    if query.category_id is not None:
        where.append(Case.category_id == query.category_id)
    if query.channel is not None:
        where.append(exists().where(Report.case_id == Case.id, Report.channel == query.channel))
    if query.search:
        where.append(_matching(query.search))
    if query.open_only:
        # IN rather than != so the (region, status, priority, opened) index is used per status.
        where.append(Case.status.in_([st for st in CaseStatus if st is not CaseStatus.CLOSED]))
    # Counted up to a cap: an exact count of a region's whole history would cost more than
    # the page itself ("10,000+" is all a person needs to know).
    matching = select(Case.id).where(*where).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(matching)) or 0
    cases = list(
        session.scalars(
            select(Case)
            .where(*where)
            .order_by(Case.priority, nearest_due().nulls_last(), Case.opened_at, Case.id)
            .limit(min(max(query.limit, 1), MAX_PAGE))
            .offset(max(query.offset, 0))
        )
    )
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.CASE_LISTED,
        actor=principal.actor,
        object_type="case_list",
        object_id="-",
        details={
            "filters": {
                "status": query.status,
                "priority": query.priority,
                "reference": query.reference,
                "mine": query.assigned_to_me,
                "team": query.team_queue,
                "region": query.region_id,
                "category": query.category_id,
                "open": query.open_only,
                "channel": query.channel,
                # Whether a search was made, never its words (they may name a school).
                "search": bool(query.search),
            },
            "returned": [str(c.id) for c in cases],
            "total": total,
        },
        now=now,
    )
    return cases, int(total)


def audit_read(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    what: str,
    object_id: str,
    now: dt.datetime,
    action: AuditAction = AuditAction.CASE_READ,
) -> None:
    """Record that ``principal`` looked at part of a case (sealed under its key)."""
    record_event(
        session,
        keyring=keyring,
        action=action,
        actor=principal.actor,
        object_type=what,
        object_id=object_id,
        case_key=keyring.case_key(session, case.id),
        details={"case": str(case.id)},
        now=now,
    )


@dataclass(frozen=True)
class ReportView:
    """One report of a case, decrypted for a member of staff."""

    report: Report
    content: ReportContent


def read_reports(
    session: Session, *, keyring: Keyring, principal: Principal, case: Case, now: dt.datetime
) -> list[ReportView]:
    """Every report of a case, decrypted (a read, audited)."""
    reports = session.scalars(
        select(Report).where(Report.case_id == case.id).order_by(Report.received_at)
    ).all()
    audit_read(
        session,
        keyring=keyring,
        principal=principal,
        case=case,
        what="case",
        object_id=str(case.id),
        now=now,
    )
    return [
        ReportView(r, read_report_content(session, keyring=keyring, report_id=r.id))
        for r in reports
    ]


def read_report(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    report_id: uuid.UUID,
    now: dt.datetime,
) -> ReportView:
    """One report of a case (NotFound when it is not this case's)."""
    report = session.scalars(
        select(Report).where(Report.id == report_id, Report.case_id == case.id)
    ).first()
    if report is None:
        raise NotFound("no such report")
    audit_read(
        session,
        keyring=keyring,
        principal=principal,
        case=case,
        what="report",
        object_id=str(report.id),
        now=now,
    )
    return ReportView(report, read_report_content(session, keyring=keyring, report_id=report.id))


@dataclass(frozen=True)
class MessageView:
    """One message with the reporter, decrypted."""

    id: uuid.UUID
    direction: Direction
    body: str
    created_at: dt.datetime
    attachment_ids: tuple[uuid.UUID, ...]

    def __repr__(self) -> str:
        return f"MessageView({self.id})"


def read_messages(
    session: Session, *, keyring: Keyring, principal: Principal, case: Case, now: dt.datetime
) -> list[MessageView]:
    """The conversation with the reporter, oldest first (a read, audited)."""
    key = keyring.case_key(session, case.id)
    messages = session.scalars(
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id)
        .order_by(CaseMessage.created_at, CaseMessage.id)
    ).all()
    attachments: dict[uuid.UUID, list[uuid.UUID]] = {}
    for attachment_id, message_id in session.execute(
        select(Attachment.id, Attachment.message_id).where(Attachment.case_id == case.id)
    ):
        if message_id is not None:
            attachments.setdefault(message_id, []).append(attachment_id)
    audit_read(
        session,
        keyring=keyring,
        principal=principal,
        case=case,
        what="messages",
        object_id=str(case.id),
        now=now,
    )
    return [
        MessageView(
            m.id,
            m.direction,
            open_text(key, table="case_message", column="body", row_id=m.id, ciphertext=m.body_ct),
            m.created_at,
            tuple(attachments.get(m.id, ())),
        )
        for m in messages
    ]


@dataclass(frozen=True)
class NoteView:
    """A caseworker's note, decrypted."""

    id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: dt.datetime

    def __repr__(self) -> str:
        return f"NoteView({self.id})"


def read_notes(
    session: Session, *, keyring: Keyring, principal: Principal, case: Case, now: dt.datetime
) -> list[NoteView]:
    """The case's notes, oldest first (a read, audited)."""
    key = keyring.case_key(session, case.id)
    notes = session.scalars(
        select(CaseNote)
        .where(CaseNote.case_id == case.id)
        .order_by(CaseNote.created_at, CaseNote.id)
    ).all()
    audit_read(
        session,
        keyring=keyring,
        principal=principal,
        case=case,
        what="notes",
        object_id=str(case.id),
        now=now,
    )
    return [
        NoteView(
            n.id,
            n.author_id,
            open_text(key, table="case_note", column="body", row_id=n.id, ciphertext=n.body_ct),
            n.created_at,
        )
        for n in notes
    ]


@dataclass(frozen=True)
class AttachmentContent:
    """An attachment's bytes, decrypted and checked against the SHA-256 kept with it."""

    content_type: str
    content: bytes
    sha256: str

    def __repr__(self) -> str:
        return f"AttachmentContent({self.content_type}, {len(self.content)} bytes)"


def read_attachment(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    attachment_id: uuid.UUID,
    now: dt.datetime,
    original: bool = False,
) -> AttachmentContent:
    """One attachment of the case (NotFound when it is not this case's).

    ``original``: the caller will hand over the evidence itself (a download, which the trail
    records as such), not show a cleaned copy; they must hold EVIDENCE_READ on the case.
    """
    attachment = session.scalars(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case.id)
    ).first()
    if attachment is None:
        raise NotFound("no such attachment")
    content = open_sealed(
        keyring.case_key(session, case.id),
        table="attachment",
        column="content",
        row_id=attachment.id,
        ciphertext=attachment.content_ct,
    )
    audit_read(
        session,
        keyring=keyring,
        principal=principal,
        case=case,
        what="attachment",
        object_id=str(attachment.id),
        now=now,
        action=AuditAction.EVIDENCE_DOWNLOADED if original else AuditAction.ATTACHMENT_READ,
    )
    return AttachmentContent(attachment.content_type, content, attachment.sha256)
