"""Partner jobs: a signed webhook, or an e-mail with a link, about a referral."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from casework.audit.record import AuditAction
from casework.jobs import JobContext, Jobs
from casework.outbox.delivery import audit_outbox, give_up, settle
from casework.outbox.models import OutboxKind
from casework.outbox.service import Claimed, mark_failed
from casework.partners.directory import partner_secret
from casework.partners.email import carries_link, email_text
from casework.partners.links import make_token
from casework.partners.models import Delivery, Partner
from casework.partners.webhooks import body as webhook_body
from casework.partners.webhooks import disable_endpoint, endpoint
from casework.partners.webhooks import headers as webhook_headers
from casework.ports import SendOutcome

jobs = Jobs()


@jobs.handler(OutboxKind.WEBHOOK)
def webhook(ctx: JobContext, item: Claimed) -> None:
    """A signed webhook to a partner: the same id and body on every attempt, signed with
    this attempt's time; 410 Gone disables the endpoint and tells the administrators."""
    partner_id = uuid.UUID(str(item.payload["partner"]))
    target = ctx.db.run(lambda s: endpoint(s, ctx.keyring, partner_id), write=False)
    if target is None or ctx.webhooks is None:
        give_up(ctx, item, error="endpoint_off")
        return
    content = webhook_body(item.payload, public_base_url=ctx.config.public_base_url)
    msg_id = str(item.payload["webhook_id"])
    result = ctx.webhooks.post(
        url=target.url,
        body=content,
        headers=webhook_headers(target.secret, msg_id, ctx.clock.now(), content),
    )
    if result.outcome is SendOutcome.GONE:
        now = ctx.clock.now()

        def gone(s: Session) -> None:
            disable_endpoint(s, keyring=ctx.keyring, partner_id=partner_id, now=now)
            if mark_failed(s, item.id, attempt=item.attempts, error="http_410", dead=True):
                audit_outbox(s, ctx, item, AuditAction.OUTBOX_FAILED, {"outcome": "gone"})

        ctx.db.run(gone, write=True)
        return
    settle(ctx, item, result)


@jobs.handler(OutboxKind.EMAIL)
def email(ctx: JobContext, item: Claimed) -> None:
    """An e-mail to a partner with a signed link that ends after ``link_days``."""
    partner_id = uuid.UUID(str(item.payload["partner"]))
    referral_id = uuid.UUID(str(item.payload["referral"]))
    now = ctx.clock.now()
    expires = now + ctx.config.link_days

    def prepare(s: Session) -> tuple[str, str] | None:
        partner = s.get(Partner, partner_id)
        if partner is None or partner.delivery is not Delivery.EMAIL or not partner.active:
            return None
        address = partner_secret(s, ctx.keyring, partner, "email")
        token = make_token(s, ctx.keyring, referral_id, expires)
        return (address, token) if address else None

    prepared = ctx.db.run(prepare, write=False)
    if prepared is None or ctx.mailer is None:
        give_up(ctx, item, error="email_off")
        return
    address, token = prepared
    event = str(item.payload["type"])
    link = f"{ctx.config.public_base_url.rstrip('/')}/partner/referrals/{token}"
    subject, text = email_text(
        event=event, link=link if carries_link(event) else None, expires_at=expires
    )
    result = ctx.mailer.send(to=address, subject=subject, text=text, message_id=item.id.hex)
    settle(ctx, item, result)
