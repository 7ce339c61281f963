"""Oversight's background work: the transparency report's counts kept fresh for the public."""

from __future__ import annotations

from casework.jobs import JobContext, Jobs
from casework.oversight.transparency_counts import keep_snapshots

SNAPSHOT_EVERY = 15 * 60.0  # seconds; a snapshot is served for an hour (``FRESH``)

jobs = Jobs()


@jobs.periodic("transparency.snapshot", every=SNAPSHOT_EVERY)
def snapshot(ctx: JobContext) -> int:
    """Count the latest ended quarters for the public report again; returns how many."""
    return ctx.db.run(lambda s: keep_snapshots(s, now=ctx.clock.now()), write=True)
