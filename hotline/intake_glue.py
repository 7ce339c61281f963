"""The steps every intake channel shares: prepare the code, then one write transaction."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from casework.clock import Clock
from casework.intake.schemas import ReportReceipt, ReportSubmission
from casework.intake.service import prepare_follow_up, submit_report
from casework.protection.keys import Keyring
from hotline.database import Database


async def accept_report(
    db: Database,
    *,
    submission: ReportSubmission,
    clock: Clock,
    idempotency_key: str | None,
    idempotency_scope: str,
    default_phone_region: str | None,
    keyring: Keyring,
) -> ReportReceipt:
    """Hash the follow-up code off the event loop, then store the report in one transaction."""
    # Hashing is slow on purpose; doing it before the transaction keeps it out of the SQLite
    # write queue and keeps PostgreSQL transactions short.
    follow_up = await run_in_threadpool(prepare_follow_up, idempotency_key)
    return await db.run_async(
        lambda session: submit_report(
            session,
            submission=submission,
            follow_up=follow_up,
            clock=clock,
            idempotency_key=idempotency_key,
            idempotency_scope=idempotency_scope,
            default_phone_region=default_phone_region,
            keyring=keyring,
        ),
        write=True,
    )
