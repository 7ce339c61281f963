"""The real twilio Client against a local server holding it to Twilio's published contract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from casework.ports import SendOutcome
from integrations.twilio.sender import TwilioMediaStore, TwilioSmsSender
from integrations.twilio.signature import signature_is_valid
from tests.fakes.twilio_api import FakeTwilio, Serving

CHILD = "+359888123456"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with Serving(FakeTwilio()) as running:
        yield running


def _sender(
    fake: FakeTwilio, *, sender: str = "+15005550006", token: str | None = None
) -> TwilioSmsSender:
    return TwilioSmsSender(
        account_sid=fake.account_sid,
        auth_token=token or fake.auth_token,
        sender=sender,
        api_base=fake.url,
    )


def _send(sender: TwilioSmsSender, key: str = "k1"):  # type: ignore[no-untyped-def]
    return sender.send(
        to=CHILD,
        body="We got your message.",
        status_callback=f"https://hotline.example.org/twilio/sms/status?m={key}",
        idempotency_key=key,
    )


def test_a_text_is_sent_as_twilio_documents_it(fake: FakeTwilio) -> None:
    result = _send(_sender(fake))

    assert result.outcome is SendOutcome.SENT
    assert (result.provider_ref or "").startswith("SM")
    assert fake.violations == []
    assert fake.messages[0]["To"] == CHILD
    assert fake.messages[0]["StatusCallback"].endswith("?m=k1")


def test_a_messaging_service_can_be_the_sender(fake: FakeTwilio) -> None:
    result = _send(_sender(fake, sender="MG" + "b" * 32))

    assert result.outcome is SendOutcome.SENT
    assert fake.messages[0]["MessagingServiceSid"] == "MG" + "b" * 32
    assert "From" not in fake.messages[0]
    assert fake.violations == []


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (500, 20500, SendOutcome.RETRY),
        (503, 20503, SendOutcome.RETRY),
        (429, 20429, SendOutcome.RETRY),
        (400, 63018, SendOutcome.RETRY),  # messaging service rate limit
        (400, 21610, SendOutcome.OPTED_OUT),
        (400, 30006, SendOutcome.UNREACHABLE),
        (400, 21211, SendOutcome.REJECTED),  # invalid To
        (403, 20403, SendOutcome.REJECTED),
    ],
)
def test_twilio_refusals_map_to_what_to_do(
    fake: FakeTwilio, status: int, code: int, outcome: SendOutcome
) -> None:
    fake.fail_next(1, status=status, code=code)

    result = _send(_sender(fake))

    assert result.outcome is outcome
    assert result.error == f"twilio_{code}"
    assert "We got" not in (result.error or "")


def test_wrong_credentials_are_a_dead_letter_not_a_retry(fake: FakeTwilio) -> None:
    result = _send(_sender(fake, token="wrong-token-" + "y" * 20))

    assert result.outcome is SendOutcome.REJECTED
    assert fake.messages == []


def test_nobody_listening_is_a_retry() -> None:
    sender = TwilioSmsSender(
        account_sid="AC" + "a1" * 16,
        auth_token="t" * 32,
        sender="+15005550006",
        api_base="http://127.0.0.1:9",
    )

    assert _send(sender).outcome is SendOutcome.RETRY


def test_media_is_fetched_with_our_credentials_then_deleted(fake: FakeTwilio) -> None:
    url = fake.add_media(b"\x89PNG picture", "image/png")
    store = TwilioMediaStore(
        account_sid=fake.account_sid, auth_token=fake.auth_token, api_base=fake.url
    )

    fetched = store.fetch(url, max_bytes=1000)
    deleted = store.delete(url)

    assert (fetched.outcome, fetched.content, fetched.content_type) == (
        SendOutcome.SENT,
        b"\x89PNG picture",
        "image/png",
    )
    assert deleted is SendOutcome.SENT
    assert fake.media == {}
    assert fake.violations == []


def test_media_over_the_limit_is_refused(fake: FakeTwilio) -> None:
    url = fake.add_media(b"x" * 5000, "image/jpeg")
    store = TwilioMediaStore(
        account_sid=fake.account_sid, auth_token=fake.auth_token, api_base=fake.url
    )

    assert store.fetch(url, max_bytes=4999).outcome is SendOutcome.REJECTED


@pytest.mark.parametrize(
    ("token", "signature", "url", "valid"),
    [
        ("tok", None, "https://h.example.org/twilio/sms", False),
        (None, "anything", "https://h.example.org/twilio/sms", False),
        ("tok", "not-base64!", "https://h.example.org/twilio/sms", False),
    ],
)
def test_signature_edge_cases(
    token: str | None, signature: str | None, url: str, valid: bool
) -> None:
    assert signature_is_valid(auth_token=token, url=url, params={}, signature=signature) is valid
