"""A case's referrals as staff make and follow them: refer with the child's consent (or a
supervisor's reasoned override), send or withdraw, and list them. The referral's own state
machine, shared with the partner's side, is ``casework.partners.referrals``."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from casework.audit.record import AuditAction, record_event
from casework.context import Acting
from casework.enums import CaseStatus
from casework.errors import InvalidInput, NotFound
from casework.handling.finding import Command, take
from casework.handling.finding import supervising as is_supervising
from casework.partners.directory import may_refer
from casework.partners.models import (
    Consent,
    Partner,
    Referral,
    ReferralStatus,
)
from casework.partners.referrals import (
    ConsentRecord,
    change_status,
    check_consent,
    record_consent,
    shared_fields,
)
from casework.protection.fields import seal_text
from casework.text import has_control_characters

MAX_SUMMARY = 2000


def refer(
    acting: Acting,
    case_id: uuid.UUID,
    partner_id: uuid.UUID,
    summary: str,
    consent: ConsentRecord,
    *,
    send: bool = True,
) -> Referral:
    """Refer a case to a partner: a minimised summary, the fields its type may see, and the
    child's consent or - from a supervisor of the case - a reasoned override. ``send=False``
    keeps a draft."""
    case = take(acting, case_id, Command.REFER)
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    supervising = is_supervising(acting, case)
    partner = may_refer(session, case, partner_id)
    if case.status is CaseStatus.CLOSED:
        raise InvalidInput("status", "This case is closed: reopen it first.")
    summary = summary.strip()
    if not summary or len(summary) > MAX_SUMMARY or has_control_characters(summary):
        raise InvalidInput(
            "summary", f"Write what the partner needs, 1 to {MAX_SUMMARY} characters."
        )
    override_reason = check_consent(consent, supervising=supervising)
    referral_id = uuid.uuid4()
    key = keyring.case_key(session, case.id)
    referral = Referral(
        id=referral_id,
        case_id=case.id,
        partner_id=partner_id,
        status=ReferralStatus.DRAFT,
        summary_ct=seal_text(
            key, table="referral", column="summary", row_id=referral_id, text=summary
        ),
        shared=shared_fields(partner),
        created_by=principal.user_id,
        created_at=now,
        status_changed_at=now,
    )
    session.add(referral)
    record_consent(
        session,
        keyring,
        referral,
        consent,
        actor_id=principal.user_id,
        override_reason=override_reason,
        now=now,
    )
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.REFERRAL_CREATED,
        actor=principal.actor,
        object_type="referral",
        object_id=str(referral_id),
        case_key=key,
        details={
            "partner": str(partner_id),
            "consent": consent.consent.value,
            "shared": referral.shared,
        },
        now=now,
    )
    if consent.consent is not Consent.GIVEN:
        record_event(
            session,
            keyring=keyring,
            action=AuditAction.REFERRAL_CONSENT_OVERRIDDEN,
            actor=principal.actor,
            object_type="referral",
            object_id=str(referral_id),
            case_key=key,
            details={"consent": consent.consent.value, "reason": override_reason},
            now=now,
        )
    session.flush()
    if send:
        change_status(
            session,
            keyring=keyring,
            referral=referral,
            to=ReferralStatus.SENT,
            actor=principal.actor,
            by_partner=False,
            note=None,
            now=now,
        )
    return referral


def set_referral_status(
    acting: Acting,
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    to: ReferralStatus,
    note: str | None,
) -> None:
    """Send a draft referral of the case, or withdraw one (with a reason)."""
    case = take(acting, case_id, Command.CHANGE_REFERRAL)
    session = acting.session
    referral = session.scalars(
        select(Referral)
        .where(Referral.id == referral_id, Referral.case_id == case.id)
        .with_for_update()
    ).first()
    if referral is None:
        raise NotFound("no such referral")
    change_status(
        session,
        keyring=acting.keyring,
        referral=referral,
        to=to,
        actor=acting.principal.actor,
        by_partner=False,
        note=note,
        now=acting.now,
    )


def case_referrals(acting: Acting, case_id: uuid.UUID) -> list[tuple[Referral, str]]:
    """The case's referrals, oldest first, each with its partner's name."""
    case = take(acting, case_id, Command.READ)
    return [
        (referral, name)
        for referral, name in acting.session.execute(
            select(Referral, Partner.name)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(Referral.case_id == case.id)
            .order_by(Referral.created_at)
        )
    ]
