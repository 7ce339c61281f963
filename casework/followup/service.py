"""Follow-up use case: a reporter checks their case with its reference and code."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.cases.reference import normalise_reference
from casework.cases.repository import case_by_reference
from casework.clock import Clock
from casework.enums import CaseStatus
from casework.errors import InvalidInput
from casework.followup import codes, policy
from casework.followup.models import FollowUpCredential, FollowUpThrottle
from casework.sql import insert_ignoring_conflict


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

    @property
    def granted(self) -> bool:
        """True when the code matched."""
        return self.status is not None


def check_follow_up(session: Session, *, reference: str, code: str, clock: Clock) -> FollowUpResult:
    """Check a reference and code, counting wrong attempts; never says if a reference exists.

    Returns rather than raises so that the caller commits the attempt counter either way.
    """
    ref = normalise_reference(reference)
    if ref is None:
        raise InvalidInput("reference", "A reference looks like HX-7K3P-9QW.")
    now = clock.now()
    # Make sure the counter row exists, then lock it: attempts on one reference are checked one
    # after another, so parallel guesses cannot slip past the counter.
    insert_ignoring_conflict(
        session,
        FollowUpThrottle,
        {"reference": ref, "failures": 0, "last_failure_at": None},
        ["reference"],
    )
    throttle = session.scalars(
        select(FollowUpThrottle)
        .where(FollowUpThrottle.reference == ref)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    wait = policy.wait_required(throttle.failures, throttle.last_failure_at, now)
    if wait > dt.timedelta(0):
        return FollowUpResult(reference=ref, retry_after=wait)

    case = case_by_reference(session, ref)
    hashes: list[str | None] = [*_credential_hashes(session, case)] or [None]
    matched = False
    for code_hash in hashes:
        matched = codes.verify_code(code_hash, code) or matched
    if matched and case is not None:
        session.execute(delete(FollowUpThrottle).where(FollowUpThrottle.reference == ref))
        return FollowUpResult(
            reference=ref,
            status=_REPORTER_STATUS[case.status],
            updated_at=case.status_changed_at,
        )
    throttle.failures = (
        policy.effective_failures(throttle.failures, throttle.last_failure_at, now) + 1
    )
    throttle.last_failure_at = now
    session.flush()
    return FollowUpResult(reference=ref)


def _credential_hashes(session: Session, case: Case | None) -> list[str]:
    if case is None:
        return []
    return list(
        session.scalars(
            select(FollowUpCredential.code_hash).where(FollowUpCredential.case_id == case.id)
        )
    )


def purge_stale_throttles(session: Session, *, clock: Clock) -> int:
    """Delete counters whose streak has been forgotten; returns how many went."""
    cutoff = clock.now() - policy.FORGET_AFTER
    result = session.execute(
        delete(FollowUpThrottle).where(
            (FollowUpThrottle.last_failure_at <= cutoff) | FollowUpThrottle.last_failure_at.is_(None)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
