"""The partner API's callers: a partner's system (its API key) or one of its own users (a
staff session with the partner role); and what they may do - read and update the referrals
made to their partner, nothing else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from casework.access.scope import load_principal
from casework.actors import Actor
from casework.context import Unit
from casework.partners.models import ReferralStatus
from casework.partners.service import (
    ReferralView,
    partner_actor,
    partner_for_key,
    partner_referral,
    partner_referrals,
    partner_update,
    refuse_key,
)
from casework.staff.models import Role, SessionStage
from casework.staff.sessions import SessionPolicy, find_session, touch


@dataclass(frozen=True)
class PartnerCaller:
    """Which partner is calling, and as whom (its key, or one of its users)."""

    partner_id: uuid.UUID
    actor: Actor


def identify_partner(unit: Unit, token: str, *, sessions: SessionPolicy) -> PartnerCaller | None:
    """The partner behind a presented API key or session token (None for anything else, the
    hotline's own staff included); a refused key is audited."""
    session, now = unit.session, unit.now
    if token.startswith("hpk_"):
        partner_id = partner_for_key(session, token, now=now)
        if partner_id is None:
            refuse_key(session, keyring=unit.keyring, presented=token, now=now)
            return None
        return PartnerCaller(partner_id, partner_actor(partner_id))
    found = find_session(session, token, now=now, policy=sessions)
    if found is None or found[0].stage is not SessionStage.ACTIVE:
        return None
    touch(session, found[0], now=now)
    principal = load_principal(session, found[1])
    if principal.role is not Role.PARTNER or principal.partner_id is None:
        return None
    return PartnerCaller(principal.partner_id, principal.actor)


def referrals_for(unit: Unit, caller: PartnerCaller) -> list[ReferralView]:
    """Every referral made to the caller's partner, newest first (audited)."""
    return partner_referrals(
        unit.session,
        keyring=unit.keyring,
        partner_id=caller.partner_id,
        actor=caller.actor,
        now=unit.now,
    )


def referral_for(unit: Unit, caller: PartnerCaller, referral_id: uuid.UUID) -> ReferralView:
    """One referral made to the caller's partner (NotFound for any other; audited)."""
    return partner_referral(
        unit.session,
        keyring=unit.keyring,
        partner_id=caller.partner_id,
        referral_id=referral_id,
        actor=caller.actor,
        now=unit.now,
    )


def update_referral(
    unit: Unit,
    caller: PartnerCaller,
    referral_id: uuid.UUID,
    *,
    to: ReferralStatus,
    note: str | None,
) -> None:
    """The caller's partner acknowledges, accepts, declines, starts or completes one of its
    referrals (NotFound for any other)."""
    partner_update(
        unit.session,
        keyring=unit.keyring,
        partner_id=caller.partner_id,
        referral_id=referral_id,
        to=to,
        note=note,
        actor=caller.actor,
        now=unit.now,
    )
