"""Whole SMS conversations, as a child would have them, on both databases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.cases.models import Case
from casework.clock import FixedClock
from casework.enums import ContactMethod, Danger, Priority
from casework.i18n import translate
from casework.intake.inbox import RETRY_WINDOW, forget_after_retry_window
from casework.intake.models import Report
from casework.messages.models import CaseMessage, Direction
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.protection.fields import open_text
from casework.protection.keys import Keyring
from casework.sms import texts
from casework.sms.models import SmsConversation, Step
from casework.sms.service import queue_text_to_reporter
from hotline.runtime.database import Database
from tests.factories.sms import replies, signed_post, sms_params, text
from tests.helpers import content, count

UK, BG, JP = "+447400123456", "+359888123456", "+819012345678"


def _case(db: Database) -> Case:
    return db.run(lambda s: s.scalars(select(Case)).one(), write=False)


def _report(db: Database) -> Report:
    return db.run(lambda s: s.scalars(select(Report)).one(), write=False)


def _conversation(db: Database) -> SmsConversation:
    return db.run(lambda s: s.scalars(select(SmsConversation)).one(), write=False)


def _outbox(db: Database, kind: OutboxKind) -> list[OutboxMessage]:
    return db.run(
        lambda s: list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))),
        write=False,
    )


def _queue(
    db: Database, keyring: Keyring, clock: FixedClock, body: str = "Hello from your caseworker."
):  # type: ignore[no-untyped-def]
    return db.run(
        lambda s: queue_text_to_reporter(
            s, keyring=keyring, case=s.scalars(select(Case)).one(), body=body, now=clock.now()
        ),
        write=True,
    )


def test_a_whole_conversation_in_english(
    sms_client: TestClient, db: Database, keyring: Keyring
) -> None:
    # The first text tells what happened: the next question is where, not "what happened?".
    assert text(sms_client, UK, "My teacher hit me with a ruler") == [
        translate("en", texts.ASK_WHERE)
    ]
    # The case exists from the first text: a child who stops answering is still seen.
    assert _case(db).reference
    assert _case(db).priority is Priority.P2  # a teacher, from the words: authority
    assert text(sms_client, UK, "Central High School") == [translate("en", texts.ASK_DANGER)]
    assert text(sms_client, UK, "no") == [translate("en", texts.ASK_CONSENT)]
    (done,) = text(sms_client, UK, "yes")

    case, report = _case(db), _report(db)
    reference = re.search(r"HX-[0-9A-Z]{4}-[0-9A-Z]{3}", done)
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done)
    assert reference
    assert code
    assert reference.group() == case.reference
    assert case.priority is Priority.P2  # corporal punishment by a teacher, from the words
    assert case.school_id is not None  # "Central High School" found in the directory
    assert case.region_id is not None
    assert report.immediate_danger is Danger.NO
    assert report.contact_method is ContactMethod.SMS
    opened = content(db, keyring, report)
    assert "ruler" in opened.narrative
    assert (opened.place, opened.contact_phone) == ("Central High School", UK)
    follow_up = sms_client.post(
        "/api/v1/follow-up", json={"reference": reference.group(), "code": code.group()}
    )
    assert follow_up.status_code == 200
    # Once intake is done, every text goes to the caseworkers.
    assert text(sms_client, UK, "He did it again today") == [translate("en", texts.RECEIVED)]
    assert _conversation(db).step is Step.OPEN
    assert count(db, Report) == 1
    inbound = db.run(
        lambda s: s.scalar(
            select(CaseMessage)
            .where(CaseMessage.direction == Direction.INBOUND)
            .order_by(CaseMessage.created_at.desc(), CaseMessage.id.desc())
        ),
        write=False,
    )
    assert inbound is not None


def test_the_code_sent_at_the_end_is_kept_only_for_a_retry_then_forgotten(
    sms_client: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    for answer in ("Someone takes my things", "3", "school", "no"):  # a short story: "what?"
        text(sms_client, UK, answer)
    last = sms_params(UK, "yes")
    (done,) = replies(signed_post(sms_client, "/twilio/sms", last).text)
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done)
    assert code

    def message_texts(s) -> list[str]:  # type: ignore[no-untyped-def]
        key = keyring.case_key(s, s.scalars(select(Case.id)).one())
        return [
            open_text(key, table="case_message", column="body", row_id=m.id, ciphertext=m.body_ct)
            for m in s.scalars(select(CaseMessage))
        ]

    kept = db.run(message_texts, write=False)
    assert any("****" in body for body in kept)  # the caseworker sees that a code was sent
    assert all(code.group() not in body for body in kept)
    # A retry by Twilio within the window gets the same answer, code included...
    assert replies(signed_post(sms_client, "/twilio/sms", last).text) == [done]

    clock.advance(RETRY_WINDOW + dt.timedelta(minutes=1))
    assert db.run(lambda s: forget_after_retry_window(s, now=clock.now()), write=True) > 0
    # ...after it, nothing holds the code but its hash.
    assert replies(signed_post(sms_client, "/twilio/sms", last).text) == []


def test_a_retry_after_stop_or_the_safe_word_gets_no_answer(sms_client: TestClient) -> None:
    first = sms_params(UK, "My teacher hits us")
    assert replies(signed_post(sms_client, "/twilio/sms", first).text)
    text(sms_client, UK, "BANANA")  # the safe word

    assert replies(signed_post(sms_client, "/twilio/sms", first).text) == []


def test_a_picture_without_words_does_not_answer_a_question(
    sms_client: TestClient, db: Database
) -> None:
    for answer in ("Someone takes my things", "3", "school"):
        text(sms_client, UK, answer)
    picture = (
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg"),
    )

    asked_again = text(sms_client, UK, "", media=picture)

    assert asked_again == [translate("en", texts.ASK_DANGER)]
    assert _conversation(db).step is Step.DANGER
    text(sms_client, UK, "no")  # the question is still open, and this answers it
    assert _report(db).immediate_danger is Danger.NO


def test_a_whole_conversation_in_bulgarian_with_danger(
    sms_client: TestClient, db: Database
) -> None:
    assert text(sms_client, BG, "Съученици ме бият всеки ден") == [translate("bg", texts.ASK_WHERE)]
    text(sms_client, BG, "пред училището")
    danger = text(sms_client, BG, "да")
    assert danger == [
        translate("bg", texts.EMERGENCY, emergency="112"),
        translate("bg", texts.ASK_CONSENT),
    ]
    (done,) = text(sms_client, BG, "не")

    assert done.startswith("Благодарим ти")
    assert _case(db).priority is Priority.P1
    assert _case(db).language == "bg"
    assert len(_outbox(db, OutboxKind.ALERT)) == 1
    assert not _conversation(db).consented
    assert _report(db).contact_method is ContactMethod.FOLLOW_UP_ONLY


def test_the_language_is_asked_when_the_phone_does_not_tell(sms_client: TestClient) -> None:
    assert text(sms_client, JP, "hello") == [translate("en", texts.ASK_LANGUAGE)]
    assert text(sms_client, JP, "2") == [translate("fr", texts.ASK_WHAT)]


def test_a_danger_word_mid_conversation_makes_it_p1_at_once(
    sms_client: TestClient, db: Database
) -> None:
    text(sms_client, UK, "My stepdad is angry")
    assert _case(db).priority is Priority.P2  # a carer, from the words: authority

    answer = text(sms_client, UK, "at home, he has a knife")

    assert answer[0] == translate("en", texts.EMERGENCY, emergency="112")
    assert _case(db).priority is Priority.P1
    (alert,) = _outbox(db, OutboxKind.ALERT)
    assert alert.status is OutboxStatus.PENDING
    assert alert.case_id is None  # the alert carries the reference only, no words of the child


def test_he_wont_stop_is_a_report_not_an_opt_out(sms_client: TestClient, db: Database) -> None:
    assert text(sms_client, UK, "He won't stop hitting me") == [translate("en", texts.ASK_WHERE)]

    assert _conversation(db).opted_out_at is None
    assert count(db, Report) == 1


def test_stop_and_start(
    sms_client: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    for answer in ("Someone bullies me online", "online", "no", "yes"):
        text(sms_client, UK, answer)
    queued = _queue(db, keyring, clock)
    assert queued is not None

    assert text(sms_client, UK, "STOP") == []  # Twilio confirms opt-outs itself
    assert _conversation(db).opted_out_at is not None
    assert {m.status for m in _outbox(db, OutboxKind.SMS)} == {OutboxStatus.CANCELLED}
    assert _queue(db, keyring, clock) is None  # no more texts
    assert text(sms_client, UK, "but I still need help") == []  # kept, not answered

    assert text(sms_client, UK, "start") == [translate("en", texts.RESTARTED, safe_word="BANANA")]
    assert _queue(db, keyring, clock) is not None


def test_help_explains_the_line_in_the_childs_language(sms_client: TestClient) -> None:
    assert text(sms_client, BG, "HELP") == [
        translate("bg", texts.HELP, safe_word="BANANA", emergency="112")
    ]
    # "help me" is not the keyword: it is a child asking for help.
    assert text(sms_client, BG, "help me") == [translate("bg", texts.ASK_WHAT)]


def test_the_safe_word_silences_the_phone_at_once(
    sms_client: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    for answer in ("My brother hits me", "home", "no", "yes"):
        text(sms_client, UK, answer)
    _queue(db, keyring, clock)

    assert text(sms_client, UK, "banana") == []

    conversation = _conversation(db)
    assert conversation.silenced_at is not None
    assert {m.status for m in _outbox(db, OutboxKind.SMS)} == {OutboxStatus.CANCELLED}
    assert _queue(db, keyring, clock) is None
    assert text(sms_client, UK, "HELP") == []  # someone else may be holding the phone
    assert text(sms_client, UK, "are you there") == []


def test_mms_pictures_are_queued_for_the_worker(sms_client: TestClient, db: Database) -> None:
    media = tuple(
        (
            (
                f"https://api.twilio.com/2010-04-01/Accounts/AC{'a1' * 16}"
                f"/Messages/MM{'0' * 32}/Media/ME{i:032d}"
            ),
            "image/jpeg",
        )
        for i in range(12)
    )
    text(sms_client, UK, "Look what they posted", media=media)

    jobs = _outbox(db, OutboxKind.MEDIA_FETCH)
    assert len(jobs) == 10  # at most ten per message, as Twilio sends
    assert {j.case_id for j in jobs} == {_case(db).id}


@pytest.mark.parametrize(
    "answers",
    [[], ["hello"], ["hello", "3"], ["hello", "3", "school"], ["hello", "3", "school", "no"]],
)
def test_never_text_a_child_before_they_agreed(
    sms_client: TestClient, db: Database, keyring: Keyring, clock: FixedClock, answers: list[str]
) -> None:
    for answer in answers:
        text(sms_client, UK, answer)
    if not answers:
        sms_client.post(
            "/api/v1/reports",
            json={
                "category": "other",
                "narrative": "web report",
                "contact": {"method": "sms", "phone": UK},
            },
        )

    assert _queue(db, keyring, clock) is None
    assert _outbox(db, OutboxKind.SMS) == []
