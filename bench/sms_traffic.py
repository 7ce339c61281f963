"""Signed Twilio SMS webhooks as children would send them, for the load generator.

Each connection plays one child after another: a first text (which opens a case), the answers
to the intake questions, then one later message that joins the case - so the mix is the real
one, not the same cheap request over and over. Every request has a fresh MessageSid and is
signed with twilio's own ``RequestValidator`` for the service's public URL, exactly as Twilio
would sign it; the location fields Twilio adds are included (the service drops them).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "b2" * 16
OUR_NUMBER = "+15005550006"
CONVERSATION = (
    "I need help, my teacher hits us",
    "5",
    "Central Primary School",
    "no",
    "yes",
    "thank you",
)
DANGER = "He is hurting me right now, please help"


class Children:
    """Hands out phone numbers, one per child (GB mobiles +447400…); share one per process."""

    def __init__(self) -> None:
        self._next = secrets.randbelow(900_000)

    def phone(self) -> str:
        """A new child's phone number."""
        self._next = (self._next + 1) % 1_000_000
        return f"+447400{self._next:06d}"


def signed_request(token: str, public_url: str, path: str, phone: str, text: str) -> bytes:
    """One webhook as Twilio sends it: form body, X-Twilio-Signature over our public URL."""
    sid = "SM" + secrets.token_hex(16)
    params = {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "LONDON",
        "Body": text,
        "FromCountry": "GB",
        "To": OUR_NUMBER,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": phone,
        "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(token).compute_signature(public_url + path, params)
    body = urlencode(params).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


class Conversations:
    """One connection's children, one after another, each through the whole conversation."""

    def __init__(self, children: Children, token: str, public_url: str, path: str) -> None:
        self.children, self.token, self.public_url, self.path = children, token, public_url, path
        self.phone = children.phone()
        self.step = 0

    def __call__(self) -> bytes:
        """The current child's next text (a new child once the last one has finished)."""
        if self.step == len(CONVERSATION):
            self.phone, self.step = self.children.phone(), 0
        text = CONVERSATION[self.step]
        self.step += 1
        return signed_request(self.token, self.public_url, self.path, self.phone, text)
