"""Whether this database can take reports now: at the schema the code expects, who a
report arriving now would reach (the coverage gaps), and how far case building is behind."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from casework.context import Unit
from casework.intake.backlog import Backlog, intake_backlog
from casework.routing.coverage import Gap, coverage_gaps


@dataclass(frozen=True)
class Readiness:
    """The database's migration revision and, when it is the expected one, the gaps."""

    schema: str | None
    gaps: list[Gap] = field(default_factory=list)
    intake: Backlog | None = None  # reports waiting for their case


def readiness(unit: Unit, *, expected_schema: str | None, installation_phones: int) -> Readiness:
    """The schema revision, and the coverage gaps if the schema is the one expected."""
    version = unit.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if version != expected_schema:
        return Readiness(version)
    gaps = coverage_gaps(unit.session, now=unit.now, installation_phones=installation_phones)
    return Readiness(version, gaps, intake_backlog(unit.session))
