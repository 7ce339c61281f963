"""The partner page behind an e-mailed link, as use cases: the link is the credential, so each
one opens the referral it names (LinkRefused when altered or ended, NotFound when a draft or
its partner was deactivated) and acts as that referral's partner."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.context import Unit
from casework.errors import InvalidInput, NotFound
from casework.partners.callers import PartnerCaller, referral_for, update_referral
from casework.partners.links import LinkRefused, read_token
from casework.partners.models import Partner, Referral, ReferralStatus
from casework.partners.service import ReferralView, partner_actor
from casework.protection.keys import Keyring

_STATUSES = frozenset(s.value for s in ReferralStatus)


def _open(
    session: Session, keyring: Keyring, token: str, now: dt.datetime
) -> tuple[uuid.UUID, PartnerCaller]:
    """The referral a link names, and its partner as the one acting."""
    referral_id = read_token(session, keyring, token, now)
    row = session.execute(
        select(Referral.partner_id, Referral.status)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(
            Referral.id == referral_id,
            Referral.status != ReferralStatus.DRAFT,
            Partner.active,  # a deactivated partner's links open nothing
        )
    ).first()
    if row is None:
        raise NotFound("no such referral")
    if row.status is ReferralStatus.WITHDRAWN:
        raise LinkRefused(expired=True)  # taken back: nothing to read any more
    return referral_id, PartnerCaller(row.partner_id, partner_actor(row.partner_id))


def referral_by_link(unit: Unit, *, token: str) -> ReferralView:
    """The referral a link names, as its partner may see it (each look is audited)."""
    referral_id, caller = _open(unit.session, unit.keyring, token, unit.now)
    return referral_for(unit, caller, referral_id)


def update_by_link(unit: Unit, *, token: str, status: str, note: str | None) -> None:
    """The partner behind a link moves its referral on (InvalidInput for no such move)."""
    referral_id, caller = _open(unit.session, unit.keyring, token, unit.now)
    if status not in _STATUSES:
        raise InvalidInput("status", "Choose what to do.")
    update_referral(unit, caller, referral_id, to=ReferralStatus(status), note=note)
