"""How the trail stands: its newest signed checkpoint and the last verification of it.

``hotline audit verify`` records each run of the database check here, so the console can say
whether the trail was found intact, and warn when nobody has checked for a day or the last
check failed. A run is a fact about the checking, not an action on anyone's data: it is kept
beside the trail, not in it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditCheckpoint, AuditVerifyRun
from casework.audit.verify import Verification
from casework.ids import new_id

# A check older than this is stale: the page warns that the trail may have changed unseen.
VERIFY_FRESH_FOR = dt.timedelta(days=1)
_DASH = "\u2014 "


@dataclass(frozen=True)
class CheckpointSeen:
    """The newest signed checkpoint: how many entries it vouches for, when, signed by whom."""

    size: int
    issued_at: dt.datetime
    signers: list[tuple[str, str]]  # (key name, hex key id) of each signature line


@dataclass(frozen=True)
class VerifyRunSeen:
    """One recorded verification."""

    ran_at: dt.datetime
    ran_by: str
    ok: bool
    entries: int
    checkpoints: int
    first_bad_position: int | None
    problem: str | None
    checkpoint_size: int | None


@dataclass(frozen=True)
class AuditStatus:
    """The newest checkpoint, the last verification, and what to warn about."""

    checkpoint: CheckpointSeen | None
    last_run: VerifyRunSeen | None
    now: dt.datetime

    @property
    def warning(self) -> str | None:
        """Why the trail's integrity is not known to be fine right now, in words."""
        run = self.last_run
        if run is None:
            return "The audit trail has never been verified: run `hotline audit verify`."
        if not run.ok:
            where = (
                "" if run.first_bad_position is None else f" at position {run.first_bad_position}"
            )
            return f"The last verification FAILED{where}: {run.problem}."
        if self.now - run.ran_at > VERIFY_FRESH_FOR:
            return (
                "The audit trail has not been verified for more than a day: the worker "
                "verifies it every 6 hours - is it running? Or run `hotline audit verify`."
            )
        return None


def signers_of(note: str) -> list[tuple[str, str]]:
    """The (key name, hex key id) of each signature line of a signed note (not verified)."""
    found = []
    for line in note.rpartition("\n\n")[2].splitlines():
        if not line.startswith(_DASH):
            continue
        name, _, blob = line[len(_DASH) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            continue
        found.append((name, raw[:4].hex()))
    return found


def newest_checkpoint(session: Session) -> CheckpointSeen | None:
    """The newest signed checkpoint, if any."""
    row = session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return CheckpointSeen(row.size, row.issued_at, signers_of(row.note))


def record_verify_run(
    session: Session, result: Verification, *, ran_by: str, now: dt.datetime
) -> None:
    """Keep the outcome of a verification of the stored trail, with the newest checkpoint."""
    checkpoint = newest_checkpoint(session)
    session.execute(
        insert(AuditVerifyRun).values(
            id=new_id(),
            ran_at=now,
            ran_by=ran_by[:64],
            ok=result.ok,
            entries=result.size,
            checkpoints=result.checkpoints,
            first_bad_position=result.first_bad_position,
            problem=result.problem,
            checkpoint_size=checkpoint.size if checkpoint else None,
            checkpoint_at=checkpoint.issued_at if checkpoint else None,
        )
    )


def trail_status(session: Session, *, now: dt.datetime) -> AuditStatus:
    """The newest checkpoint and the last verification run."""
    run = session.scalars(
        select(AuditVerifyRun).order_by(AuditVerifyRun.ran_at.desc()).limit(1)
    ).first()
    seen = (
        VerifyRunSeen(
            run.ran_at,
            run.ran_by,
            run.ok,
            run.entries,
            run.checkpoints,
            run.first_bad_position,
            run.problem,
            run.checkpoint_size,
        )
        if run is not None
        else None
    )
    return AuditStatus(newest_checkpoint(session), seen, now)
