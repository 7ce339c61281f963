"""Signed Twilio webhooks, as Twilio would send them, for tests."""

from __future__ import annotations

import secrets
from typing import Any
from xml.etree import ElementTree

from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

PUBLIC = "https://hotline.example.org"
ACCOUNT = "AC" + "a1" * 16
TOKEN = "test-auth-token-" + "x" * 16
OUR_NUMBER = "+15005550006"


def signed_post(
    client: TestClient,
    path: str,
    params: dict[str, str],
    *,
    url: str | None = None,
    token: str = TOKEN,
) -> Any:
    """POST a form signed for ``url`` (default: the public URL of ``path``)."""
    signature = RequestValidator(token).compute_signature(url or PUBLIC + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def sms_params(
    phone: str,
    body: str,
    *,
    sid: str | None = None,
    media: tuple[tuple[str, str], ...] = (),
    **extra: str,
) -> dict[str, str]:  # type: ignore[assignment]
    """The form fields of an inbound message."""
    params = {
        "MessageSid": sid or ("SM" + secrets.token_hex(16)),
        "AccountSid": ACCOUNT,
        "From": phone,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": str(len(media)),
        "FromCity": "SOFIA",
        "FromState": "",
        "FromZip": "1000",
        "FromCountry": "BG",
    }
    for i, (url, kind) in enumerate(media):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = kind
    params.update(extra)
    return params


def text(client: TestClient, phone: str, body: str, **kwargs: Any) -> list[str]:
    """Send a text as ``phone``; returns the texts the hotline answers with."""
    response = signed_post(client, "/twilio/sms", sms_params(phone, body, **kwargs))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return replies(response.text)


def replies(twiml: str) -> list[str]:
    """The message texts in a TwiML answer."""
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]  # noqa: S314
