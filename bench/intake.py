"""Intake throughput and latency against a bare one-INSERT endpoint, on PostgreSQL and SQLite.

    python -m bench.intake [--seconds 15] [--concurrency 32] [--rounds 2]
                           [--backends postgresql,sqlite]

For each backend: a fresh database; the hotline service (one uvicorn process, as `hotline
serve` runs it) taking `POST /api/v1/reports` with a new Idempotency-Key per request, as the
app sends them; and, in the same run and on the same database, the baseline app doing one
INSERT per request. The load comes from a separate process at the given concurrency. Rounds
alternate baseline and intake so drift on a shared machine hits both. Prints JSON: requests/s,
p50 and p99 per run, and the intake/baseline throughput ratio (median of rounds).

Goals (issues 2 and 16): ratio >= 0.5 and intake p99 <= 150 ms on both databases.

Since issue 16 the request only keeps the report (one intake_item row) and the case builder
opens the case: on SQLite in `hotline serve` (its worker thread), on PostgreSQL in one
`hotline worker` process started beside the service - both run throughout, as in production,
so the figures include the builder's share of the machine (on SQLite the builder defers its
writes to waiting requests). On PostgreSQL one round is also run before the worker starts (the
request path alone, ``api_alone``), and the worker's first drain of that backlog with nothing
else running gives its cases/s (``builder_alone``). After the ratio rounds, two
open-loop phases on the same service: a steady 40 req/s for ``--steady-seconds`` (time from
receipt to case, p50/p99, from the rows' received_at and built_at) and a burst of 150 req/s for
``--burst-seconds`` (how long the builder takes to drain the backlog after it, and so its
cases/s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.common import ROOT, bench_database, free_port, load, prepare_database, server

REPORT = {
    "category": "corporal_punishment",
    "narrative": "My teacher hit my hand with a stick because I forgot my homework. "
    "It happens to other children too, almost every week.",
    "immediate_danger": "no",
    "language": "en",
    "school": "capital-002",
    "child_age": 11,
    "reporter": "self",
}


@contextmanager
def builder_process(backend: str, env: dict[str, str]) -> Iterator[None]:
    """A `hotline worker` process (the case builder) on PostgreSQL; SQLite's runs in serve."""
    if backend == "sqlite":
        yield
        return
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline", "worker"],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _waiting(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM intake_item WHERE case_id IS NULL")
                ).scalar()
                or 0
            )
    finally:
        engine.dispose()


def drain(url: str, *, limit: float = 600.0) -> float:
    """Seconds until no report waits for its case (polled every 0.2 s)."""
    start = time.monotonic()
    while _waiting(url) and time.monotonic() - start < limit:
        time.sleep(0.2)
    return round(time.monotonic() - start, 2)


def receipt_to_case(url: str, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """p50/p99 seconds from receipt to case of the reports received in [since, until)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT received_at, built_at FROM intake_item "
                    "WHERE received_at >= :since AND received_at < :until AND built_at IS NOT NULL"
                ),
                {"since": since, "until": until},
            ).all()
    finally:
        engine.dispose()

    def seconds(value: Any) -> dt.datetime:
        if isinstance(value, str):  # SQLite keeps text
            value = dt.datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    waits = sorted((seconds(b) - seconds(r)).total_seconds() for r, b in rows)
    if not waits:
        return {"n": 0}
    return {
        "n": len(waits),
        "p50_s": round(waits[len(waits) // 2], 3),
        "p99_s": round(waits[min(len(waits) - 1, int(len(waits) * 0.99))], 3),
    }


def pipeline_phases(
    url: str, port: int, body_file: Path, *, steady_seconds: float, burst_seconds: float
) -> dict[str, Any]:
    """Receipt-to-case at a steady 40 req/s, then the drain after a burst of 150 req/s."""
    backlog_drain = drain(url)  # what the ratio rounds left behind
    since = dt.datetime.now(dt.UTC)
    steady = load(
        port,
        "/api/v1/reports",
        body_file,
        seconds=steady_seconds,
        concurrency=32,
        key=True,
        rate=40,
    )
    until = dt.datetime.now(dt.UTC)
    drain(url)
    steady_case = receipt_to_case(url, since, until)
    burst = load(
        port,
        "/api/v1/reports",
        body_file,
        seconds=burst_seconds,
        concurrency=64,
        key=True,
        rate=150,
    )
    left = _waiting(url)
    drained = drain(url)
    return {
        "drain_after_ratio_rounds_s": backlog_drain,
        "steady_40": {"load": steady, "receipt_to_case": steady_case},
        "burst_150": {
            "load": burst,
            "waiting_at_end": left,
            "drain_s": drained,
            "builder_cases_per_s_while_draining": round(left / drained, 1) if drained else None,
        },
    }


def bench_backend(
    backend: str,
    workdir: Path,
    *,
    seconds: float,
    concurrency: int,
    rounds: int,
    steady_seconds: float,
    burst_seconds: float,
    staffed: bool,
) -> dict[str, Any]:
    body_file = workdir / "report.json"
    body_file.write_text(json.dumps(REPORT))
    with bench_database(backend, workdir) as url:
        prepare_database(url, staffed=staffed, keys_path=workdir / "keys.json")
        hotline_port, baseline_port = free_port(), free_port()
        hotline_env = {
            "HOTLINE_DATABASE_URL": url,
            "HOTLINE_DATA_DIR": str(workdir),
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_DB_POOL_SIZE": str(concurrency),
        }
        hotline_cmd = [sys.executable, "-m", "hotline", "serve", "--port", str(hotline_port)]
        baseline_cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench.baseline_app:create_app",
            "--port",
            str(baseline_port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        # The baseline gets its own SQLite file: the service's builder writes to the service's
        # file all the time, and SQLite's file lock would slow the baseline down (first run:
        # 497 then 4.7 req/s). On PostgreSQL both use the same server, in separate tables.
        baseline_url = f"sqlite:///{workdir / 'baseline.db'}" if backend == "sqlite" else url
        runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "intake": []}
        alone: dict[str, list[dict[str, Any]]] = {"baseline": [], "intake": []}

        def rounds_into(into: dict[str, list[dict[str, Any]]], count: int) -> None:
            for _ in range(count):
                into["baseline"].append(
                    load(
                        baseline_port,
                        "/baseline",
                        body_file,
                        seconds=seconds,
                        concurrency=concurrency,
                        key=False,
                    )
                )
                into["intake"].append(
                    load(
                        hotline_port,
                        "/api/v1/reports",
                        body_file,
                        seconds=seconds,
                        concurrency=concurrency,
                        key=True,
                    )
                )

        with (
            server(hotline_cmd, hotline_env, "/readyz", hotline_port),
            server(baseline_cmd, {"BENCH_DATABASE_URL": baseline_url}, "/baseline", baseline_port),
        ):
            # Warm both up (connections, caches) before measuring.
            load(
                baseline_port, "/baseline", body_file, seconds=2, concurrency=concurrency, key=False
            )
            load(
                hotline_port,
                "/api/v1/reports",
                body_file,
                seconds=2,
                concurrency=concurrency,
                key=True,
            )
            if backend != "sqlite":
                # PostgreSQL: the request path alone first (no worker process yet), then the
                # builder started on that backlog with nothing else running: its cases/s.
                rounds_into(alone, 1)
                backlog = _waiting(url)
            with builder_process(backend, hotline_env):
                drained_alone = drain(url) if backend != "sqlite" else None
                rounds_into(runs, rounds)
                pipeline = pipeline_phases(
                    url,
                    hotline_port,
                    body_file,
                    steady_seconds=steady_seconds,
                    burst_seconds=burst_seconds,
                )
        if drained_alone:
            pipeline["builder_alone"] = {
                "cases": backlog,
                "seconds": drained_alone,
                "cases_per_s": round(backlog / drained_alone, 1),
            }
        if alone["intake"]:
            pipeline["api_alone"] = {
                "baseline": alone["baseline"],
                "intake": alone["intake"],
                "ratio_rps": round(alone["intake"][0]["rps"] / alone["baseline"][0]["rps"], 3),
            }
    ratios = [i["rps"] / b["rps"] for i, b in zip(runs["intake"], runs["baseline"], strict=True)]
    return {
        "backend": backend,
        "staffed": staffed,
        "concurrency": concurrency,
        "seconds_per_run": seconds,
        "baseline": runs["baseline"],
        "intake": runs["intake"],
        "ratio_rps": round(statistics.median(ratios), 3),
        "intake_p99_ms_worst": max(r["p99_ms"] for r in runs["intake"]),
        "pipeline": pipeline,
        "goals": {
            "ratio_rps >= 0.5": statistics.median(ratios) >= 0.5,
            "intake p99 <= 150 ms": max(r["p99_ms"] for r in runs["intake"]) <= 150,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--steady-seconds", type=float, default=15)
    parser.add_argument("--burst-seconds", type=float, default=20)
    parser.add_argument(
        "--staffed",
        action="store_true",
        help="the demo's staff on shift (reports are routed to them; without staff every "
        "report of this P2 kind wakes the on-call rota, and the worker delivers that alert)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        results = [
            bench_backend(
                backend,
                Path(tmp),
                seconds=args.seconds,
                concurrency=args.concurrency,
                rounds=args.rounds,
                steady_seconds=args.steady_seconds,
                burst_seconds=args.burst_seconds,
                staffed=args.staffed,
            )
            for backend in args.backends.split(",")
        ]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
