"""The SLA scan: clocks rebuilt where a case's history grew, then warnings and breaches sent."""

from __future__ import annotations

import time

from casework.jobs import JobContext, Jobs
from casework.sla.service import REFRESH_BATCH, refresh_stale, send_due

# The most one scan spends rebuilding clocks before it sends what is due and hands the worker
# back to the outbox: after an upgrade marks every case stale, the backlog drains a slice at a
# time (the newest open cases first) instead of holding up texts and on-call alerts.
REFRESH_SECONDS = 2.0

jobs = Jobs()


@jobs.periodic("sla", every="sla_every")
def scan(ctx: JobContext) -> int:
    """Rebuild the clocks of cases whose history grew, then send warnings and breaches
    that are due (each batch its own short transaction); returns notices sent."""
    batch = REFRESH_BATCH // 10 if ctx.config.small_batches else REFRESH_BATCH
    deadline = time.monotonic() + REFRESH_SECONDS
    while ctx.db.run(lambda s: refresh_stale(s, batch=batch), write=True) == batch:
        if time.monotonic() > deadline:
            break
    sent = 0
    while True:
        looked, notices = ctx.db.run(
            lambda s: send_due(s, keyring=ctx.keyring, now=ctx.clock.now()), write=True
        )
        sent += len(notices)
        if not looked:
            return sent
