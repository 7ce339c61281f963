"""The twilio library's HTTP client, pointed at a configurable API base, and quiet."""

from __future__ import annotations

import logging
from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

TWILIO_API = "https://api.twilio.com"

# The library logs request URLs and query parameters at INFO; they can hold phone numbers.
_quiet = logging.getLogger("hotline.twilio.http")
_quiet.setLevel(logging.WARNING)


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]  # the library has no types
    """Sends what the twilio library asks for to ``api_base`` instead of api.twilio.com."""

    def __init__(self, api_base: str, *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout, logger=_quiet, pool_connections=True)
        self.api_base = api_base.rstrip("/")

    def rewrite(self, url: str) -> str:
        """The URL the request really goes to."""
        if url.startswith(TWILIO_API):
            return self.api_base + url[len(TWILIO_API) :]
        return url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        """Send a request, to ``api_base`` when it was meant for api.twilio.com."""
        return super().request(method, self.rewrite(url), *args, **kwargs)
