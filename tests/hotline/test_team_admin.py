"""A team saved through the staff API is a routing change in the audit trail, by whoever
saved it, as one saved with ``hotline teams add`` is (the same use case); an unknown region
is refused with the same answer as before, and nothing is recorded."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit.models import AuditEvent
from hotline.runtime.database import Database
from tests.factories.staff import bearer
from tests.hotline.staff_world import World

TEAMS = "/api/staff/v1/teams"


def _team_changes(client: TestClient) -> list[tuple[str | None, str]]:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db.run(
        lambda s: [
            (e.actor_id, e.object_id)
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "routing.changed", AuditEvent.object_type == "team")
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        ],
        write=False,
    )


def test_saving_a_team_is_audited_with_who_saved_it(world_client: TestClient, world: World) -> None:
    admin = bearer(world.tokens["ADMIN"])
    before = _team_changes(world_client)

    created = world_client.post(TEAMS, json={"name": "Coast", "regions": ["south"]}, headers=admin)
    updated = world_client.post(
        TEAMS, json={"name": "Coast", "regions": ["south", "north"]}, headers=admin
    )

    assert created.status_code == 201, created.text
    assert updated.json() == created.json()
    team = str(created.json()["id"])
    me = str(world.users["ADMIN"])
    assert _team_changes(world_client)[len(before) :] == [(me, team), (me, team)]


def test_an_unknown_region_is_refused_and_nothing_is_recorded(
    world_client: TestClient, world: World
) -> None:
    admin = bearer(world.tokens["ADMIN"])
    before = _team_changes(world_client)

    refused = world_client.post(
        TEAMS, json={"name": "Nowhere", "regions": ["atlantis"]}, headers=admin
    )

    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == [
        {"field": "regions", "message": "Unknown region code."}
    ]
    assert _team_changes(world_client) == before
