"""Partner organisations, their API keys, and referrals (the minimum data shared)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, Boolean, ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, str_enum
from casework.ids import new_id


class PartnerType(enum.StrEnum):
    """What kind of organisation a partner is (it decides what a referral shares)."""

    SOCIAL_SERVICES = "social_services"
    NGO = "ngo"
    POLICE = "police"
    HEALTH = "health"
    SCHOOL = "school"  # a school's safeguarding lead
    LEGAL_AID = "legal_aid"
    OTHER = "other"


class Delivery(enum.StrEnum):
    """How a partner hears of a referral."""

    WEBHOOK = "webhook"  # a signed webhook (Standard Webhooks), then it fetches with its key
    EMAIL = "email"  # an email with a signed, expiring link to a partner page
    POLL = "poll"  # it polls the partner API with its key


class Partner(Base):
    """An organisation cases are referred to (social services, an NGO, police, ...)."""

    __tablename__ = "partner"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # a PartnerType value
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    delivery: Mapped[Delivery] = mapped_column(
        str_enum(Delivery, "partner_delivery"), default=Delivery.POLL
    )
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    # Sealed under the "partner" purpose key: the webhook secret, contact e-mail and details.
    webhook_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    webhook_disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A school's own safeguarding lead: never referred a case about someone who works there.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))

    def __repr__(self) -> str:
        return f"Partner({self.name!r})"


class PartnerRegion(Base):
    """A region a partner serves."""

    __tablename__ = "partner_region"

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)


class PartnerCategory(Base):
    """A kind of harm a partner helps with."""

    __tablename__ = "partner_category"

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), primary_key=True)


class PartnerLanguage(Base):
    """A language a partner works in."""

    __tablename__ = "partner_language"

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)


class PartnerApiKey(Base):
    """A key a partner's system calls the partner API with: shown once, stored hashed."""

    __tablename__ = "partner_api_key"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    # The public part of the key, to find the row; the secret part only as SHA-256.
    prefix: Mapped[str] = mapped_column(String(24), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ReferralStatus(enum.StrEnum):
    """Where a referral is with the partner."""

    DRAFT = "draft"  # written, not sent yet
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Consent(enum.StrEnum):
    """Whether the child (or their guardian) agreed to the referral."""

    GIVEN = "given"
    REFUSED = "refused"
    NOT_ASKED = "not_asked"  # could not be asked (e.g. danger now): needs an override


class Referral(Base):
    """A case referred to a partner, with only what the partner needs to know."""

    __tablename__ = "referral"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, "referral_status"))
    # The minimised summary written for the partner, sealed under the case key.
    summary_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The child's (or guardian's) consent, who asked and when; without it, a supervisor's
    # reasoned override (the reason sealed).
    consent: Mapped[Consent] = mapped_column(
        str_enum(Consent, "referral_consent"), default=Consent.NOT_ASKED
    )
    consent_from: Mapped[str | None] = mapped_column(String(20))  # child | guardian
    consent_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    override_reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    override_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The fields this partner's type may see (its profile when the referral was made).
    shared: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The partner's last word: why it declined, or the outcome it reported (sealed).
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
