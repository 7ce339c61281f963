"""Linking reports: a later message joins its case, the same phone suggests a link, and the
same person named at the same school three times raises a pattern alert.

Names are never stored in clear: each mention keeps the name sealed under its case key and a
keyed blind index of its normalised form, so counting needs no decryption and a copy of the
database cannot be searched for a name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata
import uuid
from typing import Final

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from casework.actors import REPORTER, SYSTEM
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.service import NewEvent, append_events, raise_priority
from casework.enums import CaseEventKind, CaseStatus, Channel, Priority
from casework.errors import InvalidInput
from casework.ids import new_id
from casework.intake.models import Report
from casework.linking.models import CaseLink, PatternAlert, PersonMention
from casework.messages.models import CaseMessage, Direction
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.places.models import School
from casework.protection.fields import seal_text
from casework.protection.keys import Keyring
from casework.routing.service import alert_on_call, region_supervisors
from casework.sql import insert_ignoring_conflict
from casework.text import has_control_characters
from casework.triage.words import mentions_danger, mentions_self_harm

SAME_PHONE_WINDOW: Final = dt.timedelta(days=30)
PATTERN_AT: Final = 3  # distinct cases naming the same person at the same school
MAX_NAME = 120
MAX_MESSAGE = 4000
# Letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED: Final = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "\u0131": "i", "ħ": "h"}
)
# Words that say who someone is rather than which one (Mr Smith = Smith).
_TITLES: Final = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam", "teacher", "coach", "prof", "m", "mme"}
)


def normalise_name(name: str) -> str:
    """A name as compared: accents and case folded, punctuation and titles dropped, words
    sorted ("Mr. Jean-Luc DUPONT" = "dupont jean luc")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_UNDECOMPOSED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in bare).split()
    return " ".join(sorted(w for w in words if w not in _TITLES))


def name_index(session: Session, keyring: Keyring, normalised: str) -> bytes:
    """The blind index of a normalised name."""
    key = keyring.purpose_key(session, "blind-index/person")
    return hmac.new(key.secret, normalised.encode(), hashlib.sha256).digest()


def check_name(name: str | None) -> str | None:
    """A named person as given (None when nothing usable), or InvalidInput."""
    if name is None or not name.strip():
        return None
    text = name.strip()
    if len(text) > MAX_NAME or has_control_characters(text):
        raise InvalidInput("perpetrator_name", f"Give a name of up to {MAX_NAME} characters.")
    return text if normalise_name(text) else None


def cases_naming(session: Session, keyring: Keyring, *, school_id: int, name: str) -> int:
    """How many cases already name this person at this school (before a new mention is
    recorded; the school row is locked so counts and inserts at one school go one by one)."""
    normalised = normalise_name(name)
    if not normalised:
        return 0
    session.scalar(select(School.id).where(School.id == school_id).with_for_update())
    index = name_index(session, keyring, normalised)
    found = session.scalar(
        select(func.count(distinct(PersonMention.case_id))).where(
            PersonMention.school_id == school_id, PersonMention.name_index == index
        )
    )
    return int(found or 0)


def _suggest(
    session: Session, case: Case, others: list[uuid.UUID], reason: str, now: dt.datetime
) -> list[uuid.UUID]:
    """Record suggested links both ways; the ones that were new."""
    added: list[uuid.UUID] = []
    for other in others:
        first = insert_ignoring_conflict(
            session,
            CaseLink,
            {"case_id": case.id, "other_case_id": other, "reason": reason, "created_at": now},
            ["case_id", "other_case_id"],
        )
        insert_ignoring_conflict(
            session,
            CaseLink,
            {"case_id": other, "other_case_id": case.id, "reason": reason, "created_at": now},
            ["case_id", "other_case_id"],
        )
        if first:
            added.append(other)
    if added:
        append_events(
            session,
            case=case,
            now=now,
            events=[
                NewEvent(
                    CaseEventKind.LINK_SUGGESTED,
                    SYSTEM,
                    {"reason": reason, "cases": [str(o) for o in added]},
                )
            ],
        )
    return added


def suggest_same_phone(
    session: Session, *, case: Case, phone_index: bytes, now: dt.datetime
) -> list[uuid.UUID]:
    """Other cases with a report from the same phone in the last 30 days: suggested links."""
    others = list(
        session.scalars(
            select(Report.case_id)
            .distinct()
            .where(
                Report.phone_index == phone_index,
                Report.case_id != case.id,
                Report.received_at >= now - SAME_PHONE_WINDOW,
            )
        )
    )
    return _suggest(session, case, sorted(others), "same_phone", now)


def record_mention(
    session: Session,
    *,
    keyring: Keyring,
    case: Case,
    name: str,
    region_supervisors: list[uuid.UUID],
    now: dt.datetime,
) -> int:
    """A report names someone at the case's school: keep the mention, suggest links to the
    other cases naming them, and at the third case raise the pattern alert (once).

    Returns how many other cases name the same person there. Mentions at one school are
    counted one at a time (the school row is locked), so two reports arriving together
    cannot both miss the third.
    """
    if case.school_id is None:
        return 0
    normalised = normalise_name(name)
    if not normalised:
        return 0
    session.scalar(select(School.id).where(School.id == case.school_id).with_for_update())
    index = name_index(session, keyring, normalised)
    mention_id = new_id()
    session.add(
        PersonMention(
            id=mention_id,
            name_index=index,
            school_id=case.school_id,
            case_id=case.id,
            name_ct=seal_text(
                keyring.case_key(session, case.id),
                table="person_mention",
                column="name",
                row_id=mention_id,
                text=name,
            ),
            created_at=now,
        )
    )
    session.flush()
    cases = sorted(
        session.scalars(
            select(PersonMention.case_id)
            .distinct()
            .where(PersonMention.name_index == index, PersonMention.school_id == case.school_id)
        )
    )
    others = [c for c in cases if c != case.id]
    _suggest(session, case, others, "same_person", now)
    if len(cases) >= PATTERN_AT:
        _raise_pattern(session, keyring, case, index, cases, region_supervisors, now)
    return len(others)


def _raise_pattern(
    session: Session,
    keyring: Keyring,
    case: Case,
    index: bytes,
    cases: list[uuid.UUID],
    supervisors: list[uuid.UUID],
    now: dt.datetime,
) -> None:
    raised = insert_ignoring_conflict(
        session,
        PatternAlert,
        {"name_index": index, "school_id": case.school_id, "raised_at": now},
        ["name_index", "school_id"],
    )
    if not raised:
        return
    channels = sorted(
        {
            c.value
            for c in session.scalars(
                select(Report.channel).distinct().where(Report.case_id.in_(cases))
            )
        }
    )
    data: dict[str, object] = {
        "cases": [str(c) for c in cases],
        "school": case.school_id,
        "channels": channels,
    }
    append_events(
        session, case=case, now=now, events=[NewEvent(CaseEventKind.PATTERN_ALERT, SYSTEM, data)]
    )
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.PATTERN_ALERT,
        actor=SYSTEM,
        object_type="case",
        object_id=str(case.id),
        case_key=keyring.case_key(session, case.id),
        details=data,
        now=now,
    )
    enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.STAFF_NOTICE,
        payload={
            "to": [str(s) for s in supervisors],
            "kind": "pattern_alert",
            "case": str(case.id),
            "text": (
                f"Pattern: {len(cases)} reports name the same person at the same school "
                f"(latest {case.reference}; channels: {', '.join(channels)})."
            ),
        },
        now=now,
    )


def add_reporter_message(
    session: Session,
    *,
    keyring: Keyring,
    case_id: uuid.UUID,
    channel: Channel,
    text: str,
    now: dt.datetime,
) -> uuid.UUID:
    """A reporter who proved their code writes again: the message joins the case."""
    body = text.strip()
    if not body or len(body) > MAX_MESSAGE or has_control_characters(body):
        raise InvalidInput("message", f"Write a message of 1 to {MAX_MESSAGE} characters.")
    case = session.get_one(Case, case_id)
    message_id = new_id()
    key = keyring.case_key(session, case.id)
    session.add(
        CaseMessage(
            id=message_id,
            case_id=case.id,
            direction=Direction.INBOUND,
            channel=channel,
            body_ct=seal_text(
                key, table="case_message", column="body", row_id=message_id, text=body
            ),
            created_at=now,
        )
    )
    data: dict[str, object] = {"message": str(message_id), "channel": channel.value}
    append_events(
        session,
        case=case,
        now=now,
        events=[NewEvent(CaseEventKind.MESSAGE_RECEIVED, REPORTER, data)],
    )
    danger, self_harm = mentions_danger(body), mentions_self_harm(body)
    if danger or self_harm:
        factors = ["danger_words"] if danger else ["self_harm"]
        raise_priority(
            session,
            case=case,
            to=Priority.P1 if danger else Priority.P2,
            factors=factors,
            actor=REPORTER,
            now=now,
        )
        case.triage_factors = sorted({*(case.triage_factors or []), *factors})
    if danger:
        alert_on_call(session, keyring=keyring, case=case, why="new message: danger", now=now)
    # Someone must read it: the owner, or the region's supervisors (a closed case included).
    owner = [case.assigned_to_id] if case.assigned_to_id else []
    enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.STAFF_NOTICE,
        payload={
            "to": [str(u) for u in owner or region_supervisors(session, case)],
            "kind": "message_received",
            "case": str(case.id),
            "text": f"New message from the reporter of {case.reference}"
            + (f" ({case.status.value})." if case.status is CaseStatus.CLOSED else "."),
        },
        now=now,
    )
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.CASE_MESSAGE_RECEIVED,
        actor=REPORTER,
        object_type="case",
        object_id=str(case.id),
        case_key=key,
        details=data,
        now=now,
    )
    session.flush()
    return message_id
