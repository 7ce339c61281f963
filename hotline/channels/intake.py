"""The steps every intake channel shares: decide urgency, then one short write transaction."""

from __future__ import annotations

import threading
import weakref
from functools import partial

from casework.errors import DomainError
from casework.intake.channels import ReportToTake, take_report, take_reports
from casework.intake.directory import CodeDirectory
from casework.intake.receiving import IntakeReceipt, is_urgent
from casework.intake.schemas import ReportSubmission
from hotline.context import RequestContext
from hotline.runtime.database import Database

# One copy of the codes per database (tests run many databases in one process).
_DIRECTORIES: weakref.WeakKeyDictionary[Database, CodeDirectory] = weakref.WeakKeyDictionary()
_LANES: dict[int, threading.BoundedSemaphore] = {}
_LOCK = threading.Lock()


def code_directory(db: Database) -> CodeDirectory:
    """The in-memory copy of the codes a report may name, for this database."""
    with _LOCK:
        found = _DIRECTORIES.get(db)
        if found is None:
            found = _DIRECTORIES[db] = CodeDirectory()
        return found


def _urgent_lane(size: int) -> threading.BoundedSemaphore:
    with _LOCK:
        lane = _LANES.get(size)
        if lane is None:
            lane = _LANES[size] = threading.BoundedSemaphore(size)
        return lane


async def accept_report(
    ctx: RequestContext,
    *,
    submission: ReportSubmission,
    idempotency_key: str | None,
    idempotency_scope: str,
) -> IntakeReceipt:
    """Keep the report in the intake inbox and return its receipt at once.

    A danger report is built into its case in the same transaction while fewer than
    ``intake_urgent_lane`` are being built (its on-call alert is then in the outbox when the
    child sees the receipt); beyond that it waits in the inbox, where the builder takes urgent
    rows first. Never blocks on the lane: a full lane means "queue it", not "wait".
    """
    settings = ctx.settings
    lane = _urgent_lane(settings.intake_urgent_lane) if settings.intake_urgent_lane else None
    in_lane = lane is not None and is_urgent(submission) and lane.acquire(blocking=False)
    build_now = in_lane or settings.intake_build_inline
    if not build_now:
        report = ReportToTake(submission, idempotency_key, idempotency_scope, ctx.clock.now())
        taking = partial(
            take_reports,
            directory=code_directory(ctx.db),
            default_phone_region=settings.default_phone_region,
        )
        taken = await ctx.write_together("intake", taking, report)
        if isinstance(taken, DomainError):
            raise taken
        if taken is not None:
            return taken
        # Its group failed as a whole (nothing of it kept): take it again on its own.
    try:
        return await ctx.write(
            take_report,
            submission=submission,
            directory=code_directory(ctx.db),
            idempotency_key=idempotency_key,
            idempotency_scope=idempotency_scope,
            default_phone_region=settings.default_phone_region,
            build_now=build_now,
        )
    finally:
        if in_lane and lane is not None:
            lane.release()
