"""``hotline teams``: the teams whose queues cases are routed to, from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.record import AuditAction, record_event
from casework.clock import SystemClock
from casework.errors import InvalidInput
from casework.places.models import Region
from casework.staff.accounts import ensure_team, list_teams
from casework.staff.models import Team
from hotline.cli.ops import _context, _operator

teams_app = typer.Typer(
    help="Teams and the regions they cover.", no_args_is_help=True, pretty_exceptions_enable=False
)


@teams_app.command("list")
def teams_list() -> None:
    """Every team, one a line: name, the regions it covers (or national), members."""
    with _context() as (_, db, _, _):
        teams = db.run(list_teams, write=False)
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
    with _context() as (_, db, _, keyring):

        def add(s: Session) -> bool:
            existed = s.scalars(select(Team.id).where(Team.name == name)).first() is not None
            known = set(s.scalars(select(Region.code)))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise InvalidInput(
                    "regions",
                    f"Unknown regions: {', '.join(unknown)} "
                    f"(known: {', '.join(sorted(known)) or 'none yet'}).",
                )
            team = ensure_team(s, name=name, region_codes=codes, national=national)
            record_event(
                s,
                keyring=keyring,
                action=AuditAction.ROUTING_CHANGED,
                actor=_operator(),
                object_type="team",
                object_id=str(team.id),
                details={"name": name, "regions": codes, "national": national, "new": not existed},
                now=SystemClock().now(),
            )
            return existed

        try:
            existed = db.run(add, write=True)
        except InvalidInput as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(2) from None
    covers = "every region (national)" if national else ", ".join(codes)
    typer.echo(f"{'Updated' if existed else 'Added'} team {name}, covering {covers}.")
