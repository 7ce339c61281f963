"""A partner's webhook endpoint on loopback: verifies every request with the independent
`standardwebhooks` library, answers with planned (or randomly failing) statuses, and applies
each webhook's effect once, deduplicating on webhook-id as the specification asks."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class WebhookReceiver:
    """What arrived, and what took effect."""

    def __init__(self, *, fail_rate: float = 0.0, seed: int = 7, delay: float = 0.0) -> None:
        self.secret = ""
        self.plan: list[int] = []  # statuses to answer first, in order
        self.fail_rate, self.delay = fail_rate, delay
        self.rng = random.Random(seed)  # noqa: S311 - test failures, not secrets
        self.received: list[tuple[int, str, dict[str, Any] | None]] = []
        self.effects: dict[str, dict[str, Any]] = {}  # webhook-id -> the message, applied once
        self.successes: Counter[str] = Counter()
        self.rejected = 0
        self.broken = 0  # requests cut off by the sender
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["content-length"])
                content = self.rfile.read(length)
                if len(content) < length:  # the sender died mid-request (a killed worker)
                    receiver.broken += 1
                    return
                status = receiver.answer(content, dict(self.headers))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"

    def answer(self, content: bytes, headers: dict[str, str]) -> int:
        """Verify, maybe fail on purpose, apply once."""
        if self.delay:
            time.sleep(self.delay)
        try:
            message = Webhook(self.secret).verify(content, headers)
        except WebhookVerificationError:
            with self._lock:
                self.rejected += 1
                self.received.append((401, headers.get("webhook-id", ""), None))
            return 401
        msg_id = headers["webhook-id"]
        with self._lock:
            if self.plan:
                status = self.plan.pop(0)
            else:
                status = 500 if self.rng.random() < self.fail_rate else 200
            self.received.append((status, msg_id, message))
            if status == 200:
                self.successes[msg_id] += 1
                self.effects.setdefault(msg_id, message)  # the effect happens once per id
        return status


@contextmanager
def running(receiver: WebhookReceiver) -> Iterator[WebhookReceiver]:
    """Serve on loopback for the duration."""
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
