"""Intake use cases: accept a report from any channel and open (or find) its case."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casework.actors import REPORTER, SYSTEM
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.reference import new_reference
from casework.cases.service import NewEvent, append_events, open_case
from casework.clock import Clock
from casework.enums import CaseEventKind, ContactMethod
from casework.errors import InvalidInput
from casework.followup import codes
from casework.followup.models import FollowUpCredential
from casework.ids import new_id
from casework.intake.models import (
    CHILD_AGE_MAX,
    CHILD_AGE_MIN,
    NARRATIVE_MAX_CHARS,
    PLACE_MAX_CHARS,
    Report,
)
from casework.intake.repository import IntakeLookup, lookup_for_intake
from casework.intake.schemas import PreparedFollowUp, ReportReceipt, ReportSubmission
from casework.languages import SUPPORTED_LANGUAGES
from casework.linking.service import (
    cases_naming,
    check_name,
    record_mention,
    suggest_same_phone,
)
from casework.phones import normalise_phone
from casework.places.matching import find_place
from casework.protection.blind_index import phone_index
from casework.protection.fields import seal_text
from casework.protection.keys import Keyring
from casework.routing.service import region_supervisors, route_new_case
from casework.sql import insert_new
from casework.text import has_control_characters
from casework.triage.repeats import earlier_reports
from casework.triage.rules import Assessment, TriageFacts, assess, assess_intake
from casework.triage.words import mentions_danger, mentions_self_harm

_REFERENCE_ATTEMPTS = 5


def prepare_follow_up(idempotency_key: str | None) -> PreparedFollowUp:
    """Make the reporter's follow-up code and its slow hash (call outside the transaction)."""
    if idempotency_key is None:
        code = codes.new_code()
        salt = None
    else:
        salt = codes.new_salt()
        code = codes.derive_code(idempotency_key, salt)
    return PreparedFollowUp(code=code, code_hash=codes.hash_code(code), salt=salt)


def key_hash(secret: bytes, idempotency_key: str) -> str:
    """How an Idempotency-Key is stored: a keyed hash, never the key itself.

    Keyed (HMAC-SHA256 under a purpose key) so that a copy of the database cannot be used to
    guess weak keys, which would give away the follow-up codes derived from them.
    """
    return hmac.new(secret, idempotency_key.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Received:
    """A report received earlier, now built into its case: what its receipt promised."""

    report_id: uuid.UUID
    reference: str
    received_at: dt.datetime


@dataclass(frozen=True)
class _Resolved:
    reference: str
    category_id: int
    region_id: int | None
    school_id: int | None
    contact_phone: str | None


def check_text(submission: ReportSubmission) -> None:
    """Raise InvalidInput when a field breaks a rule that needs no lookup."""
    for name, text in (("narrative", submission.narrative), ("place", submission.place or "")):
        if has_control_characters(text):
            raise InvalidInput(name, "This contains characters we cannot read.")
    if not submission.narrative.strip():
        raise InvalidInput("narrative", "Please tell us what happened.")
    if len(submission.narrative) > NARRATIVE_MAX_CHARS:
        raise InvalidInput("narrative", f"Please keep it under {NARRATIVE_MAX_CHARS} characters.")
    if submission.place is not None and len(submission.place) > PLACE_MAX_CHARS:
        raise InvalidInput("place", f"Please keep it under {PLACE_MAX_CHARS} characters.")
    if submission.language not in SUPPORTED_LANGUAGES:
        raise InvalidInput("language", "We do not support this language yet.")
    if submission.child_age is not None and not (
        CHILD_AGE_MIN <= submission.child_age <= CHILD_AGE_MAX
    ):
        raise InvalidInput("child_age", f"Age must be between {CHILD_AGE_MIN} and {CHILD_AGE_MAX}.")


def resolve_phone(submission: ReportSubmission, default_phone_region: str | None) -> str | None:
    """The E.164 phone to keep: only when the reporter agreed to be texted."""
    if submission.contact_method is ContactMethod.SMS:
        if not submission.contact_phone:
            raise InvalidInput("contact_phone", "Give a phone number so we can text you.")
        return normalise_phone(
            submission.contact_phone, default_region=default_phone_region, field="contact_phone"
        )
    if submission.contact_phone:
        raise InvalidInput("contact_phone", "Only give a phone number if we may text you.")
    return None


def _lookup(session: Session, submission: ReportSubmission, reference: str | None) -> IntakeLookup:
    """Look up what the submission names, drawing references until a free one comes up.

    A ``reference`` given was reserved when the report was received (``casework.intake.
    receiving``): it is used as it is, and a category made inactive since is still found.
    """
    if reference is not None:
        return lookup_for_intake(
            session,
            category_code=submission.category,
            region_code=submission.region,
            school_code=submission.school,
            reference=reference,
            accepted=True,
        )
    for _ in range(_REFERENCE_ATTEMPTS):
        found = lookup_for_intake(
            session,
            category_code=submission.category,
            region_code=submission.region,
            school_code=submission.school,
            reference=new_reference(),
        )
        if not found.reference_taken:
            return found
    raise RuntimeError("could not find a free case reference")  # 35 bits: practically never


def _resolve(
    session: Session,
    submission: ReportSubmission,
    default_phone_region: str | None,
    place_words: str | None,
    reference: str | None,
) -> _Resolved:
    """Check the submission against the data it names; raise InvalidInput on the first problem.

    When the reporter chose neither a school nor a region, the school (or region) their words
    name is looked up in the directory (``place_words``, else what they wrote as the place).
    A report already received (``reference`` given: the child holds a receipt) is never
    refused for a school or region removed since: the case is opened without it.
    """
    check_text(submission)
    phone = resolve_phone(submission, default_phone_region)
    found = _lookup(session, submission, reference)
    accepted = reference is not None
    if found.category_id is None:
        raise InvalidInput("category", "Unknown category.")
    if submission.region is not None and found.region_id is None and not accepted:
        raise InvalidInput("region", "Unknown region.")
    region_id = found.region_id
    if submission.school is not None and found.school_id is not None:
        if region_id is not None and found.school_region_id != region_id and not accepted:
            raise InvalidInput("school", "This school is not in the region you chose.")
        region_id = found.school_region_id
    elif submission.school is not None and not accepted:
        raise InvalidInput("school", "Unknown school.")
    school_id = found.school_id
    # A place the reporter wrote answers "where?"; other words (an SMS story) name a school
    # only when they say "school".
    words = place_words if place_words is not None else submission.place
    if region_id is None and school_id is None and words:
        named = find_place(session, words, loose=place_words is None)
        if named is not None:
            region_id, school_id = named.region_id, named.school_id
    return _Resolved(found.reference, found.category_id, region_id, school_id, phone)


def submit_report(
    session: Session,
    *,
    submission: ReportSubmission,
    follow_up: PreparedFollowUp | None,
    clock: Clock,
    keyring: Keyring,
    default_phone_region: str | None = None,
    place_words: str | None = None,
    received: Received | None = None,
) -> ReportReceipt:
    """Accept a report: open a case for it, triage it, and return the reporter's receipt.

    Without ``follow_up`` no code is issued yet (see ``issue_follow_up``). ``received`` is a
    report taken in earlier (``casework.intake.builder``): its id, reserved reference and time
    of receipt, from which its clocks run. The case gets its own data key; the child's words
    and phone number are sealed under it and the intake is an audit event, all in this
    transaction. Costs a handful of round trips: one lookup, the inserts.
    """
    now = received.received_at if received else clock.now()
    report_id = received.report_id if received else new_id()

    # Nothing is written until everything about the new case is decided: one INSERT each,
    # no UPDATE after (the queries below need none of the new rows).
    with session.no_autoflush:
        resolved = _resolve(
            session,
            submission,
            default_phone_region,
            place_words,
            received.reference if received else None,
        )
        named = check_name(submission.perpetrator_name)
        assessment = assess_intake(
            danger=submission.immediate_danger, category_code=submission.category
        )
        case = open_case(
            session,
            reference=resolved.reference,
            category_id=resolved.category_id,
            region_id=resolved.region_id,
            school_id=resolved.school_id,
            language=submission.language,
            assessment=assessment,
            now=now,
        )
        case.perpetrator_role = submission.perpetrator_role
        case.ongoing = submission.ongoing
        case.injury = submission.injury
        case.child_age = submission.child_age
        case_key = keyring.new_case_key(session, case_id=case.id, now=now)

        def sealed(column: str, text: str | None) -> bytes | None:
            if not text:
                return None
            return seal_text(case_key, table="report", column=column, row_id=report_id, text=text)

        report = Report(
            id=report_id,
            case_id=case.id,
            channel=submission.channel,
            language=submission.language,
            category_id=resolved.category_id,
            narrative_ct=sealed("narrative", submission.narrative),
            immediate_danger=submission.immediate_danger,
            school_id=resolved.school_id,
            place_ct=sealed("place", submission.place),
            region_id=resolved.region_id,
            child_age=submission.child_age,
            reporter_role=submission.reporter_role,
            contact_method=submission.contact_method,
            phone_ct=sealed("phone", resolved.contact_phone),
            phone_index=(
                phone_index(session, keyring, resolved.contact_phone)
                if resolved.contact_phone
                else None
            ),
            perpetrator_role=submission.perpetrator_role,
            ongoing=submission.ongoing,
            injury=submission.injury,
            received_at=now,
        )
        session.add(report)
        assessment = _triage(session, keyring, case, submission, named)
        append_events(
            session,
            case=case,
            now=now,
            first_seq=1,
            events=[
                NewEvent(CaseEventKind.OPENED, REPORTER, {"channel": submission.channel.value}),
                NewEvent(
                    CaseEventKind.REPORT_RECEIVED,
                    REPORTER,
                    {"report_id": str(report.id), "channel": submission.channel.value},
                ),
                NewEvent(
                    CaseEventKind.PRIORITY_ASSESSED,
                    SYSTEM,
                    {"priority": assessment.priority.value, "factors": list(assessment.factors)},
                ),
            ],
        )
        if follow_up is not None:
            session.add(
                FollowUpCredential(
                    id=new_id(),
                    case_id=case.id,
                    report_id=report.id,
                    code_hash=follow_up.code_hash,
                    created_at=now,
                )
            )
        record_event(
            session,
            keyring=keyring,
            action=AuditAction.REPORT_RECEIVED,
            actor=REPORTER,
            object_type="report",
            object_id=str(report_id),
            case_key=case_key,
            now=now,
            details={
                "case_reference": case.reference,
                "channel": submission.channel.value,
                "category": submission.category,
                "priority": assessment.priority.value,
                "factors": list(assessment.factors),
            },
        )
        routed = route_new_case(session, keyring=keyring, case=case, now=now)
    insert_new(session)
    if named is not None and case.school_id is not None:
        record_mention(
            session,
            keyring=keyring,
            case=case,
            name=named,
            region_supervisors=region_supervisors(session, case),
            now=now,
        )
    if report.phone_index is not None:
        suggest_same_phone(session, case=case, phone_index=report.phone_index, now=now)
    session.flush()
    return ReportReceipt(
        case_id=case.id,
        report_id=report.id,
        reference=case.reference,
        follow_up_code=follow_up.code if follow_up else "",
        priority=case.priority,
        on_call_alerted=routed.alerted_on_call,
    )


def _triage(
    session: Session,
    keyring: Keyring,
    case: Case,
    submission: ReportSubmission,
    named: str | None,
) -> Assessment:
    """Everything the report says, its words and earlier reports about the same person or
    school, weighed by the triage rules; the case takes the result."""
    person, school = earlier_reports(session, case, with_person=False)
    if named is not None and case.school_id is not None:
        # Counted before this report's mention is kept (after its first events: see below).
        person = cases_naming(session, keyring, school_id=case.school_id, name=named)
    assessment = assess(
        TriageFacts(
            danger=submission.immediate_danger,
            category=submission.category,
            child_age=submission.child_age,
            perpetrator_role=submission.perpetrator_role,
            ongoing=submission.ongoing,
            injury=submission.injury,
            danger_words=mentions_danger(submission.narrative),
            self_harm_words=mentions_self_harm(submission.narrative),
            earlier_about_person=person,
            earlier_about_school=school,
        )
    )
    case.priority = assessment.priority
    case.risk_score = assessment.score
    case.triage_factors = list(assessment.factors)
    return assessment


def issue_follow_up(
    session: Session, *, case_id: uuid.UUID, report_id: uuid.UUID, now: dt.datetime
) -> str:
    """Give a report its follow-up code now (channels that show it at the end); returns it."""
    prepared = prepare_follow_up(None)
    session.add(
        FollowUpCredential(
            id=new_id(),
            case_id=case_id,
            report_id=report_id,
            code_hash=prepared.code_hash,
            created_at=now,
        )
    )
    return prepared.code
