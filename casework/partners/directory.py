"""The partner directory: who partners are, where and for what they help, how they hear of a
referral; and which of them to suggest for a case.

A partner with no regions (categories, languages) listed serves all of them. Contact details
and the webhook secret are sealed under the "partner" purpose key; the secret is shown once,
when it is made.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import secrets
import uuid
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.errors import InvalidInput, NotFound
from casework.languages import SUPPORTED_LANGUAGES
from casework.partners.models import (
    Delivery,
    Partner,
    PartnerCategory,
    PartnerLanguage,
    PartnerRegion,
    PartnerType,
)
from casework.places.models import Region, School
from casework.protection.fields import open_text, seal_text
from casework.protection.keys import Keyring
from casework.routing.service import conflicted_with_school
from casework.taxonomy.models import Category
from casework.text import has_control_characters

PARTNER_PURPOSE = "partner"
MAX_CONTACT = 500


@dataclass(frozen=True)
class PartnerProfile:
    """What an administrator says about a partner."""

    name: str
    kind: PartnerType
    delivery: Delivery = Delivery.POLL
    regions: list[str] = field(default_factory=list)  # codes; empty: every region
    categories: list[str] = field(default_factory=list)  # codes; empty: every category
    languages: list[str] = field(default_factory=list)  # empty: every language
    webhook_url: str | None = None
    email: str | None = None
    contact: str | None = None  # a name and a phone number, say (sealed)
    school: str | None = None  # a school's own safeguarding lead
    active: bool = True

    def __repr__(self) -> str:
        return f"PartnerProfile({self.name!r}, {self.kind.value})"


def _check(profile: PartnerProfile, *, allow_http: bool) -> None:
    name = profile.name.strip()
    if not name or len(name) > 200 or has_control_characters(name):
        raise InvalidInput("name", "Give the organisation's name (up to 200 characters).")
    if profile.delivery is Delivery.WEBHOOK and not _webhook_url_ok(
        profile.webhook_url or "", allow_http=allow_http
    ):
        raise InvalidInput("webhook_url", "Give the public https address webhooks are sent to.")
    if profile.delivery is Delivery.EMAIL and not _one_address(profile.email or ""):
        raise InvalidInput("email", "Give the one address referral links are e-mailed to.")
    if profile.contact and (
        len(profile.contact) > MAX_CONTACT or has_control_characters(profile.contact)
    ):
        raise InvalidInput("contact", f"Keep the contact details under {MAX_CONTACT} characters.")
    unknown = sorted(set(profile.languages) - set(SUPPORTED_LANGUAGES))
    if unknown:
        raise InvalidInput("languages", f"Unsupported language: {', '.join(unknown)}.")


def _webhook_url_ok(text: str, *, allow_http: bool) -> bool:
    """An http(s) URL with a host and no credentials; in production https, and never an IP
    address of this machine or a private network (no requests into our own network)."""
    try:
        url = urlsplit(text)
        host, _port = url.hostname, url.port
    except ValueError:
        return False
    schemes = {"https", "http"} if allow_http else {"https"}
    if url.scheme not in schemes or not host or len(text) > 500 or url.username or url.password:
        return False
    if allow_http:
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: resolved by the sender
    return address.is_global


def _one_address(text: str) -> bool:
    """Exactly one plain e-mail address (no display name, no list, nothing to inject)."""
    email = text.strip()
    if not email.isascii() or len(email) > 254 or any(c in email for c in ',;<>"() \t\r\n'):
        return False
    if has_control_characters(email) or len(email.splitlines()) != 1:
        return False
    name, address = parseaddr(email)
    local, _, domain = address.partition("@")
    return not name and address == email and bool(local) and "." in domain


def _ids(
    session: Session, model: type[Region] | type[Category], codes: list[str], name: str
) -> list[int]:
    wanted = sorted(set(codes))
    found = dict(session.execute(select(model.code, model.id).where(model.code.in_(wanted))).all())
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InvalidInput(name, f"Unknown {name}: {', '.join(missing)}.")
    return [int(found[c]) for c in wanted]


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _seal(
    session: Session, keyring: Keyring, partner_id: uuid.UUID, column: str, text: str | None
) -> bytes | None:
    if not text:
        return None
    key = keyring.purpose_key(session, PARTNER_PURPOSE)
    return seal_text(key, table="partner", column=column, row_id=partner_id, text=text)


def partner_secret(session: Session, keyring: Keyring, partner: Partner, column: str) -> str | None:
    """A sealed value of a partner (``webhook_secret``, ``email`` or ``contact``)."""
    blob = getattr(partner, f"{column}_ct")
    if blob is None:
        return None
    key = keyring.purpose_key(session, PARTNER_PURPOSE)
    return open_text(key, table="partner", column=column, row_id=partner.id, ciphertext=blob)


def save_partner(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    profile: PartnerProfile,
    now: dt.datetime,
    partner_id: uuid.UUID | None = None,
    allow_http: bool = False,
) -> tuple[Partner, str | None]:
    """Create (or, with ``partner_id``, replace the profile of) a partner; returns it and its
    new webhook secret when one was made (shown once)."""
    _check(profile, allow_http=allow_http)
    name = profile.name.strip()
    regions = _ids(session, Region, profile.regions, "regions")
    categories = _ids(session, Category, profile.categories, "categories")
    school_id = None
    if profile.school:
        school_id = session.scalar(select(School.id).where(School.code == profile.school))
        if school_id is None:
            raise InvalidInput("school", "Unknown school.")
    same_name = select(Partner.id).where(Partner.name == name)
    if partner_id is None:
        if session.scalar(same_name) is not None:
            raise InvalidInput("name", "A partner with that name exists.")
        partner = Partner(id=uuid.uuid4(), name=name, kind=profile.kind.value, created_at=now)
        session.add(partner)
    else:
        found = session.get(Partner, partner_id)
        if found is None:
            raise NotFound("no such partner")
        other = session.scalar(same_name.where(Partner.id != partner_id))
        if other is not None:
            raise InvalidInput("name", "A partner with that name exists.")
        partner = found
    partner.name, partner.kind = name, profile.kind.value
    partner.active, partner.delivery, partner.school_id = (
        profile.active,
        profile.delivery,
        school_id,
    )
    partner.webhook_url = profile.webhook_url if profile.delivery is Delivery.WEBHOOK else None
    partner.email_ct = _seal(session, keyring, partner.id, "email", (profile.email or "").strip())
    partner.contact_ct = _seal(session, keyring, partner.id, "contact", profile.contact)
    secret = None
    if profile.delivery is Delivery.WEBHOOK and partner.webhook_secret_ct is None:
        secret = new_webhook_secret()
        partner.webhook_secret_ct = _seal(session, keyring, partner.id, "webhook_secret", secret)
    if profile.delivery is Delivery.WEBHOOK:
        partner.webhook_disabled_at = None  # a (re)configured endpoint is tried again
    session.flush()
    for model, column, values in (
        (PartnerRegion, "region_id", regions),
        (PartnerCategory, "category_id", categories),
        (PartnerLanguage, "language", sorted(set(profile.languages))),
    ):
        session.execute(delete(model).where(model.partner_id == partner.id))
        session.add_all(model(partner_id=partner.id, **{column: v}) for v in values)
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.PARTNER_CREATED if partner_id is None else AuditAction.PARTNER_CHANGED,
        actor=actor,
        object_type="partner",
        object_id=str(partner.id),
        details={
            "name": name,
            "kind": profile.kind.value,
            "delivery": profile.delivery.value,
            "active": profile.active,
            "regions": sorted(profile.regions),
            "categories": sorted(profile.categories),
            "languages": sorted(profile.languages),
            "school": profile.school,
        },
        now=now,
    )
    session.flush()
    return partner, secret


def _serves(model: Any, column: Any, value: object) -> ColumnElement[bool]:
    """The partner lists ``value``, or lists nothing of this kind (serves all)."""
    listed = exists().where(model.partner_id == Partner.id)
    matches = exists().where(model.partner_id == Partner.id, column == value)
    return matches | ~listed


def suggest_partners(session: Session, case: Case) -> list[Partner]:
    """Active partners for the case's region, category and language, those that list them
    before those that serve everyone; never the school's own lead when the accused works at
    the school (nor any partner belonging to it)."""
    region_listed = exists().where(
        PartnerRegion.partner_id == Partner.id, PartnerRegion.region_id == case.region_id
    )
    query = (
        select(Partner)
        .where(
            Partner.active,
            _serves(PartnerRegion, PartnerRegion.region_id, case.region_id),
            _serves(PartnerCategory, PartnerCategory.category_id, case.category_id),
            _serves(PartnerLanguage, PartnerLanguage.language, case.language),
        )
        .order_by(region_listed.desc(), Partner.name)
    )
    if conflicted_with_school(case):
        query = query.where((Partner.school_id != case.school_id) | Partner.school_id.is_(None))
    return list(session.scalars(query))


def may_refer(session: Session, case: Case, partner_id: uuid.UUID) -> Partner:
    """The partner, if the case may be referred to it now (active, not the accused's school)."""
    partner = session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise InvalidInput("partner", "No such active partner.")
    if conflicted_with_school(case) and partner.school_id == case.school_id:
        raise InvalidInput("partner", "This partner belongs to the school: a conflict of interest.")
    return partner


def directory(session: Session) -> list[dict[str, Any]]:
    """Every partner as the directory lists it (contact details stay sealed)."""
    regions = _listed(session, select(PartnerRegion.partner_id, Region.code).join(Region))
    categories = _listed(session, select(PartnerCategory.partner_id, Category.code).join(Category))
    languages = _listed(session, select(PartnerLanguage.partner_id, PartnerLanguage.language))
    schools = dict(session.execute(select(School.id, School.code)).all())
    return [
        {
            "id": p.id,
            "name": p.name,
            "kind": p.kind,
            "delivery": p.delivery,
            "active": p.active,
            "regions": regions.get(p.id, []),
            "categories": categories.get(p.id, []),
            "languages": languages.get(p.id, []),
            "webhook_url": p.webhook_url,
            "webhook_disabled": p.webhook_disabled_at is not None,
            "school": schools.get(p.school_id) if p.school_id else None,
        }
        for p in session.scalars(select(Partner).order_by(Partner.name))
    ]


def _listed(session: Session, query: Any) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {}
    for partner_id, value in session.execute(query):
        found.setdefault(partner_id, []).append(value)
    return {k: sorted(v) for k, v in found.items()}


def partner_named(session: Session, name: str) -> Partner | None:
    """The partner of this name, if any."""
    return session.scalars(select(Partner).where(Partner.name == name)).first()


def set_partner_active(
    session: Session,
    *,
    keyring: Keyring,
    actor: Actor,
    name: str,
    active: bool,
    now: dt.datetime,
) -> Partner:
    """Stop (or start again) suggesting and referring to a partner; its referrals stay."""
    partner = partner_named(session, name.strip())
    if partner is None:
        raise NotFound("no such partner")
    partner.active = active
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.PARTNER_CHANGED,
        actor=actor,
        object_type="partner",
        object_id=str(partner.id),
        details={"active": active},
        now=now,
    )
    session.flush()
    return partner
