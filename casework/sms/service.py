"""Receiving a text: keywords, the intake conversation, danger, media, and what to reply.

Everything a message causes happens in the webhook's one transaction: the case and report
(opened at the first message, so a child who stops answering is still seen), the answers,
a P1 and the on-duty alert when someone is in danger, the jobs that fetch pictures. What to
say back is returned; the caller answers with it at once (TwiML).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field, replace

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.actors import REPORTER
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.service import raise_priority
from casework.clock import Clock, FixedClock
from casework.enums import Channel, ContactMethod, Danger, PerpetratorRole, Priority
from casework.errors import DataErased, InvalidInput
from casework.i18n import translate
from casework.ids import new_id
from casework.intake.models import Report
from casework.intake.schemas import ReportSubmission
from casework.intake.service import issue_follow_up, submit_report
from casework.messages.models import CaseMessage, Direction
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.outbox.service import cancel_to_phone, enqueue
from casework.phones import normalise_phone
from casework.protection.blind_index import phone_index
from casework.protection.fields import open_text, seal_text
from casework.protection.keys import Keyring, SealingKey
from casework.routing.oncall import raise_alarm
from casework.routing.placement import Where, move_case, place_from_words, reassess, settle
from casework.sms import texts
from casework.sms.conversation import Answer, answer, first_message, guess_language
from casework.sms.models import SmsConversation, Step
from casework.sms.words import REGION_LANGUAGE, Keyword, keyword
from casework.sql import insert_ignoring_conflict
from casework.taxonomy.repository import active_category_by_code
from casework.triage.story import read_story
from casework.triage.words import mentions_danger

MAX_MEDIA = 10
ALERT_AGAIN_AFTER = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class SmsPolicy:
    """The settings the SMS line follows."""

    safe_word: str
    emergency_number: str


@dataclass(frozen=True)
class InboundSms:
    """One text as the provider delivered it (location fields already dropped)."""

    message_sid: str
    phone: str
    body: str
    media: tuple[tuple[str, str], ...] = ()  # (url, content type)

    def __repr__(self) -> str:
        return f"InboundSms({self.message_sid}, {len(self.media)} media)"


@dataclass
class Handled:
    """What the caller needs after handling: the replies and what the message joined."""

    replies: list[str] = field(default_factory=list)
    case_id: uuid.UUID | None = None
    report_id: uuid.UUID | None = None

    def __repr__(self) -> str:
        return f"Handled({len(self.replies)} replies, case={self.case_id})"


_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def _sender_phone(raw: str) -> str:
    """The sender as E.164. The provider already gives E.164; a number the numbering plan
    calls invalid (a new range, a test range) is still a child's phone: never drop the text."""
    if _E164.match(raw):
        return raw
    try:
        return normalise_phone(raw, default_region=None)
    except InvalidInput:
        return raw.strip()[
            :32
        ]  # an alphanumeric sender: keep the text, there is no one to text back


def _language_of(phone: str) -> str | None:
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return None
    return REGION_LANGUAGE.get(region or "")


def _conversation(session: Session, index: bytes, now: dt.datetime) -> SmsConversation:
    """The phone's conversation, created if new, locked until the transaction ends.

    Messages from one phone are handled one after another; two arriving together cannot both
    start a case.
    """
    locked = (
        select(SmsConversation)
        .where(SmsConversation.phone_index == index)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    existing = session.scalars(locked).one_or_none()
    if existing is not None:
        return existing
    insert_ignoring_conflict(
        session,
        SmsConversation,
        {
            "id": new_id(),
            "phone_index": index,
            "step": Step.LANGUAGE,
            "consented": False,
            "last_inbound_at": now,
            "created_at": now,
        },
        ["phone_index"],
    )
    # New, or created by a message from the same phone that arrived at the same moment.
    return session.scalars(locked).one()


def _audit(
    session: Session,
    keyring: Keyring,
    action: AuditAction,
    conversation: SmsConversation,
    details: dict[str, object],
    now: dt.datetime,
    case_key: SealingKey | None = None,
) -> None:
    record_event(
        session,
        keyring=keyring,
        action=action,
        actor=REPORTER,
        object_type="sms_conversation",
        object_id=str(conversation.id),
        case_key=case_key,
        details=details,
        now=now,
    )


def receive(
    session: Session, *, keyring: Keyring, clock: Clock, sms: InboundSms, policy: SmsPolicy
) -> Handled:
    """Handle one inbound text; returns what to reply (nothing for STOP and the safe word)."""
    now = clock.now()
    phone = _sender_phone(sms.phone)
    index = phone_index(session, keyring, phone)
    conversation = _conversation(session, index, now)
    conversation.last_inbound_at = now
    language = conversation.language or _language_of(phone) or "en"
    handled = _command(
        session,
        keyring=keyring,
        conversation=conversation,
        index=index,
        sms=sms,
        policy=policy,
        language=language,
        now=now,
    )
    if handled is not None:
        return handled
    return _message(
        session,
        keyring=keyring,
        conversation=conversation,
        phone=phone,
        sms=sms,
        policy=policy,
        now=now,
    )


def _command(
    session: Session,
    *,
    keyring: Keyring,
    conversation: SmsConversation,
    index: bytes,
    sms: InboundSms,
    policy: SmsPolicy,
    language: str,
    now: dt.datetime,
) -> Handled | None:
    """Handle a whole-message keyword; None when the text is not one."""
    command = keyword(sms.body, safe_word=policy.safe_word)
    if command is Keyword.SAFE_WORD:
        # Someone else may be looking at the phone: not one more message, from now on.
        conversation.silenced_at = now
        cancelled = cancel_to_phone(session, index)
        _audit(
            session, keyring, AuditAction.SMS_SILENCED, conversation, {"cancelled": cancelled}, now
        )
        return Handled()
    if command is Keyword.STOP:
        conversation.opted_out_at = now
        cancelled = cancel_to_phone(session, index)
        _audit(
            session, keyring, AuditAction.SMS_OPTED_OUT, conversation, {"cancelled": cancelled}, now
        )
        return Handled()  # the provider confirms opt-outs itself
    if command is Keyword.START:
        conversation.opted_out_at = None
        conversation.silenced_at = None
        _audit(session, keyring, AuditAction.SMS_OPTED_IN, conversation, {}, now)
        return Handled([translate(language, texts.RESTARTED, safe_word=policy.safe_word)])
    if command is Keyword.HELP:
        if not conversation.may_receive:
            return Handled()
        return Handled(
            [
                translate(
                    language,
                    texts.HELP,
                    safe_word=policy.safe_word,
                    emergency=policy.emergency_number,
                )
            ]
        )
    return None


def _open_case(session: Session, conversation: SmsConversation) -> Case | None:
    """The conversation's open case, locked: staff may be changing it at this moment."""
    if conversation.case_id is None:
        return None
    case = session.scalars(
        select(Case)
        .where(Case.id == conversation.case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if case is None or case.status.value == "closed":
        return None
    return case


def _message(
    session: Session,
    *,
    keyring: Keyring,
    conversation: SmsConversation,
    phone: str,
    sms: InboundSms,
    policy: SmsPolicy,
    now: dt.datetime,
) -> Handled:
    case = _open_case(session, conversation)
    case_key = keyring.case_key_if_readable(session, case.id) if case else None
    if case is None or case_key is None:
        case, case_key, replies_from = _new_case(
            session, keyring=keyring, conversation=conversation, phone=phone, sms=sms, now=now
        )
    else:
        replies_from = answer(
            conversation.step,
            sms.body,
            told=conversation.told,
            asked_again=conversation.asked_again,
        )
        _apply(
            session,
            keyring=keyring,
            conversation=conversation,
            case=case,
            case_key=case_key,
            phone=phone,
            result=replies_from,
            now=now,
        )
    report_id = conversation.report_id
    if report_id is None:  # set together with the case above
        raise RuntimeError("conversation without its report")
    language = conversation.language or "en"
    message_id = _record_message(
        session, case_key, Direction.INBOUND, sms.body, sms.message_sid, now
    )
    for url, content_type in sms.media[:MAX_MEDIA]:
        enqueue(
            session,
            keyring=keyring,
            kind=OutboxKind.MEDIA_FETCH,
            payload={"url": url, "content_type": content_type, "message_id": str(message_id)},
            case_key=case_key,
            now=now,
        )
    replies: list[str] = []
    if mentions_danger(sms.body) or replies_from.danger is Danger.YES:
        replies.append(translate(language, texts.EMERGENCY, emergency=policy.emergency_number))
        _danger(session, keyring=keyring, conversation=conversation, case=case, now=now)
    replies += [translate(language, text) for text in replies_from.ask]
    kept = list(replies)
    if replies_from.complete:
        code = issue_follow_up(session, case_id=case.id, report_id=report_id, now=now)
        replies.append(translate(language, texts.DONE, reference=case.reference, code=code))
        # The code is kept only as a hash, and in the inbox's sealed answer for a provider's
        # retry until the retry window ends (casework.intake.inbox.RETRY_WINDOW).
        kept.append(translate(language, texts.DONE, reference=case.reference, code="****"))
    for reply in kept:
        _record_message(session, case_key, Direction.OUTBOUND, reply, None, now)
    _audit(
        session,
        keyring,
        AuditAction.SMS_RECEIVED,
        conversation,
        {"message_sid": sms.message_sid, "step": conversation.step.value, "media": len(sms.media)},
        now,
        case_key=case_key,
    )
    if not conversation.may_receive:
        replies = []  # silenced or opted out: the message is kept, nothing goes back
    return Handled(replies, case.id, report_id)


def _new_case(
    session: Session,
    *,
    keyring: Keyring,
    conversation: SmsConversation,
    phone: str,
    sms: InboundSms,
    now: dt.datetime,
) -> tuple[Case, SealingKey, Answer]:
    """The first text of a conversation (or the first after its case closed) opens a case,
    triaged and routed on what its words say: who did it, what happened, which school."""
    language = _language_of(phone)
    if language is None and guess_language(sms.body) == "bg":
        language = "bg"  # Cyrillic letters: no need to ask
    step = first_message(sms.body, language=language)
    story = read_story(sms.body)
    receipt = submit_report(
        session,
        submission=ReportSubmission(
            channel=Channel.SMS,
            language=language or "en",
            category=story.category or "other",
            narrative=sms.body if sms.body.strip() else "(picture)",
            perpetrator_role=story.perpetrator_role,
        ),
        follow_up=None,
        clock=FixedClock(now),  # every row of one message agrees on the time
        keyring=keyring,
        place_words=sms.body,
    )
    case = session.get_one(Case, receipt.case_id)
    case_key = keyring.case_key(session, case.id)
    if receipt.on_call_alerted:  # routing texted on-call already: not twice
        conversation.danger_alerted_at = now
    conversation.case_id, conversation.report_id = case.id, receipt.report_id
    conversation.step = step.next_step
    conversation.language = step.language
    conversation.consented = False
    conversation.told = step.told
    conversation.asked_again = False
    conversation.phone_ct = seal_text(
        case_key, table="sms_conversation", column="phone", row_id=conversation.id, text=phone
    )
    return case, case_key, step


def _apply(
    session: Session,
    *,
    keyring: Keyring,
    conversation: SmsConversation,
    case: Case,
    case_key: SealingKey,
    phone: str,
    result: Answer,
    now: dt.datetime,
) -> None:
    """Write what an answer changes onto the conversation, the report and the case: its words,
    where it happened (a school named moves the case to its region), who did it and what
    happened as the words tell, whether someone is in danger, and whether we may text back."""
    conversation.step = result.next_step
    conversation.asked_again = result.asked_again
    conversation.told = conversation.told or result.told
    relanguaged = bool(result.language) and result.language != case.language
    if result.language:
        conversation.language = result.language
        case.language = result.language
    if conversation.step is Step.OPEN and result.words and not result.complete:
        return  # after intake, words are messages to the caseworkers, not the report
    was = case.priority
    report = session.get_one(Report, conversation.report_id)
    if result.language:
        report.language = result.language
    if result.words:
        earlier = open_text(
            case_key,
            table="report",
            column="narrative",
            row_id=report.id,
            ciphertext=report.narrative_ct,
        )
        report.narrative_ct = seal_text(
            case_key,
            table="report",
            column="narrative",
            row_id=report.id,
            text=f"{earlier}\n{result.words}",
        )
    if result.place:
        report.place_ct = seal_text(
            case_key, table="report", column="place", row_id=report.id, text=result.place[:200]
        )
    moved = _place(session, keyring=keyring, case=case, report=report, result=result, now=now)
    # Re-routed when who may have it changed (a school, the accused's role, the language
    # it is in), and the on-call rota woken if it became urgent with nobody on it.
    settle(
        session,
        keyring=keyring,
        case=case,
        moved=moved or relanguaged,
        was=was,
        actor=REPORTER,
        now=now,
    )
    if result.danger is not None:
        report.immediate_danger = result.danger
    if result.consent is not None:
        conversation.consented = result.consent
        if result.consent:
            report.contact_method = ContactMethod.SMS
            report.phone_ct = seal_text(
                case_key, table="report", column="phone", row_id=report.id, text=phone
            )
            report.phone_index = conversation.phone_index
    session.flush()


def _place(
    session: Session,
    *,
    keyring: Keyring,
    case: Case,
    report: Report,
    result: Answer,
    now: dt.datetime,
) -> bool:
    """What the answer says about where the case belongs: the category chosen by number (or
    read in the words), the alleged perpetrator's role in the words, the school named; then
    the case is triaged again (the priority only rises). True when who may have it changed."""
    where = Where.of(case)
    story = read_story(result.words or "")
    chosen = result.category or story.category
    if chosen and (result.category or where.category_id == _category_id(session, "other")):
        category_id = _category_id(session, chosen)
        if category_id is not None:
            where = replace(where, category_id=category_id)
    if where.perpetrator_role is PerpetratorRole.UNKNOWN:
        where = replace(where, perpetrator_role=story.perpetrator_role)
    moved = move_case(session, keyring=keyring, case=case, to=where, actor=REPORTER, now=now)
    words = result.place or result.words
    if words:
        moved = (
            place_from_words(
                session,
                keyring=keyring,
                case=case,
                text=words,
                actor=REPORTER,
                now=now,
                answer=result.place is not None,
            )
            or moved
        )
    report.category_id, report.perpetrator_role = case.category_id, case.perpetrator_role
    report.school_id, report.region_id = case.school_id, case.region_id
    reassess(session, case=case, actor=REPORTER, now=now)
    return moved


def _category_id(session: Session, code: str) -> int | None:
    category = active_category_by_code(session, code)
    return category.id if category is not None else None


def _danger(
    session: Session,
    *,
    keyring: Keyring,
    conversation: SmsConversation,
    case: Case,
    now: dt.datetime,
) -> None:
    """P1 at once, the on-call rota texted and the case's owner told (not more than once
    every few minutes)."""
    raise_priority(
        session, case=case, to=Priority.P1, factors=["immediate_danger"], actor=REPORTER, now=now
    )
    case.triage_factors = sorted({*(case.triage_factors or []), "immediate_danger"})
    last = conversation.danger_alerted_at
    if last is not None and now - last < ALERT_AGAIN_AFTER:
        return
    conversation.danger_alerted_at = now
    raise_alarm(session, keyring=keyring, case=case, why="the child says so", now=now)


def _record_message(
    session: Session,
    case_key: SealingKey,
    direction: Direction,
    text: str,
    provider_id: str | None,
    now: dt.datetime,
) -> uuid.UUID:
    message_id = new_id()
    session.add(
        CaseMessage(
            id=message_id,
            case_id=case_key.case_id,
            direction=direction,
            channel=Channel.SMS,
            body_ct=seal_text(
                case_key, table="case_message", column="body", row_id=message_id, text=text
            ),
            provider_message_id=provider_id,
            created_at=now,
        )
    )
    return message_id


def reporter_phone(session: Session, *, keyring: Keyring, conversation: SmsConversation) -> str:
    """The phone to text (raises DataErased once the case was erased)."""
    if conversation.phone_ct is None or conversation.case_id is None:
        raise DataErased("no phone kept for this conversation")
    key = keyring.case_key(session, conversation.case_id)
    return open_text(
        key,
        table="sms_conversation",
        column="phone",
        row_id=conversation.id,
        ciphertext=conversation.phone_ct,
    )


def may_text(conversation: SmsConversation | None) -> bool:
    """Never text a child first: only an existing conversation that agreed and did not stop."""
    return conversation is not None and conversation.consented and conversation.may_receive


def queue_text_to_reporter(
    session: Session, *, keyring: Keyring, case: Case, body: str, now: dt.datetime
) -> uuid.UUID | None:
    """Queue a text to a case's reporter if, and only if, they may be texted; returns its id."""
    conversation = session.scalars(
        select(SmsConversation).where(SmsConversation.case_id == case.id)
    ).first()
    if conversation is None or not may_text(conversation):
        return None
    case_key = keyring.case_key(session, case.id)
    phone = reporter_phone(session, keyring=keyring, conversation=conversation)
    outbox_id = enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.SMS,
        payload={"to": phone, "body": body},
        case_key=case_key,
        phone_index=conversation.phone_index,
        now=now,
    )
    message_id = _record_message(session, case_key, Direction.OUTBOUND, body, None, now)
    session.flush()
    session.get_one(CaseMessage, message_id).outbox_id = outbox_id
    return outbox_id


def opt_out_by_outbox(session: Session, outbox_id: uuid.UUID, *, now: dt.datetime) -> bool:
    """The provider reports the phone of one of our texts opted out: remember it."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None or row.phone_index is None:
        return False
    conversation = session.scalars(
        select(SmsConversation).where(SmsConversation.phone_index == row.phone_index)
    ).first()
    if conversation is None:
        return False
    conversation.opted_out_at = conversation.opted_out_at or now
    cancel_to_phone(session, row.phone_index)
    return True


def may_answer_again(session: Session, *, keyring: Keyring, phone: str) -> bool:
    """Whether a provider's retry may be answered as before: not after STOP or the safe word."""
    conversation = conversation_for_phone(
        session, phone_index(session, keyring, _sender_phone(phone))
    )
    return conversation is None or conversation.may_receive


def current_step(session: Session, *, keyring: Keyring, phone: str) -> Step | None:
    """Where a phone's conversation stands (None before its first text); reads one row."""
    index = phone_index(session, keyring, _sender_phone(phone))
    found: Step | None = session.scalar(
        select(SmsConversation.step).where(SmsConversation.phone_index == index)
    )
    return found


def queue_replies(
    session: Session, *, keyring: Keyring, phone: str, replies: list[str], now: dt.datetime
) -> list[uuid.UUID]:
    """Queue the replies to a text handled after its webhook answered (in order, each a
    text marked as a reply: it may go to a phone that has not agreed to be texted later, as
    the webhook's own answer could, but never after STOP or the safe word)."""
    sender = _sender_phone(phone)
    if not _E164.match(sender):
        return []  # an alphanumeric sender: there is no one to text back
    index = phone_index(session, keyring, sender)
    conversation = conversation_for_phone(session, index)
    if conversation is None or not conversation.may_receive:
        return []
    key = keyring.case_key(session, conversation.case_id) if conversation.case_id else None
    queued = []
    for n, body in enumerate(replies):
        queued.append(
            enqueue(
                session,
                keyring=keyring,
                kind=OutboxKind.SMS,
                payload={"to": sender, "body": body, "reply": True},
                case_key=key,
                phone_index=index,
                # A second reply is due a moment after the first, so they arrive in order.
                now=now + dt.timedelta(milliseconds=n),
            )
        )
    return queued


def conversation_for_phone(session: Session, phone_index_value: bytes) -> SmsConversation | None:
    """The conversation a phone (blind index) has with us, if any."""
    return session.scalars(
        select(SmsConversation).where(SmsConversation.phone_index == phone_index_value)
    ).first()
