"""Standard Webhooks signatures: a known answer, and the independent `standardwebhooks`
library accepting ours and refusing a wrong secret, an altered body and stale or future
timestamps."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from casework.partners.directory import new_webhook_secret
from casework.partners.webhooks import body, headers, sign


def test_known_answer() -> None:
    # The example of the Standard Webhooks reference implementations.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert (
        sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def _signed(at: dt.datetime, secret: str) -> tuple[bytes, dict[str, str]]:
    content = body(
        {
            "referral": "0192f000-0000-7000-8000-000000000001",
            "type": "referral.sent",
            "status": "sent",
            "created_at": "2026-11-27T09:00:00+00:00",
        },
        public_base_url="https://hotline.example.org",
    )
    return content, headers(secret, "msg_123", at, content)


def test_the_library_accepts_ours() -> None:
    secret = new_webhook_secret()
    content, sent = _signed(dt.datetime.now(dt.UTC), secret)

    verified = Webhook(secret).verify(content, sent)

    assert verified["data"]["href"].endswith(
        "/api/partner/v1/referrals/0192f000-0000-7000-8000-000000000001"
    )
    assert set(verified["data"]) == {"referral_id", "status", "href"}  # thin: nothing else


@pytest.mark.parametrize(
    "tamper",
    ["wrong_secret", "altered_body", "six_minutes_old", "six_minutes_ahead"],
)
def test_the_library_refuses_tampering(tamper: str) -> None:
    secret = new_webhook_secret()
    now = dt.datetime.now(dt.UTC)
    skew = {"six_minutes_old": -6, "six_minutes_ahead": 6}.get(tamper, 0)
    content, sent = _signed(now + dt.timedelta(minutes=skew), secret)
    if tamper == "altered_body":
        content = content.replace(b"sent", b"done")
    verifier = Webhook(new_webhook_secret() if tamper == "wrong_secret" else secret)

    with pytest.raises(WebhookVerificationError):
        verifier.verify(content, sent)
