"""``hotline users``: list accounts, create them, disable them, reset their second factor."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from casework.administration.accounts import (
    add_account,
    disable_account,
    link_account_school,
    reset_account_mfa,
)
from casework.errors import InvalidInput, NotFound
from casework.staff.accounts import check_new_password, list_accounts
from casework.staff.models import Role
from hotline.cli.context import command

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
    with command() as cmd:
        accounts = cmd.db.run(list_accounts, write=False)
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
    with command() as cmd:
        password_hash = cmd.settings.staff_auth.hashing.hash(password)
        try:
            user = cmd.write(
                add_account,
                username=username,
                display_name=display_name or username,
                role=role,
                password_hash=password_hash,
                partner_name=partner,
                teams=team,
            )
        except InvalidInput as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from None
    typer.echo(f"Created {user.username} ({user.role.value}).")
    if generate_password:
        typer.echo(f"Password: {password}")


def _change(username: str, change: str) -> None:
    with command() as cmd:
        try:
            cmd.write(disable_account if change == "disable" else reset_account_mfa, username)
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
    with command() as cmd:
        try:
            cmd.write(link_account_school, username, school=school)
        except (NotFound, InvalidInput) as exc:
            typer.echo(f"Not linked: {exc}.", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"Linked {username} to {school}: restricted cases about it are hidden from them.")
