"""Administering the partner directory and partners' API keys as use cases; each declares
that it needs ``config.manage`` and is audited with who did it (a member of staff, or the
operator at the command line)."""

from __future__ import annotations

import uuid
from typing import Any

from casework.access.policy import Action
from casework.administration.operator import Administering, audited_by
from casework.errors import NotFound
from casework.partners.directory import (
    PartnerProfile,
    directory,
    save_partner,
    set_partner_active,
)
from casework.partners.models import Partner
from casework.partners.service import new_api_key, revoke_api_key


def partner_directory(who: Administering) -> list[dict[str, Any]]:
    """Every partner as the directory lists it (contact details stay sealed)."""
    who.require(Action.CONFIG_MANAGE)
    return directory(who.session)


def save_partner_profile(
    who: Administering,
    profile: PartnerProfile,
    *,
    partner_id: uuid.UUID | None = None,
    allow_http: bool = False,
) -> tuple[uuid.UUID, str | None]:
    """Create a partner (or, with ``partner_id``, replace its profile); returns its id and
    its new webhook secret when one was made (shown once)."""
    who.require(Action.CONFIG_MANAGE)
    partner, secret = save_partner(
        **audited_by(who), profile=profile, partner_id=partner_id, allow_http=allow_http
    )
    return partner.id, secret


def deactivate_partner(who: Administering, name: str) -> None:
    """Stop suggesting and referring to the partner of this name (its referrals stay;
    NotFound)."""
    who.require(Action.CONFIG_MANAGE)
    set_partner_active(**audited_by(who), name=name, active=False)


def issue_api_key(
    who: Administering, partner_id: uuid.UUID, *, label: str
) -> tuple[uuid.UUID, str]:
    """A new API key for a partner's system: its id and the key itself (shown once)."""
    who.require(Action.CONFIG_MANAGE)
    partner = who.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("no such partner")
    key, secret = new_api_key(**audited_by(who), partner=partner, label=label)
    return key.id, secret


def withdraw_api_key(who: Administering, key_id: uuid.UUID) -> None:
    """A key stops working at once."""
    who.require(Action.CONFIG_MANAGE)
    revoke_api_key(**audited_by(who), key_id=key_id)
