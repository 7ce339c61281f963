"""Jinja2 templates with gettext ready for translation catalogs."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hotline.runtime.labels import factor, label, options

_HERE = Path(__file__).resolve().parents[1]  # hotline/


def make_templates() -> Jinja2Templates:
    """Templates of every HTML page, autoescaped, with ``_()`` for translatable text."""
    env = Environment(
        loader=FileSystemLoader(
            [
                _HERE / "channels" / "web" / "templates",
                _HERE / "partner" / "templates",
                _HERE / "console" / "templates",
                _HERE / "public" / "templates",
            ]
        ),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    # Codes are shown as words, never raw: {{ case.status | label("status") }}.
    env.filters["label"] = label
    env.filters["factor"] = factor
    env.filters["options"] = options
    return Jinja2Templates(env=env)
