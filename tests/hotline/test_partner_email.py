"""E-mail to partners without an API, through a real SMTP server on loopback (aiosmtpd): no
personal data in the message; the signed link opens the minimised referral and lets the
partner act, and an altered or expired link opens nothing."""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.clock import FixedClock
from casework.partners.models import Referral
from casework.ports import MediaStore, SmsSender
from casework.protection.keys import Keyring
from hotline.runtime.database import Database
from hotline.worker import Worker, WorkerConfig
from integrations.email.smtp import SmtpMailer
from tests.factories.staff import bearer
from tests.hotline.staff_world import NOW, World

SUMMARY = "Amira, 9, bruises on her arms; please visit today."


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: SmtpSession, envelope: Envelope
    ) -> str:
        content = cast(bytes, envelope.original_content or envelope.content)
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _db(client: TestClient) -> Database:
    return cast(Database, client.app.state.db)  # type: ignore[attr-defined]


def _send_mail(client: TestClient, keyring: Keyring, port: int) -> None:
    Worker(
        _db(client),
        keyring=keyring,
        clock=FixedClock(NOW),
        sms=cast(SmsSender, None),
        media=cast(MediaStore, None),
        signer=None,
        config=WorkerConfig(public_base_url="https://hotline.example.org"),
        mailer=SmtpMailer(host="127.0.0.1", port=port, sender="hotline@example.org"),
    ).deliver_due()


def _refer_by_email(client: TestClient, world: World) -> str:
    partner = client.post(
        "/api/staff/v1/partners",
        json={
            "name": "Mail-only NGO",
            "kind": "ngo",
            "delivery": "email",
            "email": "intake@ngo.example.org",
        },
        headers=bearer(world.tokens["ADMIN"]),
    ).json()
    made = client.post(
        f"/api/staff/v1/cases/{world.cases['C1']}/referrals",
        json={
            "partner_id": partner["id"],
            "summary": SUMMARY,
            "consent": "given",
            "consent_from": "child",
        },
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _link(message: Message) -> str:
    text = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    found = re.search(r"https://hotline\.example\.org(/partner/referrals/[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def test_the_email_carries_only_a_link_that_opens_the_minimised_referral(
    world_client: TestClient, world: World, keyring: Keyring, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _refer_by_email(world_client, world)

    _send_mail(world_client, keyring, port)

    ((recipients, message),) = inbox.messages
    assert recipients == ["intake@ngo.example.org"]
    everything = message.as_string()
    for secret in ("Amira", "bruises", "Words of case", "HX-"):
        assert secret not in everything  # nothing about the child or the case
    page = world_client.get(_link(message))
    assert page.status_code == 200
    assert SUMMARY in page.text
    assert "Words of case" not in page.text  # never the reporter's own words
    assert page.headers["cache-control"] == "no-store"


def test_the_partner_acts_through_the_link(
    world_client: TestClient, world: World, keyring: Keyring, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _refer_by_email(world_client, world)
    _send_mail(world_client, keyring, port)
    link = _link(inbox.messages[0][1])

    bad = world_client.post(f"{link}/status", data={"status": "declined"})
    assert bad.status_code == 422
    assert "Say why" in bad.text
    ok = world_client.post(f"{link}/status", data={"status": "accepted"}, follow_redirects=False)
    assert ok.status_code == 303
    status = _db(world_client).run(lambda s: s.scalars(select(Referral.status)).one(), write=False)
    assert status.value == "accepted"
    assert "in progress" in world_client.get(link).text


@pytest.mark.parametrize("change", ["one_letter", "truncated", "garbage"])
def test_an_altered_link_opens_nothing(
    world_client: TestClient,
    world: World,
    keyring: Keyring,
    smtp: tuple[Inbox, int],
    change: str,
) -> None:
    inbox, port = smtp
    _refer_by_email(world_client, world)
    _send_mail(world_client, keyring, port)
    link = _link(inbox.messages[0][1])
    token = link.rsplit("/", 1)[1]
    altered = {
        "one_letter": token[:10] + ("A" if token[10] != "A" else "B") + token[11:],
        "truncated": token[:-3],
        "garbage": "not-a-token!",
    }[change]

    page = world_client.get(f"/partner/referrals/{altered}")
    post = world_client.post(f"/partner/referrals/{altered}/status", data={"status": "accepted"})

    assert page.status_code == 403
    assert "does not work" in page.text
    assert SUMMARY not in page.text
    assert post.status_code == 403
    status = _db(world_client).run(lambda s: s.scalars(select(Referral.status)).one(), write=False)
    assert status.value == "sent"


def test_an_expired_link_opens_nothing(
    world_client: TestClient, world: World, keyring: Keyring, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _refer_by_email(world_client, world)
    _send_mail(world_client, keyring, port)
    link = _link(inbox.messages[0][1])
    clock = world_client.app.state.clock  # type: ignore[attr-defined]
    clock.advance(dt.timedelta(days=7, seconds=1))

    page = world_client.get(link)

    assert page.status_code == 410
    assert "has ended" in page.text
    assert SUMMARY not in page.text


def test_a_withdrawal_email_has_no_link_and_the_old_link_stops(
    world_client: TestClient, world: World, keyring: Keyring, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    referral = _refer_by_email(world_client, world)
    _send_mail(world_client, keyring, port)
    link = _link(inbox.messages[0][1])
    world_client.post(
        f"/api/staff/v1/cases/{world.cases['C1']}/referrals/{referral}/status",
        json={"status": "withdrawn", "note": "Wrong partner chosen."},
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )
    _send_mail(world_client, keyring, port)

    withdrawn = inbox.messages[1][1].as_string()
    assert "withdrawn" in withdrawn
    assert "/partner/referrals/" not in withdrawn
    page = world_client.get(link)
    assert page.status_code == 410
    assert SUMMARY not in page.text
