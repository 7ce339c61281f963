"""What outbox handlers share: settling a provider's answer, auditing it, the status URL.

A handler (in its domain's ``jobs.py``) sends, then settles: sent (audited), retried later
with back-off, or failed - dead-lettered when a person must look - each in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.audit.record import AuditAction, record_event
from casework.jobs import JobContext
from casework.outbox.service import Claimed, mark_failed, mark_sent, retry_later
from casework.ports import SendOutcome, SendResult

OptedOut = Callable[[Session, dt.datetime], object]
"""What to remember, in the settling transaction, when the recipient opted out."""


def audit_outbox(
    s: Session, ctx: JobContext, item: Claimed, action: AuditAction, details: dict[str, object]
) -> None:
    """Record what happened to an outbox row in the audit log (ids and outcomes, no content)."""
    record_event(
        s,
        keyring=ctx.keyring,
        action=action,
        actor=SYSTEM,
        object_type=f"outbox_{item.kind.value}",
        object_id=str(item.id),
        case_key=ctx.keyring.case_key_if_readable(s, item.case_id) if item.case_id else None,
        details={"attempt": item.attempts, **details},
        now=ctx.clock.now(),
    )


def settle(
    ctx: JobContext, item: Claimed, result: SendResult, *, opted_out: OptedOut | None = None
) -> None:
    """Sent, retried later, or failed (dead when refused for no known reason)."""
    now = ctx.clock.now()

    def settle(s: Session) -> None:
        attempt = item.attempts
        if result.outcome is SendOutcome.SENT:
            if mark_sent(s, item.id, attempt=attempt, provider_ref=result.provider_ref, now=now):
                audit_outbox(
                    s,
                    ctx,
                    item,
                    AuditAction.OUTBOX_DELIVERED,
                    {"provider_ref": result.provider_ref},
                )
        elif result.outcome is SendOutcome.RETRY:
            error = result.error or "retry"
            retry_later(s, item.id, attempt=attempt, error=error, now=now, rng=ctx.rng)
        else:
            dead = result.outcome is SendOutcome.REJECTED
            error = result.error or result.outcome.value
            if mark_failed(s, item.id, attempt=attempt, error=error, dead=dead):
                audit_outbox(
                    s, ctx, item, AuditAction.OUTBOX_FAILED, {"outcome": result.outcome.value}
                )
            if result.outcome is SendOutcome.OPTED_OUT and opted_out is not None:
                opted_out(s, now)

    ctx.db.run(settle, write=True)


def give_up(ctx: JobContext, item: Claimed, *, error: str) -> None:
    """Fail a row without sending (not allowed any more, no endpoint): failed, not dead."""
    ctx.db.run(
        lambda s: mark_failed(s, item.id, attempt=item.attempts, error=error, dead=False),
        write=True,
    )


def status_callback(ctx: JobContext, item: Claimed) -> str:
    """Where the SMS provider reports the delivery of a text sent for ``item``."""
    # Our id in the URL: Twilio echoes it with every status, and it is the idempotency key;
    # the attempt tells a late word about an earlier attempt from the current one.
    base = ctx.config.public_base_url
    return f"{base}/twilio/sms/status?m={item.id.hex}&a={item.attempts}"
