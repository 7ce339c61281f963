"""Intake throughput and latency against a bare one-INSERT endpoint, on PostgreSQL and SQLite.

    python -m bench.intake [--seconds 15] [--concurrency 32] [--rounds 2]
                           [--backends postgresql,sqlite]

For each backend: a fresh database; the hotline service (one uvicorn process, as `hotline
serve` runs it) taking `POST /api/v1/reports` with a new Idempotency-Key per request, as the
app sends them; and, in the same run and on the same database, the baseline app doing one
INSERT per request. The load comes from a separate process at the given concurrency. Rounds
alternate baseline and intake so drift on a shared machine hits both. Prints JSON: requests/s,
p50 and p99 per run, and the intake/baseline throughput ratio (median of rounds).

Goals (issue 2): ratio >= 0.5 and intake p99 <= 150 ms on both databases.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import bench_database, free_port, load, prepare_database, server

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


def bench_backend(
    backend: str, workdir: Path, *, seconds: float, concurrency: int, rounds: int
) -> dict[str, Any]:
    body_file = workdir / "report.json"
    body_file.write_text(json.dumps(REPORT))
    with bench_database(backend, workdir) as url:
        prepare_database(url)
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
        runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "intake": []}
        with (
            server(hotline_cmd, hotline_env, "/readyz", hotline_port),
            server(baseline_cmd, {"BENCH_DATABASE_URL": url}, "/baseline", baseline_port),
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
            for _ in range(rounds):
                runs["baseline"].append(
                    load(
                        baseline_port,
                        "/baseline",
                        body_file,
                        seconds=seconds,
                        concurrency=concurrency,
                        key=False,
                    )
                )
                runs["intake"].append(
                    load(
                        hotline_port,
                        "/api/v1/reports",
                        body_file,
                        seconds=seconds,
                        concurrency=concurrency,
                        key=True,
                    )
                )
    ratios = [i["rps"] / b["rps"] for i, b in zip(runs["intake"], runs["baseline"], strict=True)]
    return {
        "backend": backend,
        "concurrency": concurrency,
        "seconds_per_run": seconds,
        "baseline": runs["baseline"],
        "intake": runs["intake"],
        "ratio_rps": round(statistics.median(ratios), 3),
        "intake_p99_ms_worst": max(r["p99_ms"] for r in runs["intake"]),
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        results = [
            bench_backend(
                backend,
                Path(tmp),
                seconds=args.seconds,
                concurrency=args.concurrency,
                rounds=args.rounds,
            )
            for backend in args.backends.split(",")
        ]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
