"""Building cases from the intake inbox: the job behind every receipt.

A row is built in one transaction: the case opened with the receipt's reference, the report's
id being the row's and its clocks starting at the time of receipt; the code hashed (argon2id)
into the follow-up credential; the intake audit event; then the row keeps only ids (payload
and code cleared). A builder killed mid-row rolls back and the row is claimed again; a row
already built is skipped. Rows are claimed urgent first, then oldest, with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL so several builders never take the same row (SQLite has one writer).
A row that fails is counted and retried by later runs, up to ``MAX_ATTEMPTS``; then it waits
for an operator, and the backlog alarm names it (``casework.intake.backlog``).
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import Executable, Table, bindparam, select, update
from sqlalchemy.orm import Session

from casework.clock import Clock
from casework.followup import codes
from casework.intake.models import IntakeItem
from casework.intake.receiving import open_code, open_payload
from casework.intake.schemas import PreparedFollowUp, ReportReceipt
from casework.intake.service import Received, submit_report
from casework.jobs import Transactions
from casework.protection.keys import Keyring
from casework.sql import skip_locked_on

log = logging.getLogger("casework.intake.builder")

MAX_ATTEMPTS = 5


def build_item(
    session: Session,
    *,
    keyring: Keyring,
    item: IntakeItem,
    clock: Clock,
    default_phone_region: str | None,
) -> ReportReceipt:
    """Open the case of one received report, in the caller's transaction."""
    submission = open_payload(keyring, session, item)
    code = open_code(keyring, session, item.id, item.code_ct) if item.code_ct else None
    follow_up = (
        PreparedFollowUp(code=code, code_hash=codes.hash_code(code), salt=item.code_salt)
        if code is not None
        else None
    )
    receipt = submit_report(
        session,
        submission=submission,
        follow_up=follow_up,
        clock=clock,
        keyring=keyring,
        default_phone_region=default_phone_region,
        received=Received(item.id, item.reference, item.received_at),
    )
    session.execute(
        _BUILT, {"item_id": item.id, "case_id": receipt.case_id, "built_at": clock.now()}
    )
    return receipt


_ITEMS: Table = IntakeItem.__table__  # type: ignore[assignment]
# Built once: building a statement per row cost more than running it.
_BUILT = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item_id"))
    .values(
        case_id=bindparam("case_id"), built_at=bindparam("built_at"), payload_ct=None, code_ct=None
    )
)


@dataclass(frozen=True)
class BuildRun:
    """What one run of the builder did."""

    built: int
    failed: int

    @property
    def handled(self) -> int:
        """Rows taken from the queue (built or failed)."""
        return self.built + self.failed


def _claim_next(session: Session, *, skip: set[uuid.UUID]) -> IntakeItem | None:
    """The next unbuilt row, urgent first, locked for this transaction (skipping rows others
    hold, and rows that failed earlier in this run)."""
    return session.scalars(
        _claim_query(session.get_bind().dialect.name), {"skip": list(skip)}
    ).first()


@functools.cache
def _claim_query(dialect: str) -> Executable:
    """Built once per database kind (building it per row cost more than running it)."""
    query = (
        select(IntakeItem)
        .where(
            IntakeItem.case_id.is_(None),
            IntakeItem.attempts < MAX_ATTEMPTS,
            IntakeItem.id.not_in(bindparam("skip", expanding=True)),
        )
        .order_by(IntakeItem.urgent.desc(), IntakeItem.received_at)
        .limit(1)
    )
    locked: Executable = skip_locked_on(dialect, query)  # builders take different rows
    return locked


def build_pending(
    db: Transactions,
    *,
    keyring: Keyring,
    clock: Clock,
    default_phone_region: str | None,
    limit: int,
) -> BuildRun:
    """Build up to ``limit`` waiting rows, one transaction each; returns what it did."""
    built = failed = 0
    failed_now: set[uuid.UUID] = set()
    for _ in range(limit):
        outcome = _build_next(
            db,
            keyring=keyring,
            clock=clock,
            default_phone_region=default_phone_region,
            skip=failed_now,
        )
        if outcome is None:
            break
        if outcome:
            built += 1
        else:
            failed += 1
    return BuildRun(built, failed)


def _build_next(
    db: Transactions,
    *,
    keyring: Keyring,
    clock: Clock,
    default_phone_region: str | None,
    skip: set[uuid.UUID],
) -> bool | None:
    """Claim and build the next row in its own transaction: True built, False failed (and
    counted, and added to ``skip``), None when nothing waits."""
    claimed: list[uuid.UUID] = []

    def build_one(session: Session) -> bool:
        item = _claim_next(session, skip=skip)
        if item is None:
            return False
        claimed.append(item.id)
        build_item(
            session,
            keyring=keyring,
            item=item,
            clock=clock,
            default_phone_region=default_phone_region,
        )
        return True

    try:
        if not db.run(build_one, write=True):
            return None
    except Exception as exc:  # one bad row must not stop the queue
        if not claimed:
            raise
        log.exception("building a case failed", extra={"intake_item": str(claimed[0])})
        error = type(exc).__name__
        db.run(lambda s: _count_failure(s, claimed[0], error), write=True)
        skip.add(claimed[0])
        return False
    return True


def _count_failure(session: Session, item_id: uuid.UUID, error: str) -> None:
    """Count a failed attempt on its own row (the attempt itself was rolled back)."""
    session.execute(
        update(IntakeItem)
        .where(IntakeItem.id == item_id)
        .values(
            attempts=IntakeItem.attempts + 1,
            last_error=error[:200],
        )
    )
