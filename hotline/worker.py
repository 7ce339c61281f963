"""The worker: delivers the outbox and runs the periodic jobs.

``hotline worker`` runs it as its own process (several may run at once: rows are claimed with
a lease, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL); on the embedded default ``hotline serve``
runs it in a thread. No transaction is open while it talks to Twilio.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.audit.record import AuditAction, record_event
from casework.audit.sequencer import issue_checkpoint, sequence
from casework.clock import Clock
from casework.followup.service import purge_stale_throttles
from casework.ids import new_id
from casework.intake.inbox import forget_after_retry_window
from casework.messages.models import Attachment
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.outbox.service import (
    Claimed,
    claim,
    enqueue,
    mark_failed,
    mark_sent,
    renew,
    retry_later,
)
from casework.partners.directory import partner_secret
from casework.partners.email import carries_link, email_text
from casework.partners.links import make_token
from casework.partners.models import Delivery, Partner
from casework.partners.webhooks import body as webhook_body
from casework.partners.webhooks import disable_endpoint, endpoint
from casework.partners.webhooks import headers as webhook_headers
from casework.ports import (
    Mailer,
    MediaStore,
    SendOutcome,
    SendResult,
    Signer,
    SmsSender,
    WebhookPoster,
)
from casework.protection.fields import seal
from casework.protection.keys import Keyring
from casework.routing.oncall import alarm_reached_no_phone
from casework.sla.service import REFRESH_BATCH, refresh_stale, send_due
from casework.sms.service import conversation_for_phone, may_text, opt_out_by_outbox
from casework.sql import insert_ignoring_conflict
from casework.staff.models import StaffNotification
from casework.staff.sessions import purge_ended_sessions
from casework.staff.throttle import ThrottlePolicy
from casework.staff.throttle import purge_stale as purge_stale_login_counts
from hotline.database import Database

log = logging.getLogger("hotline.worker")

MAX_MEDIA_BYTES = 5 * 1024 * 1024
ALERT_TEXT = "Safeguarding hotline: {priority} case {reference} needs someone now ({why})."


@dataclass
class WorkerConfig:
    """How the worker behaves."""

    public_base_url: str
    oncall_phones: list[str] = field(default_factory=list)
    batch: int = 20
    lease: dt.timedelta = dt.timedelta(seconds=60)
    poll_seconds: float = 0.5
    audit_every: float = 0.5
    checkpoint_every: float = 10.0
    purge_every: float = 3600.0
    sla_every: float = 15.0
    link_days: dt.timedelta = dt.timedelta(days=7)
    login_throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)


class Worker:
    """Claims due outbox rows, hands each to its adapter, settles the outcome."""

    def __init__(
        self,
        db: Database,
        *,
        keyring: Keyring,
        clock: Clock,
        sms: SmsSender,
        media: MediaStore,
        signer: Signer | None,
        config: WorkerConfig,
        rng: random.Random | None = None,
        webhooks: WebhookPoster | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.clock = clock
        self.sms = sms
        self.media = media
        self.signer = signer
        self.config = config
        self.webhooks = webhooks
        self.mailer = mailer
        self.rng = rng or random.Random()  # noqa: S311 - jitter for back-off, not a secret
        self._last: dict[str, float] = {}

    # ------------------------------------------------------------------ outbox
    def deliver_due(self) -> int:
        """Claim one batch and deliver it; returns how many rows were handled."""
        claimed = self.db.run(
            lambda s: claim(
                s,
                keyring=self.keyring,
                now=self.clock.now(),
                lease=self.config.lease,
                batch=self.config.batch,
            ),
            write=True,
        )
        for item in claimed:
            try:
                if self._still_mine(item):
                    self._deliver(item)
            except Exception:  # one bad row must not stop the others; it is retried
                log.exception("delivery failed", extra={"kind": item.kind.value})
                self._retry_after_error(item)
        return len(claimed)

    def _still_mine(self, item: Claimed) -> bool:
        """Renew the lease just before acting; False if the row was taken over or cancelled."""
        return self.db.run(
            lambda s: renew(
                s, item.id, attempt=item.attempts, now=self.clock.now(), lease=self.config.lease
            ),
            write=True,
        )

    def _retry_after_error(self, item: Claimed) -> None:
        self.db.run(
            lambda s: retry_later(
                s,
                item.id,
                attempt=item.attempts,
                error="worker_error",
                now=self.clock.now(),
                rng=self.rng,
            ),
            write=True,
        )

    def _deliver(self, item: Claimed) -> None:
        if item.kind is OutboxKind.SMS:
            self._text_reporter(item)
        elif item.kind is OutboxKind.ALERT:
            self._alert(item)
        elif item.kind is OutboxKind.MEDIA_FETCH:
            self._fetch_media(item)
        elif item.kind is OutboxKind.MEDIA_DELETE:
            self._delete_media(item)
        elif item.kind is OutboxKind.STAFF_NOTICE:
            self._notify_staff(item)
        elif item.kind is OutboxKind.WEBHOOK:
            self._webhook(item)
        elif item.kind is OutboxKind.EMAIL:
            self._email(item)

    def _status_callback(self, item: Claimed) -> str:
        # Our id in the URL: Twilio echoes it with every status, and it is the idempotency key;
        # the attempt tells a late word about an earlier attempt from the current one.
        base = self.config.public_base_url
        return f"{base}/twilio/sms/status?m={item.id.hex}&a={item.attempts}"

    def _text_reporter(self, item: Claimed) -> None:
        def allowed(s: Session) -> bool:
            # Checked again now: a STOP or the safe word may have come since it was queued.
            row = s.get(OutboxMessage, item.id)
            index = row.phone_index if row else None
            return index is not None and may_text(conversation_for_phone(s, index))

        if not self.db.run(allowed, write=False):
            self.db.run(
                lambda s: mark_failed(
                    s, item.id, attempt=item.attempts, error="not_allowed", dead=False
                ),
                write=True,
            )
            return
        result = self.sms.send(
            to=str(item.payload["to"]),
            body=str(item.payload["body"]),
            status_callback=self._status_callback(item),
            idempotency_key=item.idempotency_key,
        )
        self._settle(item, result)

    def _alert(self, item: Claimed) -> None:
        # The region's on-call rota when it names someone with a phone, else the
        # installation's on-call phones.
        phones = [str(p) for p in item.payload.get("to") or []] or self.config.oncall_phones
        if not phones:
            case = item.payload.get("case")

            def nobody(s: Session) -> None:
                if mark_failed(
                    s, item.id, attempt=item.attempts, error="no_on_call_phone", dead=True
                ):
                    # Never silent: the supervisors and administrators see it in the console.
                    alarm_reached_no_phone(
                        s,
                        keyring=self.keyring,
                        case_id=uuid.UUID(str(case)) if case else None,
                        now=self.clock.now(),
                    )

            self.db.run(nobody, write=True)
            log.error("danger alert with nobody on call to text")
            return
        payload = item.payload
        body = ALERT_TEXT.format(
            priority=payload.get("priority", "?"),
            reference=payload.get("reference", "?"),
            why=payload.get("why") or f"reported by {payload.get('channel', '?')}",
        )
        results = [
            self.sms.send(
                to=phone,
                body=body,
                status_callback=self._status_callback(item),
                idempotency_key=f"{item.idempotency_key}:{n}",
            )
            for n, phone in enumerate(phones)
        ]
        sent = [r for r in results if r.outcome is SendOutcome.SENT]
        retry = [r for r in results if r.outcome is SendOutcome.RETRY]
        if sent:
            self._settle(item, sent[0])  # someone on call has it
        elif retry:
            self._settle(item, retry[0])
        else:
            self._settle(item, results[0])

    def _settle(self, item: Claimed, result: SendResult) -> None:
        now = self.clock.now()

        def settle(s: Session) -> None:
            attempt = item.attempts
            if result.outcome is SendOutcome.SENT:
                if mark_sent(
                    s, item.id, attempt=attempt, provider_ref=result.provider_ref, now=now
                ):
                    self._audit(
                        s, item, AuditAction.OUTBOX_DELIVERED, {"provider_ref": result.provider_ref}
                    )
            elif result.outcome is SendOutcome.RETRY:
                error = result.error or "retry"
                retry_later(s, item.id, attempt=attempt, error=error, now=now, rng=self.rng)
            else:
                dead = result.outcome is SendOutcome.REJECTED
                error = result.error or result.outcome.value
                if mark_failed(s, item.id, attempt=attempt, error=error, dead=dead):
                    self._audit(
                        s, item, AuditAction.OUTBOX_FAILED, {"outcome": result.outcome.value}
                    )
                if result.outcome is SendOutcome.OPTED_OUT:
                    opt_out_by_outbox(s, item.id, now=now)

        self.db.run(settle, write=True)

    def _audit(
        self, s: Session, item: Claimed, action: AuditAction, details: dict[str, object]
    ) -> None:
        record_event(
            s,
            keyring=self.keyring,
            action=action,
            actor=SYSTEM,
            object_type=f"outbox_{item.kind.value}",
            object_id=str(item.id),
            case_key=self.keyring.case_key_if_readable(s, item.case_id) if item.case_id else None,
            details={"attempt": item.attempts, **details},
            now=self.clock.now(),
        )

    def _fetch_media(self, item: Claimed) -> None:
        url = str(item.payload["url"])
        fetched = self.media.fetch(url, max_bytes=MAX_MEDIA_BYTES)
        if fetched.outcome is not SendOutcome.SENT:
            self._settle(item, SendResult(fetched.outcome, error=fetched.error))
            return
        now = self.clock.now()

        def store(s: Session) -> None:
            if item.case_id is None:
                raise RuntimeError("a media job without its case")
            existing = s.scalars(
                select(Attachment.id).where(Attachment.source_ref == item.idempotency_key)
            ).first()
            if existing is None:  # a retry after a crash must not keep the picture twice
                attachment_id = new_id()
                key = self.keyring.case_key(s, item.case_id)
                s.add(
                    Attachment(
                        id=attachment_id,
                        case_id=item.case_id,
                        message_id=uuid.UUID(str(item.payload["message_id"])),
                        content_type=(fetched.content_type or str(item.payload["content_type"]))[
                            :100
                        ],
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
                self._audit(
                    s, item, AuditAction.EVIDENCE_STORED, {"attachment": str(attachment_id)}
                )
                # Deleting it from the provider is a job of its own, queued with the evidence:
                # retried until done, and it outlives an erasure of the case.
                enqueue(
                    s,
                    keyring=self.keyring,
                    kind=OutboxKind.MEDIA_DELETE,
                    payload={"url": url},
                    now=now,
                )
            mark_sent(s, item.id, attempt=item.attempts, provider_ref=None, now=now)

        self.db.run(store, write=True)

    def _delete_media(self, item: Claimed) -> None:
        # Already gone counts as deleted (see the adapter); a refusal is dead-lettered.
        outcome = self.media.delete(str(item.payload["url"]))
        error = None if outcome is SendOutcome.SENT else f"delete_{outcome.value}"
        self._settle(item, SendResult(outcome, error=error))

    def _webhook(self, item: Claimed) -> None:
        """A signed webhook to a partner: the same id and body on every attempt, signed with
        this attempt's time; 410 Gone disables the endpoint and tells the administrators."""
        partner_id = uuid.UUID(str(item.payload["partner"]))
        target = self.db.run(lambda s: endpoint(s, self.keyring, partner_id), write=False)
        if target is None or self.webhooks is None:
            self.db.run(
                lambda s: mark_failed(
                    s, item.id, attempt=item.attempts, error="endpoint_off", dead=False
                ),
                write=True,
            )
            return
        content = webhook_body(item.payload, public_base_url=self.config.public_base_url)
        msg_id = str(item.payload["webhook_id"])
        result = self.webhooks.post(
            url=target.url,
            body=content,
            headers=webhook_headers(target.secret, msg_id, self.clock.now(), content),
        )
        if result.outcome is SendOutcome.GONE:
            now = self.clock.now()

            def gone(s: Session) -> None:
                disable_endpoint(s, keyring=self.keyring, partner_id=partner_id, now=now)
                if mark_failed(s, item.id, attempt=item.attempts, error="http_410", dead=True):
                    self._audit(s, item, AuditAction.OUTBOX_FAILED, {"outcome": "gone"})

            self.db.run(gone, write=True)
            return
        self._settle(item, result)

    def _email(self, item: Claimed) -> None:
        """An e-mail to a partner with a signed link that ends after ``link_days``."""
        partner_id = uuid.UUID(str(item.payload["partner"]))
        referral_id = uuid.UUID(str(item.payload["referral"]))
        now = self.clock.now()
        expires = now + self.config.link_days

        def prepare(s: Session) -> tuple[str, str] | None:
            partner = s.get(Partner, partner_id)
            if partner is None or partner.delivery is not Delivery.EMAIL or not partner.active:
                return None
            address = partner_secret(s, self.keyring, partner, "email")
            token = make_token(s, self.keyring, referral_id, expires)
            return (address, token) if address else None

        prepared = self.db.run(prepare, write=False)
        if prepared is None or self.mailer is None:
            self.db.run(
                lambda s: mark_failed(
                    s, item.id, attempt=item.attempts, error="email_off", dead=False
                ),
                write=True,
            )
            return
        address, token = prepared
        event = str(item.payload["type"])
        link = f"{self.config.public_base_url.rstrip('/')}/partner/referrals/{token}"
        subject, text = email_text(
            event=event, link=link if carries_link(event) else None, expires_at=expires
        )
        result = self.mailer.send(to=address, subject=subject, text=text, message_id=item.id.hex)
        self._settle(item, result)

    def _notify_staff(self, item: Claimed) -> None:
        """Notices in the console of each member of staff named (once each, even on retry)."""
        now = self.clock.now()

        def notify(s: Session) -> None:
            for n, user_id in enumerate(item.payload.get("to", [])):
                insert_ignoring_conflict(
                    s,
                    StaffNotification,
                    {
                        "id": new_id(),
                        "user_id": uuid.UUID(str(user_id)),
                        "kind": str(item.payload.get("kind", "notice"))[:40],
                        "text": str(item.payload.get("text", ""))[:300],
                        "case_id": uuid.UUID(str(item.payload["case"]))
                        if item.payload.get("case")
                        else None,
                        "source_ref": f"{item.id.hex}:{n}",
                        "created_at": now,
                    },
                    ["source_ref"],
                )
            mark_sent(s, item.id, attempt=item.attempts, provider_ref=None, now=now)

        self.db.run(notify, write=True)

    # ------------------------------------------------------------------ periodic jobs
    def _due(self, name: str, every: float) -> bool:
        now = time.monotonic()
        if now - self._last.get(name, float("-inf")) < every:
            return False
        self._last[name] = now
        return True

    def periodic(self) -> None:
        """The audit sequencer and checkpoints, and forgetting expired follow-up counters."""
        if self.signer is not None and self._due("audit", self.config.audit_every):
            while self.db.run(lambda s: sequence(s, batch=1000), write=True) == 1000:
                pass
            if self._due("checkpoint", self.config.checkpoint_every):
                signer = self.signer
                self.db.run(
                    lambda s: issue_checkpoint(s, signer=signer, now=self.clock.now()), write=True
                )
        if self._due("sla", self.config.sla_every):
            self.scan_sla()
        if self._due("purge", self.config.purge_every):
            self.db.run(lambda s: purge_stale_throttles(s, clock=self.clock), write=True)
            self.db.run(lambda s: forget_after_retry_window(s, now=self.clock.now()), write=True)
            self.db.run(
                lambda s: purge_stale_login_counts(
                    s, now=self.clock.now(), policy=self.config.login_throttle
                ),
                write=True,
            )
            self.db.run(lambda s: purge_ended_sessions(s, now=self.clock.now()), write=True)

    def scan_sla(self) -> int:
        """Rebuild the clocks of cases whose history grew, then send warnings and breaches
        that are due (each batch its own short transaction); returns notices sent."""
        while self.db.run(refresh_stale, write=True) == REFRESH_BATCH:
            pass
        sent = 0
        while True:
            looked, notices = self.db.run(
                lambda s: send_due(s, keyring=self.keyring, now=self.clock.now()), write=True
            )
            sent += len(notices)
            if not looked:
                return sent

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set."""
        while not stop.is_set():
            busy = False
            try:
                busy = self.deliver_due() > 0
                self.periodic()
            except Exception:  # the database may be away for a moment; try again soon
                log.exception("worker cycle failed")
            if not busy:
                stop.wait(self.config.poll_seconds)
