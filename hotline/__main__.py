"""``python -m hotline`` is the ``hotline`` command."""

from hotline.cli import app

app(prog_name="hotline")
