"""``hotline partners``: the partner directory from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from casework.administration.partners import (
    deactivate_partner,
    partner_directory,
    save_partner_profile,
)
from casework.errors import InvalidInput, NotFound
from casework.partners.directory import PartnerProfile
from casework.partners.models import Delivery, PartnerType
from hotline.cli.context import command

partners_app = typer.Typer(
    help="Partner organisations.", no_args_is_help=True, pretty_exceptions_enable=False
)


@partners_app.command("add")
def partners_add(
    name: str,
    kind: Annotated[PartnerType, typer.Option("--type", help="What the organisation is")],
    delivery: Annotated[Delivery, typer.Option(help="How it hears of referrals")] = Delivery.POLL,
    region: Annotated[
        list[str] | None, typer.Option(help="Region code (repeat); none: all")
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="Category code (repeat); none: all")
    ] = None,
    language: Annotated[list[str] | None, typer.Option(help="Language (repeat); none: all")] = None,
    webhook_url: Annotated[str | None, typer.Option(help="With --delivery webhook")] = None,
    email: Annotated[str | None, typer.Option(help="With --delivery email")] = None,
    contact: Annotated[str | None, typer.Option(help="Contact details (kept sealed)")] = None,
    school: Annotated[str | None, typer.Option(help="The school whose lead this is")] = None,
) -> None:
    """Add a partner; prints its webhook secret once when it takes webhooks."""
    profile = PartnerProfile(
        name=name,
        kind=kind,
        delivery=delivery,
        regions=region or [],
        categories=category or [],
        languages=language or [],
        webhook_url=webhook_url,
        email=email,
        contact=contact,
        school=school,
    )
    with command() as cmd:
        try:
            _, secret = cmd.write(
                save_partner_profile, profile, allow_http=cmd.settings.env != "production"
            )
        except InvalidInput as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from None
    typer.echo(f"Added {name}.")
    if secret:
        typer.echo(f"Webhook secret (shown once): {secret}")


@partners_app.command("list")
def partners_list() -> None:
    """The directory, one partner a line."""
    with command() as cmd:
        rows = cmd.read(partner_directory)
    for p in rows:
        where = ",".join(p["regions"]) or "all regions"
        state = "active" if p["active"] else "inactive"
        typer.echo(f"{p['name']}\t{p['kind']}\t{p['delivery'].value}\t{where}\t{state}")


@partners_app.command("deactivate")
def partners_deactivate(name: str) -> None:
    """Stop suggesting and referring to a partner (its referrals stay)."""
    with command() as cmd:
        try:
            cmd.write(deactivate_partner, name)
        except NotFound:
            typer.echo("No such partner.", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"Deactivated {name}.")
