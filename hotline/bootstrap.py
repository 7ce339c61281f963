"""Building the adapters the app needs from settings (composition root), and checking them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from casework.audit.note import NoteError, Verifier, open_checkpoint, verifier_key
from casework.audit.sequencer import latest_checkpoint
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
from hotline.database import Database
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


def build_key_file(settings: Settings, *, engine: Engine | None = None) -> LocalKeyFile:
    """The key provider and audit signer.

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
    try:
        return LocalKeyFile(
            settings.key_path,
            create=settings.env == "development",
            signer_name=settings.audit_log_name,
        )
    except KeyFileError as exc:
        raise SettingsError(str(exc)) from exc


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
                "the audit signing key (or HOTLINE_AUDIT_ORIGIN) is not the one that signed "
                "this database's audit checkpoints"
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
