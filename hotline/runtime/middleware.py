"""ASGI middleware: body size limit, unreadable addresses, security headers and
privacy-preserving request logs."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casework.text import has_control_characters

log = logging.getLogger("hotline.access")

_JSON_413 = json.dumps(
    {"error": {"code": "body_too_large", "message": "The request body is too large."}}
).encode()
_HTML_413 = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Too long</title>"
    b"<p>What you sent is too long. Please make it shorter and try again.</p>"
    b'<p><a href="/report">Back to the form</a></p></html>'
)


class BodyTooLarge(HTTPException):
    """Raised inside the app's receive() when a streamed body passes the limit.

    An HTTPException so that FastAPI's body parsing re-raises it untouched (it turns other
    errors into a 400) and the app's handler answers 413 in the right format.
    """

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, json_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.json_prefixes = json_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await self._reject(scope, send)
                    return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await self._reject(scope, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        is_json = scope["path"].startswith(self.json_prefixes)
        body = _JSON_413 if is_json else _HTML_413
        ctype = b"application/json" if is_json else b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", ctype),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class ControlCharacters:
    """Refuse a request whose path or query string holds a control character (a NUL byte,
    say), before any route reads it: PostgreSQL refuses NUL in text outright, and none of them
    belongs in an address. (Bodies are checked by their schemas.)

    ``answer(scope, field)`` shapes the refusal - JSON for an API, a page for a person - naming
    the query parameter (or ``path``/``query``) that holds one.
    """

    def __init__(self, app: ASGIApp, *, answer: Callable[[Scope, str], Response]) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        field = unreadable_part(scope) if scope["type"] == "http" else None
        if field is None:
            await self.app(scope, receive, send)
        else:
            await self.answer(scope, field)(scope, receive, send)


def unreadable_part(scope: Scope) -> str | None:
    """Where the request's address holds a control character: ``path``, the name of the first
    query parameter whose value holds one, ``query`` for a name that does; None: nowhere."""
    if has_control_characters(scope["path"]):
        return "path"
    # Decoded as Starlette decodes the query parameters the routes read.
    query: str = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if has_control_characters(name):
            return "query"
        if has_control_characters(value):
            return name
    return None


_COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
# One policy for every page, the API docs included. ReDoc (/redoc) needs three allowances,
# harmless elsewhere: styled-components adds its rules through the CSSOM to *empty* <style>
# elements (allowed by the hash of the empty string); ReDoc injects one fixed stylesheet as
# text (perfect-scrollbar's, allowed by its hash: fastapi-offline is pinned, re-check on
# upgrade); its search runs in a worker made by its own script from a blob: URL.
_REDOC_STYLES = (
    b"'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' "
    b"'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='"
)
_PAGE_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self' " + _REDOC_STYLES + b"; "
    b"img-src 'self' data:; worker-src 'self' blob:; "
    b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class SecurityHeaders:
    """Add security headers, the strict CSP included, to every response (the API docs too)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        # Behind TLS in production: browsers must never fall back to plain HTTP.
        self.common = [*_COMMON_HEADERS, *([_HSTS] if hsts else [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in self.common if h[0] not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", _PAGE_CSP))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """One log line per request: method, route template, status, duration.

    Deliberately no client address, query string, headers or body: reporters' IP addresses
    and anything they typed must never reach a log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", None) or "<unmatched>"
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                },
            )
