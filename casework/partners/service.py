"""Partners: their API keys, and referrals in the minimised form a partner may see.

API keys look like ``hpk_<prefix>_<secret>``: the prefix finds the row, the secret (256 bits)
is stored only as SHA-256 and compared in constant time. A key is shown once, when made, and
can be revoked at any time. A partner (through a key or one of its users) sees only referrals
made to it, and of each only what the referral shares: never the reporter's words or contacts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casework.actors import SYSTEM, Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.enums import ActorKind
from casework.errors import NotFound
from casework.partners.directory import PartnerProfile, save_partner
from casework.partners.models import (
    Partner,
    PartnerApiKey,
    PartnerType,
    Referral,
    ReferralStatus,
)
from casework.partners.referrals import (
    change_status,
)
from casework.places.models import Region, School
from casework.protection.fields import open_text
from casework.protection.keys import Keyring
from casework.taxonomy.models import Category

KEY_PREFIX = "hpk"
_TOUCH_EVERY = dt.timedelta(minutes=5)


def partner_actor(partner_id: uuid.UUID) -> Actor:
    """How a partner appears in the audit trail."""
    return Actor(ActorKind.PARTNER, str(partner_id))


def create_partner(
    session: Session, *, keyring: Keyring, name: str, kind: str, actor: Actor, now: dt.datetime
) -> Partner:
    """A new partner organisation that serves everywhere and polls the partner API."""
    kinds = {k.value for k in PartnerType}
    profile = PartnerProfile(
        name=name, kind=PartnerType(kind) if kind in kinds else PartnerType.OTHER
    )
    partner, _ = save_partner(session, keyring=keyring, actor=actor, profile=profile, now=now)
    return partner


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key(
    session: Session,
    *,
    keyring: Keyring,
    partner: Partner,
    label: str,
    actor: Actor,
    now: dt.datetime,
) -> tuple[PartnerApiKey, str]:
    """A new key for a partner's system; the full key is returned once and never stored."""
    prefix = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    key = PartnerApiKey(
        partner_id=partner.id,
        prefix=prefix,
        secret_hash=_hash(secret),
        label=label.strip()[:120] or "key",
        created_at=now,
    )
    session.add(key)
    session.flush()
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.PARTNER_KEY_CREATED,
        actor=actor,
        object_type="partner_api_key",
        object_id=str(key.id),
        details={"partner": str(partner.id), "prefix": prefix},
        now=now,
    )
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def revoke_api_key(
    session: Session, *, keyring: Keyring, key_id: uuid.UUID, actor: Actor, now: dt.datetime
) -> None:
    """A key stops working at once."""
    key = session.get(PartnerApiKey, key_id)
    if key is None:
        raise NotFound("no such key")
    key.revoked_at = key.revoked_at or now
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.PARTNER_KEY_REVOKED,
        actor=actor,
        object_type="partner_api_key",
        object_id=str(key.id),
        details={"partner": str(key.partner_id)},
        now=now,
    )


def partner_for_key(session: Session, presented: str, *, now: dt.datetime) -> uuid.UUID | None:
    """The partner a presented key belongs to, if it is a live key."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(presented) > 200:
        return None
    key = session.scalars(select(PartnerApiKey).where(PartnerApiKey.prefix == parts[1])).first()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        return None
    partner = session.get(Partner, key.partner_id)
    if partner is None or not partner.active:  # a deactivated partner opens nothing
        return None
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        key.last_used_at = now
    return key.partner_id


def refuse_key(session: Session, *, keyring: Keyring, presented: str, now: dt.datetime) -> None:
    """Record a refused partner key (by its public prefix only, never the secret part)."""
    parts = presented.split("_", 2)
    prefix = parts[1][:24] if len(parts) == 3 and parts[1].isalnum() else "-"
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.PARTNER_KEY_REFUSED,
        actor=SYSTEM,
        object_type="partner_api_key",
        object_id=prefix,
        details={},
        now=now,
    )


@dataclass(frozen=True)
class ReferralView:
    """What a partner sees of a referral: the fields its type may see, nothing else."""

    id: uuid.UUID
    status: ReferralStatus
    created_at: dt.datetime
    fields: dict[str, Any]

    def __repr__(self) -> str:
        return f"ReferralView({self.id})"


def _view(session: Session, keyring: Keyring, referral: Referral, case: Case) -> ReferralView:
    def summary() -> str:
        return open_text(
            keyring.case_key(session, case.id),
            table="referral",
            column="summary",
            row_id=referral.id,
            ciphertext=referral.summary_ct,
        )

    def code(model: Any, row_id: int | None) -> str | None:
        if row_id is None:
            return None
        return session.scalar(select(model.code).where(model.id == row_id))

    makers: dict[str, Any] = {
        "category": lambda: code(Category, case.category_id),
        "priority": lambda: case.priority.value,
        "summary": summary,
        "child_age": lambda: case.child_age,
        "region": lambda: code(Region, case.region_id),
        "school": lambda: code(School, case.school_id),
        "perpetrator_role": lambda: case.perpetrator_role.value,
        "language": lambda: case.language,
    }
    if referral.status is ReferralStatus.WITHDRAWN:  # taken back: nothing of the case remains
        return ReferralView(referral.id, referral.status, referral.created_at, {})
    fields = {name: makers[name]() for name in referral.shared if name in makers}
    return ReferralView(referral.id, referral.status, referral.created_at, fields)


def _referrals(partner_id: uuid.UUID) -> Select[Referral, Case]:
    return (
        select(Referral, Case)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.partner_id == partner_id, Referral.status != ReferralStatus.DRAFT)
    )


def partner_referrals(
    session: Session, *, keyring: Keyring, partner_id: uuid.UUID, actor: Actor, now: dt.datetime
) -> list[ReferralView]:
    """Every referral made to this partner, newest first (audited)."""
    rows = session.execute(
        _referrals(partner_id).order_by(Referral.created_at.desc(), Referral.id)
    ).all()
    views = [_view(session, keyring, r, c) for r, c in rows]
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.REFERRALS_LISTED,
        actor=actor,
        object_type="partner",
        object_id=str(partner_id),
        details={"returned": [str(v.id) for v in views]},
        now=now,
    )
    return views


def partner_referral(
    session: Session,
    *,
    keyring: Keyring,
    partner_id: uuid.UUID,
    referral_id: uuid.UUID,
    actor: Actor,
    now: dt.datetime,
) -> ReferralView:
    """One referral made to this partner (NotFound for anyone else's)."""
    row = session.execute(_referrals(partner_id).where(Referral.id == referral_id)).first()
    if row is None:
        raise NotFound("no such referral")
    referral, case = row
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.REFERRAL_READ,
        actor=actor,
        object_type="referral",
        object_id=str(referral.id),
        case_key=keyring.case_key(session, case.id),
        details={"partner": str(partner_id)},
        now=now,
    )
    return _view(session, keyring, referral, case)


def partner_update(
    session: Session,
    *,
    keyring: Keyring,
    partner_id: uuid.UUID,
    referral_id: uuid.UUID,
    to: ReferralStatus,
    note: str | None,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """A partner acknowledges, accepts, declines (with a reason), starts or completes (with
    an outcome) one of its referrals (NotFound for anyone else's)."""
    mine = (
        Referral.id == referral_id,
        Referral.partner_id == partner_id,
        Referral.status != ReferralStatus.DRAFT,
    )
    case_id = session.scalar(select(Referral.case_id).where(*mine))
    if case_id is None:
        raise NotFound("no such referral")
    # The same order as staff changes take: the case row first, then the referral.
    session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    referral = session.scalars(
        select(Referral).where(*mine).with_for_update().execution_options(populate_existing=True)
    ).first()
    if referral is None:
        raise NotFound("no such referral")
    change_status(
        session,
        keyring=keyring,
        referral=referral,
        to=to,
        actor=actor,
        by_partner=True,
        note=note,
        now=now,
    )
