"""Reading a report's sealed fields back (for staff views, exports, tests)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casework.errors import NotFound
from casework.intake.models import Report
from casework.protection.fields import open_text
from casework.protection.keys import Keyring


@dataclass(frozen=True)
class ReportContent:
    """The child's words and contact details, decrypted. Never log or repr this."""

    narrative: str
    place: str | None
    contact_phone: str | None

    def __repr__(self) -> str:
        return "ReportContent(***)"


def read_report_content(
    session: Session, *, keyring: Keyring, report_id: uuid.UUID
) -> ReportContent:
    """Decrypt a report's protected fields (raises DataErased once its case was erased)."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("no such report")
    key = keyring.case_key(session, report.case_id)

    def opened(column: str, value: bytes | None) -> str | None:
        if value is None:
            return None
        return open_text(key, table="report", column=column, row_id=report.id, ciphertext=value)

    return ReportContent(
        narrative=opened("narrative", report.narrative_ct) or "",
        place=opened("place", report.place_ct),
        contact_phone=opened("phone", report.phone_ct),
    )
