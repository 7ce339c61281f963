"""Master key rotation while reports keep arriving: nothing fails, no key is left behind."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.actors import SYSTEM
from casework.clock import SystemClock
from casework.intake.models import Report
from casework.intake.reading import read_report_content
from casework.intake.service import prepare_follow_up, submit_report
from casework.protection.keys import Keyring
from casework.protection.models import DataKey
from casework.protection.rotation import keys_using, rewrap_batch, stale_count
from hotline.cli.demo import seed_places
from hotline.cli.key_rotation import rotate
from hotline.runtime.database import Database, make_engine
from integrations.keys.local import KeyFileError, LocalKeyFile
from tests.factories.reports import submission


@pytest.fixture
def own_keys(keys: LocalKeyFile, tmp_path: Path) -> LocalKeyFile:
    """A copy of the run's key file, so this test's rotation stays its own."""
    path = tmp_path / "keys.json"
    shutil.copy2(keys.path, path)
    return LocalKeyFile(path, create=False, signer_name=keys.name)


@pytest.fixture
def rot_db(fresh_url: str) -> Iterator[Database]:
    db = Database(make_engine(fresh_url, pool_size=12, max_overflow=4))
    db.run(seed_places, write=True)
    yield db
    db.dispose()


def test_rotation_while_reports_are_written(rot_db: Database, own_keys: LocalKeyFile) -> None:
    writers, per_writer = 6, 25
    errors: list[BaseException] = []
    # Each writer is a separate "process" with its own view of the key file.
    rings = [
        Keyring(LocalKeyFile(own_keys.path, create=False, signer_name=own_keys.name))
        for _ in range(writers)
    ]

    def write(w: int) -> None:
        try:
            for i in range(per_writer):
                sub = submission(narrative=f"writer {w} report {i}")
                rot_db.run(
                    lambda s, sub=sub: submit_report(  # type: ignore[misc]
                        s,
                        submission=sub,
                        follow_up=prepare_follow_up(None),
                        clock=SystemClock(),
                        keyring=rings[w],
                    ),
                    write=True,
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    new_version = own_keys.add_version()
    rotator = Keyring(own_keys)
    while any(t.is_alive() for t in threads):
        rot_db.run(
            lambda s: rewrap_batch(s, keyring=rotator, batch=7, now=dt.datetime.now(dt.UTC)),
            write=True,
        )
    for t in threads:
        t.join()
    while rot_db.run(
        lambda s: rewrap_batch(s, keyring=rotator, batch=50, now=dt.datetime.now(dt.UTC)),
        write=True,
    ):
        pass

    assert errors == []
    assert rot_db.run(lambda s: stale_count(s, current_key_id=new_version), write=False) == 0
    versions = rot_db.run(lambda s: set(s.scalars(select(DataKey.key_id))), write=False)
    assert versions == {new_version}
    reports = rot_db.run(lambda s: list(s.scalars(select(Report))), write=False)
    assert len(reports) == writers * per_writer
    narratives = {
        rot_db.run(
            lambda s, r=r: read_report_content(s, keyring=rotator, report_id=r.id),  # type: ignore[misc]
            write=False,
        ).narrative
        for r in reports
    }
    assert len(narratives) == writers * per_writer  # every one still decrypts, under the new key


def test_rewrapping_twice_changes_nothing_more(rot_db: Database, own_keys: LocalKeyFile) -> None:
    keyring = Keyring(own_keys)
    rot_db.run(
        lambda s: submit_report(
            s,
            submission=submission(),
            follow_up=prepare_follow_up(None),
            clock=SystemClock(),
            keyring=keyring,
        ),
        write=True,
    )
    own_keys.add_version()
    first = rot_db.run(
        lambda s: rewrap_batch(s, keyring=keyring, batch=100, now=dt.datetime.now(dt.UTC)),
        write=True,
    )
    second = rot_db.run(
        lambda s: rewrap_batch(s, keyring=keyring, batch=100, now=dt.datetime.now(dt.UTC)),
        write=True,
    )

    assert (first, second) == (2, 0)  # the case key and the root


def test_a_rotation_waits_for_a_request_that_wrapped_under_the_old_key(
    rot_db: Database, own_keys: LocalKeyFile
) -> None:
    if rot_db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: a re-wrap batch always runs after them")
    old_view = Keyring(LocalKeyFile(own_keys.path, create=False, signer_name=own_keys.name))
    wrapped = threading.Event()
    release = threading.Event()

    def slow_request() -> None:
        def work(s) -> None:  # type: ignore[no-untyped-def]
            submit_report(
                s,
                submission=submission(),
                follow_up=prepare_follow_up(None),
                clock=SystemClock(),
                keyring=old_view,
            )
            s.flush()
            wrapped.set()  # its key is wrapped under local-1, the transaction still open
            release.wait(10)

        rot_db.run(work, write=True)

    request = threading.Thread(target=slow_request)
    request.start()
    assert wrapped.wait(10)
    outcome: list[object] = []
    rotation = threading.Thread(
        target=lambda: outcome.append(
            rotate(
                rot_db,
                keys=own_keys,
                keyring=Keyring(own_keys),
                clock=SystemClock(),
                actor=SYSTEM,
                batch=10,
                add_version=True,
            )
        )
    )
    rotation.start()
    time.sleep(1.0)
    assert rotation.is_alive()  # not done while an older transaction could still commit
    release.set()
    request.join()
    rotation.join(30)

    assert outcome, "the rotation did not finish"
    assert (
        rot_db.run(lambda s: stale_count(s, current_key_id=own_keys.current_key_id()), write=False)
        == 0
    )


def test_retiring_a_master_key(rot_db: Database, own_keys: LocalKeyFile) -> None:
    keyring = Keyring(own_keys)
    rot_db.run(lambda s: keyring.ensure_root(s, now=dt.datetime.now(dt.UTC)), write=True)
    assert rot_db.run(lambda s: keys_using(s, "local-1"), write=False) == 1

    rotate(
        rot_db,
        keys=own_keys,
        keyring=keyring,
        clock=SystemClock(),
        actor=SYSTEM,
        batch=10,
        add_version=True,
    )

    assert rot_db.run(lambda s: keys_using(s, "local-1"), write=False) == 0
    assert own_keys.remove_version("local-1")
    assert not own_keys.remove_version("local-1")
    with pytest.raises(KeyFileError):
        own_keys.remove_version("local-2")  # the current one
    fresh = Keyring(LocalKeyFile(own_keys.path, create=False, signer_name=own_keys.name))
    assert rot_db.run(lambda s: fresh.purpose_key(s, "audit"), write=True)  # still opens
