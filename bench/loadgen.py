"""A small HTTP/1.1 load generator, run as its own process.

Closed loop (the default): each of ``--concurrency`` keep-alive connections sends one request,
waits for the whole answer, and sends the next, for ``--seconds``. Open loop (``--rate``):
requests are due at a steady rate whatever the server does, spread over the same connections,
and each latency is counted from when the request was *due*, so a stalled server cannot hide
its queue (no coordinated omission). Raw asyncio streams keep the client's own cost low, so
the server (not the client) is what is measured. Prints one JSON object.

Bodies: a JSON file (``--body-file``, optionally with a fresh Idempotency-Key per request), or
signed Twilio SMS webhooks playing whole conversations (``--twilio-token``).

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

Factory = Callable[[], bytes]


def _json_factory(path: str, body: bytes, with_key: bool) -> Factory:
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


def percentiles(values: list[float]) -> list[float]:
    """The 1st..99th percentiles (inclusive method: never beyond the largest value)."""
    if len(values) < 2:
        return [values[0] if values else 0.0] * 99
    return statistics.quantiles(values, n=100, method="inclusive")


class Tally:
    """Latencies and error statuses."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[int] = []

    def add(self, started: float, status: int) -> None:
        """Count one answered request."""
        self.latencies.append(time.perf_counter() - started)
        if status >= 300:
            self.errors.append(status)


async def _closed_loop(host: str, port: int, make: Factory, stop_at: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            request = make()
            start = time.perf_counter()
            writer.write(request)
            tally.add(start, await _read_response(reader))
    finally:
        writer.close()


async def _open_loop_connection(
    host: str, port: int, make: Factory, due: asyncio.Queue[float | None], tally: Tally
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (when := await due.get()) is not None:
            writer.write(make())
            tally.add(when, await _read_response(reader))
    finally:
        writer.close()


async def _schedule(due: asyncio.Queue[float | None], rate: float, seconds: float, n: int) -> None:
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        when = start + i / rate
        delay = when - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait(when)
    for _ in range(n):
        due.put_nowait(None)


async def run(
    host: str,
    port: int,
    factories: list[Factory],
    seconds: float,
    rate: float | None = None,
) -> dict[str, Any]:
    """Drive the server; one factory per connection."""
    tally = Tally()
    start = time.perf_counter()
    if rate is None:
        stop_at = start + seconds
        await asyncio.gather(*(_closed_loop(host, port, f, stop_at, tally) for f in factories))
    else:
        due: asyncio.Queue[float | None] = asyncio.Queue()
        await asyncio.gather(
            _schedule(due, rate, seconds, len(factories)),
            *(_open_loop_connection(host, port, f, due, tally) for f in factories),
        )
    elapsed = time.perf_counter() - start
    latencies = tally.latencies
    cuts = percentiles(latencies)
    return {
        "requests": len(latencies),
        "errors": len(tally.errors),
        "error_statuses": sorted(set(tally.errors)),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
    }


def _factories(args: argparse.Namespace) -> list[Factory]:
    if args.twilio_token:
        from bench.sms_traffic import Children, Conversations  # noqa: PLC0415

        children = Children()
        return [
            Conversations(children, args.twilio_token, args.public_url, args.path)
            for _ in range(args.concurrency)
        ]
    with open(args.body_file, "rb") as f:
        body = f.read()
    return [_json_factory(args.path, body, args.idempotency_key)] * args.concurrency


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--body-file")
    parser.add_argument("--idempotency-key", action="store_true")
    parser.add_argument("--twilio-token", help="sign SMS webhooks with this auth token")
    parser.add_argument("--public-url", help="the service's public base URL (for signatures)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, help="open loop: requests per second")
    args = parser.parse_args()
    if not ipaddress.ip_address(args.host).is_loopback:
        raise SystemExit("load tests may only target loopback addresses")
    if args.rate is not None and not 0 < args.rate * args.seconds <= 1_000_000:
        raise SystemExit("--rate x --seconds must be between 1 and 1,000,000 requests")
    if not args.twilio_token and not args.body_file:
        raise SystemExit("give --body-file or --twilio-token")
    result = asyncio.run(run(args.host, args.port, _factories(args), args.seconds, args.rate))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
