"""Evidence jobs: a picture the reporter sent is fetched, sealed and kept, then deleted from
the provider."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.record import AuditAction
from casework.ids import new_id
from casework.jobs import JobContext, Jobs
from casework.messages.models import Attachment
from casework.outbox.delivery import audit_outbox, settle
from casework.outbox.models import OutboxKind
from casework.outbox.service import Claimed, enqueue, mark_sent
from casework.ports import SendOutcome, SendResult
from casework.protection.fields import seal

MAX_MEDIA_BYTES = 5 * 1024 * 1024

jobs = Jobs()


@jobs.handler(OutboxKind.MEDIA_FETCH)
def fetch_media(ctx: JobContext, item: Claimed) -> None:
    """Download the picture and keep it sealed under the case's key (once, even on retry)."""
    url = str(item.payload["url"])
    fetched = ctx.media.fetch(url, max_bytes=MAX_MEDIA_BYTES)
    if fetched.outcome is not SendOutcome.SENT:
        settle(ctx, item, SendResult(fetched.outcome, error=fetched.error))
        return
    now = ctx.clock.now()

    def store(s: Session) -> None:
        if item.case_id is None:
            raise RuntimeError("a media job without its case")
        existing = s.scalars(
            select(Attachment.id).where(Attachment.source_ref == item.idempotency_key)
        ).first()
        if existing is None:  # a retry after a crash must not keep the picture twice
            attachment_id = new_id()
            key = ctx.keyring.case_key(s, item.case_id)
            s.add(
                Attachment(
                    id=attachment_id,
                    case_id=item.case_id,
                    message_id=uuid.UUID(str(item.payload["message_id"])),
                    content_type=(fetched.content_type or str(item.payload["content_type"]))[:100],
                    size=len(fetched.content),
                    sha256=hashlib.sha256(fetched.content).hexdigest(),
                    content_ct=seal(
                        key,
                        table="attachment",
                        column="content",
                        row_id=attachment_id,
                        plaintext=fetched.content,
                    ),
                    source_ref=item.idempotency_key,
                    created_at=now,
                )
            )
            audit_outbox(
                s, ctx, item, AuditAction.EVIDENCE_STORED, {"attachment": str(attachment_id)}
            )
            # Deleting it from the provider is a job of its own, queued with the evidence:
            # retried until done, and it outlives an erasure of the case.
            enqueue(
                s, keyring=ctx.keyring, kind=OutboxKind.MEDIA_DELETE, payload={"url": url}, now=now
            )
        mark_sent(s, item.id, attempt=item.attempts, provider_ref=None, now=now)

    ctx.db.run(store, write=True)


@jobs.handler(OutboxKind.MEDIA_DELETE)
def delete_media(ctx: JobContext, item: Claimed) -> None:
    """Delete the picture from the provider once we hold it (or the case was erased)."""
    # Already gone counts as deleted (see the adapter); a refusal is dead-lettered.
    outcome = ctx.media.delete(str(item.payload["url"]))
    error = None if outcome is SendOutcome.SENT else f"delete_{outcome.value}"
    settle(ctx, item, SendResult(outcome, error=error))
