"""Referrals: consent and its override, what each type of partner sees, the lifecycle
(allowed and refused steps, by the partner and by staff), a decline bringing the case back,
drafts, and partners kept to their own referrals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.cases.models import Case, CaseEvent
from casework.enums import CaseEventKind
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.partners.models import Referral
from casework.partners.referrals import SHARED_FIELDS
from hotline.runtime.database import Database
from tests.factories.staff import bearer
from tests.helpers import outbox_payloads
from tests.hotline.staff_world import World

STAFF = "/api/staff/v1"
PARTNER = "/api/partner/v1"
GIVEN = {"consent": "given", "consent_from": "child"}


def _db(client: TestClient) -> Database:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db


def _refer(
    client: TestClient, world: World, who: str = "CW_ASSIGNEE", case: str = "C1", **body: Any
) -> Any:
    payload = {"partner_id": str(world.partners["P1"]), "summary": "Please visit.", **body}
    return client.post(
        f"{STAFF}/cases/{world.cases[case]}/referrals",
        json=payload,
        headers=bearer(world.tokens[who]),
    )


def _partner(
    client: TestClient,
    world: World,
    referral: str,
    status: str,
    note: str | None = None,
    partner: str = "P1",
) -> Any:
    body: dict[str, Any] = {"status": status}
    if note is not None:
        body["note"] = note
    return client.post(
        f"{PARTNER}/referrals/{referral}/status",
        json=body,
        headers=bearer(world.partner_keys[partner]),
    )


def _kinds(client: TestClient, world: World, case: str = "C1") -> list[CaseEventKind]:
    return _db(client).run(
        lambda s: list(
            s.scalars(
                select(CaseEvent.kind)
                .where(CaseEvent.case_id == world.cases[case])
                .order_by(CaseEvent.seq)
            )
        ),
        write=False,
    )


def _actions(client: TestClient) -> list[str]:
    return _db(client).run(lambda s: list(s.scalars(select(AuditEvent.action))), write=False)


# ---------------------------------------------------------------- consent


def test_without_consent_a_caseworker_cannot_refer(world_client: TestClient, world: World) -> None:
    plain = _refer(
        world_client, world, consent="not_asked", override_reason="The child is in danger now."
    )
    assert plain.status_code == 403
    refused = _refer(world_client, world, consent="refused")
    assert refused.status_code == 422  # no reason either
    assert _db(world_client).run(lambda s: list(s.scalars(select(Referral))), write=False) == []


def test_a_supervisor_overrides_with_a_reason_and_it_is_audited(
    world_client: TestClient, world: World
) -> None:
    short = _refer(world_client, world, "SV_REGION", consent="not_asked", override_reason="now")
    assert short.status_code == 422
    made = _refer(
        world_client,
        world,
        "SV_REGION",
        consent="not_asked",
        override_reason="He threatened her tonight; she cannot be reached safely.",
    )

    assert made.status_code == 201, made.text
    referral = _db(world_client).run(lambda s: s.scalars(select(Referral)).one(), write=False)
    assert referral.consent.value == "not_asked"
    assert referral.override_by == world.users["SV_REGION"]
    assert referral.override_reason_ct is not None
    assert b"threatened" not in referral.override_reason_ct
    assert "referral.consent_overridden" in _actions(world_client)


def test_consent_says_who_gave_it(world_client: TestClient, world: World) -> None:
    assert _refer(world_client, world, consent="given").status_code == 422
    assert _refer(world_client, world, consent="given", consent_from="neighbour").status_code == 422
    made = _refer(world_client, world, consent="given", consent_from="guardian")
    assert made.status_code == 201
    referral = _db(world_client).run(lambda s: s.scalars(select(Referral)).one(), write=False)
    assert (referral.consent.value, referral.consent_from) == ("given", "guardian")
    assert referral.consent_by == world.users["CW_ASSIGNEE"]


# ---------------------------------------------------------------- minimisation


@pytest.mark.parametrize(
    "kind", ["social_services", "police", "ngo", "health", "school", "legal_aid", "other"]
)
def test_each_type_of_partner_gets_its_profile_of_fields(
    world_client: TestClient, world: World, kind: str
) -> None:
    made = world_client.post(
        f"{STAFF}/partners",
        json={"name": f"Partner {kind}", "kind": kind},
        headers=bearer(world.tokens["ADMIN"]),
    ).json()
    referral = _refer(world_client, world, partner_id=made["id"], **GIVEN).json()

    listed = world_client.get(
        f"{STAFF}/cases/{world.cases['C1']}/referrals", headers=bearer(world.tokens["CW_ASSIGNEE"])
    ).json()
    (row,) = [r for r in listed if r["id"] == referral["id"]]
    from casework.partners.models import PartnerType

    assert row["shared"] == list(SHARED_FIELDS[PartnerType(kind)])
    assert not {"phone", "contact_phone", "narrative", "follow_up_code", "reference"} & set(
        row["shared"]
    )


def test_the_partner_sees_exactly_its_fields(world_client: TestClient, world: World) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]
    seen = world_client.get(
        f"{PARTNER}/referrals/{referral}", headers=bearer(world.partner_keys["P1"])
    ).json()

    assert seen["fields"] == {
        "category": "bullying",
        "priority": "P3",
        "summary": "Please visit.",
        "child_age": None,
        "region": "capital",
        "language": "en",
    }
    case_ref = _db(world_client).run(
        lambda s: s.get_one(Case, world.cases["C1"]).reference, write=False
    )
    assert case_ref not in str(seen)  # not even the case reference


# ---------------------------------------------------------------- lifecycle


def test_the_whole_lifecycle_by_the_partner(world_client: TestClient, world: World) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]
    assert _kinds(world_client, world)[-1] is CaseEventKind.REFERRED

    for status in ("acknowledged", "accepted", "in_progress"):
        assert _partner(world_client, world, referral, status).status_code == 204, status
    done = _partner(world_client, world, referral, "completed", "Family supported; safe at home.")
    assert done.status_code == 204

    kinds = _kinds(world_client, world)
    assert kinds.count(CaseEventKind.REFERRAL_ACKNOWLEDGED) == 1
    assert kinds.count(CaseEventKind.REFERRAL_UPDATED) == 3
    stored = _db(world_client).run(lambda s: s.scalars(select(Referral)).one(), write=False)
    assert stored.status.value == "completed"
    assert stored.note_ct is not None
    assert b"safe at home" not in stored.note_ct
    assert _actions(world_client).count("referral.status_changed") == 5  # sent + 4 steps
    clocks = world_client.get(
        f"{STAFF}/cases/{world.cases['C1']}/clocks", headers=bearer(world.tokens["CW_ASSIGNEE"])
    ).json()
    partner_clock = [c for c in clocks if c["clock"] == "partner_acknowledgement"]
    assert partner_clock
    assert partner_clock[0]["state"] == "met"


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        ([], "completed"),  # not accepted yet
        ([], "in_progress"),
        (["declined:No capacity in the region."], "accepted"),  # a decline is final
        (["accepted", "completed"], "in_progress"),
        ([], "withdrawn"),  # only staff withdraw
        ([], "draft"),
        ([], "sent"),
    ],
)
def test_steps_the_lifecycle_refuses(
    world_client: TestClient, world: World, steps: list[str], refused: str
) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]
    for step in steps:
        status, _, note = step.partition(":")
        assert _partner(world_client, world, referral, status, note or None).status_code == 204

    response = _partner(world_client, world, referral, refused)
    assert response.status_code == 422, response.text


def test_a_decline_needs_a_reason_and_brings_the_case_back(
    world_client: TestClient, world: World
) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]

    def case_status() -> str:
        return _db(world_client).run(
            lambda s: s.get_one(Case, world.cases["C1"]).status.value, write=False
        )

    assert case_status() == "referred"
    assert _partner(world_client, world, referral, "declined").status_code == 422

    assert (
        _partner(world_client, world, referral, "declined", "Outside our area.").status_code == 204
    )

    assert case_status() == "in_progress"
    notices = _db(world_client).run(
        lambda s: list(
            s.scalars(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.STAFF_NOTICE))
        ),
        write=False,
    )
    assert len(notices) == 1


def test_staff_withdraw_with_a_reason_and_cannot_act_for_the_partner(
    world_client: TestClient, world: World
) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]
    url = f"{STAFF}/cases/{world.cases['C1']}/referrals/{referral}/status"
    headers = bearer(world.tokens["CW_ASSIGNEE"])

    assert world_client.post(url, json={"status": "accepted"}, headers=headers).status_code == 422
    assert world_client.post(url, json={"status": "withdrawn"}, headers=headers).status_code == 422
    ok = world_client.post(
        url, json={"status": "withdrawn", "note": "The family moved away."}, headers=headers
    )
    assert ok.status_code == 204
    assert _partner(world_client, world, referral, "acknowledged").status_code == 422


def _partner_clock_states(client: TestClient, world: World) -> set[str]:
    clocks = client.get(
        f"{STAFF}/cases/{world.cases['C1']}/clocks", headers=bearer(world.tokens["CW_ASSIGNEE"])
    ).json()
    return {c["state"] for c in clocks if c["clock"].startswith("partner_")}


def test_a_withdrawal_stops_the_partner_clocks_without_meeting_them(
    world_client: TestClient, world: World
) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]
    assert _partner_clock_states(world_client, world) == {"running"}

    withdrawn = world_client.post(
        f"{STAFF}/cases/{world.cases['C1']}/referrals/{referral}/status",
        json={"status": "withdrawn", "note": "The family moved away."},
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )

    assert withdrawn.status_code == 204
    assert _partner_clock_states(world_client, world) == {"stopped"}  # the partner never answered


def test_closing_the_case_stops_unanswered_partner_clocks_as_neither_met_nor_missed(
    world_client: TestClient, world: World
) -> None:
    _refer(world_client, world, **GIVEN)

    closed = world_client.post(
        f"{STAFF}/cases/{world.cases['C1']}/closure",
        json={"outcome": "advice_given", "views_missing": "unreachable"},
        headers=bearer(world.tokens["SV_REGION"]),
    )

    assert closed.status_code == 200, closed.text
    assert closed.json()["closed"] is True
    assert _partner_clock_states(world_client, world) == {"stopped"}


def test_a_refused_step_is_explained_in_words_and_lists_the_codes_for_programs(
    world_client: TestClient, world: World
) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]

    refused = _partner(world_client, world, referral, "in_progress")

    assert refused.status_code == 422
    (detail,) = refused.json()["error"]["details"]
    assert detail["message"] == "A referral that is sent cannot become in progress."
    assert detail["allowed"] == ["accepted", "acknowledged", "declined"]


def test_a_draft_is_invisible_to_the_partner_until_sent(
    world_client: TestClient, world: World
) -> None:
    referral = _refer(world_client, world, send=False, **GIVEN).json()["id"]
    key = bearer(world.partner_keys["P1"])
    assert world_client.get(f"{PARTNER}/referrals", headers=key).json()["referrals"] == []
    assert world_client.get(f"{PARTNER}/referrals/{referral}", headers=key).status_code == 404
    assert _partner(world_client, world, referral, "acknowledged").status_code == 404

    url = f"{STAFF}/cases/{world.cases['C1']}/referrals/{referral}/status"
    sent = world_client.post(
        url, json={"status": "sent"}, headers=bearer(world.tokens["CW_ASSIGNEE"])
    )
    assert sent.status_code == 204
    assert [
        r["id"] for r in world_client.get(f"{PARTNER}/referrals", headers=key).json()["referrals"]
    ] == [referral]


def test_a_partner_cannot_touch_another_partners_referral(
    world_client: TestClient, world: World
) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]
    other = _partner(world_client, world, referral, "acknowledged", partner="P2")
    assert other.status_code == 404
    assert (
        _db(world_client).run(lambda s: s.scalars(select(Referral.status)).one(), write=False).value
        == "sent"
    )


# ---------------------------------------------------------------- SLA


def test_partner_clocks_remind_the_partner_then_escalate(
    world_client: TestClient, world: World, keyring: Any
) -> None:
    from casework.clock import FixedClock
    from hotline.worker import Worker, WorkerConfig
    from tests.hotline.staff_world import NOW

    made = world_client.post(
        f"{STAFF}/partners",
        json={
            "name": "Slow NGO",
            "kind": "ngo",
            "delivery": "webhook",
            "webhook_url": "https://ngo.example.org/h",
        },
        headers=bearer(world.tokens["ADMIN"]),
    ).json()
    referral = _refer(world_client, world, partner_id=made["id"], **GIVEN).json()["id"]
    clock = FixedClock(NOW)
    worker = Worker(
        _db(world_client),
        keyring=keyring,
        clock=clock,
        sms=None,  # type: ignore[arg-type]
        media=None,  # type: ignore[arg-type]
        signer=None,
        config=WorkerConfig(public_base_url="https://hotline.example.org"),
    )

    def webhooks() -> list[str]:
        payloads = outbox_payloads(_db(world_client), keyring, OutboxKind.WEBHOOK)
        return sorted(p["type"] for p in payloads)

    assert webhooks() == ["referral.sent"]
    clock.advance(dt.timedelta(hours=54))  # 75 % of 72 hours (no calendar: around the clock)
    worker.scan_sla()
    assert webhooks() == [
        "referral.acceptance_due",
        "referral.acknowledgement_due",
        "referral.sent",
    ]

    key = world_client.post(
        f"{STAFF}/partners/{made['id']}/keys",
        json={"label": "t"},
        headers=bearer(world.tokens["ADMIN"]),
    ).json()["key"]
    acknowledged = world_client.post(
        f"{PARTNER}/referrals/{referral}/status",
        json={"status": "acknowledged"},
        headers=bearer(key),
    )
    assert acknowledged.status_code == 204
    clock.advance(dt.timedelta(hours=19))
    worker.scan_sla()

    notices = outbox_payloads(_db(world_client), keyring, OutboxKind.STAFF_NOTICE)
    partner_breaches = [
        n for n in notices if n["kind"] == "sla_breach" and "partner a" in n["text"]
    ]
    # Acceptance was missed; acknowledgement came in time. The caseworker is told.
    (breach,) = partner_breaches
    assert "partner acceptance target missed" in breach["text"]
    assert str(world.users["CW_ASSIGNEE"]) in breach["to"]
    assert webhooks().count("referral.acknowledgement_due") == 1  # reminded once


# ---------------------------------------------------------------- review fixes


def test_a_withdrawn_referral_shows_the_partner_nothing(
    world_client: TestClient, world: World
) -> None:
    referral = _refer(world_client, world, **GIVEN).json()["id"]
    world_client.post(
        f"{STAFF}/cases/{world.cases['C1']}/referrals/{referral}/status",
        json={"status": "withdrawn", "note": "Wrong partner chosen."},
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )
    seen = world_client.get(
        f"{PARTNER}/referrals/{referral}", headers=bearer(world.partner_keys["P1"])
    )
    assert seen.json()["status"] == "withdrawn"
    assert seen.json()["fields"] == {}


def test_a_deactivated_partner_is_shut_out_and_its_drafts_are_not_sent(
    world_client: TestClient, world: World
) -> None:
    draft = _refer(world_client, world, send=False, **GIVEN).json()["id"]
    off = world_client.put(
        f"{STAFF}/partners/{world.partners['P1']}",
        json={"name": "P1", "kind": "ngo", "active": False},
        headers=bearer(world.tokens["ADMIN"]),
    )
    assert off.status_code == 200
    key = bearer(world.partner_keys["P1"])
    assert world_client.get(f"{PARTNER}/referrals", headers=key).status_code == 401
    sent = world_client.post(
        f"{STAFF}/cases/{world.cases['C1']}/referrals/{draft}/status",
        json={"status": "sent"},
        headers=bearer(world.tokens["CW_ASSIGNEE"]),
    )
    assert sent.status_code == 422


@pytest.mark.parametrize(
    ("delivery", "value"),
    [
        ("webhook_url", "https://[::1"),
        ("webhook_url", "https://user:secret@ngo.example.org/h"),
        ("webhook_url", "https://ngo.example.org:99999/h"),
        ("email", "a@ngo.example.org,evil@example.com"),
        ("email", "Intake <a@ngo.example.org>"),
        ("email", "a@ngo.example.org\u0085Bcc:e@example.com"),
    ],
)
def test_bad_delivery_addresses_are_refused(
    world_client: TestClient, world: World, delivery: str, value: str
) -> None:
    body = {
        "name": "X",
        "kind": "ngo",
        "delivery": "webhook" if delivery == "webhook_url" else "email",
    }
    body[delivery] = value
    response = world_client.post(
        f"{STAFF}/partners", json=body, headers=bearer(world.tokens["ADMIN"])
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ngo.example.org/hooks", True),
        ("https://127.0.0.1/x", False),
        ("https://169.254.169.254/latest", False),
        ("https://10.0.0.5/x", False),
        ("https://[::1]/x", False),
        ("https://localhost/x", False),
        ("http://ngo.example.org/hooks", False),
    ],
)
def test_production_webhooks_go_only_to_public_https_addresses(url: str, ok: bool) -> None:
    from casework.partners.directory import _webhook_url_ok

    assert _webhook_url_ok(url, allow_http=False) is ok
