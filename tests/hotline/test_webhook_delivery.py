"""Webhooks to a partner through the outbox, to a receiver on loopback that verifies every
request with the `standardwebhooks` library: thin bodies, the same webhook-id on a retry,
and 410 Gone disabling the endpoint and telling the administrators."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from casework.clock import SystemClock
from casework.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from casework.partners.models import Partner
from casework.ports import MediaStore, SmsSender
from casework.protection.keys import Keyring
from hotline.runtime.database import Database
from hotline.worker import Worker, WorkerConfig
from integrations.webhooks.http import HttpWebhookPoster
from tests.factories.staff import bearer
from tests.fakes.webhook_receiver import WebhookReceiver, running
from tests.hotline.staff_world import World


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with running(WebhookReceiver()) as serving:
        yield serving


def _db(client: TestClient) -> Database:
    return cast(Database, client.app.state.db)  # type: ignore[attr-defined]


def _worker(client: TestClient, keyring: Keyring) -> Worker:
    return Worker(
        _db(client),
        keyring=keyring,
        clock=SystemClock(),  # signatures carry the real time: the receiver checks it
        sms=cast(SmsSender, None),
        media=cast(MediaStore, None),
        signer=None,
        config=WorkerConfig(public_base_url="https://hotline.example.org"),
        webhooks=HttpWebhookPoster(timeout=5),
    )


def _setup(client: TestClient, world: World, receiver: WebhookReceiver) -> tuple[str, str]:
    made = client.post(
        "/api/staff/v1/partners",
        json={
            "name": "Hooked NGO",
            "kind": "ngo",
            "delivery": "webhook",
            "webhook_url": receiver.url,
        },
        headers=bearer(world.tokens["ADMIN"]),
    ).json()
    receiver.secret = made["webhook_secret"]
    referral = client.post(
        f"/api/staff/v1/cases/{world.cases['C1']}/referrals",
        json={
            "partner_id": made["id"],
            "summary": "Girl, 9, bruises; please visit today.",
            "consent": "given",
            "consent_from": "guardian",
        },
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    ).json()["id"]
    return made["id"], referral


def _due_now(db: Database) -> None:
    db.run(
        lambda s: s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .values(next_attempt_at=SystemClock().now())
        ),
        write=True,
    )


def test_a_referral_is_announced_thinly_and_a_retry_keeps_its_id(
    world_client: TestClient, world: World, keyring: Keyring, receiver: WebhookReceiver
) -> None:
    _, referral = _setup(world_client, world, receiver)
    receiver.plan = [500]
    worker = _worker(world_client, keyring)

    worker.deliver_due()
    _due_now(_db(world_client))
    worker.deliver_due()

    (first, second) = receiver.received
    assert first[0] == 500
    assert second[0] == 200
    assert first[1] == second[1]  # the same webhook-id: the partner deduplicates on it
    verified = second[2]
    assert verified is not None
    assert verified["type"] == "referral.sent"
    assert verified["data"]["referral_id"] == referral
    assert "bruises" not in json.dumps(verified)  # the summary is fetched with the key
    row = _db(world_client).run(
        lambda s: s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.WEBHOOK)
        ).one(),
        write=False,
    )
    assert row.status is OutboxStatus.SENT
    assert row.attempts == 2


def test_410_gone_disables_the_endpoint_and_tells_the_administrators(
    world_client: TestClient, world: World, keyring: Keyring, receiver: WebhookReceiver
) -> None:
    partner_id, _ = _setup(world_client, world, receiver)
    receiver.plan = [410]

    _worker(world_client, keyring).deliver_due()

    partner = _db(world_client).run(
        lambda s: s.get_one(Partner, uuid.UUID(partner_id)), write=False
    )
    assert partner.webhook_disabled_at is not None
    kinds = _db(world_client).run(
        lambda s: [(m.kind, m.status) for m in s.scalars(select(OutboxMessage))], write=False
    )
    assert (OutboxKind.WEBHOOK, OutboxStatus.DEAD) in kinds
    assert (OutboxKind.STAFF_NOTICE, OutboxStatus.PENDING) in kinds
    listed = world_client.get(
        "/api/staff/v1/partners", headers=bearer(world.tokens["ADMIN"])
    ).json()
    assert [p["webhook_disabled"] for p in listed if p["name"] == "Hooked NGO"] == [True]
    # Nothing more is queued to it until an administrator sets it up again.
    again = world_client.post(
        f"/api/staff/v1/cases/{world.cases['C2']}/referrals",
        json={
            "partner_id": partner_id,
            "summary": "Another.",
            "consent": "given",
            "consent_from": "child",
        },
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )
    assert again.status_code == 201
    webhooks = _db(world_client).run(
        lambda s: len(
            list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.WEBHOOK)))
        ),
        write=False,
    )
    assert webhooks == 1


def test_a_withdrawal_is_announced_too(
    world_client: TestClient, world: World, keyring: Keyring, receiver: WebhookReceiver
) -> None:
    _, referral = _setup(world_client, world, receiver)
    world_client.post(
        f"/api/staff/v1/cases/{world.cases['C1']}/referrals/{referral}/status",
        json={"status": "withdrawn", "note": "The family moved abroad."},
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )

    _worker(world_client, keyring).deliver_due()

    types = sorted(v["type"] for _, _, v in receiver.received if v)
    assert types == ["referral.sent", "referral.withdrawn"]
    assert len({wid for _, wid, _ in receiver.received}) == 2
