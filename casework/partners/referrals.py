"""Referrals end to end in the domain: consent, data minimisation by partner type, and the
lifecycle

    draft -> sent -> acknowledged -> accepted | declined -> in progress -> completed
    (withdrawn by the caseworker at any point before completion)

The partner moves a sent referral on (acknowledge, accept, decline with a reason, in
progress, completed with an outcome); staff send drafts and withdraw. Every step is a case
event and an audit event. A decline or withdrawal with no other referral open brings the
case back to its caseworker (in progress), who is told.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.service import NewEvent, Reason, append_events
from casework.cases.states import may_move, move
from casework.enums import CaseEventKind, CaseStatus
from casework.errors import InvalidInput, NotAllowed
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.partners.directory import may_refer
from casework.partners.email import queue_email
from casework.partners.models import Consent, Partner, PartnerType, Referral, ReferralStatus
from casework.partners.webhooks import queue_webhook
from casework.protection.fields import seal_text
from casework.protection.keys import Keyring
from casework.routing.service import region_supervisors
from casework.text import has_control_characters

R = ReferralStatus
# What each type of partner may see of a case (never the reporter's words, phone or code:
# the summary is written for the partner by the caseworker).
SHARED_FIELDS: Final[dict[PartnerType, tuple[str, ...]]] = {
    PartnerType.SOCIAL_SERVICES: (
        "category", "priority", "summary", "child_age", "region", "school",
        "perpetrator_role", "language",
    ),
    PartnerType.POLICE: ("category", "priority", "summary", "region", "school", "perpetrator_role"),
    PartnerType.NGO: ("category", "priority", "summary", "child_age", "region", "language"),
    PartnerType.HEALTH: ("category", "priority", "summary", "child_age", "region", "language"),
    PartnerType.SCHOOL: ("category", "priority", "summary"),
    PartnerType.LEGAL_AID: ("category", "summary", "region", "language"),
    PartnerType.OTHER: ("category", "priority", "summary"),
}  # fmt: skip
PARTNER_MOVES: Final[dict[ReferralStatus, frozenset[ReferralStatus]]] = {
    R.SENT: frozenset({R.ACKNOWLEDGED, R.ACCEPTED, R.DECLINED}),
    R.ACKNOWLEDGED: frozenset({R.ACCEPTED, R.DECLINED}),
    R.ACCEPTED: frozenset({R.IN_PROGRESS, R.COMPLETED}),
    R.IN_PROGRESS: frozenset({R.COMPLETED}),
}
STAFF_MOVES: Final[dict[ReferralStatus, frozenset[ReferralStatus]]] = {
    R.DRAFT: frozenset({R.SENT, R.WITHDRAWN}),
    R.SENT: frozenset({R.WITHDRAWN}),
    R.ACKNOWLEDGED: frozenset({R.WITHDRAWN}),
    R.ACCEPTED: frozenset({R.WITHDRAWN}),
    R.IN_PROGRESS: frozenset({R.WITHDRAWN}),
}
OPEN: Final = frozenset({R.SENT, R.ACKNOWLEDGED, R.ACCEPTED, R.IN_PROGRESS})
MIN_REASON = 10
MAX_NOTE = 2000
CONSENT_FROM: Final = frozenset({"child", "guardian"})


def shared_fields(partner: Partner) -> list[str]:
    """What a partner of this type sees of a case."""
    kinds = {k.value for k in PartnerType}
    kind = PartnerType(partner.kind) if partner.kind in kinds else PartnerType.OTHER
    return list(SHARED_FIELDS[kind])


@dataclass(frozen=True)
class ConsentRecord:
    """The child's or guardian's answer, or why a supervisor refers without it."""

    consent: Consent
    consent_from: str | None = None  # child | guardian, with consent given
    override_reason: str | None = None  # without consent: why (e.g. danger now)

    def __repr__(self) -> str:
        return f"ConsentRecord({self.consent.value})"


def check_consent(record: ConsentRecord, *, supervising: bool) -> str | None:
    """The override reason to keep (None with consent), or InvalidInput / NotAllowed."""
    if record.consent is Consent.GIVEN:
        if record.consent_from not in CONSENT_FROM:
            raise InvalidInput("consent_from", "Say who agreed: the child or their guardian.")
        return None
    reason = (record.override_reason or "").strip()
    if len(reason) < MIN_REASON or len(reason) > 500 or has_control_characters(reason):
        raise InvalidInput(
            "override_reason",
            f"Without consent, say why the referral cannot wait ({MIN_REASON} to 500 characters).",
        )
    if not supervising:
        raise NotAllowed("referring without consent needs a supervisor of the region")
    return reason


def record_consent(
    session: Session,
    keyring: Keyring,
    referral: Referral,
    record: ConsentRecord,
    *,
    actor_id: uuid.UUID,
    override_reason: str | None,
    now: dt.datetime,
) -> None:
    """Keep the consent (or the override, already checked by ``check_consent``)."""
    reason = override_reason
    referral.consent = record.consent
    referral.consent_from = record.consent_from if record.consent is Consent.GIVEN else None
    referral.consent_by, referral.consent_at = actor_id, now
    if reason is not None:
        referral.override_by = actor_id
        referral.override_reason_ct = seal_text(
            keyring.case_key(session, referral.case_id),
            table="referral",
            column="override_reason",
            row_id=referral.id,
            text=reason,
        )


def _event(
    session: Session,
    case: Case,
    referral: Referral,
    actor: Actor,
    kind: CaseEventKind,
    details: dict[str, Any],
    now: dt.datetime,
    reason: Reason | None = None,
) -> None:
    data: dict[str, object] = {"referral": str(referral.id), **details}
    append_events(session, case=case, now=now, events=[NewEvent(kind, actor, data, reason)])


def _back_to_caseworker(
    session: Session,
    keyring: Keyring,
    case: Case,
    referral: Referral,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """No referral open any more: the case is its caseworker's again, and they are told."""
    still_open = session.scalar(
        select(Referral.id).where(
            Referral.case_id == case.id, Referral.id != referral.id, Referral.status.in_(OPEN)
        )
    )
    if still_open is not None:
        return
    if case.status is CaseStatus.REFERRED and may_move(case.status, CaseStatus.IN_PROGRESS):
        move(session, actor=actor, case=case, to=CaseStatus.IN_PROGRESS, now=now, why="declined")
    to = [case.assigned_to_id] if case.assigned_to_id else region_supervisors(session, case)
    enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.STAFF_NOTICE,
        payload={
            "to": [str(u) for u in to],
            "kind": f"referral_{referral.status.value}",
            "case": str(case.id),
            "text": f"A referral of {case.reference} was {referral.status.value}: "
            "the case is back with you.",
        },
        now=now,
    )


def _announce(
    session: Session, keyring: Keyring, referral: Referral, to: ReferralStatus, now: dt.datetime
) -> None:
    """Tell the partner, by webhook or e-mail (whichever it takes; polling partners look)."""
    partner = session.get_one(Partner, referral.partner_id)
    for announce in (queue_webhook, queue_email):
        announce(
            session,
            keyring=keyring,
            partner=partner,
            referral=referral,
            event=f"referral.{to.value}",
            now=now,
        )


def _words(status: ReferralStatus | CaseStatus) -> str:
    return status.value.replace("_", " ")


def _check_send(session: Session, case: Case, referral: Referral) -> None:
    """A referral goes out only to a partner still active and unconflicted, from a case that
    may be referred."""
    may_refer(session, case, referral.partner_id)
    if case.status is not CaseStatus.REFERRED and not may_move(case.status, CaseStatus.REFERRED):
        raise InvalidInput("status", f"A case that is {_words(case.status)} cannot be referred.")


def change_status(
    session: Session,
    *,
    keyring: Keyring,
    referral: Referral,
    to: ReferralStatus,
    actor: Actor,
    by_partner: bool,
    note: str | None,
    now: dt.datetime,
) -> None:
    """Move a referral on (the partner's steps, or staff sending and withdrawing)."""
    allowed = (PARTNER_MOVES if by_partner else STAFF_MOVES).get(referral.status, frozenset())
    if to not in allowed:
        raise InvalidInput(
            "status",
            f"A referral that is {_words(referral.status)} cannot become {_words(to)}.",
            allowed=sorted(s.value for s in allowed),
        )
    text = (note or "").strip()
    if text and (len(text) > MAX_NOTE or has_control_characters(text)):
        raise InvalidInput("note", f"Keep the note under {MAX_NOTE} characters.")
    if to in (R.DECLINED, R.WITHDRAWN) and len(text) < 3:
        raise InvalidInput("note", "Say why.")
    case = session.get_one(Case, referral.case_id)
    if to is R.SENT:
        _check_send(session, case, referral)
    before = referral.status
    referral.status, referral.status_changed_at = to, now
    key = keyring.case_key(session, case.id)
    if text:
        referral.note_ct = seal_text(
            key, table="referral", column="note", row_id=referral.id, text=text
        )
    if to is R.SENT:
        if case.status is not CaseStatus.REFERRED:
            move(session, actor=actor, case=case, to=CaseStatus.REFERRED, now=now, why="referred")
        _event(session, case, referral, actor, CaseEventKind.REFERRED,
               {"partner": str(referral.partner_id)}, now)  # fmt: skip
    else:
        if by_partner and before is R.SENT:  # accepting or declining acknowledges too
            _event(
                session,
                case,
                referral,
                actor,
                CaseEventKind.REFERRAL_ACKNOWLEDGED,
                {},
                now,
            )
        if to is not R.ACKNOWLEDGED:
            # Staff withdrawing say why: their reason is kept on the event, for the case page.
            why = Reason(key, text) if to is R.WITHDRAWN and not by_partner else None
            _event(session, case, referral, actor, CaseEventKind.REFERRAL_UPDATED,
                   {"status": to.value}, now, why)  # fmt: skip
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.REFERRAL_STATUS_CHANGED,
        actor=actor,
        object_type="referral",
        object_id=str(referral.id),
        case_key=key,
        details={"from": before.value, "to": to.value, **({"note": text} if text else {})},
        now=now,
    )
    if to in (R.DECLINED, R.WITHDRAWN):
        _back_to_caseworker(session, keyring, case, referral, actor, now)
    if not by_partner and to in (R.SENT, R.WITHDRAWN):  # the partner hears of it
        _announce(session, keyring, referral, to, now)
    session.flush()


REMINDERS: Final = {
    "partner_acknowledgement": "referral.acknowledgement_due",
    "partner_acceptance": "referral.acceptance_due",
}


def remind_partner(
    session: Session, *, keyring: Keyring, referral_id: str, clock: str, now: dt.datetime
) -> None:
    """A partner clock is at its warning: remind the partner the way it hears of referrals
    (polling partners see the due time in the API)."""
    referral = session.get(Referral, uuid.UUID(referral_id))
    event = REMINDERS.get(str(clock))
    if referral is None or event is None or referral.status not in OPEN:
        return
    partner = session.get_one(Partner, referral.partner_id)
    for announce in (queue_webhook, queue_email):
        announce(session, keyring=keyring, partner=partner, referral=referral, event=event, now=now)
