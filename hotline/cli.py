"""The ``hotline`` command: run the service and operate it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from casework.clock import SystemClock
from hotline import __version__
from hotline.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:  # imported where used: `hotline version` must stay quick
    from casework.protection.keys import Keyring
    from hotline.database import Database
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


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from hotline.migrations import upgrade  # noqa: PLC0415 - keep `hotline version` light

    settings = _settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url, revision)
    typer.echo(f"Database upgraded to {revision}.")


def _seed_demo(settings: Settings) -> None:
    from casework.protection.keys import Keyring  # noqa: PLC0415
    from hotline.bootstrap import build_key_file  # noqa: PLC0415
    from hotline.database import Database  # noqa: PLC0415
    from hotline.demo import PARTNER, seed_demo  # noqa: PLC0415

    db = Database.from_settings(settings)
    keyring = Keyring(build_key_file(settings, engine=db.engine))
    try:
        result = db.run(
            lambda s: seed_demo(
                s, clock=SystemClock(), keyring=keyring, hashing=settings.staff_auth.hashing
            ),
            write=True,
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
    from hotline.database import Database  # noqa: PLC0415

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
    from hotline.migrations import upgrade  # noqa: PLC0415

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.sqlalchemy_url)
    _seed_demo(settings)


def _open_for_service(settings: Settings) -> tuple[Database, LocalKeyFile, Keyring]:
    """The database and keys, checked: migrated to this code's schema, keys that fit the data."""
    from casework.protection.keys import Keyring  # noqa: PLC0415
    from hotline.bootstrap import build_key_file, check_keys  # noqa: PLC0415
    from hotline.database import Database  # noqa: PLC0415
    from hotline.migrations import current_revision, head_revision  # noqa: PLC0415

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
    return db, keys, keyring


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    with_demo: Annotated[
        bool, typer.Option("--demo", help="Seed demo data first (development only).")
    ] = False,
) -> None:
    """Run the web service. On the embedded default (SQLite) the schema is migrated first."""
    import uvicorn  # noqa: PLC0415

    from hotline.app import create_app  # noqa: PLC0415
    from hotline.logging_setup import configure_logging  # noqa: PLC0415
    from hotline.migrations import upgrade  # noqa: PLC0415

    settings = _settings()
    configure_logging(settings.log_level)
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.sqlalchemy_url)
    if with_demo:
        if settings.env == "production":
            typer.echo("--demo is refused in production.", err=True)
            raise typer.Exit(2)
        _seed_demo(settings)
    db, keys, _ = _open_for_service(settings)
    bind_host = host or settings.host
    bind_port = port or settings.port
    typer.echo(f"Safeguarding Hotline {__version__} on http://{bind_host}:{bind_port}/report")
    typer.echo(f"  API docs: http://{bind_host}:{bind_port}/docs")
    if not settings.worker_in_serve:
        typer.echo("  Outbox and audit sequencing: run `hotline worker` (not in this process).")
    sys.stdout.flush()
    uvicorn.run(
        create_app(settings, database=db, keys=keys, background=settings.worker_in_serve),
        host=bind_host,
        port=bind_port,
        access_log=False,
        log_config=None,
        # Sign-in throttling counts per client address: behind a proxy, trust only its word.
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )


def _register_operator_commands() -> None:
    from hotline.cli_ops import audit_app, cases_app, keys_app  # noqa: PLC0415
    from hotline.cli_partners import partners_app  # noqa: PLC0415
    from hotline.cli_users import users_app  # noqa: PLC0415
    from hotline.sms.simulate import sms_app  # noqa: PLC0415

    app.add_typer(sms_app, name="sms")
    app.add_typer(users_app, name="users")
    app.add_typer(partners_app, name="partners")
    app.add_typer(audit_app, name="audit")
    app.add_typer(keys_app, name="keys")
    app.add_typer(cases_app, name="cases")


_register_operator_commands()


worker_help = (
    "Deliver the outbox and run the periodic jobs (audit sequencing, purges) until stopped."
)


@app.command(help=worker_help)
def worker() -> None:
    """Run a worker process (several may run at once)."""
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from hotline.bootstrap import build_worker  # noqa: PLC0415
    from hotline.logging_setup import configure_logging  # noqa: PLC0415

    settings = _settings()
    configure_logging(settings.log_level)
    db, keys, keyring = _open_for_service(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo("Worker running.")
    build_worker(settings, db=db, keyring=keyring, signer=keys, clock=SystemClock()).run(stop)
    db.dispose()
