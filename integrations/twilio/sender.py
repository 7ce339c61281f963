"""Sending texts with the real twilio Client, and mapping Twilio's errors to what to do."""

from __future__ import annotations

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from casework.ports import FetchedMedia, SendOutcome, SendResult
from integrations.twilio.http import BaseUrlHttpClient

OPTED_OUT = 21610  # the recipient replied STOP
LANDLINE = 30006  # landline or unreachable carrier
RATE_LIMITED = 63018  # messaging service rate limit


def outcome_of(error: TwilioRestException) -> SendOutcome:
    """What to do after a refusal: the Twilio code first, then the HTTP status."""
    code = error.code
    if code == OPTED_OUT:
        return SendOutcome.OPTED_OUT
    if code == LANDLINE:
        return SendOutcome.UNREACHABLE
    if code == RATE_LIMITED or error.status == 429 or error.status >= 500:
        return SendOutcome.RETRY
    return SendOutcome.REJECTED


class TwilioSmsSender:
    """``casework.ports.SmsSender`` over the Twilio Messages API."""

    def __init__(self, *, account_sid: str, auth_token: str, sender: str, api_base: str) -> None:
        self._http = BaseUrlHttpClient(api_base)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._account_sid = account_sid
        # A Messaging Service SID (MG...) or our own phone number.
        self._sender = (
            {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        )

    def __repr__(self) -> str:
        return f"TwilioSmsSender({self._account_sid[:6]}..., {self._http.api_base})"

    def send(
        self, *, to: str, body: str, status_callback: str | None, idempotency_key: str
    ) -> SendResult:
        """Create one message; never raises for Twilio or network trouble."""
        del idempotency_key  # carried in the status callback URL, which Twilio echoes
        try:
            message = self._client.messages.create(
                to=to, body=body, status_callback=status_callback, **self._sender
            )
        except TwilioRestException as exc:
            return SendResult(outcome_of(exc), error=f"twilio_{exc.code or exc.status}")
        except requests.RequestException as exc:
            return SendResult(SendOutcome.RETRY, error=type(exc).__name__)
        return SendResult(SendOutcome.SENT, provider_ref=message.sid)


class TwilioMediaStore:
    """``casework.ports.MediaStore``: MMS media on Twilio, fetched and deleted with our account."""

    def __init__(self, *, account_sid: str, auth_token: str, api_base: str) -> None:
        self._http = BaseUrlHttpClient(api_base, timeout=30.0)
        self._auth = (account_sid, auth_token)

    def __repr__(self) -> str:
        return f"TwilioMediaStore({self._http.api_base})"

    def fetch(self, url: str, *, max_bytes: int) -> FetchedMedia:
        """Download one item, refusing anything larger than ``max_bytes``."""
        try:
            with requests.get(
                self._http.rewrite(url),
                auth=self._auth,
                stream=True,
                timeout=30,
                allow_redirects=True,
            ) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    return FetchedMedia(SendOutcome.RETRY, error=f"http_{response.status_code}")
                if response.status_code >= 400:
                    return FetchedMedia(SendOutcome.REJECTED, error=f"http_{response.status_code}")
                content = b""
                for chunk in response.iter_content(64 * 1024):
                    content += chunk
                    if len(content) > max_bytes:
                        return FetchedMedia(SendOutcome.REJECTED, error="too_large")
                kind = response.headers.get("Content-Type", "application/octet-stream")
                return FetchedMedia(SendOutcome.SENT, content=content, content_type=kind)
        except requests.RequestException as exc:
            return FetchedMedia(SendOutcome.RETRY, error=type(exc).__name__)

    def delete(self, url: str) -> SendOutcome:
        """Delete the item from Twilio (the ``.json`` resource of the media URL)."""
        resource = url if url.endswith(".json") else url + ".json"
        try:
            response = self._http.request("DELETE", resource, auth=self._auth)
        except requests.RequestException:
            return SendOutcome.RETRY
        if response.status_code in (204, 404):
            return SendOutcome.SENT
        if response.status_code >= 500 or response.status_code == 429:
            return SendOutcome.RETRY
        return SendOutcome.REJECTED
