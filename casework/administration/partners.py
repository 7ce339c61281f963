"""Administering the partner directory and partners' API keys as use cases; each declares
that it needs ``config.manage`` and is audited with who did it."""

from __future__ import annotations

import uuid
from typing import Any

from casework.access.policy import Action
from casework.audit.acting import audited_as
from casework.context import Acting
from casework.errors import NotFound
from casework.partners.directory import PartnerProfile, directory, save_partner
from casework.partners.models import Partner
from casework.partners.service import new_api_key, revoke_api_key


def partner_directory(acting: Acting) -> list[dict[str, Any]]:
    """Every partner as the directory lists it (contact details stay sealed)."""
    acting.require(Action.CONFIG_MANAGE)
    return directory(acting.session)


def save_partner_profile(
    acting: Acting,
    profile: PartnerProfile,
    *,
    partner_id: uuid.UUID | None = None,
    allow_http: bool = False,
) -> tuple[uuid.UUID, str | None]:
    """Create a partner (or, with ``partner_id``, replace its profile); returns its id and
    its new webhook secret when one was made (shown once)."""
    acting.require(Action.CONFIG_MANAGE)
    partner, secret = save_partner(
        **audited_as(acting), profile=profile, partner_id=partner_id, allow_http=allow_http
    )
    return partner.id, secret


def issue_api_key(acting: Acting, partner_id: uuid.UUID, *, label: str) -> tuple[uuid.UUID, str]:
    """A new API key for a partner's system: its id and the key itself (shown once)."""
    acting.require(Action.CONFIG_MANAGE)
    partner = acting.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("no such partner")
    key, secret = new_api_key(**audited_as(acting), partner=partner, label=label)
    return key.id, secret


def withdraw_api_key(acting: Acting, key_id: uuid.UUID) -> None:
    """A key stops working at once."""
    acting.require(Action.CONFIG_MANAGE)
    revoke_api_key(**audited_as(acting), key_id=key_id)
