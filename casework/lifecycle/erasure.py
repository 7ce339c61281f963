"""Erasure by crypto-shredding: destroy a case's data key, keep the (verifiable) trail.

After erasure no field of the case decrypts, anywhere: reports, phone numbers, what the
audit trail said about the case. The blind indexes of its phone numbers, its follow-up
credentials and the keyed fingerprints of its submissions are removed too (they would still
link the case to a phone, a reporter or a text). Rows stay, so ids, statistics and the audit
trail's Merkle tree (built over ciphertext) remain intact and verifiable. Backups taken
before the erasure stay readable only while the master key versions they used exist:
retire old versions (``hotline keys retire``) once every data key is re-wrapped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.repository import case_by_reference
from casework.context import Unit
from casework.errors import NotFound
from casework.followup.models import FollowUpCredential
from casework.intake.models import InboundMessage, IntakeItem, Report
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.outbox.service import enqueue, read_payload
from casework.protection.keys import Keyring
from casework.sms.models import SmsConversation


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did."""

    reference: str
    already_erased: bool


def erase_case(
    session: Session, *, keyring: Keyring, case: Case, actor: Actor, reason: str, now: dt.datetime
) -> ErasureResult:
    """Crypto-shred one case, in the caller's transaction, and record it in the audit trail."""
    # Pictures still waiting to be fetched from the provider: have them deleted there instead
    # (the job is sealed under the system key, so it outlives the case key).
    _delete_pending_media(session, keyring=keyring, case=case, now=now)
    destroyed = keyring.destroy_case_key(session, case.id, now=now)
    session.execute(update(Report).where(Report.case_id == case.id).values(phone_index=None))
    reports = select(Report.id).where(Report.case_id == case.id)
    # The follow-up code no longer opens anything: the reference answers like an unknown one.
    session.execute(delete(FollowUpCredential).where(FollowUpCredential.case_id == case.id))
    # The keyed fingerprint of the submission goes too (a resend would make a new report).
    session.execute(delete(IntakeItem).where(IntakeItem.id.in_(reports)))
    # Nothing more goes out for it; its phone's conversation forgets the phone (a new text
    # from it starts afresh).
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.case_id == case.id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(status=OutboxStatus.CANCELLED, last_error="erased", lease_until=None)
    )
    session.execute(
        update(SmsConversation)
        .where(SmsConversation.case_id == case.id)
        .values(phone_index=None, phone_ct=None, case_id=None, report_id=None)
    )
    session.execute(
        update(OutboxMessage).where(OutboxMessage.case_id == case.id).values(phone_index=None)
    )
    # Inbound events that joined the case are sealed under its key already; drop them anyway.
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.case_id == case.id)
        .values(payload_ct=None, response_ct=None)
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


def erase_by_reference(unit: Unit, reference: str, *, actor: Actor, reason: str) -> ErasureResult:
    """Crypto-shred the case of this (normalised) reference; NotFound when there is none."""
    case = case_by_reference(unit.session, reference)
    if case is None:
        raise NotFound(f"no case {reference}")
    return erase_case(
        unit.session, keyring=unit.keyring, case=case, actor=actor, reason=reason, now=unit.now
    )


def _delete_pending_media(
    session: Session, *, keyring: Keyring, case: Case, now: dt.datetime
) -> None:
    pending = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.case_id == case.id,
            OutboxMessage.kind == OutboxKind.MEDIA_FETCH,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
    ).all()
    for job in pending:
        url = read_payload(session, keyring=keyring, message=job).get("url")
        if isinstance(url, str):
            enqueue(
                session,
                keyring=keyring,
                kind=OutboxKind.MEDIA_DELETE,
                payload={"url": url},
                now=now,
            )
