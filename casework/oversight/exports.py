"""Exports of figures and clock rows: each file taken away is an audit event naming who took
what, with which filters, in which format (the filters only, never anyone's words)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from casework.access.policy import Action
from casework.audit.record import AuditAction, record_event
from casework.context import Acting
from casework.errors import InvalidInput

# Names of tables, filters and formats are the code's own words: anything else (free text a
# person typed) has no place in the trail's clear fields.
_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")
_MAX_VALUE: Final = 100


def record_export(acting: Acting, *, what: str, params: Mapping[str, str | None], fmt: str) -> None:
    """Record that the person acting exported ``what`` (needs STATS_READ)."""
    acting.require(Action.STATS_READ)
    for name in (what, fmt, *params):
        if not _NAME.fullmatch(name):
            raise ValueError(f"not an export, filter or format name: {name!r}")
    if any(value is not None and len(value) > _MAX_VALUE for value in params.values()):
        raise InvalidInput("params", "A filter is too long.")
    record_event(
        acting.session,
        keyring=acting.keyring,
        action=AuditAction.STATS_EXPORTED,
        actor=acting.principal.actor,
        object_type="export",
        object_id=what,
        details={"what": what, "format": fmt, "params": dict(params)},
        now=acting.now,
    )
