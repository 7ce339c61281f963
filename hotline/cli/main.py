"""The ``hotline`` command: run the service and operate it."""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from casework.clock import SystemClock
from hotline import __version__
from hotline.settings import (
    Settings,
    SettingsError,
    forget_serve_record,
    load_settings,
    read_serve_record,
    write_serve_record,
)

if TYPE_CHECKING:  # imported where used: `hotline version` must stay quick
    from casework.protection.keys import Keyring
    from hotline.runtime.database import Database
    from integrations.keys.local import LocalKeyFile

# Pretty tracebacks print local variables, which can hold a child's words: plain ones only.
app = typer.Typer(
    help="Safeguarding Hotline: intake, casework and audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(db_app, name="db")
maintenance_app = typer.Typer(
    help="Housekeeping an operator (or cron) runs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(maintenance_app, name="maintenance")


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def _migrate(settings: Settings, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (the embedded database's folder made first)."""
    from hotline.runtime.migrations import upgrade  # noqa: PLC0415 - keep `hotline version` light

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url, revision)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    _migrate(_settings(), revision)
    typer.echo(f"Database upgraded to {revision}.")


def _seed_demo(settings: Settings) -> None:
    from casework.protection.keys import Keyring  # noqa: PLC0415
    from hotline.bootstrap import build_key_file  # noqa: PLC0415
    from hotline.cli.context import Command  # noqa: PLC0415
    from hotline.cli.demo import PARTNER, seed_demo  # noqa: PLC0415
    from hotline.runtime.database import Database  # noqa: PLC0415

    db = Database.from_settings(settings)
    keys = build_key_file(settings, engine=db.engine)
    try:
        result = Command(settings, db, keys, Keyring(keys)).write(
            seed_demo, hashing=settings.staff_auth.hashing
        )
    finally:
        db.dispose()
    if not result.seeded:
        typer.echo("Demo data is already there; nothing added.")
        return
    typer.echo("Demo data added: 3 regions, 7 schools and these sample reports:")
    for receipt in result.receipts:
        typer.echo(
            f"  {receipt.reference}  priority {receipt.priority.value}  "
            f"follow-up code {receipt.follow_up_code}"
        )
    typer.echo(f"and {result.past_cases} past cases over 26 weeks, for the response-time charts.")
    typer.echo("Demo staff (development only; add each TOTP secret to an authenticator app):")
    for login in result.logins:
        typer.echo(
            f"  {login.role.value:<13} {login.username:<15} password {login.password}  "
            f"TOTP secret {login.totp_secret}"
        )
    typer.echo(
        "  Current code without an app: "
        "python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\""
    )
    typer.echo(f"Partner API key of {PARTNER[0]}: {result.partner_key}")


@maintenance_app.command("purge")
def maintenance_purge() -> None:
    """Forget expired follow-up attempt counters and inbox answers past the retry window."""
    from casework.followup.service import purge_stale_throttles  # noqa: PLC0415
    from casework.intake.inbox import forget_after_retry_window  # noqa: PLC0415
    from hotline.runtime.database import Database  # noqa: PLC0415

    db = Database.from_settings(_settings())
    clock = SystemClock()
    try:
        removed = db.run(lambda s: purge_stale_throttles(s, clock=clock), write=True)
        forgotten = db.run(lambda s: forget_after_retry_window(s, now=clock.now()), write=True)
    finally:
        db.dispose()
    typer.echo(f"Removed {removed} expired follow-up attempt counters.")
    typer.echo(f"Forgot {forgotten} inbox answers and payloads past the retry window.")


@app.command()
def demo() -> None:
    """Seed demo regions, schools and sample reports (only into an empty database)."""
    settings = _settings()
    if settings.env == "production":
        typer.echo("Refusing to add demo data in production.", err=True)
        raise typer.Exit(2)
    if settings.is_sqlite:
        _migrate(settings)
    _seed_demo(settings)


def _open_for_service(settings: Settings) -> tuple[Database, LocalKeyFile, Keyring]:
    """The database and keys, checked: migrated to this code's schema, keys that fit the data."""
    from casework.protection.keys import Keyring  # noqa: PLC0415
    from hotline.bootstrap import build_key_file, check_keys, open_audit_log  # noqa: PLC0415
    from hotline.runtime.database import Database  # noqa: PLC0415
    from hotline.runtime.migrations import current_revision, head_revision  # noqa: PLC0415

    db = Database.from_settings(settings)
    current = current_revision(db.engine)
    if current != head_revision():
        typer.echo(
            f"The database is at revision {current}, this code needs {head_revision()}: "
            "run `hotline db upgrade` first.",
            err=True,
        )
        raise typer.Exit(2)
    try:
        keys = build_key_file(settings, engine=db.engine)
    except SettingsError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    keyring = Keyring(keys)
    db.run(lambda s: keyring.ensure_root(s, now=SystemClock().now()), write=True)
    problem = check_keys(db, keys, keyring)
    if problem is not None:
        typer.echo(f"Refusing to start: {problem}.", err=True)
        raise typer.Exit(2)
    # The first start names the audit log for good (its first signed checkpoint).
    open_audit_log(db, keys, keyring, now=SystemClock().now())
    return db, keys, keyring


@app.command(
    help="Run the web service. On the embedded default (SQLite) the schema is migrated "
    "first.\n\nIn development without HOTLINE_PUBLIC_BASE_URL, the public URL (webhook "
    "signatures, links, the simulated phone network) is http://HOST:PORT, written to "
    "serve.json in the data dir so that `hotline sms simulate` finds this service."
)
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default: HOTLINE_HOST).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port to listen on (default: HOTLINE_PORT)."),
    ] = None,
    with_demo: Annotated[
        bool, typer.Option("--demo", help="Seed demo data first (development only).")
    ] = False,
) -> None:
    """Run the web service (help: above)."""
    import uvicorn  # noqa: PLC0415

    from hotline.app import create_app  # noqa: PLC0415
    from hotline.runtime.logging_setup import configure_logging  # noqa: PLC0415

    listen = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings(**listen)
    configure_logging(settings.log_level)
    if settings.is_sqlite:
        _migrate(settings)
    if with_demo:
        if settings.env == "production":
            typer.echo("--demo is refused in production.", err=True)
            raise typer.Exit(2)
        _seed_demo(settings)
    db, keys, _ = _open_for_service(settings)
    _print_start(settings, audit_origin=keys.name)
    _warn_coverage(settings, db)
    if settings.env == "development":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        write_serve_record(settings)
    # uvicorn shuts down gracefully on SIGTERM, then raises it again: exit through `finally`.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        uvicorn.run(
            create_app(settings, database=db, keys=keys, background=settings.worker_in_serve),
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_config=None,
            # Sign-in throttling counts per client address: behind a proxy, trust only its word.
            proxy_headers=settings.forwarded_allow_ips is not None,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            server_header=False,
        )
    finally:
        forget_serve_record(settings)


def _warn_coverage(settings: Settings, db: Database) -> None:
    """Say loudly, before taking reports, through which gaps a report would reach nobody."""
    from casework.routing.coverage import Severity, coverage_gaps  # noqa: PLC0415

    gaps = db.run(
        lambda s: coverage_gaps(
            s, now=SystemClock().now(), installation_phones=len(settings.on_call)
        ),
        write=False,
    )
    if not gaps:
        return
    typer.echo(
        "\n*** Some reports would reach nobody. Fix this before children use it: ***", err=True
    )
    for gap in gaps:
        level = "FIX NOW" if gap.severity is Severity.CRITICAL else "warning"
        typer.echo(f"  [{level}] {gap.message}", err=True)
    typer.echo("  (Also on /readyz and on the console's Supervision page.)\n", err=True)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _print_start(settings: Settings, *, audit_origin: str) -> None:
    """Where to go: the pages and the documentation, and the audit log's name."""
    base = settings.public_base_url
    lines = [
        ("Report form", f"{base}/report"),
        ("Caseworker console", f"{base}/console"),
        ("API docs", f"{base}/docs"),
    ]
    twilio = settings.twilio
    if twilio is not None and twilio.simulated:
        lines.append(("Phone page", f"{base}/dev/phone (simulated SMS, this machine only)"))
    lines.append(("Audit log origin", audit_origin))
    typer.echo(f"Safeguarding Hotline {__version__} listening on {settings.host}:{settings.port}")
    for label, value in lines:
        typer.echo(f"  {label + ':':<20} {value}")
    if not settings.worker_in_serve:
        typer.echo("  Outbox and audit sequencing: run `hotline worker` (not in this process).")
    sys.stdout.flush()


def _register_operator_commands() -> None:
    from hotline.channels.sms.simulate import sms_app  # noqa: PLC0415
    from hotline.cli.ops import audit_app, cases_app, keys_app  # noqa: PLC0415
    from hotline.cli.partners import partners_app  # noqa: PLC0415
    from hotline.cli.stats import stats_app  # noqa: PLC0415
    from hotline.cli.teams import teams_app  # noqa: PLC0415
    from hotline.cli.users import users_app  # noqa: PLC0415

    app.add_typer(sms_app, name="sms")
    app.add_typer(users_app, name="users")
    app.add_typer(teams_app, name="teams")
    app.add_typer(partners_app, name="partners")
    app.add_typer(audit_app, name="audit")
    app.add_typer(keys_app, name="keys")
    app.add_typer(cases_app, name="cases")
    app.add_typer(stats_app, name="stats")


_register_operator_commands()


worker_help = (
    "Deliver the outbox and run the periodic jobs (audit sequencing, purges) until stopped."
)


@app.command(help=worker_help)
def worker() -> None:
    """Run a worker process (several may run at once)."""
    import threading  # noqa: PLC0415

    from hotline.bootstrap import build_worker  # noqa: PLC0415
    from hotline.runtime.logging_setup import configure_logging  # noqa: PLC0415

    settings = _settings()
    record = read_serve_record(settings)
    if settings.env == "development" and not settings.public_url_given and record is not None:
        # Texts to the simulated phone network and callbacks go where `serve` listens.
        settings = _settings(public_base_url=record["url"])
    configure_logging(settings.log_level)
    db, keys, keyring = _open_for_service(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo("Worker running.")
    build_worker(settings, db=db, keyring=keyring, signer=keys, clock=SystemClock()).run(stop)
    db.dispose()
