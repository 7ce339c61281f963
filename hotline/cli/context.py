"""What a command works with: the settings, the database and the keys. A command parses its
arguments, runs one use case in one transaction as the operator at this terminal (audited as
``cli:<login>``), and prints."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

import typer

from casework.actors import Actor
from casework.administration.operator import Operating
from casework.clock import Clock, SystemClock
from casework.enums import ActorKind
from casework.protection.keys import Keyring
from hotline.bootstrap import build_key_file
from hotline.runtime.database import Database
from hotline.settings import Settings, SettingsError, load_settings
from integrations.keys.local import LocalKeyFile

P = ParamSpec("P")
T = TypeVar("T")


def operator() -> Actor:
    """The operator at this terminal, as the audit trail names them."""
    return Actor(ActorKind.SYSTEM, id=f"cli:{getpass.getuser()}"[:64])


@dataclass(frozen=True)
class Command:
    """A command's settings, database and keys, and the operator running it."""

    settings: Settings
    db: Database
    keys: LocalKeyFile
    keyring: Keyring
    clock: Clock = field(default_factory=SystemClock)
    actor: Actor = field(default_factory=operator)

    def write(
        self, use_case: Callable[Concatenate[Operating, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``use_case`` as the operator in one write transaction (committed on return)."""
        return self._run(True, use_case, *args, **kwargs)

    def read(
        self, use_case: Callable[Concatenate[Operating, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``use_case`` as the operator in one read-only transaction."""
        return self._run(False, use_case, *args, **kwargs)

    def _run(
        self,
        write: bool,
        use_case: Callable[Concatenate[Operating, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        return self.db.run(
            lambda s: use_case(
                Operating(s, self.keyring, self.clock, self.clock.now(), self.actor),
                *args,
                **kwargs,
            ),
            write=write,
        )


@contextmanager
def command(settings: Settings | None = None) -> Iterator[Command]:
    """The command's context (exit 2 on a configuration error); the database is closed after."""
    try:
        settings = settings or load_settings()
        db = Database.from_settings(settings)
        keys = build_key_file(settings, engine=db.engine)
    except SettingsError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        yield Command(settings, db, keys, Keyring(keys))
    finally:
        db.dispose()
