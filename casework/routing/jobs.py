"""Routing's outbox job: a danger alert texted to the people on call."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from casework.jobs import JobContext, Jobs
from casework.outbox.delivery import settle, status_callback
from casework.outbox.models import OutboxKind
from casework.outbox.service import Claimed, mark_failed
from casework.ports import SendOutcome
from casework.routing.oncall import alarm_reached_no_phone

log = logging.getLogger(__name__)

ALERT_TEXT = "Safeguarding hotline: {priority} case {reference} needs someone now ({why})."

jobs = Jobs()


@jobs.handler(OutboxKind.ALERT)
def alert(ctx: JobContext, item: Claimed) -> None:
    """Text the alert to every phone on call; delivered once anyone has it."""
    # The region's on-call rota when it names someone with a phone, else the
    # installation's on-call phones.
    phones = [str(p) for p in item.payload.get("to") or []] or list(ctx.config.oncall_phones)
    if not phones:
        _nobody_on_call(ctx, item)
        return
    payload = item.payload
    body = ALERT_TEXT.format(
        priority=payload.get("priority", "?"),
        reference=payload.get("reference", "?"),
        why=payload.get("why") or f"reported by {payload.get('channel', '?')}",
    )
    results = [
        ctx.sms.send(
            to=phone,
            body=body,
            status_callback=status_callback(ctx, item),
            idempotency_key=f"{item.idempotency_key}:{n}",
        )
        for n, phone in enumerate(phones)
    ]
    sent = [r for r in results if r.outcome is SendOutcome.SENT]
    retry = [r for r in results if r.outcome is SendOutcome.RETRY]
    if sent:
        settle(ctx, item, sent[0])  # someone on call has it
    elif retry:
        settle(ctx, item, retry[0])
    else:
        settle(ctx, item, results[0])


def _nobody_on_call(ctx: JobContext, item: Claimed) -> None:
    case = item.payload.get("case")

    def nobody(s: Session) -> None:
        if mark_failed(s, item.id, attempt=item.attempts, error="no_on_call_phone", dead=True):
            # Never silent: the supervisors and administrators see it in the console.
            alarm_reached_no_phone(
                s,
                keyring=ctx.keyring,
                case_id=uuid.UUID(str(case)) if case else None,
                now=ctx.clock.now(),
            )

    ctx.db.run(nobody, write=True)
    log.error("danger alert with nobody on call to text")
