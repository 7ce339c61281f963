"""A small closed-loop HTTP/1.1 load generator, run as its own process.

Each of ``--concurrency`` keep-alive connections sends one request, waits for the whole
answer, and sends the next, for ``--seconds``. Raw asyncio streams keep the client's own cost
low, so the server (not the client) is what is measured. Prints one JSON object.

Only loopback targets are allowed.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any


def _request_factory(path: str, body: bytes, with_key: bool) -> Callable[[], bytes]:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
    ).encode()

    def make() -> bytes:
        key = f"Idempotency-Key: {uuid.uuid4()}\r\n".encode() if with_key else b""
        return head + key + b"\r\n" + body

    return make


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _worker(
    host: str,
    port: int,
    make: Callable[[], bytes],
    stop_at: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            request = make()
            start = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - start)
            if status >= 300:
                errors.append(status)
    finally:
        writer.close()


async def run(
    host: str, port: int, path: str, body: bytes, with_key: bool, concurrency: int, seconds: float
) -> dict[str, Any]:
    make = _request_factory(path, body, with_key)
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    stop_at = start + seconds
    await asyncio.gather(
        *(_worker(host, port, make, stop_at, latencies, errors) for _ in range(concurrency))
    )
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_statuses": sorted(set(errors)),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--body-file", required=True)
    parser.add_argument("--idempotency-key", action="store_true")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if not ipaddress.ip_address(args.host).is_loopback:
        raise SystemExit("load tests may only target loopback addresses")
    with open(args.body_file, "rb") as f:
        body = f.read()
    result = asyncio.run(
        run(
            args.host,
            args.port,
            args.path,
            body,
            args.idempotency_key,
            args.concurrency,
            args.seconds,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
