"""Running a master key rotation to completion while the service keeps writing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.clock import Clock
from casework.protection.keys import Keyring
from casework.protection.rotation import (
    database_now,
    rewrap_batch,
    stale_count,
    transactions_older_than,
)
from hotline.runtime.database import Database
from integrations.keys.local import LocalKeyFile

_POLL = 0.2


@dataclass(frozen=True)
class RotationResult:
    """How a rotation ended."""

    key_id: str
    added: bool
    rewrapped: int
    resumed: bool  # data keys were still on an older version: an unfinished rotation


def rotate(
    db: Database,
    *,
    keys: LocalKeyFile,
    keyring: Keyring,
    clock: Clock,
    actor: Actor,
    batch: int,
    add_version: bool,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
    timeout: float = 600.0,
) -> RotationResult:
    """Add a master key version (unless resuming) and re-wrap every data key to it.

    Resumable: with data keys still on an older version (a rotation that was interrupted), the
    unfinished rotation is completed instead of adding another version; a run after a complete
    rotation adds a new one (unless ``add_version`` is False). Done means: no data key on an
    old version, and no transaction that began before the new version existed is still open.
    """
    current = keys.current_key_id()
    stale = db.run(lambda s: stale_count(s, current_key_id=current), write=False)
    added = add_version and stale == 0
    db.run(
        lambda s: record_event(
            s,
            keyring=keyring,
            action=AuditAction.KEYS_ROTATION_STARTED,
            actor=actor,
            object_type="master_key",
            object_id=current,
            details={"adding_version": added, "stale_keys": stale},
            now=clock.now(),
        ),
        write=True,
    )
    # The database's clock, since it is compared with the database's transaction start times.
    started = db.run(database_now, write=False)
    if added:
        current = keys.add_version()
    total = db.run(lambda s: stale_count(s, current_key_id=current), write=False)
    done = 0
    deadline = time.monotonic() + timeout
    while True:
        moved = db.run(
            lambda s: rewrap_batch(s, keyring=keyring, batch=batch, now=clock.now()), write=True
        )
        done += moved
        if moved:
            progress(done, max(total, done))
            continue
        if db.run(lambda s: transactions_older_than(s, started), write=False) == 0:
            # Nobody who could still commit an old-version key is left: one last pass.
            if db.run(lambda s: stale_count(s, current_key_id=current), write=False) == 0:
                break
            continue
        if time.monotonic() > deadline:
            raise TimeoutError("transactions older than the rotation are still open")
        time.sleep(_POLL)
    db.run(
        lambda s: record_event(
            s,
            keyring=keyring,
            action=AuditAction.KEYS_ROTATED,
            actor=actor,
            object_type="master_key",
            object_id=current,
            details={"rewrapped": done, "added": added},
            now=clock.now(),
        ),
        write=True,
    )
    return RotationResult(key_id=current, added=added, rewrapped=done, resumed=stale > 0)
