"""The ``hotline`` command: serve, worker, migrations, keys, audit, accounts, teams, partners."""

from hotline.cli.main import app

__all__ = ["app"]
