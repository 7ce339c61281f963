"""The partner API: a partner's key (or user) sees only the referrals made to that partner,
in the minimised form; revoked keys, other partners' ids and hotline staff get nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories.staff import bearer
from tests.hotline.staff_world import World


def _refer(client: TestClient, world: World, case: str, partner: str, summary: str) -> str:
    made = client.post(
        f"/api/staff/v1/cases/{world.cases[case]}/referrals",
        json={
            "partner_id": str(world.partners[partner]),
            "summary": summary,
            "consent": "given",
            "consent_from": "child",
        },
        headers=bearer(world.tokens["SV_REGION"]),
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_partner_key_sees_only_its_referrals_in_minimised_form(
    world_client: TestClient, world: World
) -> None:
    mine = _refer(world_client, world, "C1", "P1", "Boy, 11, hit at school; please visit.")
    theirs = _refer(world_client, world, "C2", "P2", "For the other partner only.")
    key = bearer(world.partner_keys["P1"])

    listed = world_client.get("/api/partner/v1/referrals", headers=key).json()["referrals"]

    assert [r["id"] for r in listed] == [mine]
    assert listed[0]["fields"]["summary"] == "Boy, 11, hit at school; please visit."
    assert "Words of case" not in str(listed)  # never the reporter's own words
    assert set(listed[0]) == {"id", "status", "created_at", "fields"}
    # P1 is an NGO (the "ngo" profile): no school, no perpetrator, never a phone or code.
    assert set(listed[0]["fields"]) == {
        "category", "priority", "summary", "child_age", "region", "language"
    }  # fmt: skip
    assert world_client.get(f"/api/partner/v1/referrals/{mine}", headers=key).status_code == 200
    other = world_client.get(f"/api/partner/v1/referrals/{theirs}", headers=key)
    assert other.status_code == 404
    assert "other partner" not in other.text


def test_a_partner_user_sees_the_same_and_a_caseworker_is_not_a_partner(
    world_client: TestClient, world: World
) -> None:
    mine = _refer(world_client, world, "C1", "P1", "Please visit.")

    user = world_client.get("/api/partner/v1/referrals", headers=bearer(world.tokens["PARTNER"]))
    staff = world_client.get("/api/partner/v1/referrals", headers=bearer(world.tokens["SV_REGION"]))

    assert [r["id"] for r in user.json()["referrals"]] == [mine]
    assert staff.status_code == 401


def test_a_revoked_or_altered_key_opens_nothing(world_client: TestClient, world: World) -> None:
    key = world.partner_keys["P1"]
    prefix = key.split("_")[1]
    assert (
        world_client.get("/api/partner/v1/referrals", headers=bearer(key[:-2] + "xx")).status_code
        == 401
    )
    assert world_client.get("/api/partner/v1/referrals").status_code == 401

    admin = bearer(world.tokens["ADMIN"])
    made = world_client.post(
        f"/api/staff/v1/partners/{world.partners['P1']}/keys",
        json={"label": "second"},
        headers=admin,
    )
    assert made.status_code == 201
    second = made.json()
    assert second["key"].startswith("hpk_")
    assert (
        world_client.get("/api/partner/v1/referrals", headers=bearer(second["key"])).status_code
        == 200
    )
    revoked = world_client.delete(f"/api/staff/v1/partner-keys/{second['id']}", headers=admin)
    assert revoked.status_code == 204
    assert (
        world_client.get("/api/partner/v1/referrals", headers=bearer(second["key"])).status_code
        == 401
    )
    assert world_client.get("/api/partner/v1/referrals", headers=bearer(key)).status_code == 200
    assert prefix not in second["key"]
