"""The case builder alone, in one process: cases/s, SQL statements and CPU per case.

    python -m bench.builder [--reports 500] [--backend postgresql] [--profile 25]

Issue 16 asks for >= 200 cases/s per worker process on PostgreSQL. ``bench.intake`` measures
the builder as it runs (a ``hotline worker`` beside the service); this takes it apart, to know
where a case's time goes before changing it:

1. A fresh database, migrated, with the demo's places (``bench.common.prepare_database``).
2. ``--reports`` reports taken in as the request path takes them (``receive_report``: one
   inbox row each, sealed), in one transaction - the fixture, not what is measured.
3. ``build_pending`` over them, as the ``intake.build`` job calls it (one transaction per
   row), with every statement counted (by its first word) and the process's CPU time taken;
   then, with ``--profile N``, the same again on a fresh backlog under cProfile, its N
   costliest functions by own time.

The baseline is the same number of one-row INSERTs, one transaction each, through the same
``Database.run``: the least a builder that writes one row per case could cost.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench.common import bench_database, prepare_database
from casework.clock import SystemClock
from casework.enums import Channel, Danger, ReporterRole
from casework.intake.builder import build_pending
from casework.intake.directory import CodeDirectory
from casework.intake.receiving import receive_report
from casework.intake.schemas import ReportSubmission
from casework.protection.keys import Keyring
from hotline.runtime.database import Database, make_engine
from integrations.keys.local import LocalKeyFile

REPORT = ReportSubmission(  # as bench.intake's app sends it
    channel=Channel.APP,
    language="en",
    category="corporal_punishment",
    narrative="My teacher hit my hand with a stick because I forgot my homework. "
    "It happens to other children too, almost every week.",
    immediate_danger=Danger.NO,
    school="capital-002",
    child_age=11,
    reporter_role=ReporterRole.SELF,
)


def _receive(db: Database, keyring: Keyring, n: int) -> None:
    """Take ``n`` reports into the inbox as the request path does (one transaction)."""
    directory = CodeDirectory()
    clock = SystemClock()

    def take(session: Session) -> None:
        for i in range(n):
            receive_report(
                session,
                keyring=keyring,
                now=clock.now(),
                submission=REPORT,
                directory=directory,
                idempotency_key=f"bench-builder-{time.time_ns()}-{i}",
                scope="app",
                default_phone_region=None,
            )

    db.run(take, write=True)


def _counting(db: Database) -> Counter[str]:
    """Count the statements the engine runs from now on, by their first word."""
    seen: Counter[str] = Counter()

    @event.listens_for(db.engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen[statement.lstrip().split(None, 1)[0].upper()] += 1

    return seen


def _timed(work: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds of ``work``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Run it and print JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument(
        "--threads", type=int, default=1, help="builder threads (the worker runs 2 on PostgreSQL)"
    )
    parser.add_argument("--staffed", action="store_true", help="the demo's staff on shift")
    args = parser.parse_args()
    n = args.reports
    with (
        tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp,
        bench_database(args.backend, Path(tmp)) as url,
    ):
        prepare_database(url, staffed=args.staffed, keys_path=Path(tmp) / "keys.json")
        keys = LocalKeyFile(Path(tmp) / "keys.json", create=True, signer_name="bench.local/b")
        keyring = Keyring(keys)
        db = Database(make_engine(url, pool_size=args.threads + 1, max_overflow=0))
        db.run(lambda s: s.execute(text("CREATE TABLE bench_row (id integer, v text)")), write=True)

        def baseline() -> None:
            for i in range(n):
                db.run(
                    lambda s, i=i: s.execute(
                        text("INSERT INTO bench_row VALUES (:i, :v)"), {"i": i, "v": "x" * 200}
                    ),
                    write=True,
                )

        def drain() -> None:
            while build_pending(
                db, keyring=keyring, clock=SystemClock(), default_phone_region=None, limit=50
            ).built:
                pass

        def build() -> None:
            # As the worker runs it: each thread takes rows (SKIP LOCKED) until none wait.
            threads = [threading.Thread(target=drain) for _ in range(args.threads)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        _receive(db, keyring, 20)  # warm: the first cases load what later ones reuse
        build_pending(db, keyring=keyring, clock=SystemClock(), default_phone_region=None, limit=20)
        base_wall, base_cpu = _timed(baseline)
        _receive(db, keyring, n)
        statements = _counting(db)
        wall, cpu = _timed(build)
        result: dict[str, Any] = {
            "backend": args.backend,
            "threads": args.threads,
            "staffed": args.staffed,
            "cases": n,
            "cases_per_s": round(n / wall, 1),
            "cpu_ms_per_case": round(1000 * cpu / n, 2),
            "statements_per_case": round(sum(statements.values()) / n, 1),
            "statements_by_kind_per_case": {
                k: round(v / n, 1) for k, v in statements.most_common()
            },
            "baseline_inserts_per_s": round(n / base_wall, 1),
            "baseline_cpu_ms_per_insert": round(1000 * base_cpu / n, 2),
            "ratio_to_baseline": round((n / wall) / (n / base_wall), 3),
        }
        print(json.dumps(result, indent=2), flush=True)
        if args.profile:
            _receive(db, keyring, n)
            profiler = cProfile.Profile()
            profiler.runcall(build)
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
            print(out.getvalue())
        db.dispose()


if __name__ == "__main__":
    main()
