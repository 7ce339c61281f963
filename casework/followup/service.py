"""Follow-up use cases: a reporter checks their case with its reference and code."""

from __future__ import annotations

import datetime as dt
import enum
import hmac
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework.actors import REPORTER
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.reference import normalise_reference
from casework.clock import Clock
from casework.context import Unit
from casework.enums import CaseStatus, Channel
from casework.errors import InvalidInput
from casework.followup import codes, policy
from casework.followup.inbox import InboxMessage, read_inbox
from casework.followup.models import FollowUpCredential, FollowUpThrottle
from casework.followup.repository import lock_counter, set_counter
from casework.intake.models import IntakeItem
from casework.intake.receiving import open_code
from casework.linking.service import add_reporter_message
from casework.protection.keys import Keyring


class ReporterStatus(enum.StrEnum):
    """The little a reporter is told about where their case is."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


_REPORTER_STATUS = {
    CaseStatus.NEW: ReporterStatus.RECEIVED,
    CaseStatus.TRIAGED: ReporterStatus.RECEIVED,
    CaseStatus.ASSIGNED: ReporterStatus.IN_PROGRESS,
    CaseStatus.IN_PROGRESS: ReporterStatus.IN_PROGRESS,
    CaseStatus.REFERRED: ReporterStatus.IN_PROGRESS,
    CaseStatus.CLOSED: ReporterStatus.CLOSED,
}


@dataclass(frozen=True)
class FollowUpResult:
    """Outcome of one attempt: exactly one of ``status`` / ``retry_after`` / denied."""

    reference: str
    status: ReporterStatus | None = None
    updated_at: dt.datetime | None = None
    retry_after: dt.timedelta | None = None
    case_id: uuid.UUID | None = None  # only when granted (never shown to the reporter)

    @property
    def granted(self) -> bool:
        """True when the code matched."""
        return self.status is not None


def check_follow_up(unit: Unit, *, reference: str, code: str) -> FollowUpResult:
    """Check a reference and code, counting wrong attempts; never says if a reference exists.

    Known and unknown references take the same path (the same queries, one argon2
    verification against a dummy hash when there is nothing to match) so that neither the
    answer nor its timing tells them apart. Returns rather than raises so that the caller
    commits the attempt counter either way.
    """
    ref = normalise_reference(reference)
    if ref is None:
        raise InvalidInput("reference", "A reference looks like HX-7K3P-9QW.")
    session, keyring, now = unit.session, unit.keyring, unit.now
    # Create-or-lock the counter in one statement: attempts on one reference run one after
    # another, so parallel guesses cannot slip past the counter.
    failures, last_failure_at = lock_counter(session, ref)
    wait = policy.wait_required(failures, last_failure_at, now)
    if wait > dt.timedelta(0):
        _record_denied(session, keyring, ref, reason="locked", now=now)
        return FollowUpResult(reference=ref, retry_after=wait)

    rows = session.execute(
        select(Case.id, Case.status, Case.status_changed_at, FollowUpCredential.code_hash)
        .join(FollowUpCredential, FollowUpCredential.case_id == Case.id)
        .where(Case.reference == ref)
    ).all()
    hashes: list[str | None] = [row.code_hash for row in rows] or [None]
    matched = False
    for code_hash in hashes:
        matched = codes.verify_code(code_hash, code) or matched
    # A report received but whose case is not built yet answers too: "received".
    waiting = session.execute(
        select(IntakeItem.id, IntakeItem.code_ct, IntakeItem.received_at).where(
            IntakeItem.reference == ref, IntakeItem.case_id.is_(None)
        )
    ).first()
    granted: FollowUpResult | None = None
    seen: tuple[str, uuid.UUID] | None = None  # what the reporter read, for the audit trail
    if matched and rows:
        granted = FollowUpResult(
            reference=ref,
            status=_REPORTER_STATUS[rows[0].status],
            updated_at=rows[0].status_changed_at,
            case_id=rows[0].id,
        )
        seen = ("case", rows[0].id)
    elif waiting is not None and waiting.code_ct is not None:
        expected = open_code(keyring, session, waiting.id, waiting.code_ct)
        if hmac.compare_digest(_symbols(expected), _symbols(code)):
            granted = FollowUpResult(
                reference=ref, status=ReporterStatus.RECEIVED, updated_at=waiting.received_at
            )
            seen = ("report", waiting.id)
    if granted is not None and seen is not None:
        set_counter(session, ref, failures=0, last_failure_at=None)
        # A reporter reading their case is a read of case data like any other: audited.
        record_event(
            session,
            keyring=keyring,
            action=AuditAction.FOLLOW_UP_VIEWED,
            actor=REPORTER,
            object_type=seen[0],
            object_id=str(seen[1]),
            case_key=(
                keyring.case_key_if_readable(session, granted.case_id) if granted.case_id else None
            ),
            details={"reference": ref},
            now=now,
        )
        return granted
    streak = policy.effective_failures(failures, last_failure_at, now)
    set_counter(session, ref, failures=streak + 1, last_failure_at=now)
    _record_denied(session, keyring, ref, reason="wrong_code", now=now)
    return FollowUpResult(reference=ref)


def _symbols(code: str) -> str:
    """A code's canonical symbols, or a value no code has when it cannot be one."""
    return codes.normalise_code(code) or "-"


@dataclass(frozen=True)
class CheckIn:
    """A reporter's visit with their reference and code: the answer, and (when the code
    matched) what the team wrote to them, oldest first."""

    result: FollowUpResult
    inbox: list[InboxMessage]
    # The code matched a report whose case is still being opened: a message sent now was
    # not kept (the reporter is asked to send it again in a minute).
    message_not_kept: bool = False


def check_in(
    unit: Unit, *, reference: str, code: str, channel: Channel, message: str | None = None
) -> CheckIn:
    """A reporter checks their case on ``channel``: the status, the team's messages, and a
    message of theirs added to the case when they write one."""
    result = check_follow_up(unit, reference=reference, code=code)
    if result.case_id is None:
        return CheckIn(
            result, [], message_not_kept=result.granted and bool(message and message.strip())
        )
    if message and message.strip():
        add_reporter_message(
            unit.session,
            keyring=unit.keyring,
            case_id=result.case_id,
            channel=channel,
            text=message,
            now=unit.now,
        )
    # What the team wrote back: only someone holding the code ever reads it.
    return CheckIn(result, read_inbox(unit.session, keyring=unit.keyring, case_id=result.case_id))


def _record_denied(
    session: Session, keyring: Keyring, reference: str, *, reason: str, now: dt.datetime
) -> None:
    """Failed attempts are security events: audited, under the system key (no case is opened)."""
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.FOLLOW_UP_DENIED,
        actor=REPORTER,
        object_type="case_reference",
        object_id=reference,
        details={"reason": reason},
        now=now,
    )


def purge_stale_throttles(session: Session, *, clock: Clock) -> int:
    """Delete counters whose streak has been forgotten; returns how many went."""
    cutoff = clock.now() - policy.FORGET_AFTER
    result = session.execute(
        delete(FollowUpThrottle).where(
            (FollowUpThrottle.last_failure_at <= cutoff)
            | FollowUpThrottle.last_failure_at.is_(None)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
