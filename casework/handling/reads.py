"""Finding, listing and reading cases as a member of staff, always inside their scope.

Every lookup filters with ``case_filter`` in the query, so a case outside the person's scope
is simply not found (the API answers 404, and nothing says it exists). Every read of case
content, and every list or search, is an audit event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.record import AuditAction
from casework.cases.models import Case, CaseNote
from casework.context import Acting
from casework.enums import CaseStatus, PerpetratorRole, Priority
from casework.errors import NotFound
from casework.handling.finding import Command, take
from casework.handling.history import acknowledge, audit_read
from casework.intake.models import Report
from casework.intake.reading import ReportContent, read_report_content
from casework.messages.models import Attachment, CaseMessage, Direction
from casework.places.models import Region, School
from casework.protection.fields import open_sealed, open_text
from casework.taxonomy.models import Category


@dataclass(frozen=True)
class ReportView:
    """One report of a case, decrypted for a member of staff."""

    report: Report
    content: ReportContent


def read_reports(acting: Acting, case: Case) -> list[ReportView]:
    """Every report of a case, decrypted (a read, audited)."""
    session, keyring = acting.session, acting.keyring
    reports = session.scalars(
        select(Report).where(Report.case_id == case.id).order_by(Report.received_at)
    ).all()
    audit_read(acting, case, "case", str(case.id))
    return [
        ReportView(r, read_report_content(session, keyring=keyring, report_id=r.id))
        for r in reports
    ]


def read_report(acting: Acting, case: Case, report_id: uuid.UUID) -> ReportView:
    """One report of a case (NotFound when it is not this case's)."""
    session, keyring = acting.session, acting.keyring
    report = session.scalars(
        select(Report).where(Report.id == report_id, Report.case_id == case.id)
    ).first()
    if report is None:
        raise NotFound("no such report")
    audit_read(acting, case, "report", str(report.id))
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


def read_messages(acting: Acting, case: Case) -> list[MessageView]:
    """The conversation with the reporter, oldest first (a read, audited)."""
    session, keyring = acting.session, acting.keyring
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
    audit_read(acting, case, "messages", str(case.id))
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


def read_notes(acting: Acting, case: Case) -> list[NoteView]:
    """The case's notes, oldest first (a read, audited)."""
    session, keyring = acting.session, acting.keyring
    key = keyring.case_key(session, case.id)
    notes = session.scalars(
        select(CaseNote)
        .where(CaseNote.case_id == case.id)
        .order_by(CaseNote.created_at, CaseNote.id)
    ).all()
    audit_read(acting, case, "notes", str(case.id))
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
    acting: Acting, case: Case, attachment_id: uuid.UUID, *, original: bool = False
) -> AttachmentContent:
    """One attachment of the case (NotFound when it is not this case's).

    ``original``: the caller will hand over the evidence itself (a download, which the trail
    records as such), not show a cleaned copy; they must hold EVIDENCE_READ on the case.
    """
    session, keyring = acting.session, acting.keyring
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
        acting,
        case,
        "attachment",
        str(attachment.id),
        AuditAction.EVIDENCE_DOWNLOADED if original else AuditAction.ATTACHMENT_READ,
    )
    return AttachmentContent(attachment.content_type, content, attachment.sha256)


@dataclass(frozen=True)
class CaseSummary:
    """A case as a list or a header shows it: codes and ids, no words of the child's."""

    id: uuid.UUID
    reference: str
    status: CaseStatus
    priority: Priority
    category: str
    language: str
    opened_at: dt.datetime
    assigned_to_id: uuid.UUID | None
    team_id: int | None
    restricted: bool
    risk_score: int
    triage_factors: list[str]
    region: str | None
    school: str | None
    perpetrator_role: PerpetratorRole


def summarise(session: Session, case: Case) -> CaseSummary:
    """The case's summary (each category, region and school is loaded once per session)."""
    category = session.get_one(Category, case.category_id)
    region = session.get(Region, case.region_id) if case.region_id is not None else None
    school = session.get(School, case.school_id) if case.school_id is not None else None
    return CaseSummary(
        id=case.id,
        reference=case.reference,
        status=case.status,
        priority=case.priority,
        category=category.code,
        language=case.language,
        opened_at=case.opened_at,
        assigned_to_id=case.assigned_to_id,
        team_id=case.team_id,
        restricted=case.restricted,
        risk_score=case.risk_score,
        triage_factors=list(case.triage_factors or []),
        region=region.code if region else None,
        school=school.code if school else None,
        perpetrator_role=case.perpetrator_role,
    )


@dataclass(frozen=True)
class CaseView:
    """One case with its reports, decrypted."""

    summary: CaseSummary
    reports: list[ReportView]


def view_case(acting: Acting, case_id: uuid.UUID) -> CaseView:
    """Open a case: its summary and reports (audited; the first look by a caseworker or
    supervisor acknowledges it)."""
    case = take(acting, case_id, Command.READ)
    acknowledge(acting, case)
    return CaseView(summarise(acting.session, case), read_reports(acting, case))


def view_report(acting: Acting, case_id: uuid.UUID, report_id: uuid.UUID) -> ReportView:
    """One report of a case (audited)."""
    return read_report(acting, take(acting, case_id, Command.READ), report_id)


def case_messages(acting: Acting, case_id: uuid.UUID) -> list[MessageView]:
    """The conversation with the reporter (audited)."""
    return read_messages(acting, take(acting, case_id, Command.READ))


def case_notes(acting: Acting, case_id: uuid.UUID) -> list[NoteView]:
    """The case's notes (audited)."""
    return read_notes(acting, take(acting, case_id, Command.READ))


def open_attachment(
    acting: Acting, case_id: uuid.UUID, attachment_id: uuid.UUID, *, original: bool = False
) -> AttachmentContent:
    """An attachment of the case; ``original`` (the evidence itself) needs READ_EVIDENCE."""
    case = take(acting, case_id, Command.READ_EVIDENCE if original else Command.READ)
    return read_attachment(acting, case, attachment_id, original=original)
