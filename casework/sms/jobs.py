"""The SMS intake's jobs: handling the texts waiting in the inbox, and a text to the
reporter, checked again just before it goes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.jobs import JobContext, Jobs
from casework.outbox.delivery import give_up, settle, status_callback
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.outbox.service import Claimed
from casework.sms.inbound import handle_waiting
from casework.sms.service import SmsPolicy, conversation_for_phone, may_text, opt_out_by_outbox

jobs = Jobs()


@jobs.loop("sms.inbox", idle="intake_idle_seconds")
def handle_texts(ctx: JobContext) -> bool:
    """Handle the texts the webhook stored without handling; True when it handled any."""
    policy = SmsPolicy(
        safe_word=ctx.config.sms_safe_word, emergency_number=ctx.config.emergency_number
    )
    return (
        handle_waiting(
            ctx.db,
            keyring=ctx.keyring,
            clock=ctx.clock,
            policy=policy,
            limit=ctx.config.intake_build_batch,
        )
        > 0
    )


@jobs.handler(OutboxKind.SMS)
def text_reporter(ctx: JobContext, item: Claimed) -> None:
    """Send a text to the reporter if the conversation still allows it."""

    def allowed(s: Session) -> bool:
        # Checked again now: a STOP or the safe word may have come since it was queued.
        row = s.get(OutboxMessage, item.id)
        index = row.phone_index if row else None
        conversation = conversation_for_phone(s, index) if index is not None else None
        if item.payload.get("reply"):
            # The answer to a text the child just sent, as the webhook would have given it.
            return conversation is not None and conversation.may_receive
        return may_text(conversation)

    if not ctx.db.run(allowed, write=False):
        give_up(ctx, item, error="not_allowed")
        return
    result = ctx.sms.send(
        to=str(item.payload["to"]),
        body=str(item.payload["body"]),
        status_callback=status_callback(ctx, item),
        idempotency_key=item.idempotency_key,
    )
    settle(
        ctx,
        item,
        result,
        # Remembered in the same transaction: this phone gets no more texts from us.
        opted_out=lambda s, now: opt_out_by_outbox(s, item.id, now=now),
    )
