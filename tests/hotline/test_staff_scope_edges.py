"""Edges of the scope rules: a restricted case without a school, scoped statistics and audit
views for supervisors, searches that cannot match, queue moves that keep the assignee,
conflicts of interest recorded by an administrator, refused partner keys in the trail."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.handling import listing as cases_module
from hotline.runtime.database import Database
from tests.factories.staff import bearer
from tests.hotline.staff_world import World


def _db(client: TestClient) -> Database:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db


def test_a_restricted_case_without_a_school_stays_with_its_named_people(
    world_client: TestClient, world: World
) -> None:
    def no_school(s) -> None:  # type: ignore[no-untyped-def]
        s.get_one(Case, world.cases["C4"]).school_id = None

    _db(world_client).run(no_school, write=True)
    c4 = f"/api/staff/v1/cases/{world.cases['C4']}"

    assert world_client.get(c4, headers=bearer(world.tokens["CW_ASSIGNEE"])).status_code == 200
    # SV_CONFLICTED is linked to a school, but this case is about none: no conflict.
    assert world_client.get(c4, headers=bearer(world.tokens["SV_CONFLICTED"])).status_code == 200


def test_supervisors_count_and_audit_only_what_they_supervise(
    world_client: TestClient, world: World
) -> None:
    north = world_client.get("/api/staff/v1/stats", headers=bearer(world.tokens["SV_OTHER"])).json()
    everything = world_client.get(
        "/api/staff/v1/stats", headers=bearer(world.tokens["AUDITOR"])
    ).json()

    assert sum(north["by_priority"].values()) == 1
    assert sum(everything["by_priority"].values()) == 4


def test_a_search_for_something_that_is_not_a_reference_finds_nothing(
    world_client: TestClient, world: World
) -> None:
    found = world_client.get(
        "/api/staff/v1/cases",
        params={"reference": "not-a-ref!"},
        headers=bearer(world.tokens["SV_REGION"]),
    )
    assert found.json() == {"total": 0, "total_capped": False, "cases": []}


def test_moving_a_case_to_another_queue_keeps_whoever_has_it(
    world_client: TestClient, world: World
) -> None:
    headers = bearer(world.tokens["SV_REGION"])
    base = f"/api/staff/v1/cases/{world.cases['C1']}"

    moved = world_client.post(
        f"{base}/assignment", json={"team_id": world.teams["T2"]}, headers=headers
    )

    assert moved.status_code == 204
    case = world_client.get(base, headers=headers).json()
    assert case["assigned_to_id"] == str(world.users["CW_ASSIGNEE"])
    assert case["team_id"] == world.teams["T2"]
    unassigned = world_client.post(
        f"{base}/assignment", json={"assignee_id": None}, headers=headers
    )
    assert unassigned.status_code == 204
    assert world_client.get(base, headers=headers).json()["assigned_to_id"] is None


def test_an_administrator_records_a_conflict_of_interest_and_it_takes_effect(
    world_client: TestClient, world: World
) -> None:
    c4 = f"/api/staff/v1/cases/{world.cases['C4']}"
    assert world_client.get(c4, headers=bearer(world.tokens["SV_REGION"])).status_code == 200

    linked = world_client.post(
        f"/api/staff/v1/users/{world.users['SV_REGION']}/schools",
        json={"school": "capital-002"},
        headers=bearer(world.tokens["ADMIN"]),
    )

    assert linked.status_code == 204
    assert world_client.get(c4, headers=bearer(world.tokens["SV_REGION"])).status_code == 404
    actions = _db(world_client).run(
        lambda s: list(s.scalars(select(AuditEvent.action))), write=False
    )
    assert "staff.school_linked" in actions
    unknown = world_client.post(
        f"/api/staff/v1/users/{world.users['SV_REGION']}/schools",
        json={"school": "no-such-school"},
        headers=bearer(world.tokens["ADMIN"]),
    )
    assert unknown.status_code == 422


def test_a_refused_partner_key_is_in_the_trail_without_its_secret(
    world_client: TestClient, world: World
) -> None:
    key = world.partner_keys["P1"]
    wrong = key[:-4] + "AAAA"

    assert world_client.get("/api/partner/v1/referrals", headers=bearer(wrong)).status_code == 401

    events = _db(world_client).run(
        lambda s: [
            (e.action, e.object_id)
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "partner.key_refused"))
        ],
        write=False,
    )
    assert events == [("partner.key_refused", key.split("_")[1])]


def test_lists_filter_by_region_category_and_open_and_cap_their_count(
    world_client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(world.tokens["SV_REGION"])

    def ids(**params: str) -> set[str]:
        body = world_client.get("/api/staff/v1/cases", params=params, headers=headers).json()
        return {c["id"] for c in body["cases"]}

    capital = {str(world.cases[c]) for c in ("C1", "C2", "C4")}
    assert ids(region="capital") == capital
    assert ids(region="north") == set()  # not theirs to see
    assert ids(region="atlantis") == set()
    assert ids(category="bullying", open="true") == capital
    assert ids(category="trafficking") == set()

    monkeypatch.setattr(cases_module, "COUNT_CAP", 2)
    body = world_client.get("/api/staff/v1/cases", headers=headers).json()
    assert (body["total"], body["total_capped"], len(body["cases"])) == (2, True, 3)
