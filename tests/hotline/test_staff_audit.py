"""Every look at case data is in the audit trail, with who looked; auditors see the trail's
index (who, what, when) and statistics, never case content."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.audit.sequencer import sequence
from hotline.runtime.database import Database
from tests.factories.staff import bearer
from tests.hotline.staff_world import World


def _events(client: TestClient) -> list[tuple[str, str | None, str]]:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db.run(
        lambda s: [
            (e.action, e.actor_id, e.object_type)
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.occurred_at, AuditEvent.id))
        ],
        write=False,
    )


def test_every_read_is_recorded_with_the_reader(world_client: TestClient, world: World) -> None:
    who = bearer(world.tokens["CW_ASSIGNEE"])
    me = str(world.users["CW_ASSIGNEE"])
    base = f"/api/staff/v1/cases/{world.cases['C1']}"
    before = len(_events(world_client))

    for path in (
        "/api/staff/v1/cases",
        base,
        f"{base}/reports/{world.reports['C1']}",
        f"{base}/messages",
        f"{base}/notes",
        f"{base}/attachments/{world.attachments['C1']}",
    ):
        assert world_client.get(path, headers=who).status_code == 200

    new = _events(world_client)[before:]
    assert new == [
        ("case.listed", me, "case_list"),
        ("case.read", me, "case"),
        ("case.read", me, "report"),
        ("case.read", me, "messages"),
        ("case.read", me, "notes"),
        ("attachment.read", me, "attachment"),
    ]


def test_auditors_see_who_did_what_but_no_content(world_client: TestClient, world: World) -> None:
    world_client.get(
        f"/api/staff/v1/cases/{world.cases['C1']}", headers=bearer(world.tokens["CW_ASSIGNEE"])
    )
    db: Database = world_client.app.state.db  # type: ignore[attr-defined]
    db.run(lambda s: sequence(s, batch=10_000), write=True)
    auditor = bearer(world.tokens["AUDITOR"])

    trail = world_client.get("/api/staff/v1/audit/events?limit=500", headers=auditor)
    stats = world_client.get("/api/staff/v1/stats", headers=auditor)

    assert trail.status_code == 200
    reads = [e for e in trail.json() if e["action"] == "case.read"]
    assert reads
    assert reads[0]["actor_id"] == str(world.users["CW_ASSIGNEE"])
    assert "Words of case" not in trail.text
    assert set(trail.json()[0]) == {
        "position",
        "occurred_at",
        "actor_kind",
        "actor_id",
        "action",
        "object_type",
        "object_id",
    }
    assert sum(stats.json()["by_priority"].values()) == 4
    assert (
        world_client.get(
            "/api/staff/v1/audit/events", headers=bearer(world.tokens["CW_TEAM"])
        ).status_code
        == 403
    )
    assert (
        world_client.get("/api/staff/v1/stats", headers=bearer(world.tokens["PARTNER"])).status_code
        == 403
    )
