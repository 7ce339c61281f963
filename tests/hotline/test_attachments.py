"""Attachments: whoever may read the case sees a copy without the picture's metadata; the
original, kept as evidence, goes only to supervisors, and the download is audited as such."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.messages.models import Attachment
from hotline.runtime.database import Database
from tests.factories.images import GPS_IFD, exif_of
from tests.factories.staff import bearer
from tests.hotline.staff_world import World


def _url(world: World, case: str = "C1") -> str:
    return f"/api/staff/v1/cases/{world.cases[case]}/attachments/{world.attachments[case]}"


def _actions(client: TestClient) -> list[str]:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db.run(
        lambda s: list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.occurred_at))),
        write=False,
    )


def test_a_caseworker_sees_the_picture_without_where_it_was_taken(
    world_client: TestClient, world: World
) -> None:
    answer = world_client.get(_url(world), headers=bearer(world.tokens["CW_ASSIGNEE"]))

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["cache-control"] == "no-store"
    assert exif_of(answer.content) == {}
    assert _actions(world_client)[-1] == "attachment.read"


def test_the_original_is_refused_to_a_caseworker(world_client: TestClient, world: World) -> None:
    answer = world_client.get(
        _url(world) + "/original", headers=bearer(world.tokens["CW_ASSIGNEE"])
    )

    assert answer.status_code == 403
    assert "original_downloaded" not in " ".join(_actions(world_client))


def test_a_supervisor_downloads_the_original_unchanged_and_it_is_audited(
    world_client: TestClient, world: World
) -> None:
    answer = world_client.get(_url(world) + "/original", headers=bearer(world.tokens["SV_REGION"]))

    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment;")
    stored = world_client.app.state.db.run(  # type: ignore[attr-defined]
        lambda s: s.get_one(Attachment, world.attachments["C1"]).sha256, write=False
    )
    digest = hashlib.sha256(answer.content).hexdigest()
    assert digest == stored == answer.headers["x-content-sha256"]
    assert GPS_IFD in exif_of(answer.content)  # the evidence keeps everything
    assert _actions(world_client)[-1] == "attachment.original_downloaded"


def test_a_supervisor_of_another_region_finds_nothing(
    world_client: TestClient, world: World
) -> None:
    answer = world_client.get(_url(world) + "/original", headers=bearer(world.tokens["SV_OTHER"]))

    assert answer.status_code == 404
