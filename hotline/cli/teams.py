"""``hotline teams``: the teams whose queues cases are routed to, from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from casework.administration.accounts import save_team
from casework.staff.accounts import UnknownRegions, list_teams
from hotline.cli.context import command

teams_app = typer.Typer(
    help="Teams and the regions they cover.", no_args_is_help=True, pretty_exceptions_enable=False
)


@teams_app.command("list")
def teams_list() -> None:
    """Every team, one a line: name, the regions it covers (or national), members."""
    with command() as cmd:
        teams = cmd.db.run(list_teams, write=False)
    if not teams:
        typer.echo("There are no teams yet: add one with `hotline teams add`.")
        return
    typer.echo("name\tcovers\tmembers")
    for team in teams:
        covers = "national (every region)" if team.national else ", ".join(team.regions) or "-"
        typer.echo(f"{team.name}\t{covers}\t{team.members}")


@teams_app.command("add")
def teams_add(
    name: str,
    region: Annotated[
        list[str] | None, typer.Option(help="Region code the team covers (repeat for several)")
    ] = None,
    national: Annotated[
        bool,
        typer.Option(
            "--national",
            help="The national desk: every region, and cases whose region is not known",
        ),
    ] = False,
) -> None:
    """Add a team (or replace the regions of the team of that name)."""
    name = name.strip()
    if not name or len(name) > 120:
        typer.echo("A team's name has 1 to 120 characters.", err=True)
        raise typer.Exit(2)
    codes = sorted(set(region or []))
    if not codes and not national:
        typer.echo(
            "A team covers at least one region (--region CODE) or every region (--national).",
            err=True,
        )
        raise typer.Exit(2)
    with command() as cmd:
        try:
            saved = cmd.write(save_team, name=name, regions=codes, national=national)
        except UnknownRegions as exc:
            known = ", ".join(exc.known) or "none yet"
            typer.echo(f"Unknown regions: {', '.join(exc.unknown)} (known: {known}).", err=True)
            raise typer.Exit(2) from None
    covers = "every region (national)" if national else ", ".join(codes)
    typer.echo(f"{'Added' if saved.new else 'Updated'} team {name}, covering {covers}.")
