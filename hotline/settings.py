"""All configuration, from ``HOTLINE_*`` environment variables (and an optional ``.env``).

Only ``hotline`` and ``alembic/env.py`` read settings; other packages get values passed in.
In production every setting that has a development default must be given explicitly, and a
value that looks like a placeholder stops start-up with a message naming the variable.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from casework.staff.passwords import PasswordHashing
from casework.staff.sessions import SessionPolicy
from casework.staff.signin import StaffAuthConfig
from casework.staff.throttle import ThrottlePolicy

_PLACEHOLDER = re.compile(
    r"change.?me|placeholder|example|dummy|default|secret|password|xxx|todo|<[^>]*>",
    re.IGNORECASE,
)
_DEV_BASE_URL = "http://127.0.0.1:8000"


DEV_TWILIO_SID = "AC" + "d" * 32
DEV_ONCALL_PHONE = "+15005550009"  # the simulated on-call phone: GET /dev/phone/+15005550009
DEV_TWILIO_TOKEN = "development-only-simulated-twilio"  # noqa: S105 - never used in production


@dataclass(frozen=True)
class TwilioSettings:
    """The Twilio account in use (or the development simulator)."""

    account_sid: str
    auth_token: str = field(repr=False)
    sender: str
    api_base: str
    simulated: bool


class SettingsError(ValueError):
    """A setting is missing or unacceptable; the message names the variable."""


class Settings(BaseSettings):
    """Configuration of one hotline process."""

    # An empty variable means "not set" (compose files pass optional ones through empty).
    model_config = SettingsConfigDict(
        env_prefix="HOTLINE_", env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file under data_dir"
    )
    public_base_url: str = Field(
        default=_DEV_BASE_URL,
        description="External URL, used for webhook signatures and links; in development "
        "without it, http://<host>:<port> of `hotline serve`",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    db_pool_size: int = Field(default=32, ge=1, le=500)
    db_max_overflow: int = Field(default=8, ge=0, le=500)
    default_phone_region: str | None = Field(
        default=None, description="ISO 3166 region for phone numbers written without +country"
    )
    quick_exit_url: str = "https://www.wikipedia.org/"
    emergency_number: str = Field(default="112", max_length=20)
    helpline_number: str = Field(default="116 111", max_length=20)
    # A full form in the most expensive encoding (5,000 emoji, percent-encoded) is ~63 KB.
    max_body_bytes: int = Field(default=128 * 1024, ge=1024)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    key_file: Path | None = Field(
        default=None,
        description="Local key file (master keys, audit signing key); default: in data_dir. "
        "Created on first use in development only.",
    )
    audit_origin: str | None = Field(
        default=None,
        pattern=r"^[^\s+]+$",
        description="Name of a new audit log in its checkpoints; default: <public host>/audit. "
        "Fixed at the first start: a log that has checkpoints keeps its name",
    )
    twilio_account_sid: str | None = Field(default=None, pattern=r"^AC[0-9a-fA-F]{32}$")
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = Field(
        default=None,
        pattern=r"^(\+[1-9][0-9]{6,14}|MG[0-9a-fA-F]{32})$",
        description="Our number (E.164) or a Messaging Service SID",
    )
    twilio_api_base: str = "https://api.twilio.com"
    sms_safe_word: str = Field(default="BANANA", min_length=3, max_length=20)
    oncall_phones: list[str] = Field(
        default_factory=list, description="E.164 numbers texted when a child is in danger"
    )
    smtp_host: str | None = Field(default=None, description="Mail server for partners' e-mail")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field(default="hotline@localhost", max_length=254)
    smtp_starttls: bool = False
    partner_link_days: float = Field(
        default=7, gt=0, le=60, description="How long a partner's e-mailed link works"
    )
    session_idle_minutes: float = Field(default=30, gt=0, le=24 * 60)
    session_max_hours: float = Field(default=12, gt=0, le=7 * 24)
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65536, ge=1024, le=4 * 1024 * 1024)
    password_hash_parallelism: int = Field(default=4, ge=1, le=16)
    login_lock_after: int = Field(default=10, ge=3, le=1000)
    login_lock_minutes: float = Field(default=15, gt=0, le=24 * 60)
    login_slow_seconds: float = Field(
        default=1.0, ge=0, le=30, description="first added wait after repeated failures"
    )
    break_glass_minutes: int = Field(default=60, ge=5, le=24 * 60)
    # At least 2: a threshold of 1 would publish every count, which no setting may allow.
    stats_small_cell_threshold: int = Field(
        default=5,
        ge=2,
        le=100,
        description="Published statistics show counts under this as '<N' (small-cell suppression)",
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        max_length=500,
        description="Proxies trusted to say the client's address (X-Forwarded-For), "
        "comma-separated; unset: the connection's own address is used",
    )
    serve_runs_worker: bool | None = Field(
        default=None,
        description="Run the worker inside `hotline serve`; default: on SQLite only "
        "(with PostgreSQL, run `hotline worker` processes)",
    )
    worker_batch: int = Field(default=20, ge=1, le=500)
    intake_build_inline: bool = Field(
        default=False,
        description=(
            "Build every report's case inside its request, as before the intake inbox "
            "(for tests and very small installations); otherwise the builder job does"
        ),
    )
    intake_urgent_lane: int = Field(
        default=4,
        ge=0,
        le=64,
        description=(
            "Danger reports built inside their request at once, per process; more wait "
            "in the inbox, where the builder takes them first"
        ),
    )
    intake_build_batch: int = Field(default=50, ge=1, le=1000)
    intake_builders: int = Field(
        default=2,
        ge=1,
        le=16,
        description=(
            "Threads building cases at once in each worker process (PostgreSQL; SQLite has "
            "one): while one waits for the database another works"
        ),
    )
    sms_queue_texts: bool | None = Field(
        default=None,
        description=(
            "Store a text that can wait and answer Twilio at once, the worker handling it; "
            "default: with PostgreSQL only (on SQLite one process does both anyway)"
        ),
    )
    intake_backlog_alarm_seconds: float = Field(
        default=120,
        gt=0,
        le=86_400,
        description="A supervisor is told when a report has waited this long for its case",
    )
    worker_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    outbox_lease_seconds: float = Field(default=60, ge=1, le=3600)
    audit_sequence_seconds: float = Field(default=0.5, gt=0, le=60)
    audit_checkpoint_seconds: float = Field(default=10.0, gt=0, le=3600)

    @field_validator("public_base_url", "quick_exit_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _development_url_is_where_serve_listens(self) -> Settings:
        # Without this, `serve --port 9000` would sign and call back at :8000. Set while the
        # (frozen) model is being built; model_fields_set still says it was not given, which
        # production's check below and `public_url_given` rely on.
        if self.env == "development" and "public_base_url" not in self.model_fields_set:
            object.__setattr__(self, "public_base_url", local_url(self.host, self.port))
        return self

    @model_validator(mode="after")
    def _production_needs_real_values(self) -> Settings:
        if self.env != "production":
            return self
        given = self.model_fields_set
        if "database_url" not in given or self.database_url is None:
            raise SettingsError("HOTLINE_DATABASE_URL must be set in production")
        if "public_base_url" not in given:
            raise SettingsError("HOTLINE_PUBLIC_BASE_URL must be set in production")
        if self.key_file is None:
            raise SettingsError(
                "HOTLINE_KEY_FILE must be set in production (it is never generated)"
            )
        if not self.public_base_url.startswith("https://"):
            raise SettingsError("HOTLINE_PUBLIC_BASE_URL must be an https:// URL in production")
        password = urlsplit(self.database_url.get_secret_value()).password
        if password is not None and _PLACEHOLDER.search(password):
            raise SettingsError("HOTLINE_DATABASE_URL has a placeholder password")
        if self.twilio_account_sid and not self.oncall_phones:
            raise SettingsError(
                "HOTLINE_ONCALL_PHONES must name at least one phone in production when SMS is "
                "set up: danger alerts go there"
            )
        for name, value in self.secrets().items():
            if value is not None and _PLACEHOLDER.search(value.get_secret_value()):
                raise SettingsError(f"HOTLINE_{name.upper()} looks like a placeholder")
        return self

    def secrets(self) -> dict[str, SecretStr | None]:
        """Every secret setting other than the database URL (checked separately)."""
        return {
            name: value
            for name, value in self.__dict__.items()
            if isinstance(value, SecretStr) and name != "database_url"
        }

    @property
    def public_url_given(self) -> bool:
        """True when HOTLINE_PUBLIC_BASE_URL was set (not derived from where `serve` listens)."""
        return "public_base_url" in self.model_fields_set

    @property
    def serve_record(self) -> Path:
        """Where a development `hotline serve` writes the URL it serves on (`serve.json`)."""
        return self.data_dir / "serve.json"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL to connect to."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'hotline.db').as_posix()}"

    @property
    def twilio(self) -> TwilioSettings | None:
        """Everything needed to talk to Twilio, or None when SMS is not set up.

        In development with nothing configured, the built-in simulated phone network
        (``/dev/twilio``) stands in for Twilio with a fixed development token.
        """
        if self.twilio_account_sid and self.twilio_auth_token and self.twilio_from:
            return TwilioSettings(
                account_sid=self.twilio_account_sid,
                auth_token=self.twilio_auth_token.get_secret_value(),
                sender=self.twilio_from,
                api_base=self.twilio_api_base.rstrip("/"),
                simulated=False,
            )
        if self.env == "development":
            return TwilioSettings(
                account_sid=DEV_TWILIO_SID,
                auth_token=DEV_TWILIO_TOKEN,
                sender="+15005550006",
                api_base=f"{self.public_base_url}/dev/twilio",
                simulated=True,
            )
        return None

    @property
    def on_call(self) -> list[str]:
        """Who is texted when a child is in danger (a simulated phone in development)."""
        twilio = self.twilio
        if not self.oncall_phones and twilio is not None and twilio.simulated:
            return [DEV_ONCALL_PHONE]
        return list(self.oncall_phones)

    @field_validator("oncall_phones")
    @classmethod
    def _e164(cls, phones: list[str]) -> list[str]:
        for phone in phones:
            if not re.fullmatch(r"\+[1-9][0-9]{6,14}", phone):
                raise ValueError("on-call phones must be E.164 numbers like +359888123456")
        return phones

    @property
    def key_path(self) -> Path:
        """Where the key file is."""
        return self.key_file or self.data_dir / "keys.json"

    @property
    def audit_log_name(self) -> str:
        """The origin line and signing key name a new audit log gets at its first start.

        A log that already has checkpoints keeps the name in them (``hotline.bootstrap``).
        """
        return self.audit_origin or f"{urlsplit(self.public_base_url).netloc}/audit"

    @property
    def is_sqlite(self) -> bool:
        """True on the embedded default."""
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def staff_auth(self) -> StaffAuthConfig:
        """Costs and lifetimes of staff sign-in."""
        return StaffAuthConfig(
            hashing=PasswordHashing(
                time_cost=self.password_hash_time_cost,
                memory_kib=self.password_hash_memory_kib,
                parallelism=self.password_hash_parallelism,
            ),
            sessions=SessionPolicy(
                idle=dt.timedelta(minutes=self.session_idle_minutes),
                absolute=dt.timedelta(hours=self.session_max_hours),
            ),
            throttle=ThrottlePolicy(
                account_lock_after=self.login_lock_after,
                lock_for=dt.timedelta(minutes=self.login_lock_minutes),
                base_delay_seconds=self.login_slow_seconds,
                max_delay_seconds=max(8 * self.login_slow_seconds, self.login_slow_seconds),
            ),
        )

    @property
    def queues_texts(self) -> bool:
        """Whether the SMS webhook leaves texts that can wait to the worker."""
        if self.intake_build_inline:
            return False
        return not self.is_sqlite if self.sms_queue_texts is None else self.sms_queue_texts

    @property
    def worker_in_serve(self) -> bool:
        """Whether `hotline serve` runs the worker in its own process."""
        return self.is_sqlite if self.serve_runs_worker is None else self.serve_runs_worker


def local_url(host: str, port: int) -> str:
    """The URL of this machine's service listening on ``host``:``port``."""
    if host in {"", "0.0.0.0", "::", "[::]"}:  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"  # every interface: this machine reaches it on loopback
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def write_serve_record(settings: Settings) -> None:
    """Tell local tools (`hotline sms simulate`, a separate `hotline worker`) where the
    development service answers: ``url`` (signatures, links) and ``local`` (where it listens)."""
    record = {
        "url": settings.public_base_url,
        "local": local_url(settings.host, settings.port),
        "pid": os.getpid(),
    }
    settings.serve_record.write_text(json.dumps(record) + "\n")


def read_serve_record(settings: Settings) -> dict[str, str] | None:
    """What a development `hotline serve` wrote about itself, or None."""
    try:
        data = json.loads(settings.serve_record.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("url", "local")
    ):
        return None
    return {"url": data["url"], "local": data["local"], "pid": str(data.get("pid", ""))}


def forget_serve_record(settings: Settings) -> None:
    """Remove the record when it is this process's own (a newer `serve` may have replaced it)."""
    record = read_serve_record(settings)
    if record is not None and record["pid"] == str(os.getpid()):
        settings.serve_record.unlink(missing_ok=True)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning validation errors into one clear message.

    ``overrides`` (e.g. ``host``/``port`` from `hotline serve`) win over the environment.
    """
    from pydantic import ValidationError  # noqa: PLC0415 - only needed on the error path

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = "_".join(str(p) for p in err["loc"])
            name = f"HOTLINE_{loc.upper()}: " if loc else ""
            problems.append(f"{name}{err['msg']}")
        raise SettingsError("; ".join(problems)) from None
