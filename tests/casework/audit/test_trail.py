"""The audit trail end to end on both databases: written with the change, append-only,
sequenced without gaps under concurrency, and every kind of tampering found and located."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, Row, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from casework.actors import SYSTEM, Actor
from casework.audit import merkle, tree
from casework.audit.leaf import LeafRecord
from casework.audit.log import (
    check_stored_nodes,
    checkpoint_notes,
    export_log,
    read_export,
    stored_records,
    verify_export,
    verify_stored,
)
from casework.audit.merkle import Frontier
from casework.audit.models import AuditEvent, AuditNode
from casework.audit.note import Verifier, verifier_key
from casework.audit.record import AuditAction, read_details, record_event
from casework.audit.sequencer import issue_checkpoint, sequence
from casework.audit.verify import Verification
from casework.enums import ActorKind
from casework.protection.keys import Keyring
from hotline.runtime.database import Database, make_engine
from integrations.keys.local import LocalKeyFile
from tests.factories.reports import app_payload
from tests.helpers import count

T0 = dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC)


@pytest.fixture
def log_db(fresh_url: str) -> Iterator[Database]:
    db = Database(make_engine(fresh_url, pool_size=20, max_overflow=4))
    yield db
    db.dispose()


def _verifier(keys: LocalKeyFile) -> Verifier:
    return Verifier.parse(verifier_key(keys.name, keys.public_key()))


def _append(
    db: Database, keyring: Keyring, n: int, *, start: int = 0, actor: Actor = SYSTEM
) -> None:
    def write(s) -> None:  # type: ignore[no-untyped-def]
        for i in range(start, start + n):
            record_event(
                s,
                keyring=keyring,
                action=AuditAction.REPORT_RECEIVED,
                actor=actor,
                object_type="report",
                object_id=f"obj-{i}",
                details={"n": i},
                now=T0 + dt.timedelta(seconds=i),
            )

    db.run(write, write=True)


def _sequence_all(
    db: Database, keys: LocalKeyFile, *, batch: int = 1000, checkpoint: bool = True
) -> None:
    while db.run(lambda s: sequence(s, batch=batch), write=True):
        if checkpoint:
            db.run(lambda s: issue_checkpoint(s, signer=keys, now=T0), write=True)


def _verify(db: Database, keys: LocalKeyFile, extra: list[str] | None = None) -> Verification:
    return db.run(
        lambda s: verify_stored(s, verifier=_verifier(keys), extra_checkpoints=extra or []),
        write=False,
    )


@contextmanager
def _tampering(db: Database) -> Iterator[Connection]:
    """A raw connection with the append-only triggers out of the way, as an attacker would have."""
    engine: Engine = db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for name in (
                conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
                .scalars()
                .all()
            ):
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn


@pytest.fixture
def log_of_200(log_db: Database, keyring: Keyring, keys: LocalKeyFile) -> Database:
    """200 events, sequenced in batches of 50 with a checkpoint after each."""
    for start in range(0, 200, 50):
        _append(log_db, keyring, 50, start=start)
        _sequence_all(log_db, keys, batch=50)
    assert [int(n.split("\n")[1]) for n in log_db.run(checkpoint_notes, write=False)] == [
        50,
        100,
        150,
        200,
    ]
    return log_db


class TestWrittenWithTheChange:
    def test_intake_writes_its_event_and_the_routing_whose_details_decrypt(
        self, client: TestClient, db: Database, keyring: Keyring
    ) -> None:
        body = client.post("/api/v1/reports", json=app_payload()).json()

        events = db.run(lambda s: list(s.scalars(select(AuditEvent))), write=False)
        events.sort(key=lambda e: e.action, reverse=True)
        assert [e.action for e in events] == ["report.received", "case.routed"]
        details = db.run(lambda s: read_details(s, keyring=keyring, event=events[0]), write=False)
        assert details["case_reference"] == body["reference"]
        assert events[0].actor_kind == ActorKind.REPORTER.value
        assert events[0].position is None  # sequenced later, by the sequencer

    def test_rejected_intake_leaves_no_event(self, client: TestClient, db: Database) -> None:
        client.post("/api/v1/reports", json=app_payload(school="no-such-school"))

        assert count(db, AuditEvent) == 0

    def test_wrong_codes_and_replayed_receipts_are_audited(
        self, client: TestClient, db: Database
    ) -> None:
        key = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
        body = client.post(
            "/api/v1/reports", json=app_payload(), headers={"Idempotency-Key": key}
        ).json()
        client.post("/api/v1/reports", json=app_payload(), headers={"Idempotency-Key": key})
        client.post(
            "/api/v1/follow-up", json={"reference": body["reference"], "code": "0000-0000-0000"}
        )
        client.post(
            "/api/v1/follow-up", json={"reference": "HX-ZZZZ-ZZZ", "code": "0000-0000-0000"}
        )

        rows = db.run(
            lambda s: s.execute(
                select(AuditEvent.action, AuditEvent.object_id).order_by(
                    AuditEvent.occurred_at, AuditEvent.id
                )
            ).all(),
            write=False,
        )
        assert [action for action, _ in rows] == [
            "report.received",
            "case.routed",
            "report.receipt_replayed",
            "follow_up.denied",
            "follow_up.denied",
        ]
        assert rows[4][1] == "HX-ZZZZ-ZZZ"

    def test_a_reporter_reading_their_case_is_audited(
        self, client: TestClient, db: Database
    ) -> None:
        body = client.post("/api/v1/reports", json=app_payload()).json()
        client.post(
            "/api/v1/follow-up",
            json={"reference": body["reference"], "code": body["follow_up_code"]},
        )

        actions = db.run(
            lambda s: list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.occurred_at))),
            write=False,
        )
        assert actions == ["report.received", "case.routed", "follow_up.viewed"]


class TestAppendOnly:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_event SET action = 'nothing.happened'",
            "UPDATE audit_event SET position = position + 1",  # a position is written once
            "UPDATE audit_event SET payload_ct = payload_ct",
            "DELETE FROM audit_event",
            "UPDATE audit_node SET hash = hash",
            "DELETE FROM audit_node",
            "UPDATE audit_checkpoint SET note = 'x'",
            "DELETE FROM audit_checkpoint",
        ],
    )
    def test_the_database_refuses_changes(
        self, log_db: Database, keyring: Keyring, keys: LocalKeyFile, statement: str
    ) -> None:
        _append(log_db, keyring, 3)
        _sequence_all(log_db, keys)

        with pytest.raises(DBAPIError, match="append-only"), log_db.engine.begin() as conn:
            conn.execute(text(statement))
        assert _verify(log_db, keys).ok

    def test_a_stray_update_cannot_give_a_pending_event_a_position(
        self, log_db: Database, keyring: Keyring, keys: LocalKeyFile
    ) -> None:
        _append(log_db, keyring, 3)
        _sequence_all(log_db, keys)
        _append(log_db, keyring, 1)  # pending

        for position in (1, 3, 99):  # taken, next free, far ahead: none has its leaf stored
            with pytest.raises(DBAPIError), log_db.engine.begin() as conn:
                conn.execute(
                    text("UPDATE audit_event SET position = :p WHERE position IS NULL"),
                    {"p": position},
                )
        _sequence_all(log_db, keys)  # the sequencer is not wedged
        assert _verify(log_db, keys).size == 4

    def test_truncate_is_refused(
        self, log_db: Database, keyring: Keyring, keys: LocalKeyFile
    ) -> None:
        if log_db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no TRUNCATE; DELETE fires the row triggers")
        _append(log_db, keyring, 2)
        _sequence_all(log_db, keys)
        for table in ("audit_event", "audit_node", "audit_checkpoint", "case_event", "data_key"):
            with pytest.raises(DBAPIError, match="append-only"), log_db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table} CASCADE"))
        assert _verify(log_db, keys).size == 2

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE data_key SET wrapped = NULL",  # erasing without saying when
            "DELETE FROM data_key",
            "UPDATE data_key SET purpose = 'case'",
        ],
    )
    def test_data_keys_are_only_rewrapped_or_destroyed(
        self, log_db: Database, keyring: Keyring, statement: str
    ) -> None:
        log_db.run(lambda s: keyring.ensure_root(s, now=T0), write=True)

        with (
            pytest.raises(DBAPIError, match="re-wrapped or destroyed"),
            log_db.engine.begin() as conn,
        ):
            conn.execute(text(statement))

    def test_setting_a_position_together_with_anything_else_is_refused(
        self, log_db: Database, keyring: Keyring
    ) -> None:
        _append(log_db, keyring, 1)

        with pytest.raises(DBAPIError, match="append-only"), log_db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET position = 0, object_id = 'other'"))


class TestTampering:
    """Each single change to a 200-event log is found, and its first bad position named."""

    def test_the_untouched_log_verifies_offline_and_in_the_database(
        self, log_of_200: Database, keys: LocalKeyFile, tmp_path: Path
    ) -> None:
        assert _verify(log_of_200, keys).ok
        export = tmp_path / "log.jsonl"
        with export.open("w") as out:
            assert log_of_200.run(lambda s: export_log(s, out), write=False) == 200
        with export.open() as lines:
            result = verify_export(lines, verifier=_verifier(keys), extra_checkpoints=[])
        assert result.ok
        assert (result.size, result.checkpoints) == (200, 4)

    def test_a_modified_byte(self, log_of_200: Database, keys: LocalKeyFile) -> None:
        with _tampering(log_of_200) as conn:
            payload = conn.execute(
                text("SELECT payload_ct FROM audit_event WHERE position = 123")
            ).scalar_one()
            changed = bytes(payload[:-1]) + bytes([payload[-1] ^ 1])
            conn.execute(
                text("UPDATE audit_event SET payload_ct = :p WHERE position = 123"), {"p": changed}
            )

        result = _verify(log_of_200, keys)
        assert (result.ok, result.first_bad_position) == (False, 123)

    def test_an_event_deleted(self, log_of_200: Database, keys: LocalKeyFile) -> None:
        with _tampering(log_of_200) as conn:
            conn.execute(text("DELETE FROM audit_event WHERE position = 77"))

        result = _verify(log_of_200, keys)
        assert (result.ok, result.first_bad_position) == (False, 77)

    def test_two_events_swapped(self, log_of_200: Database, keys: LocalKeyFile) -> None:
        with _tampering(log_of_200) as conn:
            conn.execute(text("UPDATE audit_event SET position = -1 WHERE position = 30"))
            conn.execute(text("UPDATE audit_event SET position = 30 WHERE position = 90"))
            conn.execute(text("UPDATE audit_event SET position = 90 WHERE position = -1"))

        result = _verify(log_of_200, keys)
        assert (result.ok, result.first_bad_position) == (False, 30)

    def test_one_event_inserted(self, log_of_200: Database, keys: LocalKeyFile) -> None:
        with _tampering(log_of_200) as conn:
            for position in range(199, 100, -1):  # make room at 101
                conn.execute(
                    text("UPDATE audit_event SET position = position + 1 WHERE position = :p"),
                    {"p": position},
                )
            conn.execute(
                text(
                    "INSERT INTO audit_event (id, position, occurred_at, actor_kind, action,"
                    " object_type, object_id, payload_ct) SELECT :id, 101, occurred_at,"
                    " actor_kind, action, object_type, 'forged', payload_ct"
                    " FROM audit_event WHERE position = 100"
                ),
                {"id": uuid.uuid4().hex if log_of_200.is_sqlite else uuid.uuid4()},
            )

        result = _verify(log_of_200, keys)
        assert (result.ok, result.first_bad_position) == (False, 101)

    def test_the_tail_truncated_below_a_checkpoint(
        self, log_of_200: Database, keys: LocalKeyFile
    ) -> None:
        with _tampering(log_of_200) as conn:
            conn.execute(text("DELETE FROM audit_event WHERE position >= 180"))
            conn.execute(text("DELETE FROM audit_node WHERE level = 0 AND idx >= 180"))

        result = _verify(log_of_200, keys)
        assert (result.ok, result.first_bad_position) == (False, 180)
        assert "removed" in (result.problem or "")

    def test_a_consistent_rewrite_of_the_stored_tree_is_caught_by_the_signed_checkpoints(
        self, log_of_200: Database, keys: LocalKeyFile
    ) -> None:
        # The attacker changes event 123 and recomputes its stored leaf hash too.
        with _tampering(log_of_200) as conn:
            conn.execute(
                text("UPDATE audit_event SET object_id = 'rewritten' WHERE position = 123")
            )
            row = conn.execute(
                select(*AuditEvent.__table__.columns).where(AuditEvent.position == 123)
            ).one()
            record = LeafRecord(**row._asdict())
            conn.execute(
                text("UPDATE audit_node SET hash = :h WHERE level = 0 AND idx = 123"),
                {"h": record.leaf_hash()},
            )

        result = _verify(log_of_200, keys)
        assert not result.ok
        assert (
            result.first_bad_position == 100
        )  # the first position no checkpoint still vouches for

    def test_a_checkpoint_kept_outside_catches_a_rewritten_database(
        self, log_of_200: Database, keys: LocalKeyFile
    ) -> None:
        outside = log_of_200.run(checkpoint_notes, write=False)[-1]
        with _tampering(log_of_200) as conn:  # rewrite history and remove the evidence inside
            conn.execute(text("DELETE FROM audit_checkpoint"))
            conn.execute(text("UPDATE audit_event SET object_id = 'rewritten' WHERE position = 5"))
            conn.execute(text("DELETE FROM audit_node"))
        rebuilt = log_of_200.run(_rebuild_tree, write=True)
        assert rebuilt == 200
        assert _verify(log_of_200, keys).ok  # with no checkpoint left inside, it looks fine...

        result = _verify(log_of_200, keys, extra=[outside])
        assert (result.ok, result.first_bad_position) == (
            False,
            0,
        )  # ...but not against the outside one

    @pytest.mark.parametrize(
        "change",
        [
            pytest.param(
                lambda e: {"occurred_at": e.occurred_at + dt.timedelta(microseconds=1)},
                id="time-by-a-microsecond",
            ),
            pytest.param(lambda _: {"case_id": uuid.uuid4()}, id="case"),
            pytest.param(lambda _: {"actor_id": "someone-else"}, id="actor"),
            pytest.param(lambda _: {"action": "case.viewed"}, id="action"),
            pytest.param(lambda _: {"object_type": "case"}, id="object-type"),
        ],
    )
    def test_a_changed_field(
        self, log_of_200: Database, keys: LocalKeyFile, change: Callable[[Row[Any]], dict[str, Any]]
    ) -> None:
        with _tampering(log_of_200) as conn:
            event = conn.execute(
                select(*AuditEvent.__table__.columns).where(AuditEvent.position == 123)
            ).one()
            conn.execute(update(AuditEvent).where(AuditEvent.position == 123).values(change(event)))

        result = _verify(log_of_200, keys)
        assert (result.ok, result.first_bad_position) == (False, 123)
        assert "does not match its stored leaf hash" in (result.problem or "")

    def test_a_stored_leaf_deleted(self, log_of_200: Database, keys: LocalKeyFile) -> None:
        with _tampering(log_of_200) as conn:
            conn.execute(text("DELETE FROM audit_node WHERE level = 0 AND idx = 61"))

        result = _verify(log_of_200, keys)
        assert (result.ok, result.first_bad_position) == (False, 61)
        assert "has no stored leaf" in (result.problem or "")

    def test_a_failed_verification_leaves_its_transaction_usable(
        self, log_of_200: Database, keys: LocalKeyFile
    ) -> None:
        with _tampering(log_of_200) as conn:
            conn.execute(text("DELETE FROM audit_event WHERE position = 12"))

        def twice(s: Session) -> tuple[Verification, Verification, int]:
            first = verify_stored(s, verifier=_verifier(keys), extra_checkpoints=[])
            second = verify_stored(s, verifier=_verifier(keys), extra_checkpoints=[])
            return first, second, s.scalar(select(func.count()).select_from(AuditEvent)) or 0

        first, second, events = log_of_200.run(twice, write=False)
        assert first.first_bad_position == second.first_bad_position == 12
        assert events == 199

    def test_a_forged_checkpoint_is_refused(self, log_of_200: Database, keys: LocalKeyFile) -> None:
        note = log_of_200.run(checkpoint_notes, write=False)[0]

        result = _verify(log_of_200, keys, extra=[note.replace("\n50\n", "\n40\n")])
        assert not result.ok
        assert "does not verify" in (result.problem or "")

    def test_an_exported_log_with_an_event_changed_is_refused_offline(
        self, log_of_200: Database, keys: LocalKeyFile, tmp_path: Path
    ) -> None:
        export = tmp_path / "log.jsonl"
        with export.open("w") as out:
            log_of_200.run(lambda s: export_log(s, out), write=False)
        lines = export.read_text().splitlines()
        lines[42] = (
            lines[42]
            .replace('"object_id":"obj-42"', '"object_id":"obj-99"')
            .replace('"object_id": "obj-42"', '"object_id": "obj-99"')
        )
        export.write_text("\n".join(lines) + "\n")

        with export.open() as handle:
            result = verify_export(handle, verifier=_verifier(keys), extra_checkpoints=[])
        assert (result.ok, result.first_bad_position) == (
            False,
            0,
        )  # only checkpoints vouch offline
        with export.open() as handle:
            records, _ = read_export(handle)
        assert records[42].object_id == "obj-99"


def _rebuild_tree(s) -> int:  # type: ignore[no-untyped-def]
    """What a thorough attacker would do after rewriting events: recompute every stored hash."""
    frontier, nodes = Frontier(), []
    for record, _ in list(stored_records(s)):
        nodes += [
            {"level": lvl, "idx": idx, "hash": h}
            for lvl, idx, h in frontier.append(record.leaf_hash())
        ]
    s.execute(insert(AuditNode), nodes)
    return frontier.size


def test_concurrent_writers_and_sequencers_make_one_contiguous_log(
    log_db: Database, keyring: Keyring, keys: LocalKeyFile
) -> None:
    writers, per_writer = 16, 200
    errors: list[BaseException] = []
    done = threading.Event()

    def writer(w: int) -> None:
        try:
            for i in range(per_writer // 20):
                _append(
                    log_db,
                    keyring,
                    20,
                    start=w * per_writer + i * 20,
                    actor=Actor(ActorKind.STAFF, f"w{w}"),
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def sequencer() -> None:
        try:
            while not done.is_set():
                log_db.run(lambda s: sequence(s, batch=97), write=True)
                log_db.run(lambda s: issue_checkpoint(s, signer=keys, now=T0), write=True)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    sequencers = [threading.Thread(target=sequencer) for _ in range(2)]
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in [*sequencers, *threads]:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in sequencers:
        t.join()
    _sequence_all(log_db, keys)

    assert errors == []
    positions = log_db.run(
        lambda s: list(s.scalars(select(AuditEvent.position).order_by(AuditEvent.position))),
        write=False,
    )
    assert positions == list(range(writers * per_writer))  # contiguous, no gap, no fork
    assert (
        log_db.run(
            lambda s: s.scalar(
                select(func.count()).select_from(AuditNode).where(AuditNode.level == 0)
            ),
            write=False,
        )
        == writers * per_writer
    )
    result = _verify(log_db, keys)
    assert result.ok, result.problem
    assert result.checkpoints > 1


def test_events_with_awkward_fields_verify_in_the_database_and_offline(
    log_db: Database, keys: LocalKeyFile, tmp_path: Path
) -> None:
    # On PostgreSQL verification has the database spell the ids and times; whatever an event
    # holds, that must come out as the bytes the sequencer hashed.
    texts = ["plain", 'a "quote" and a \\ back', "tab\tnew\nline\x01", "ñandú ✓ 🎉", ""]
    times = [
        T0,  # whole seconds
        T0 + dt.timedelta(microseconds=1),
        T0 + dt.timedelta(microseconds=999_999),
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(999, 12, 31, 23, 59, 59, 500_000, tzinfo=dt.UTC),
    ]
    rows = [
        {
            "id": uuid.uuid4(),
            "occurred_at": at,
            "actor_kind": "staff",
            "actor_id": value or None,
            "action": value,
            "object_type": value[:32],
            "object_id": value,
            "case_id": uuid.uuid4() if i % 2 else None,
            "payload_ct": bytes(range(i * 50, i * 50 + i * 13)),  # the first one is empty
        }
        for i, (value, at) in enumerate(zip(texts, times, strict=True))
    ]
    log_db.run(lambda s: s.execute(insert(AuditEvent), rows), write=True)
    _sequence_all(log_db, keys)

    result = _verify(log_db, keys)
    assert (result.ok, result.size, result.checkpoints) == (True, 5, 1)
    export = tmp_path / "log.jsonl"
    with export.open("w") as out:
        log_db.run(lambda s: export_log(s, out), write=False)
    with export.open() as lines:
        assert verify_export(lines, verifier=_verifier(keys), extra_checkpoints=[]).ok


def test_proofs_from_storage_verify(log_of_200: Database) -> None:
    def check(s) -> None:  # type: ignore[no-untyped-def]
        root = tree.root_at(s, 200)
        for position in (0, 1, 99, 137, 199):
            proof = tree.inclusion_proof(s, position, 200)
            leaf = tree.leaf_at(s, position)
            assert leaf is not None
            assert merkle.verify_inclusion(position, 200, leaf, proof, root)
        for old in (1, 50, 77, 128, 200):
            proof = tree.consistency_proof(s, old, 200)
            assert merkle.verify_consistency(old, 200, tree.root_at(s, old), root, proof)

    log_of_200.run(check, write=False)


def test_a_damaged_interior_node_is_found_by_the_deep_check(log_of_200: Database) -> None:
    assert log_of_200.run(lambda s: check_stored_nodes(s, 200), write=False) is None
    with _tampering(log_of_200) as conn:
        conn.execute(
            text("UPDATE audit_node SET hash = :h WHERE level = 3 AND idx = 5"), {"h": b"\x00" * 32}
        )

    assert log_of_200.run(lambda s: check_stored_nodes(s, 200), write=False) == 5 << 3
