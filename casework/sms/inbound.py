"""The SMS provider's webhooks as use cases: a text taken exactly once, a delivery report.

A text is stored in the inbox under the provider's message id before anything else. Then
(issue 16) either it is handled at once (``receive``) and the answer is the webhook's reply,
kept sealed so a provider's retry gets the same answer - for what cannot wait: the safe word,
STOP and the other keywords, danger or self-harm words, and the answer to "is someone in danger
now?" - or, for everything else when ``queue`` is set, the webhook answers nothing at once and
the text waits in the inbox for ``handle_waiting`` (the ``sms.inbox`` job), whose replies go out
through the outbox. The answer's format (TwiML) is the caller's: it passes the renderer in.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from casework.clock import Clock, FixedClock
from casework.context import Unit
from casework.enums import Channel
from casework.errors import DomainError
from casework.intake.inbox import (
    complete_inbound,
    mark_failed,
    next_waiting,
    read_inbound_payload,
    record_inbound,
    stored_response,
)
from casework.jobs import Transactions
from casework.outbox.service import record_delivery_status
from casework.protection.keys import Keyring
from casework.sms.models import Step
from casework.sms.service import (
    InboundSms,
    SmsPolicy,
    current_step,
    may_answer_again,
    opt_out_by_outbox,
    queue_replies,
    receive,
)
from casework.sms.words import keyword
from casework.triage.words import mentions_danger, mentions_self_harm

# The provider's error code for a phone that replied STOP to it.
OPTED_OUT_ERROR = "21610"
_JITTER = random.Random()  # noqa: S311 - spreads retries, not a secret

Render = Callable[[list[str]], str]
_MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")


def inbound_from_fields(fields: Mapping[str, str]) -> InboundSms | None:
    """The text a provider's form fields describe (None when it is not a message)."""
    sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
    if not _MESSAGE_SID.match(sid) or not fields.get("From"):
        return None
    try:
        count = min(int(fields.get("NumMedia") or 0), 10)
    except ValueError:
        count = 0
    media = tuple(
        (
            fields.get(f"MediaUrl{i}", ""),
            fields.get(f"MediaContentType{i}") or "application/octet-stream",
        )
        for i in range(count)
        if fields.get(f"MediaUrl{i}", "").startswith("https://")
    )
    return InboundSms(
        message_sid=sid, phone=fields["From"], body=fields.get("Body", ""), media=media
    )


def _cannot_wait(session: Session, keyring: Keyring, sms: InboundSms, policy: SmsPolicy) -> bool:
    """A keyword, danger or self-harm words, or an answer to the danger question."""
    if keyword(sms.body, safe_word=policy.safe_word) is not None:
        return True
    if mentions_danger(sms.body) or mentions_self_harm(sms.body):
        return True
    return current_step(session, keyring=keyring, phone=sms.phone) is Step.DANGER


def take_text(
    unit: Unit,
    *,
    sms: InboundSms,
    payload: dict[str, Any],
    policy: SmsPolicy,
    render: Render,
    queue: bool = False,
) -> str:
    """Take one inbound text once; returns the rendered answer (the first one on a retry).

    With ``queue`` a text that can wait is only stored: the answer is empty and its replies
    go out through the outbox once ``handle_waiting`` has handled it.
    """
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
    if queue and not _cannot_wait(session, keyring, sms, policy):
        return render([])  # handled by the sms.inbox job; its replies go through the outbox
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


@dataclass(frozen=True)
class TextToTake:
    """One inbound text of a group taken together (``take_texts``), with the webhook's form."""

    sms: InboundSms
    payload: dict[str, Any]


def take_texts(
    unit: Unit,
    texts: Sequence[TextToTake],
    *,
    policy: SmsPolicy,
    render: Render,
    queue: bool = False,
) -> list[str | DomainError]:
    """Take several inbound texts in one transaction, in the order they came (a group
    commit, as ``casework.intake.channels.take_reports``): each one's answer, or why it was
    refused (having written nothing). Any other error fails the whole group and the caller
    takes each text again on its own."""
    answers: list[str | DomainError] = []
    for text in texts:
        try:
            answers.append(
                take_text(
                    unit,
                    sms=text.sms,
                    payload=text.payload,
                    policy=policy,
                    render=render,
                    queue=queue,
                )
            )
        except DomainError as refused:
            answers.append(refused)
    return answers


def handle_waiting(
    db: Transactions, *, keyring: Keyring, clock: Clock, policy: SmsPolicy, limit: int
) -> int:
    """Handle texts stored but not handled yet, oldest first, one transaction each; their
    replies are queued in the outbox. Returns how many were taken from the inbox."""
    done = 0
    for _ in range(limit):
        if not db.run(
            lambda s: _handle_next(s, keyring=keyring, clock=clock, policy=policy), write=True
        ):
            break
        done += 1
    return done


def _handle_next(session: Session, *, keyring: Keyring, clock: Clock, policy: SmsPolicy) -> bool:
    row = next_waiting(session, channel=Channel.SMS)
    if row is None:
        return False
    fields = read_inbound_payload(session, keyring=keyring, message=row) or {}
    sms = inbound_from_fields({k: str(v) for k, v in fields.items()})
    if sms is None:  # stored by the webhook, so it parsed then; never expected
        mark_failed(row, now=clock.now())
        return True
    # The text's clocks start when the child sent it, not when it was handled.
    handled = receive(
        session, keyring=keyring, clock=FixedClock(row.received_at), sms=sms, policy=policy
    )
    case_key = keyring.case_key(session, handled.case_id) if handled.case_id else None
    if handled.replies:
        queue_replies(
            session, keyring=keyring, phone=sms.phone, replies=handled.replies, now=clock.now()
        )
    complete_inbound(
        session,
        keyring=keyring,
        message=row,
        case_key=case_key,
        report_id=handled.report_id,
        response=None,
        now=clock.now(),
    )
    return True


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
