"""The audit log's origin is fixed at the first start (on SQLite and PostgreSQL): a later
public URL does not rename the log, and an explicit different origin stops start-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from casework.actors import SYSTEM
from casework.audit.log import verify_stored
from casework.audit.note import Verifier, verifier_key
from casework.audit.record import AuditAction, record_event
from casework.audit.sequencer import issue_checkpoint, sequence
from casework.protection.keys import Keyring
from hotline.bootstrap import build_key_file, check_keys, open_audit_log, stored_audit_origin
from hotline.runtime.database import Database, make_engine
from hotline.settings import Settings, SettingsError
from integrations.keys.local import LocalKeyFile

NOW = dt.datetime(2026, 11, 27, 14, 5, tzinfo=dt.UTC)


@pytest.fixture
def committed(fresh_url: str) -> Iterator[Database]:
    db = Database(make_engine(fresh_url, pool_size=2, max_overflow=0))
    yield db
    db.dispose()


def _settings(tmp_path: Path, keys: LocalKeyFile, url: str, **more: str) -> Settings:
    return Settings(
        _env_file=None,
        env="development",
        data_dir=tmp_path,
        key_file=keys.path,
        public_base_url=url,
        **more,  # type: ignore[arg-type]
    )


def test_a_new_url_keeps_the_first_origin_and_the_log_still_verifies(
    committed: Database, keys: LocalKeyFile, tmp_path: Path
) -> None:
    first = _settings(tmp_path, keys, "https://first.example.org")
    assert stored_audit_origin(committed.engine) is None
    at_first_start = build_key_file(first, engine=committed.engine)
    assert at_first_start.name == "first.example.org/audit"

    assert open_audit_log(committed, at_first_start, Keyring(at_first_start), now=NOW)
    assert stored_audit_origin(committed.engine) == "first.example.org/audit"
    assert not open_audit_log(committed, at_first_start, Keyring(at_first_start), now=NOW)

    moved = _settings(tmp_path, keys, "https://moved.example.net")
    assert moved.audit_log_name == "moved.example.net/audit"  # what a new log would be called
    later = build_key_file(moved, engine=committed.engine)
    assert later.name == "first.example.org/audit"
    keyring = Keyring(later)
    assert check_keys(committed, later, keyring) is None  # it starts

    def grow(s) -> None:  # type: ignore[no-untyped-def]
        record_event(
            s,
            keyring=keyring,
            action=AuditAction.AUDIT_EXPORTED,
            actor=SYSTEM,
            object_type="audit_log",
            object_id="export",
            details={},
            now=NOW + dt.timedelta(minutes=1),
        )
        sequence(s)
        issue_checkpoint(s, signer=later, now=NOW + dt.timedelta(minutes=1))

    committed.run(grow, write=True)
    verifier = Verifier.parse(verifier_key(later.name, later.public_key()))
    result = committed.run(
        lambda s: verify_stored(s, verifier=verifier, extra_checkpoints=[]), write=False
    )
    assert result.ok, result.problem
    assert result.checkpoints == 2

    renamed = _settings(
        tmp_path, keys, "https://moved.example.net", audit_origin="moved.example.net/audit"
    )
    with pytest.raises(SettingsError, match="cannot be renamed"):
        build_key_file(renamed, engine=committed.engine)
    same = _settings(
        tmp_path, keys, "https://moved.example.net", audit_origin="first.example.org/audit"
    )
    assert build_key_file(same, engine=committed.engine).name == "first.example.org/audit"
