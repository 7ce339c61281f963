"""Building the adapters the app needs from settings (composition root), and checking them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.audit.note import NoteError, Verifier, open_checkpoint, verifier_key
from casework.audit.sequencer import latest_checkpoint, open_log
from casework.clock import Clock
from casework.ports import (
    FetchedMedia,
    KeyUnavailable,
    MediaStore,
    SendOutcome,
    SendResult,
    Signer,
    SmsSender,
)
from casework.protection.keys import Keyring
from casework.protection.models import ROOT_KEY_ID, DataKey
from hotline.runtime.database import Database
from hotline.settings import Settings, SettingsError
from hotline.worker import Worker, WorkerConfig
from integrations.email.smtp import SmtpMailer
from integrations.keys.local import KeyFileError, LocalKeyFile
from integrations.twilio.sender import TwilioMediaStore, TwilioSmsSender
from integrations.webhooks.http import HttpWebhookPoster


def _has_encrypted_data(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            return (
                conn.execute(select(DataKey.id).where(DataKey.id == ROOT_KEY_ID)).first()
                is not None
            )
    except DBAPIError:  # not migrated yet (or unreachable): nothing to protect yet
        return False


def stored_audit_origin(engine: Engine) -> str | None:
    """The name of this database's audit log: the origin line of its newest checkpoint."""
    try:
        with Session(engine) as session:
            note = latest_checkpoint(session)
    except DBAPIError:  # not migrated yet (or unreachable): no log yet
        return None
    return note.split("\n", 1)[0] if note else None


def audit_origin(settings: Settings, *, engine: Engine | None) -> str:
    """The audit log's origin: fixed at the first start, whatever the URL is now.

    A log is named in every checkpoint it signed (and auditors hold those), so it cannot be
    renamed: once the database has a checkpoint, its name wins over the one derived from
    HOTLINE_PUBLIC_BASE_URL, and an explicit HOTLINE_AUDIT_ORIGIN that disagrees stops
    start-up.
    """
    stored = stored_audit_origin(engine) if engine is not None else None
    if stored is None:
        return settings.audit_log_name
    if settings.audit_origin is not None and settings.audit_origin != stored:
        raise SettingsError(
            f"HOTLINE_AUDIT_ORIGIN is {settings.audit_origin} but this database's audit log "
            f"is named {stored} in its signed checkpoints, and a log cannot be renamed: "
            f"unset HOTLINE_AUDIT_ORIGIN or set it to {stored}"
        )
    return stored


def build_key_file(settings: Settings, *, engine: Engine | None = None) -> LocalKeyFile:
    """The key provider and audit signer (signing under the log's stored origin).

    Created on first use in development only, and never for a database that already holds
    encrypted data: a missing key file there means the keys are lost or misplaced, and a new
    one would silently split the data between two sets of keys.
    """
    create = settings.env == "development" and not settings.key_path.exists()
    if create and engine is not None and _has_encrypted_data(engine):
        raise SettingsError(
            f"the key file {settings.key_path} is missing but the database holds data "
            "encrypted with it: restore the key file (or point HOTLINE_KEY_FILE at it)"
        )
    name = audit_origin(settings, engine=engine)
    try:
        return LocalKeyFile(
            settings.key_path, create=settings.env == "development", signer_name=name
        )
    except KeyFileError as exc:
        raise SettingsError(str(exc)) from exc


def open_audit_log(db: Database, keys: Signer, keyring: Keyring, *, now: dt.datetime) -> bool:
    """At the first start, name the audit log for good: a first event and a signed checkpoint
    under ``keys.name``. True when this call named it (False: it already had a name)."""
    return db.run(
        lambda s: open_log(s, signer=keys, keyring=keyring, actor=SYSTEM, now=now), write=True
    )


def check_keys(db: Database, keys: Signer, keyring: Keyring) -> str | None:
    """Why these keys cannot serve this database, or None when they can.

    The root key must unwrap (the master keys are the ones the data was written with) and the
    newest checkpoint must verify (the signing key is the log's).
    """
    try:
        db.run(lambda s: keyring.purpose_key(s, "audit"), write=True)
    except KeyUnavailable:
        return "the key file does not hold the master key this database's data is wrapped with"
    note = db.run(latest_checkpoint, write=False)
    if note is not None:
        try:
            open_checkpoint(note, Verifier.parse(verifier_key(keys.name, keys.public_key())))
        except NoteError:
            return (
                "the audit signing key in the key file is not the one that signed this "
                "database's audit checkpoints"
            )
    return None


class SmsNotConfigured:
    """Stands in for Twilio when SMS is not set up (production without HOTLINE_TWILIO_*)."""

    def send(
        self, *, to: str, body: str, status_callback: str | None, idempotency_key: str
    ) -> SendResult:
        """Refuse: the row is dead-lettered where an operator sees it."""
        del to, body, status_callback, idempotency_key
        return SendResult(SendOutcome.REJECTED, error="sms_not_configured")

    def fetch(self, url: str, *, max_bytes: int) -> FetchedMedia:
        """Refuse."""
        del url, max_bytes
        return FetchedMedia(SendOutcome.REJECTED, error="sms_not_configured")

    def delete(self, url: str) -> SendOutcome:
        """Refuse."""
        del url
        return SendOutcome.REJECTED


def build_sms(settings: Settings) -> tuple[SmsSender, MediaStore]:
    """The text sender and media store: Twilio (or the development simulator)."""
    twilio = settings.twilio
    if twilio is None:
        missing = SmsNotConfigured()
        return missing, missing
    return (
        TwilioSmsSender(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token,
            sender=twilio.sender,
            api_base=twilio.api_base,
        ),
        TwilioMediaStore(
            account_sid=twilio.account_sid, auth_token=twilio.auth_token, api_base=twilio.api_base
        ),
    )


def build_worker(
    settings: Settings, *, db: Database, keyring: Keyring, signer: Signer | None, clock: Clock
) -> Worker:
    """A worker wired to the configured adapters."""
    sms, media = build_sms(settings)
    return Worker(
        db,
        keyring=keyring,
        clock=clock,
        sms=sms,
        media=media,
        signer=signer,
        webhooks=HttpWebhookPoster(),
        mailer=_mailer(settings),
        config=WorkerConfig(
            public_base_url=settings.public_base_url,
            oncall_phones=settings.on_call,
            batch=settings.worker_batch,
            lease=dt.timedelta(seconds=settings.outbox_lease_seconds),
            poll_seconds=settings.worker_poll_seconds,
            audit_every=settings.audit_sequence_seconds,
            checkpoint_every=settings.audit_checkpoint_seconds,
            login_throttle=settings.staff_auth.throttle,
            link_days=dt.timedelta(days=settings.partner_link_days),
            default_phone_region=settings.default_phone_region,
            intake_build_batch=settings.intake_build_batch,
            intake_builders=settings.intake_builders,
            small_batches=settings.is_sqlite,
            intake_backlog_alarm_seconds=settings.intake_backlog_alarm_seconds,
            sms_safe_word=settings.sms_safe_word,
            emergency_number=settings.emergency_number,
        ),
    )


def _mailer(settings: Settings) -> SmtpMailer | None:
    """The SMTP mailer when a mail server is configured (HOTLINE_SMTP_*)."""
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_user,
        password=password,
        starttls=settings.smtp_starttls,
    )
