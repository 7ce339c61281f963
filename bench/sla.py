"""The periodic SLA scan and the caseworker queue query, with and without a million closed
cases (PostgreSQL).

    python -m bench.sla [--open 10000] [--closed 1000000] [--rounds 3] [--queries 300]

On a fresh database: ``--open`` open cases (priorities P1 5 %, P2 20 %, P3 50 %, P4 25 %,
opened over the last 16 hours, two regions), then the measurements, then ``--closed`` closed
cases (three events each: opened, assessed, closed), ANALYZE, and the same measurements
again. Rows are generated in SQL (``generate_series``): the fill is not what is measured.

The scan is measured as the worker runs it (``Worker.scan_sla``):

- *rebuild*: every open case's clocks rebuilt from its events (as after a restart or a
  change of targets), then every due warning and breach sent: thousands of notices;
- *steady*: the pass the worker makes every 15 s: nothing changed, a few clocks come due
  (the clock moves on 5 minutes between passes).

Goal (issue 6): each with 1M closed cases takes <= 1.5 x the same without them.

The queue query is ``list_cases`` as the staff API runs it for a supervisor of one region
(scope filter, count, first page of 50, the audit event), filtered by region and priority:
open cases only (the queue) and all statuses (a search). Baselines, in the same run: the bare
``SELECT ... WHERE region_id = ? AND priority = ? [AND status IN (open)] ORDER BY ... LIMIT
50`` on the same table (no scope, no count, no audit).
Goal: p95 <= 50 ms at 1M cases. Prints JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.common import bench_database
from casework.access.scope import Principal, load_principal
from casework.actors import SYSTEM
from casework.cases.models import Case
from casework.clock import FixedClock
from casework.context import Acting
from casework.enums import CaseStatus, Priority
from casework.handling.listing import CaseQuery, list_cases
from casework.places.models import Region
from casework.ports import MediaStore, SmsSender
from casework.protection.keys import Keyring
from casework.staff.accounts import create_user, ensure_team, set_teams
from casework.staff.models import Role, StaffUser
from hotline.cli.demo import seed_places
from hotline.runtime import migrations
from hotline.runtime.database import Database, make_engine
from hotline.worker import Worker, WorkerConfig
from integrations.keys.local import LocalKeyFile

T0 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)

# Cases numbered from :first, :n of them, opened over the 16 hours before T0.
_CASES = """
INSERT INTO "case" (id, reference, status, priority, category_id, region_id, school_id,
    language, opened_at, status_changed_at, restricted, perpetrator_role, ongoing, injury,
    risk_score, triage_factors, last_event_seq, sla_seq, closed_at)
SELECT gen_random_uuid(), 'HB-' || lpad(g::text, 9, '0'), CAST(:status AS varchar),
    CASE WHEN g % 20 = 0 THEN 'P1' WHEN g % 5 = 1 THEN 'P2' WHEN g % 2 = 0 THEN 'P3' ELSE 'P4' END,
    :category, CASE WHEN g % 2 = 0 THEN :region_a ELSE :region_b END, NULL, 'en',
    CAST(:t0 AS timestamptz) - make_interval(secs => (g % :n) * CAST(:step AS float)),
    CAST(:t0 AS timestamptz),
    false, 'unknown', 'unknown', 'unknown', 20, '[]', CAST(:events AS int),
    CAST(:sla_seq AS int), CAST(:closed_at AS timestamptz)
FROM generate_series(:first, :first + :n - 1) AS g
"""
_EVENTS = """
INSERT INTO case_event (id, case_id, seq, kind, actor_kind, actor_id, occurred_at, data)
SELECT gen_random_uuid(), c.id, e.seq,
    CASE e.seq WHEN 1 THEN 'opened' WHEN 2 THEN 'priority_assessed' ELSE 'status_changed' END,
    CASE e.seq WHEN 2 THEN 'system' ELSE 'reporter' END, NULL, c.opened_at,
    CASE e.seq WHEN 1 THEN '{"channel": "app"}'::json
        WHEN 2 THEN json_build_object('priority', c.priority, 'factors', '[]'::json)
        ELSE '{"from": "in_progress", "to": "closed", "why": "closed"}'::json END
FROM "case" c CROSS JOIN generate_series(1, :events) AS e(seq)
WHERE c.reference >= :lo AND c.reference <= :hi
"""


def _fill(db: Database, keyring: Keyring, *, first: int, n: int, closed: bool) -> float:
    started = time.perf_counter()
    status, events = ("closed", 3) if closed else ("new", 2)

    def ids(s: Session) -> dict[str, Any]:
        regions = list(s.scalars(select(Region.id).order_by(Region.id)))
        category = s.scalar(text("SELECT id FROM category WHERE code = 'bullying'"))
        return {"region_a": regions[0], "region_b": regions[1], "category": category}

    params = db.run(ids, write=False)
    chunk = 100_000
    for base in range(first, first + n, chunk):
        size = min(chunk, first + n - base)
        values = {
            **params,
            "status": status,
            "events": events,
            "t0": T0,
            "sla_seq": events if closed else 0,
            "closed_at": T0 if closed else None,
            "step": 57_600 / n,  # spread over 16 hours
        }

        def insert(
            s: Session, base: int = base, size: int = size, values: dict[str, Any] = values
        ) -> None:
            s.execute(text(_CASES), {**values, "first": base, "n": size})
            s.execute(
                text(_EVENTS),
                {
                    "events": events,
                    "lo": f"HB-{base:09d}",
                    "hi": f"HB-{base + size - 1:09d}",
                },
            )

        db.run(insert, write=True)
    if not closed:  # open cases have their data keys, as real ones do (notices are sealed)
        case_ids = db.run(
            lambda s: list(s.scalars(select(Case.id).where(Case.status != "closed"))), write=False
        )
        for i in range(0, len(case_ids), 1000):
            db.run(
                lambda s, batch=case_ids[i : i + 1000]: [
                    keyring.new_case_key(s, case_id=c, now=T0) for c in batch
                ],
                write=True,
            )
    db.run(lambda s: s.execute(text('ANALYZE "case"; ANALYZE case_event')), write=True)
    return time.perf_counter() - started


def _reset(db: Database) -> None:
    """Forget the clock index and every notice: the next scan starts from the events."""

    def run(s: Session) -> None:
        s.execute(text("DELETE FROM sla_notice"))
        s.execute(text("DELETE FROM sla_clock"))
        s.execute(text("DELETE FROM outbox_message"))
        s.execute(text("UPDATE \"case\" SET sla_seq = 0 WHERE status <> 'closed'"))

    db.run(run, write=True)
    db.run(lambda s: s.execute(text("ANALYZE sla_clock")), write=True)


def _worker(db: Database, keyring: Keyring, clock: FixedClock) -> Worker:
    return Worker(
        db,
        keyring=keyring,
        clock=clock,
        sms=cast(SmsSender, None),  # the scan only queues: nothing is sent here
        media=cast(MediaStore, None),
        signer=None,
        config=WorkerConfig(public_base_url="https://hotline.example.org"),
    )


def _scan(db: Database, keyring: Keyring, rounds: int) -> dict[str, Any]:
    rebuild, steady, notices = [], [], []
    for _ in range(rounds):
        _reset(db)
        clock = FixedClock(T0)
        worker = _worker(db, keyring, clock)
        started = time.perf_counter()
        notices.append(worker.scan_sla())
        rebuild.append(time.perf_counter() - started)
        for _ in range(5):
            clock.advance(dt.timedelta(minutes=5))
            started = time.perf_counter()
            worker.scan_sla()
            steady.append(time.perf_counter() - started)
    return {
        "rebuild_seconds": round(statistics.median(rebuild), 3),
        "rebuild_all": [round(x, 3) for x in rebuild],
        "notices_per_rebuild": notices[0],
        "steady_ms": round(statistics.median(steady) * 1000, 1),
        "steady_all_ms": [round(x * 1000, 1) for x in steady],
    }


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2)


def _queue(db: Database, keyring: Keyring, user_id: Any, queries: int) -> dict[str, Any]:
    region_id = db.run(
        lambda s: s.scalar(select(Region.id).where(Region.code == "capital")), write=False
    )
    principal: Principal = db.run(
        lambda s: load_principal(s, s.get_one(StaffUser, user_id)), write=False
    )
    results: dict[str, Any] = {}
    for label, open_only in (("queue_open", True), ("search_all_statuses", False)):
        samples = []
        returned = 0
        for i in range(queries):
            query = CaseQuery(
                priority=list(Priority)[i % 4], region_id=region_id, open_only=open_only
            )
            started = time.perf_counter()
            _, total = db.run(
                lambda s, q=query: list_cases(Acting(s, keyring, FixedClock(T0), T0, principal), q),
                write=True,
            )
            samples.append(time.perf_counter() - started)
            returned = max(returned, total)
        results[label] = {
            "p50_ms": round(statistics.median(samples) * 1000, 2),
            "p95_ms": _p95(samples),
            "largest_total": returned,
        }
    open_statuses = [st for st in CaseStatus if st is not CaseStatus.CLOSED]
    for label, open_only in (("queue_open", True), ("search_all_statuses", False)):
        base = []
        for i in range(queries):
            where = [Case.region_id == region_id, Case.priority == list(Priority)[i % 4]]
            if open_only:
                where.append(Case.status.in_(open_statuses))
            started = time.perf_counter()
            db.run(
                lambda s, where=where: list(
                    s.scalars(
                        select(Case)
                        .where(*where)
                        .order_by(Case.priority, Case.opened_at, Case.id)
                        .limit(50)
                    )
                ),
                write=False,
            )
            base.append(time.perf_counter() - started)
        results[f"baseline_{label}"] = {
            "p50_ms": round(statistics.median(base) * 1000, 2),
            "p95_ms": _p95(base),
        }
    for label in ("queue_open", "search_all_statuses"):
        results[label]["p95_ratio_to_baseline"] = round(
            results[label]["p95_ms"] / results[f"baseline_{label}"]["p95_ms"], 1
        )
        results[label]["goal_p95_50ms"] = results[label]["p95_ms"] <= 50
    return results


def _setup(db: Database, keyring: Keyring) -> Any:
    def run(s: Session) -> Any:
        seed_places(s)
        keyring.ensure_root(s, now=T0)
        ensure_team(s, name="Capital", region_codes=["capital"])
        user = create_user(
            s,
            keyring=keyring,
            username="bench.supervisor",
            display_name="Bench",
            role=Role.SUPERVISOR,
            password_hash="x",
            actor=SYSTEM,
            now=T0,
        )
        set_teams(s, keyring=keyring, user=user, team_names=["Capital"], actor=SYSTEM, now=T0)
        return user.id

    return db.run(run, write=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp,
        bench_database("postgresql", Path(tmp)) as url,
    ):
        migrations.upgrade(url)
        keys = LocalKeyFile(Path(tmp) / "keys.json", create=True, signer_name="bench.local/sla")
        keyring = Keyring(keys)
        db = Database(make_engine(url, pool_size=4, max_overflow=2))
        user_id = _setup(db, keyring)
        result: dict[str, Any] = {"open_cases": args.open}
        result["fill_open_seconds"] = round(
            _fill(db, keyring, first=0, n=args.open, closed=False), 1
        )
        result["without_closed"] = {
            "scan": _scan(db, keyring, args.rounds),
            "queue": _queue(db, keyring, user_id, args.queries),
        }
        result["closed_cases"] = args.closed
        result["fill_closed_seconds"] = round(
            _fill(db, keyring, first=args.open, n=args.closed, closed=True), 1
        )
        result["with_closed"] = {
            "scan": _scan(db, keyring, args.rounds),
            "queue": _queue(db, keyring, user_id, args.queries),
        }
        before, after = result["without_closed"]["scan"], result["with_closed"]["scan"]
        result["ratio_rebuild"] = round(after["rebuild_seconds"] / before["rebuild_seconds"], 2)
        result["ratio_steady"] = round(after["steady_ms"] / before["steady_ms"], 2)
        result["goal_ratio_1_5"] = result["ratio_rebuild"] <= 1.5 and result["ratio_steady"] <= 1.5
        db.dispose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
