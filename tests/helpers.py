"""Small queries tests use to check what was stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseEvent
from casework.intake.models import Report
from casework.intake.reading import ReportContent, read_report_content
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.outbox.service import read_payload
from casework.protection.keys import Keyring
from hotline.runtime.database import Database


def count(db: Database, model: Any) -> int:
    """Rows in a table."""
    return db.run(lambda s: s.scalar(select(func.count()).select_from(model)) or 0, write=False)


def case_with_reports(db: Database, reference: str) -> tuple[Case, list[Report], list[CaseEvent]]:
    """A case by reference, with its reports and events."""

    def load(s: Session) -> tuple[Case, list[Report], list[CaseEvent]]:
        case = s.scalars(select(Case).where(Case.reference == reference)).one()
        reports = list(s.scalars(select(Report).where(Report.case_id == case.id)))
        events = list(
            s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
        )
        return case, reports, events

    return db.run(load, write=False)


def content(db: Database, keyring: Keyring, report: Report) -> ReportContent:
    """A report's sealed fields, decrypted."""
    return db.run(
        lambda s: read_report_content(s, keyring=keyring, report_id=report.id), write=False
    )


def outbox_payloads(db: Database, keyring: Keyring, kind: OutboxKind) -> list[dict[str, Any]]:
    """The opened payloads of the outbox rows of one kind, in the order queued."""

    def run(s: Session) -> list[dict[str, Any]]:
        rows = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
        return [read_payload(s, keyring=keyring, message=row) for row in rows]

    return db.run(run, write=False)
