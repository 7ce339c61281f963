"""Follow-up jobs: forgetting the expired counters that slow down code guessing."""

from __future__ import annotations

from casework.followup.service import purge_stale_throttles
from casework.jobs import JobContext, Jobs

jobs = Jobs()


@jobs.periodic("followup.purge", every="purge_every")
def purge(ctx: JobContext) -> None:
    """Delete follow-up throttle counters whose streak has been forgotten."""
    ctx.db.run(lambda s: purge_stale_throttles(s, clock=ctx.clock), write=True)
