"""``hotline users``: list accounts, create them, disable them, reset their second factor."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.clock import SystemClock
from casework.errors import InvalidInput, NotFound
from casework.partners.models import Partner
from casework.staff.accounts import (
    check_new_password,
    create_user,
    disable_user,
    link_school,
    list_accounts,
    reset_mfa,
    set_teams,
    user_by_username,
)
from casework.staff.models import Role, StaffUser
from hotline.cli.ops import _context, _operator

users_app = typer.Typer(
    help="Staff accounts.", no_args_is_help=True, pretty_exceptions_enable=False
)


def generated_password() -> str:
    """A strong random password (20 characters) for a new account."""
    return secrets.token_urlsafe(15)


def _cell(text: str) -> str:
    """One tab-separated cell: no tab or line break from a name can split the row."""
    return " ".join(text.split()) or "-"


@users_app.command("list")
def users_list() -> None:
    """Every account, one a line: username, name, role, active, teams, TOTP set up (no
    passwords, second-factor secrets or phone numbers)."""
    with _context() as (_, db, _, _):
        accounts = db.run(list_accounts, write=False)
    if not accounts:
        typer.echo("There are no accounts yet: add one with `hotline users create`.")
        return
    typer.echo("username\tname\trole\tstate\tteams\ttotp")
    for a in accounts:
        state = "active" if a.active else "disabled"
        totp = "set up" if a.totp_set_up else "not set up"
        typer.echo(
            f"{a.username}\t{_cell(a.display_name)}\t{a.role.value}\t{state}\t"
            f"{_cell(', '.join(a.teams))}\t{totp}"
        )


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        Role, typer.Option(help="caseworker, supervisor, administrator, partner, auditor")
    ],
    display_name: Annotated[str | None, typer.Option(help="Name shown in the console")] = None,
    team: Annotated[list[str] | None, typer.Option(help="Team name (repeat for several)")] = None,
    partner: Annotated[
        str | None, typer.Option(help="Partner organisation (partner users)")
    ] = None,
    generate_password: Annotated[
        bool, typer.Option(help="Make a strong password and print it (instead of asking)")
    ] = False,
) -> None:
    """Create a staff account; it sets up TOTP at its first sign-in."""
    if generate_password:
        password = generated_password()
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_new_password(password, username=username)
    except InvalidInput as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from None
    with _context() as (settings, db, _, keyring):
        password_hash = settings.staff_auth.hashing.hash(password)

        def create(s: Session) -> StaffUser:
            now = SystemClock().now()
            partner_id = None
            if partner is not None:
                partner_id = s.scalars(select(Partner.id).where(Partner.name == partner)).first()
                if partner_id is None:
                    raise InvalidInput("partner", "No such partner.")
            user = create_user(
                s,
                keyring=keyring,
                username=username,
                display_name=display_name or username,
                role=role,
                password_hash=password_hash,
                partner_id=partner_id,
                actor=_operator(),
                now=now,
            )
            if team:
                set_teams(
                    s, keyring=keyring, user=user, team_names=team, actor=_operator(), now=now
                )
            return user

        try:
            user = db.run(create, write=True)
        except InvalidInput as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from None
    typer.echo(f"Created {user.username} ({user.role.value}).")
    if generate_password:
        typer.echo(f"Password: {password}")


def _change(username: str, change: str) -> None:
    with _context() as (_, db, _, keyring):

        def run(s: Session) -> None:
            user = user_by_username(s, username)
            action = disable_user if change == "disable" else reset_mfa
            action(s, keyring=keyring, user=user, actor=_operator(), now=SystemClock().now())

        try:
            db.run(run, write=True)
        except NotFound:
            typer.echo(f"There is no user {username}.", err=True)
            raise typer.Exit(1) from None


@users_app.command("disable")
def users_disable(username: str) -> None:
    """No more sign-ins for this account; its sessions end now."""
    _change(username, "disable")
    typer.echo(f"Disabled {username}; every session of it has ended.")


@users_app.command("reset-mfa")
def users_reset_mfa(username: str) -> None:
    """Forget the account's authenticator and recovery codes; it enrols again at sign-in."""
    _change(username, "reset-mfa")
    typer.echo(f"Reset the second factor of {username}; it sets up TOTP at its next sign-in.")


@users_app.command("link-school")
def users_link_school(username: str, school: str) -> None:
    """Record a conflict of interest: USERNAME never sees restricted cases about SCHOOL."""
    with _context() as (_, db, _, keyring):

        def run(s: Session) -> None:
            link_school(
                s,
                user=user_by_username(s, username),
                school_code=school,
                keyring=keyring,
                actor=_operator(),
                now=SystemClock().now(),
            )

        try:
            db.run(run, write=True)
        except (NotFound, InvalidInput) as exc:
            typer.echo(f"Not linked: {exc}.", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"Linked {username} to {school}: restricted cases about it are hidden from them.")
