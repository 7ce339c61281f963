"""The partner directory through the staff API: profiles (sealed contacts, webhook secret
shown once), validation, roles; suggestions for a case by region, category and language,
never the accused's school; referring only to an active, unconflicted partner."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.cases.models import Case
from casework.partners.models import Partner
from hotline.runtime.database import Database
from tests.factories.staff import bearer
from tests.hotline.staff_world import World

BASE = "/api/staff/v1"


def _db(client: TestClient) -> Database:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db


def _add(client: TestClient, world: World, who: str = "ADMIN", **body: Any) -> Any:
    payload = {"kind": "ngo", **body}
    return client.post(f"{BASE}/partners", json=payload, headers=bearer(world.tokens[who]))


def _suggested(client: TestClient, world: World, case: str, who: str = "CW_ASSIGNEE") -> list[str]:
    response = client.get(
        f"{BASE}/cases/{world.cases[case]}/partner-suggestions", headers=bearer(world.tokens[who])
    )
    assert response.status_code == 200, response.text
    return [p["name"] for p in response.json()]


def test_a_partner_is_added_with_its_profile_and_contacts_sealed(
    world_client: TestClient, world: World
) -> None:
    response = _add(
        world_client,
        world,
        name="Capital Child Protection",
        kind="social_services",
        delivery="webhook",
        webhook_url="https://cps.example.org/hooks",
        regions=["capital"],
        categories=["bullying", "physical_abuse"],
        languages=["en", "fr"],
        contact="Ms Ortega, +359 2 123 4567",
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["webhook_secret"].startswith("whsec_")
    assert response.headers["cache-control"] == "no-store"
    listed = {
        p["name"]: p
        for p in world_client.get(f"{BASE}/partners", headers=bearer(world.tokens["ADMIN"])).json()
    }
    entry = listed["Capital Child Protection"]
    assert entry["regions"] == ["capital"]
    assert entry["categories"] == ["bullying", "physical_abuse"]
    assert entry["languages"] == ["en", "fr"]
    assert entry["delivery"] == "webhook"
    assert "contact" not in entry
    partner = _db(world_client).run(
        lambda s: s.get_one(Partner, uuid.UUID(body["id"])), write=False
    )
    assert partner.contact_ct is not None
    assert b"Ortega" not in partner.contact_ct
    assert body["webhook_secret"].encode() not in (partner.webhook_secret_ct or b"")

    # Changing the profile keeps the secret (no new one shown).
    again = world_client.put(
        f"{BASE}/partners/{body['id']}",
        json={
            "name": "Capital Child Protection",
            "kind": "social_services",
            "delivery": "webhook",
            "webhook_url": "https://cps.example.org/hooks/v2",
        },
        headers=bearer(world.tokens["ADMIN"]),
    )
    assert again.status_code == 200, again.text
    assert again.json()["webhook_secret"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "regions": ["atlantis"]}, "regions"),
        ({"name": "X", "categories": ["made-up"]}, "categories"),
        ({"name": "X", "languages": ["xx"]}, "languages"),
        ({"name": "X", "delivery": "webhook"}, "webhook_url"),
        ({"name": "X", "delivery": "webhook", "webhook_url": "ftp://x.example"}, "webhook_url"),
        ({"name": "X", "delivery": "email"}, "email"),
        ({"name": "X", "delivery": "email", "email": "not an address"}, "email"),
        ({"name": "X", "school": "no-such-school"}, "school"),
        ({"name": "X", "kind": "spies"}, "kind"),
        ({"name": "P1"}, "name"),  # taken
    ],
)
def test_bad_profiles_are_refused(
    world_client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    response = _add(world_client, world, **body)

    assert response.status_code == 422, response.text
    assert field in response.text


@pytest.mark.parametrize("who", ["CW_ASSIGNEE", "SV_REGION", "AUDITOR", "PARTNER"])
def test_only_administrators_manage_the_directory(
    world_client: TestClient, world: World, who: str
) -> None:
    assert _add(world_client, world, who, name="X").status_code == 403
    listed = world_client.get(f"{BASE}/partners", headers=bearer(world.tokens[who]))
    assert listed.status_code == 403


def test_suggestions_match_region_category_and_language(
    world_client: TestClient, world: World
) -> None:
    # C1: capital, bullying, English.
    _add(
        world_client, world, name="A capital bullying", regions=["capital"], categories=["bullying"]
    )
    _add(world_client, world, name="B everywhere")
    _add(world_client, world, name="C north only", regions=["north"])
    _add(world_client, world, name="D trafficking only", categories=["trafficking"])
    _add(world_client, world, name="E French only", languages=["fr"])
    _add(world_client, world, name="F inactive", active=False)

    suggested = _suggested(world_client, world, "C1")

    # Those listing the region first, then those serving everywhere (P1, P2 of the world too).
    assert suggested == ["A capital bullying", "B everywhere", "P1", "P2"]
    assert _suggested(world_client, world, "C3", "CW_OTHER") == [
        "C north only",
        "B everywhere",
        "P1",
        "P2",
    ]


def test_the_schools_own_lead_is_never_suggested_or_referred_when_staff_are_accused(
    world_client: TestClient, world: World
) -> None:
    lead = _add(world_client, world, name="Riverside lead", kind="school", school="capital-001")
    lead_id = lead.json()["id"]
    assert "Riverside lead" in _suggested(world_client, world, "C1")

    def accuse_a_teacher(s: Any) -> None:
        from casework.enums import PerpetratorRole

        s.get_one(Case, world.cases["C1"]).perpetrator_role = PerpetratorRole.TEACHER

    _db(world_client).run(accuse_a_teacher, write=True)

    assert "Riverside lead" not in _suggested(world_client, world, "C1")
    refused = world_client.post(
        f"{BASE}/cases/{world.cases['C1']}/referrals",
        json={
            "partner_id": lead_id,
            "summary": "Needs a visit.",
            "consent": "given",
            "consent_from": "child",
        },
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )
    assert refused.status_code == 422
    assert "conflict of interest" in refused.text


def test_an_inactive_partner_is_not_referred_to(world_client: TestClient, world: World) -> None:
    made = _add(world_client, world, name="Closed NGO", active=False).json()
    refused = world_client.post(
        f"{BASE}/cases/{world.cases['C1']}/referrals",
        json={
            "partner_id": made["id"],
            "summary": "Needs a visit.",
            "consent": "given",
            "consent_from": "child",
        },
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )
    assert refused.status_code == 422
    names = _db(world_client).run(
        lambda s: list(s.scalars(select(Partner.name).where(Partner.active.is_(False)))),
        write=False,
    )
    assert names == ["Closed NGO"]
