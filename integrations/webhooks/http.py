"""Webhook delivery over HTTP(S) with httpx: no redirects followed, a short timeout, and
nothing about the request or response logged (the body is thin, but URLs are the partner's)."""

from __future__ import annotations

import httpx

from casework.ports import SendOutcome, SendResult


class HttpWebhookPoster:
    """Posts signed webhooks; one connection pool for the worker's life."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def post(self, *, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        """POST it; 2xx is SENT, 410 GONE, anything else (or no answer) RETRY."""
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult(SendOutcome.RETRY, error=f"network:{type(exc).__name__}"[:60])
        if 200 <= response.status_code < 300:
            return SendResult(SendOutcome.SENT)
        if response.status_code == 410:
            return SendResult(SendOutcome.GONE, error="http_410")
        return SendResult(SendOutcome.RETRY, error=f"http_{response.status_code}")

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
