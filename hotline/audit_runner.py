"""Running the audit sequencer and checkpoint signer in the background of a process.

On the embedded default this runs inside ``hotline serve``; with several processes each may
run it (the sequencer lock makes them take turns). Failures are logged and retried on the
next tick: an unsequenced event is never lost, only sequenced later.
"""

from __future__ import annotations

import asyncio
import logging
import time

from casework.audit.sequencer import issue_checkpoint, sequence
from casework.clock import Clock
from casework.ports import Signer
from hotline.database import Database

log = logging.getLogger("hotline.audit")
BATCH = 1000


async def run_audit_loop(
    db: Database, *, signer: Signer, clock: Clock, every: float, checkpoint_every: float
) -> None:
    """Sequence pending events every ``every`` s; sign a checkpoint every ``checkpoint_every`` s."""
    last_checkpoint = 0.0
    while True:
        try:
            while await db.run_async(lambda s: sequence(s, batch=BATCH), write=True) == BATCH:
                pass  # a backlog: keep going without waiting
            if time.monotonic() - last_checkpoint >= checkpoint_every:
                await db.run_async(
                    lambda s: issue_checkpoint(s, signer=signer, now=clock.now()), write=True
                )
                last_checkpoint = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the loop alive; the events wait for the next tick
            # The JSON log formatter keeps only the exception type, never its message.
            log.exception("audit sequencing failed")
        await asyncio.sleep(every)
