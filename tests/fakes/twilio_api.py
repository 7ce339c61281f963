"""A local stand-in for Twilio's REST API that checks what the real twilio Client sends.

Served over HTTP on 127.0.0.1 (uvicorn in a thread). Requests to create a message are checked
against Twilio's own OpenAPI description (``tests/contracts/twilio_messages_openapi.json``):
the path and its AccountSid pattern, Basic authentication, every parameter being one the
schema defines, the required ``To``, and the conditional rules the schema cannot express
(``From`` or ``MessagingServiceSid``; ``Body``, ``MediaUrl`` or ``ContentSid``). Anything
wrong is recorded in ``violations`` (and refused the way Twilio would).

It behaves like a receiver that deduplicates: ``effects`` counts each of our messages (the
``m`` in its StatusCallback URL, our idempotency key) once, however often it arrives;
``requests`` counts every attempt. Failures are injected per call with ``fail_next`` and per
number with ``errors``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CONTRACT = json.loads(
    (
        Path(__file__).resolve().parent.parent / "contracts" / "twilio_messages_openapi.json"
    ).read_text()
)
_CREATE = CONTRACT["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]["post"]
_SCHEMA = _CREATE["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
_ACCOUNT = re.compile(_CREATE["parameters"][0]["schema"]["pattern"])
_MESSAGE_FIELDS = list(CONTRACT["components"]["schemas"]["api.v2010.account.message"]["properties"])
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status,
    )


@dataclass
class FakeTwilio:
    """The fake API and what it saw."""

    account_sid: str = "AC" + "a1" * 16
    auth_token: str = "test-auth-token-" + "x" * 16
    violations: list[str] = field(default_factory=list)
    requests: int = 0
    effects: Counter[str] = field(default_factory=Counter)
    messages: list[dict[str, str]] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.monotonic() of each message
    errors: dict[str, tuple[int, int]] = field(default_factory=dict)  # To -> (HTTP status, code)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # media sid -> content
    deleted_media: list[str] = field(default_factory=list)
    delay: float = 0.0
    _failures: list[tuple[int, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def fail_next(self, times: int, *, status: int = 500, code: int = 20500) -> None:
        """Make the next ``times`` create calls fail with this status and Twilio code."""
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def add_media(self, content: bytes, content_type: str) -> str:
        """Store a media item as if a child had sent it; returns its URL (as in a webhook)."""
        sid = "ME" + secrets.token_hex(16)
        self.media[sid] = (content, content_type)
        message = "MM" + secrets.token_hex(16)
        return f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Messages/{message}/Media/{sid}"

    def delivered_to(self, to: str) -> list[str]:
        """Bodies delivered to a number (each of our messages once)."""
        return [m["Body"] for m in self.messages if m["To"] == to]

    # ------------------------------------------------------------------ the API
    def _authorised(self, request: Request, account: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return (
            account == self.account_sid
            and request.headers.get("authorization") == f"Basic {expected}"
        )

    async def create_message(self, request: Request) -> Response:
        account = request.path_params["account"]
        with self._lock:
            self.requests += 1
        if not _ACCOUNT.match(account):
            self.violations.append(f"AccountSid {account!r} does not match the path pattern")
            return _error(404, 20404, "The requested resource was not found")
        if not self._authorised(request, account):
            self.violations.append("missing or wrong Basic authentication")
            return _error(401, 20003, "Authenticate")
        if (
            request.headers.get("content-type", "").split(";")[0]
            != "application/x-www-form-urlencoded"
        ):
            self.violations.append("body is not application/x-www-form-urlencoded")
        fields = {
            k: v[0]
            for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()
        }
        problems = [f"unknown parameter {k}" for k in fields if k not in _SCHEMA["properties"]]
        problems += [
            f"missing required {k}" for k in _SCHEMA.get("required", []) if not fields.get(k)
        ]
        if not (fields.get("From") or fields.get("MessagingServiceSid")):
            problems.append("needs From or MessagingServiceSid")
        if not (fields.get("Body") or fields.get("MediaUrl") or fields.get("ContentSid")):
            problems.append("needs Body, MediaUrl or ContentSid")
        if fields.get("To") and not _E164.match(fields["To"]):
            problems.append("To is not a phone number in E.164")
        callback = fields.get("StatusCallback")
        if callback and not urlsplit(callback).netloc:
            problems.append("StatusCallback is not a URI")
        if problems:
            self.violations.extend(problems)
            return _error(400, 21604, "; ".join(problems))
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            if self._failures:
                status, code = self._failures.pop(0)
                return _error(status, code, "injected failure")
        if fields["To"] in self.errors:
            status, code = self.errors[fields["To"]]
            return _error(status, code, "refused for this number")
        key = parse_qs(urlsplit(callback or "").query).get("m", [secrets.token_hex(8)])[0]
        with self._lock:
            first = self.effects[key] == 0
            self.effects[key] += 1
            if first:
                self.messages.append(fields)
                self.arrived.append(time.monotonic())
        sid = "SM" + secrets.token_hex(16)
        resource = dict.fromkeys(_MESSAGE_FIELDS)
        resource.update(
            sid=sid,
            account_sid=account,
            to=fields["To"],
            body=fields.get("Body"),
            status="queued",
            direction="outbound-api",
            api_version="2010-04-01",
            num_media="0",
            num_segments="1",
            uri=f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        )
        resource["from"] = fields.get("From")
        resource["messaging_service_sid"] = fields.get("MessagingServiceSid")
        return JSONResponse(resource, 201)

    async def media_item(self, request: Request) -> Response:
        account, sid = request.path_params["account"], request.path_params["sid"]
        if not self._authorised(request, account):
            self.violations.append("media request without our Basic authentication")
            return _error(401, 20003, "Authenticate")
        if sid not in self.media:
            return _error(404, 20404, "The requested resource was not found")
        if request.method == "DELETE":
            del self.media[sid]
            self.deleted_media.append(sid)
            return Response(status_code=204)
        content, kind = self.media[sid]
        return Response(content, media_type=kind)

    def app(self) -> Starlette:
        base = "/2010-04-01/Accounts/{account}"
        return Starlette(
            routes=[
                Route(f"{base}/Messages.json", self.create_message, methods=["POST"]),
                # The .json resource first: "{sid}" alone would swallow "ME....json".
                Route(
                    f"{base}/Messages/{{message}}/Media/{{sid}}.json",
                    self.media_item,
                    methods=["GET", "DELETE"],
                ),
                Route(
                    f"{base}/Messages/{{message}}/Media/{{sid}}",
                    self.media_item,
                    methods=["GET", "DELETE"],
                ),
            ]
        )


class Serving:
    """Run a FakeTwilio on a free loopback port for the duration of a ``with`` block."""

    def __init__(self, fake: FakeTwilio) -> None:
        self.fake = fake
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(
            fake.app(), host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Twilio did not start")
            time.sleep(0.02)
        self.fake.url = f"http://127.0.0.1:{self.port}"
        return self.fake

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)
