"""Staff jobs: console notices, and forgetting sign-in counts and sessions that ended."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from casework.ids import new_id
from casework.jobs import JobContext, Jobs
from casework.outbox.models import OutboxKind
from casework.outbox.service import Claimed, mark_sent
from casework.sql import insert_ignoring_conflict
from casework.staff.models import StaffNotification
from casework.staff.sessions import purge_ended_sessions
from casework.staff.throttle import purge_stale as purge_stale_login_counts

jobs = Jobs()


@jobs.handler(OutboxKind.STAFF_NOTICE)
def notify_staff(ctx: JobContext, item: Claimed) -> None:
    """Notices in the console of each member of staff named (once each, even on retry)."""
    now = ctx.clock.now()

    def notify(s: Session) -> None:
        for n, user_id in enumerate(item.payload.get("to", [])):
            insert_ignoring_conflict(
                s,
                StaffNotification,
                {
                    "id": new_id(),
                    "user_id": uuid.UUID(str(user_id)),
                    "kind": str(item.payload.get("kind", "notice"))[:40],
                    "text": str(item.payload.get("text", ""))[:300],
                    "case_id": uuid.UUID(str(item.payload["case"]))
                    if item.payload.get("case")
                    else None,
                    "source_ref": f"{item.id.hex}:{n}",
                    "created_at": now,
                },
                ["source_ref"],
            )
        mark_sent(s, item.id, attempt=item.attempts, provider_ref=None, now=now)

    ctx.db.run(notify, write=True)


@jobs.periodic("staff.purge", every="purge_every")
def purge(ctx: JobContext) -> None:
    """Forget sign-in failure counts past their window and sessions ended a day ago."""
    ctx.db.run(
        lambda s: purge_stale_login_counts(
            s, now=ctx.clock.now(), policy=ctx.config.login_throttle
        ),
        write=True,
    )
    ctx.db.run(lambda s: purge_ended_sessions(s, now=ctx.clock.now()), write=True)
