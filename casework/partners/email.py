"""E-mail to partners without an API: never a word about the child, only a signed link to
the referral that ends after a few days."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy.orm import Session

from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.partners.models import Delivery, Partner, Referral
from casework.protection.keys import Keyring

MAX_ATTEMPTS: Final = 12
SUBJECTS: Final = {
    "referral.sent": "A referral is waiting for you",
    "referral.withdrawn": "A referral was withdrawn",
    "referral.acknowledgement_due": "Reminder: please acknowledge a referral",
    "referral.acceptance_due": "Reminder: please accept or decline a referral",
}


def queue_email(
    session: Session,
    *,
    keyring: Keyring,
    partner: Partner,
    referral: Referral,
    event: str,
    now: dt.datetime,
) -> uuid.UUID | None:
    """Queue an e-mail about a referral to its partner, if it takes e-mail."""
    if partner.delivery is not Delivery.EMAIL or not partner.active or partner.email_ct is None:
        return None
    return enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.EMAIL,
        payload={"partner": str(partner.id), "referral": str(referral.id), "type": event},
        now=now,
        max_attempts=MAX_ATTEMPTS,
    )


def email_text(*, event: str, link: str | None, expires_at: dt.datetime) -> tuple[str, str]:
    """Subject and body: what happened and the link, nothing about the child or the case.
    A withdrawal carries no link: there is nothing left to open."""
    subject = SUBJECTS.get(event, "A referral changed")
    if link is None:
        return subject, f"{subject}. There is nothing more to do.\n\nSafeguarding Hotline\n"
    body = (
        f"{subject}.\n\n"
        f"Open it here (the link works until {expires_at:%Y-%m-%d %H:%M} UTC):\n{link}\n\n"
        "Do not forward this message: the link opens the referral.\n"
        "Safeguarding Hotline\n"
    )
    return subject, body


def carries_link(event: str) -> bool:
    """Whether an e-mail about this event links to the referral."""
    return event != "referral.withdrawn"
