"""Audit jobs: the sequencer that puts new events in the log, signed checkpoints, and a
regular verification of the whole trail.

All need the signing key; without one (a process that only serves) they do nothing.
"""

from __future__ import annotations

import threading

from casework.audit.log import verify_stored
from casework.audit.note import Verifier, verifier_key
from casework.audit.sequencer import issue_checkpoint, sequence
from casework.audit.status import record_verify_run
from casework.jobs import JobContext, Jobs
from casework.ports import Signer

SEQUENCE_BATCH = 1000

jobs = Jobs()


@jobs.periodic("audit.sequence", every="audit_every")
def sequence_all(ctx: JobContext) -> None:
    """Give every new audit event its place in the log, a batch per transaction."""
    if ctx.signer is None:
        return
    batch = SEQUENCE_BATCH // 10 if ctx.config.small_batches else SEQUENCE_BATCH
    while ctx.db.run(lambda s: sequence(s, batch=batch), write=True) == batch:
        pass


@jobs.periodic("audit.checkpoint", every="checkpoint_every")
def checkpoint(ctx: JobContext) -> None:
    """Sign a checkpoint of the log as sequenced up to now."""
    signer = ctx.signer
    if signer is None:
        return
    sequence_all(ctx)  # a checkpoint follows a sequencing, so it covers what is already logged
    ctx.db.run(lambda s: issue_checkpoint(s, signer=signer, now=ctx.clock.now()), write=True)


_verifying: threading.Thread | None = None


@jobs.periodic("audit.verify", every="verify_every")
def verify(ctx: JobContext) -> None:
    """Verify the stored trail against this installation's key and keep the outcome, so the
    console's audit page says when the trail was last found intact (at start, then every 6
    hours; `hotline audit verify` with checkpoints kept elsewhere is the stronger check).

    A national trail takes minutes to read: it is verified on a thread of its own, so the
    worker goes on delivering texts and alerts meanwhile; one verification at a time."""
    global _verifying  # noqa: PLW0603 - the one verification this process runs
    signer = ctx.signer
    if signer is None or (_verifying is not None and _verifying.is_alive()):
        return
    _verifying = threading.Thread(
        target=_verify, args=(ctx, signer), name="audit-verify", daemon=True
    )
    _verifying.start()


def verification_running() -> threading.Thread | None:
    """The thread of the verification under way, if any (for tests and shutdown)."""
    return _verifying


def _verify(ctx: JobContext, signer: Signer) -> None:
    verifier = Verifier.parse(verifier_key(signer.name, signer.public_key()))
    result = ctx.db.run(
        lambda s: verify_stored(s, verifier=verifier, extra_checkpoints=[]), write=False
    )
    ctx.db.run(
        lambda s: record_verify_run(s, result, ran_by="worker", now=ctx.clock.now()), write=True
    )
