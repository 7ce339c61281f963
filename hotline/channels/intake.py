"""The steps every intake channel shares: prepare the code, then one write transaction."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from casework.intake.channels import take_report
from casework.intake.schemas import ReportReceipt, ReportSubmission
from casework.intake.service import prepare_follow_up
from hotline.context import RequestContext


async def accept_report(
    ctx: RequestContext,
    *,
    submission: ReportSubmission,
    idempotency_key: str | None,
    idempotency_scope: str,
) -> ReportReceipt:
    """Hash the follow-up code off the event loop, then store the report in one transaction."""
    # Hashing is slow on purpose; doing it before the transaction keeps it out of the SQLite
    # write queue and keeps PostgreSQL transactions short.
    follow_up = await run_in_threadpool(prepare_follow_up, idempotency_key)
    return await ctx.write(
        take_report,
        submission=submission,
        follow_up=follow_up,
        idempotency_key=idempotency_key,
        idempotency_scope=idempotency_scope,
        default_phone_region=ctx.settings.default_phone_region,
    )
