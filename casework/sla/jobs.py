"""The SLA scan: clocks rebuilt where a case's history grew, then warnings and breaches sent."""

from __future__ import annotations

from casework.jobs import JobContext, Jobs
from casework.sla.service import REFRESH_BATCH, refresh_stale, send_due

jobs = Jobs()


@jobs.periodic("sla", every="sla_every")
def scan(ctx: JobContext) -> int:
    """Rebuild the clocks of cases whose history grew, then send warnings and breaches
    that are due (each batch its own short transaction); returns notices sent."""
    while ctx.db.run(refresh_stale, write=True) == REFRESH_BATCH:
        pass
    sent = 0
    while True:
        looked, notices = ctx.db.run(
            lambda s: send_due(s, keyring=ctx.keyring, now=ctx.clock.now()), write=True
        )
        sent += len(notices)
        if not looked:
            return sent
