"""Audit trail benchmark: append throughput, sequencing, verification and proofs at scale.

    python -m bench.audit [--events 1000000] [--backend postgresql] [--writers 16]

On a fresh database:
1. append: ``--writers`` threads each write events one per transaction through
   ``record_event`` (seal + insert, as a request does), against a baseline of the same
   threads inserting a row of the same size with a plain INSERT; prints both rates and the ratio.
2. fill: bulk-inserts sealed events up to ``--events`` and sequences them (events/s).
3. verify: ``audit verify`` over the whole log (events/s). Goal: >= 100,000 events/s.
4. prove: inclusion proofs for random positions at that size (p50/p99 ms). Goal: <= 5 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.common import bench_database
from casework.actors import SYSTEM
from casework.audit import merkle, tree
from casework.audit.log import verify_stored
from casework.audit.models import AuditEvent
from casework.audit.note import Verifier, verifier_key
from casework.audit.record import AuditAction, record_event
from casework.audit.sequencer import issue_checkpoint, sequence
from casework.ids import new_id
from casework.protection.fields import seal
from casework.protection.keys import Keyring
from hotline.runtime import migrations
from hotline.runtime.database import Database, make_engine
from integrations.keys.local import LocalKeyFile

T0 = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def _append(db: Database, keyring: Keyring, writers: int, seconds: float) -> dict[str, Any]:
    counts = [0] * writers
    stop = time.perf_counter() + seconds

    def work(w: int) -> None:
        while time.perf_counter() < stop:
            db.run(
                lambda s: record_event(
                    s,
                    keyring=keyring,
                    action=AuditAction.REPORT_RECEIVED,
                    actor=SYSTEM,
                    object_type="report",
                    object_id=str(new_id()),
                    details={"case_reference": "HX-TEST-000", "channel": "app", "priority": "P2"},
                    now=dt.datetime.now(dt.UTC),
                ),
                write=True,
            )
            counts[w] += 1

    return _run_threads(work, writers, counts)


def _baseline(db: Database, writers: int, seconds: float) -> dict[str, Any]:
    counts = [0] * writers
    stop = time.perf_counter() + seconds
    blob = "BYTEA" if db.engine.dialect.name == "postgresql" else "BLOB"
    ddl = f"CREATE TABLE IF NOT EXISTS bench_plain (id VARCHAR(36) PRIMARY KEY, body {blob})"
    db.run(
        lambda s: s.execute(text(ddl)),
        write=True,
    )
    body = b"x" * 120

    def work(w: int) -> None:
        while time.perf_counter() < stop:
            db.run(
                lambda s: s.execute(
                    text("INSERT INTO bench_plain (id, body) VALUES (:i, :b)"),
                    {"i": str(new_id()), "b": body},
                ),
                write=True,
            )
            counts[w] += 1

    return _run_threads(work, writers, counts)


def _run_threads(work: Any, writers: int, counts: list[int]) -> dict[str, Any]:
    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "writes": sum(counts),
        "seconds": round(elapsed, 1),
        "per_second": round(sum(counts) / elapsed),
    }


def _fill(db: Database, keyring: Keyring, keys: LocalKeyFile, total: int) -> dict[str, Any]:
    key = db.run(lambda s: keyring.purpose_key(s, "audit"), write=False)
    have = db.run(lambda s: s.scalar(text("SELECT count(*) FROM audit_event")), write=False) or 0
    started = time.perf_counter()
    chunk = 5000
    for base in range(have, total, chunk):
        rows = []
        for i in range(base, min(base + chunk, total)):
            event_id = new_id()
            rows.append(
                {
                    "id": event_id,
                    "occurred_at": T0 + dt.timedelta(microseconds=i),
                    "actor_kind": "staff",
                    "actor_id": f"user-{i % 300}",
                    "action": "case.viewed",
                    "object_type": "case",
                    "object_id": str(event_id),
                    "case_id": None,
                    "payload_ct": seal(
                        key,
                        table="audit_event",
                        column="payload",
                        row_id=event_id,
                        plaintext=b'{"fields":["narrative"]}',
                    ),
                }
            )
        db.run(lambda s, rows=rows: s.execute(insert(AuditEvent), rows), write=True)  # type: ignore[misc]
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    sequenced = 0
    while done := db.run(lambda s: sequence(s, batch=20_000), write=True):
        sequenced += done
        if sequenced % 200_000 < 20_000:
            db.run(
                lambda s: issue_checkpoint(s, signer=keys, now=dt.datetime.now(dt.UTC)), write=True
            )
    db.run(lambda s: issue_checkpoint(s, signer=keys, now=dt.datetime.now(dt.UTC)), write=True)
    seq_seconds = time.perf_counter() - started
    return {
        "events": total,
        "insert_seconds": round(inserted, 1),
        "sequenced": sequenced,
        "sequence_seconds": round(seq_seconds, 1),
        "sequence_per_second": round(sequenced / seq_seconds) if sequenced else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backend", default="postgresql")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--proofs", type=int, default=500)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp,
        bench_database(args.backend, Path(tmp)) as url,
    ):
        migrations.upgrade(url)
        keys = LocalKeyFile(Path(tmp) / "keys.json", create=True, signer_name="bench.local/audit")
        keyring = Keyring(keys)
        db = Database(make_engine(url, pool_size=args.writers + 2, max_overflow=2))
        db.run(lambda s: keyring.ensure_root(s, now=dt.datetime.now(dt.UTC)), write=True)
        result: dict[str, Any] = {"backend": args.backend}
        result["append_baseline"] = _baseline(db, args.writers, args.seconds)
        result["append_audit"] = _append(db, keyring, args.writers, args.seconds)
        result["append_ratio"] = round(
            result["append_audit"]["per_second"] / result["append_baseline"]["per_second"], 3
        )
        result["fill"] = _fill(db, keyring, keys, args.events)
        verifier = Verifier.parse(verifier_key(keys.name, keys.public_key()))
        started = time.perf_counter()
        verification = db.run(
            lambda s: verify_stored(s, verifier=verifier, extra_checkpoints=[]), write=False
        )
        seconds = time.perf_counter() - started
        result["verify"] = {
            "ok": verification.ok,
            "entries": verification.size,
            "checkpoints": verification.checkpoints,
            "seconds": round(seconds, 2),
            "events_per_second": round(verification.size / seconds),
            "goal_100k_per_second": verification.size / seconds >= 100_000,
        }
        size = db.run(tree.tree_size, write=False)
        root = db.run(lambda s: tree.root_at(s, size), write=False)
        times = []
        rng = random.Random(7)
        for _ in range(args.proofs):
            position = rng.randrange(size)
            started = time.perf_counter()
            proof, leaf = db.run(
                lambda s, p=position: (tree.inclusion_proof(s, p, size), tree.leaf_at(s, p)),  # type: ignore[misc]
                write=False,
            )
            times.append((time.perf_counter() - started) * 1000)
            assert leaf is not None
            assert merkle.verify_inclusion(position, size, leaf, proof, root)
        cuts = statistics.quantiles(times, n=100)
        result["inclusion_proof"] = {
            "size": size,
            "proofs": args.proofs,
            "p50_ms": round(cuts[49], 2),
            "p99_ms": round(cuts[98], 2),
            "goal_5ms": cuts[98] <= 5,
        }
        db.dispose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
