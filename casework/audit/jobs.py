"""Audit jobs: the sequencer that puts new events in the log, and signed checkpoints.

Both need the signing key; without one (a process that only serves) they do nothing.
"""

from __future__ import annotations

from casework.audit.sequencer import issue_checkpoint, sequence
from casework.jobs import JobContext, Jobs

SEQUENCE_BATCH = 1000

jobs = Jobs()


@jobs.periodic("audit.sequence", every="audit_every")
def sequence_all(ctx: JobContext) -> None:
    """Give every new audit event its place in the log, a batch per transaction."""
    if ctx.signer is None:
        return
    while ctx.db.run(lambda s: sequence(s, batch=SEQUENCE_BATCH), write=True) == SEQUENCE_BATCH:
        pass


@jobs.periodic("audit.checkpoint", every="checkpoint_every")
def checkpoint(ctx: JobContext) -> None:
    """Sign a checkpoint of the log as sequenced up to now."""
    signer = ctx.signer
    if signer is None:
        return
    sequence_all(ctx)  # a checkpoint follows a sequencing, so it covers what is already logged
    ctx.db.run(lambda s: issue_checkpoint(s, signer=signer, now=ctx.clock.now()), write=True)
