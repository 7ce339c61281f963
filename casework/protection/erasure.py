"""Erasure by crypto-shredding: destroy a case's data key, keep the (verifiable) trail.

After erasure no field of the case decrypts, anywhere: reports, phone numbers, what the
audit trail said about the case. The blind indexes of its phone numbers are removed too (they
would still link the case to a phone). Rows stay, so ids, statistics and the audit trail's
Merkle tree (built over ciphertext) remain intact and verifiable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.intake.models import InboundMessage, Report
from casework.protection.keys import Keyring


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did."""

    reference: str
    already_erased: bool


def erase_case(
    session: Session, *, keyring: Keyring, case: Case, actor: Actor, reason: str, now: dt.datetime
) -> ErasureResult:
    """Crypto-shred one case, in the caller's transaction, and record it in the audit trail."""
    destroyed = keyring.destroy_case_key(session, case.id, now=now)
    session.execute(update(Report).where(Report.case_id == case.id).values(phone_index=None))
    reports = select(Report.id).where(Report.case_id == case.id)
    session.execute(
        update(InboundMessage).where(InboundMessage.report_id.in_(reports)).values(payload_ct=None)
    )
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.CASE_ERASED,
        actor=actor,
        object_type="case",
        object_id=str(case.id),
        details={"reference": case.reference, "reason": reason, "key_destroyed": destroyed},
        now=now,
    )
    return ErasureResult(reference=case.reference, already_erased=not destroyed)
