"""Break-glass: opening a case outside one's scope with a reason - for a limited time,
audited, and the region's supervisors told through the outbox; never across a conflict."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.audit.record import read_details
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.ports import FetchedMedia, SendOutcome, SendResult
from casework.protection.keys import Keyring
from hotline.runtime.database import Database
from hotline.worker import Worker, WorkerConfig
from integrations.keys.local import LocalKeyFile
from tests.factories.staff import bearer
from tests.hotline.staff_world import World


@dataclass
class NoTexts:
    """SMS and media ports that must not be used here."""

    sent: list[str] = field(default_factory=list)

    def send(
        self, *, to: str, body: str, status_callback: str | None, idempotency_key: str
    ) -> SendResult:
        self.sent.append(to)
        return SendResult(SendOutcome.SENT, provider_ref="SM0")

    def fetch(self, url: str, *, max_bytes: int) -> FetchedMedia:
        raise AssertionError("no media here")

    def delete(self, url: str) -> SendOutcome:
        raise AssertionError("no media here")


def _db(client: TestClient) -> Database:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db


def test_break_glass_opens_for_a_while_is_audited_and_tells_the_regions_supervisors(
    world_client: TestClient, world: World, keys: LocalKeyFile
) -> None:
    who = bearer(world.tokens["SV_OTHER"])  # the north's supervisor; restricted C4 is capital's
    case = f"/api/staff/v1/cases/{world.cases['C4']}"
    assert world_client.get(case, headers=who).status_code == 404
    too_short = world_client.post(f"{case}/break-glass", json={"reason": "urgent"}, headers=who)
    assert too_short.status_code == 422

    opened = world_client.post(
        f"{case}/break-glass",
        json={"reason": "Child called again, in danger tonight."},
        headers=who,
    )

    assert opened.json() == {"case_id": str(world.cases["C4"]), "minutes": 60}
    assert world_client.get(case, headers=who).status_code == 200
    # Temporary access cannot make itself lasting: no assigning the case to oneself.
    grab = world_client.post(
        f"{case}/assignment", json={"assignee_id": str(world.users["SV_OTHER"])}, headers=who
    )
    assert grab.status_code == 403
    db, keyring = _db(world_client), Keyring(keys)

    def audited(s) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "case.break_glass")).all()
        return [read_details(s, keyring=keyring, event=e) for e in events]

    (details,) = db.run(audited, write=False)
    assert details["reason"] == "Child called again, in danger tonight."
    assert details["minutes"] == 60

    notice = db.run(
        lambda s: s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.STAFF_NOTICE)
        ).one(),
        write=False,
    )
    assert notice is not None
    clock = world_client.app.state.clock  # type: ignore[attr-defined]
    worker = Worker(
        db,
        keyring=keyring,
        clock=clock,
        sms=NoTexts(),
        media=NoTexts(),
        signer=None,
        config=WorkerConfig(public_base_url="https://hotline.example.org"),
        rng=random.Random(3),  # noqa: S311 - jitter in a test
    )
    assert worker.deliver_due() == 1
    told = world_client.get(
        "/api/staff/v1/notifications", headers=bearer(world.tokens["SV_REGION"])
    )
    (item,) = told.json()
    assert item["kind"] == "break_glass"
    assert item["case_id"] == str(world.cases["C4"])
    assert "danger" not in item["text"]  # the notice names the case, not the reason
    # The supervisor linked to the school must not even learn that the case exists.
    conflicted = bearer(world.tokens["SV_CONFLICTED"])
    assert world_client.get("/api/staff/v1/notifications", headers=conflicted).json() == []
    assert (
        world_client.get(
            "/api/staff/v1/notifications", headers=bearer(world.tokens["SV_OTHER"])
        ).json()
        == []
    )

    for _ in range(2):  # still open 40 minutes later (the session kept alive meanwhile)
        clock.advance(dt.timedelta(minutes=20))
        assert world_client.get(case, headers=who).status_code == 200
    clock.advance(dt.timedelta(minutes=21))
    assert world_client.get(case, headers=who).status_code == 404  # the glass closes again


def test_no_break_glass_across_a_conflict_of_interest_or_for_other_roles(
    world_client: TestClient, world: World
) -> None:
    reason = {"reason": "Child called again, in danger tonight."}
    c4 = f"/api/staff/v1/cases/{world.cases['C4']}/break-glass"

    assert (
        world_client.post(
            c4, json=reason, headers=bearer(world.tokens["SV_CONFLICTED"])
        ).status_code
        == 404
    )
    for role in ("CW_TEAM", "CW_OTHER", "ADMIN", "AUDITOR", "PARTNER"):
        assert (
            world_client.post(c4, json=reason, headers=bearer(world.tokens[role])).status_code
            == 404
        )
