"""Intake jobs: forgetting inbound messages once the provider can no longer retry them."""

from __future__ import annotations

from casework.intake.inbox import forget_after_retry_window
from casework.jobs import JobContext, Jobs

jobs = Jobs()


@jobs.periodic("intake.purge", every="purge_every")
def purge(ctx: JobContext) -> None:
    """Drop stored answers, and payloads outside any case, once the retry window is over."""
    ctx.db.run(lambda s: forget_after_retry_window(s, now=ctx.clock.now()), write=True)
