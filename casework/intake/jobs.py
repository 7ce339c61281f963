"""Intake jobs: building the cases of received reports, the backlog alarm, and forgetting
inbound messages once the provider can no longer retry them."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy.orm import Session

from casework.intake.backlog import BACKLOG_NOTICE, intake_backlog, supervisors_to_alarm
from casework.intake.builder import build_pending
from casework.intake.inbox import forget_after_retry_window
from casework.jobs import JobContext, Jobs
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue

jobs = Jobs()

# The same supervisors are told again at most this often while the backlog lasts.
_ALARM_QUIET = dt.timedelta(minutes=30)
# A builder run gives up the queue after this long, so a shutdown is never kept waiting.
_RUN_SECONDS = 2.0


@jobs.loop("intake.build", idle="intake_idle_seconds", threads="intake_builders")
def build_cases(ctx: JobContext) -> bool:
    """Build the cases of waiting reports, urgent first; True when it built any."""
    deadline = time.monotonic() + _RUN_SECONDS
    did = False
    while time.monotonic() < deadline:
        run = build_pending(
            ctx.db,
            keyring=ctx.keyring,
            clock=ctx.clock,
            default_phone_region=ctx.config.default_phone_region,
            limit=ctx.config.intake_build_batch,
        )
        did = did or run.handled > 0
        if run.handled < ctx.config.intake_build_batch:
            break
    return did


@jobs.periodic("intake.backlog", every=30.0)
def alarm_backlog(ctx: JobContext) -> int:
    """Tell the supervisors when a report has waited too long for its case; returns how many
    were told."""
    now = ctx.clock.now()
    limit = dt.timedelta(seconds=ctx.config.intake_backlog_alarm_seconds)

    def alarm(session: Session) -> int:
        backlog = intake_backlog(session)
        if backlog.oldest_age(now) < limit and backlog.stuck == 0:
            return 0
        supervisors = supervisors_to_alarm(session, now=now, quiet=_ALARM_QUIET)
        if not supervisors:
            return 0
        minutes = int(backlog.oldest_age(now).total_seconds() // 60)
        enqueue(
            session,
            keyring=ctx.keyring,
            kind=OutboxKind.STAFF_NOTICE,
            payload={
                "to": [str(s.id) for s in supervisors],
                "kind": BACKLOG_NOTICE,
                "text": (
                    f"Intake is behind: {backlog.waiting} reports are waiting for their case "
                    f"({backlog.urgent} urgent, {backlog.stuck} failing), the oldest for "
                    f"{minutes} min. Check the case builder (hotline worker)."
                ),
            },
            now=now,
        )
        return len(supervisors)

    return ctx.db.run(alarm, write=True)


@jobs.periodic("intake.purge", every="purge_every")
def purge(ctx: JobContext) -> None:
    """Drop stored answers, and payloads outside any case, once the retry window is over."""
    ctx.db.run(lambda s: forget_after_retry_window(s, now=ctx.clock.now()), write=True)
