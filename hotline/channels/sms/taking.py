"""Taking an inbound text: with the texts that arrive meanwhile, in one transaction."""

from __future__ import annotations

from functools import partial
from typing import Any

from casework.errors import DomainError
from casework.sms.inbound import TextToTake, take_text, take_texts
from casework.sms.service import InboundSms, SmsPolicy
from hotline.context import RequestContext
from integrations.twilio.twiml import messages


async def take_inbound_text(
    ctx: RequestContext, *, sms: InboundSms, payload: dict[str, Any], policy: SmsPolicy
) -> str:
    """Take one inbound text once; its TwiML answer (empty when it waits for the sms.inbox
    job, whose replies go out through the outbox)."""
    queue = ctx.settings.queues_texts
    taking = partial(take_texts, policy=policy, render=messages, queue=queue)
    # One group at a time: two texts of one phone are handled in the order they came.
    answer = await ctx.write_together("sms", taking, TextToTake(sms, payload), writers=1)
    if isinstance(answer, DomainError):
        raise answer
    if answer is None:  # its group failed as a whole (nothing of it kept): on its own, then
        answer = await ctx.write(
            take_text, sms=sms, payload=payload, policy=policy, render=messages, queue=queue
        )
    return answer
