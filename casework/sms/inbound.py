"""The SMS provider's webhooks as use cases: a text taken exactly once, a delivery report.

A text is stored in the inbox under the provider's message id before anything else; the first
delivery is handled (``receive``) and its answer kept, sealed, so a provider's retry gets the
same answer and causes nothing new. The answer's format (TwiML) is the caller's: it passes the
renderer in, and what is kept for a retry is exactly what was rendered the first time.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

from casework.context import Unit
from casework.enums import Channel
from casework.intake.inbox import complete_inbound, record_inbound, stored_response
from casework.outbox.service import record_delivery_status
from casework.sms.service import (
    InboundSms,
    SmsPolicy,
    may_answer_again,
    opt_out_by_outbox,
    receive,
)

# The provider's error code for a phone that replied STOP to it.
OPTED_OUT_ERROR = "21610"
_JITTER = random.Random()  # noqa: S311 - spreads retries, not a secret

Render = Callable[[list[str]], str]


def take_text(
    unit: Unit, *, sms: InboundSms, payload: dict[str, Any], policy: SmsPolicy, render: Render
) -> str:
    """Handle one inbound text once; returns the rendered answer (the first one on a retry)."""
    session, keyring = unit.session, unit.keyring
    row, created = record_inbound(
        session,
        channel=Channel.SMS,
        provider_message_id=sms.message_sid,
        payload=payload,
        clock=unit.clock,
        keyring=keyring,
    )
    if not created:
        # A provider's retry gets the first answer, unless the phone has since said STOP or
        # the safe word: then nothing goes back.
        if not may_answer_again(session, keyring=keyring, phone=sms.phone):
            return render([])
        return stored_response(session, keyring=keyring, message=row) or render([])
    handled = receive(session, keyring=keyring, clock=unit.clock, sms=sms, policy=policy)
    answer = render(handled.replies)
    complete_inbound(
        session,
        keyring=keyring,
        message=row,
        case_key=keyring.case_key(session, handled.case_id) if handled.case_id else None,
        report_id=handled.report_id,
        response=answer,
        now=unit.now,
    )
    return answer


def take_delivery_status(
    unit: Unit, *, outbox_id: uuid.UUID, status: str, error_code: str, attempt: int | None
) -> None:
    """The provider tells how one of our texts is doing; a phone that opted out is never
    texted again."""
    record_delivery_status(
        unit.session,
        outbox_id,
        status,
        attempt=attempt,
        error_code=error_code,
        now=unit.now,
        rng=_JITTER,
    )
    if error_code == OPTED_OUT_ERROR:
        opt_out_by_outbox(unit.session, outbox_id, now=unit.now)
