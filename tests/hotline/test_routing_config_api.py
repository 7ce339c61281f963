"""Routing and SLA configuration through the staff API: staff languages, on-call phones,
shifts and on-call turns (supervisors and administrators), SLA targets, region calendars and
holidays (administrators only); who may do what, the bad input that is refused (never a
500), the audit trail, and a report routed to someone put on shift through the API."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.places.models import Region
from casework.protection.fields import open_text
from casework.protection.keys import Keyring
from casework.routing.config import MAX_TARGET_MINUTES
from casework.routing.models import OnCallShift, StaffLanguage, StaffShift
from casework.sla.models import ClockKind, Holiday, RegionCalendar, SlaTarget
from casework.staff.models import StaffUser
from casework.taxonomy.models import Category
from tests.factories.reports import app_payload
from tests.factories.staff import bearer
from tests.hotline.staff_world import NOW, World

BASE = "/api/staff/v1"
ROUTING = "routing.changed"
SLA = "sla.config_changed"
PHONE = "+359888123456"
HOUR = dt.timedelta(hours=1)

CASEWORKERS = ("CW_ASSIGNEE", "CW_TEAM", "CW_OTHER")
SUPERVISORS = ("SV_REGION", "SV_OTHER", "SV_CONFLICTED")
OUTSIDERS = ("AUDITOR", "PARTNER")


# ---------------------------------------------------------------------------- helpers


def _call(
    client: TestClient, world: World, who: str, method: str, path: str, body: Any = None
) -> Any:
    return client.request(method, f"{BASE}{path}", json=body, headers=bearer(world.tokens[who]))


def _read(client: TestClient, fn: Callable[[Session], Any]) -> Any:
    db = client.app.state.db  # type: ignore[attr-defined]
    return db.run(fn, write=False)


def _iso(when: dt.datetime) -> str:
    return when.isoformat()


def _shift_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "user_id": str(world.users["CW_TEAM"]),
        "region": "capital",
        "starts_at": _iso(NOW - HOUR),
        "ends_at": _iso(NOW + 7 * HOUR),
        "on_call": False,
    }
    body.update(overrides)
    return body


def _audit(client: TestClient, *actions: str) -> list[tuple[str, str, str]]:
    """(action, object_type, object_id) of the audit events with these actions, in order."""
    return _read(  # type: ignore[no-any-return]
        client,
        lambda s: [
            (e.action, e.object_type, e.object_id)
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(actions or (ROUTING, SLA)))
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        ],
    )


def _config_audit_count(client: TestClient) -> int:
    return len(_audit(client))


def _languages(client: TestClient, user_id: uuid.UUID) -> list[str]:
    return _read(  # type: ignore[no-any-return]
        client,
        lambda s: sorted(
            s.scalars(select(StaffLanguage.language).where(StaffLanguage.user_id == user_id))
        ),
    )


def _region_id(client: TestClient, code: str) -> int:
    return _read(client, lambda s: s.scalars(select(Region.id).where(Region.code == code)).one())  # type: ignore[no-any-return]


def _category_id(client: TestClient, code: str) -> int:
    return _read(  # type: ignore[no-any-return]
        client, lambda s: s.scalars(select(Category.id).where(Category.code == code)).one()
    )


def _targets(client: TestClient) -> dict[tuple[ClockKind, str, int | None], tuple[int, bool]]:
    return _read(  # type: ignore[no-any-return]
        client,
        lambda s: {
            (r.clock, r.priority.value, r.category_id): (r.minutes, r.business_hours)
            for r in s.scalars(select(SlaTarget))
        },
    )


def _shift_rows(client: TestClient, user_id: uuid.UUID) -> tuple[list[Any], list[Any]]:
    def read(s: Session) -> tuple[list[Any], list[Any]]:
        shifts = [
            (r.id, r.region_id, r.starts_at, r.ends_at)
            for r in s.scalars(select(StaffShift).where(StaffShift.user_id == user_id))
        ]
        on_call = [
            (r.id, r.region_id, r.starts_at, r.ends_at)
            for r in s.scalars(select(OnCallShift).where(OnCallShift.user_id == user_id))
        ]
        return shifts, on_call

    return _read(client, read)  # type: ignore[no-any-return]


def _calendars(client: TestClient) -> dict[int, tuple[str, dict[str, Any]]]:
    return _read(  # type: ignore[no-any-return]
        client,
        lambda s: {r.region_id: (r.timezone, r.hours) for r in s.scalars(select(RegionCalendar))},
    )


def _holidays(client: TestClient) -> list[tuple[int, int | None, dt.date, str]]:
    return _read(  # type: ignore[no-any-return]
        client,
        lambda s: [
            (h.id, h.region_id, h.day, h.name)
            for h in s.scalars(select(Holiday).order_by(Holiday.id))
        ],
    )


def _assert_422(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert "error" in response.json()


# ---------------------------------------------------------------------------- languages


def test_languages_replace_the_list_and_are_audited(world_client: TestClient, world: World) -> None:
    user = world.users["CW_TEAM"]
    before = _config_audit_count(world_client)

    first = _call(
        world_client, world, "SV_REGION", "PUT", f"/users/{user}/languages",
        {"languages": ["fr", "en", "en"]},
    )  # fmt: skip
    assert first.status_code == 204, first.text
    assert first.content == b""
    assert _languages(world_client, user) == ["en", "fr"]

    second = _call(
        world_client,
        world,
        "ADMIN",
        "PUT",
        f"/users/{user}/languages",
        {"languages": ["bg", "fil"]},
    )
    assert second.status_code == 204, second.text
    assert _languages(world_client, user) == ["bg", "fil"]

    cleared = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{user}/languages", {"languages": []}
    )
    assert cleared.status_code == 204, cleared.text
    assert _languages(world_client, user) == []

    events = _audit(world_client)
    assert len(events) == before + 3
    assert events[-3:] == [(ROUTING, "staff_user", str(user))] * 3


def test_a_supervisors_languages_may_be_set(world_client: TestClient, world: World) -> None:
    user = world.users["SV_OTHER"]
    response = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{user}/languages", {"languages": ["en"]}
    )

    assert response.status_code == 204, response.text
    assert _languages(world_client, user) == ["en"]


@pytest.mark.parametrize(
    "languages",
    [["de"], ["en", "xx"], ["EN"], [""], ["en-GB"]],
)
def test_an_unsupported_language_is_refused_and_nothing_changes(
    world_client: TestClient, world: World, languages: list[str]
) -> None:
    user = world.users["CW_TEAM"]
    _call(world_client, world, "ADMIN", "PUT", f"/users/{user}/languages", {"languages": ["fr"]})
    before = _config_audit_count(world_client)

    response = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{user}/languages", {"languages": languages}
    )

    _assert_422(response)
    assert _languages(world_client, user) == ["fr"]
    assert _config_audit_count(world_client) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"languages": "en"},
        {"languages": [1, 2]},
        {"languages": ["en"] * 11},
        {"languages": ["en"], "extra": True},
        [],
    ],
)
def test_a_malformed_languages_body_is_422(
    world_client: TestClient, world: World, body: Any
) -> None:
    response = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{world.users['CW_TEAM']}/languages", body
    )

    _assert_422(response)


def test_languages_of_an_unknown_user_are_404(world_client: TestClient, world: World) -> None:
    response = _call(
        world_client,
        world,
        "ADMIN",
        "PUT",
        f"/users/{uuid.uuid4()}/languages",
        {"languages": ["en"]},
    )

    assert response.status_code == 404, response.text
    assert "error" in response.json()


def test_a_user_id_that_is_not_a_uuid_is_422(world_client: TestClient, world: World) -> None:
    response = _call(
        world_client, world, "ADMIN", "PUT", "/users/not-a-uuid/languages", {"languages": ["en"]}
    )

    _assert_422(response)


@pytest.mark.parametrize("who", ["ADMIN", "AUDITOR", "PARTNER"])
def test_only_caseworkers_and_supervisors_are_on_the_rota(
    world_client: TestClient, world: World, who: str
) -> None:
    user = world.users[who]
    languages = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{user}/languages", {"languages": ["en"]}
    )
    phone = _call(world_client, world, "ADMIN", "PUT", f"/users/{user}/phone", {"phone": PHONE})
    shift = _call(
        world_client, world, "ADMIN", "POST", "/shifts", _shift_body(world, user_id=str(user))
    )

    _assert_422(languages)
    _assert_422(phone)
    _assert_422(shift)
    assert _languages(world_client, user) == []
    assert _shift_rows(world_client, user) == ([], [])


def test_an_inactive_caseworker_is_not_put_on_the_rota(
    world_client: TestClient, world: World
) -> None:
    user = world.users["CW_OTHER"]

    def deactivate(s: Session) -> None:
        s.get_one(StaffUser, user).active = False

    world_client.app.state.db.run(deactivate, write=True)  # type: ignore[attr-defined]

    response = _call(
        world_client, world, "ADMIN", "POST", "/shifts", _shift_body(world, user_id=str(user))
    )

    _assert_422(response)
    assert _shift_rows(world_client, user) == ([], [])


# ---------------------------------------------------------------------------- phone


def _phone_ct(client: TestClient, user: uuid.UUID) -> bytes | None:
    return _read(  # type: ignore[no-any-return]
        client, lambda s: s.scalar(select(StaffUser.phone_ct).where(StaffUser.id == user))
    )


def _all_audit_bytes(client: TestClient) -> list[bytes]:
    def read(s: Session) -> list[bytes]:
        out = []
        for e in s.scalars(select(AuditEvent)):
            text_fields = (e.actor_kind, e.actor_id or "", e.action, e.object_type, e.object_id)
            out.append("|".join(text_fields).encode() + b"|" + bytes(e.payload_ct))
        return out

    return _read(client, read)  # type: ignore[no-any-return]


def test_a_phone_is_kept_sealed_and_never_in_clear(
    world_client: TestClient, world: World, keyring: Keyring
) -> None:
    user = world.users["CW_TEAM"]
    before = _config_audit_count(world_client)

    response = _call(
        world_client, world, "SV_REGION", "PUT", f"/users/{user}/phone", {"phone": PHONE}
    )

    assert response.status_code == 204, response.text
    stored = _phone_ct(world_client, user)
    assert stored is not None
    stored = bytes(stored)
    digits = PHONE.lstrip("+")
    for clear in (PHONE, digits, "0888123456", "888123456"):
        assert clear.encode() not in stored
        assert clear.encode("utf-16-le") not in stored
    opened = _read(
        world_client,
        lambda s: open_text(
            keyring.purpose_key(s, "staff"),
            table="staff_user",
            column="phone",
            row_id=user,
            ciphertext=stored,
        ),
    )
    assert opened == PHONE
    for blob in _all_audit_bytes(world_client):
        assert digits.encode() not in blob
        assert b"888123456" not in blob
    assert _audit(world_client)[before:] == [(ROUTING, "staff_user", str(user))]


def test_a_phone_with_spaces_is_stored_normalised(
    world_client: TestClient, world: World, keyring: Keyring
) -> None:
    user = world.users["SV_OTHER"]
    response = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{user}/phone", {"phone": "+359 888 123 456"}
    )

    assert response.status_code == 204, response.text
    stored = bytes(_phone_ct(world_client, user) or b"")
    opened = _read(
        world_client,
        lambda s: open_text(
            keyring.purpose_key(s, "staff"),
            table="staff_user",
            column="phone",
            row_id=user,
            ciphertext=stored,
        ),
    )
    assert opened == PHONE


@pytest.mark.parametrize("empty", [None, ""])
def test_a_phone_is_removed_with_null_or_empty(
    world_client: TestClient, world: World, empty: str | None
) -> None:
    user = world.users["CW_TEAM"]
    _call(world_client, world, "ADMIN", "PUT", f"/users/{user}/phone", {"phone": PHONE})
    assert _phone_ct(world_client, user) is not None
    before = _config_audit_count(world_client)

    response = _call(world_client, world, "ADMIN", "PUT", f"/users/{user}/phone", {"phone": empty})

    assert response.status_code == 204, response.text
    assert _phone_ct(world_client, user) is None
    assert _audit(world_client)[before:] == [(ROUTING, "staff_user", str(user))]


@pytest.mark.parametrize(
    "phone",
    ["not a phone", "+1", "0888123456", "12345", "+359 888", "+" + "9" * 39, "+" + "1" * 45],
)
def test_an_invalid_phone_is_refused_and_the_old_one_kept(
    world_client: TestClient, world: World, phone: str
) -> None:
    user = world.users["CW_TEAM"]
    _call(world_client, world, "ADMIN", "PUT", f"/users/{user}/phone", {"phone": PHONE})
    kept = _phone_ct(world_client, user)
    before = _config_audit_count(world_client)

    response = _call(world_client, world, "ADMIN", "PUT", f"/users/{user}/phone", {"phone": phone})

    _assert_422(response)
    assert _phone_ct(world_client, user) == kept
    assert _config_audit_count(world_client) == before


@pytest.mark.parametrize("body", [{}, {"phone": 359888123456}, {"phone": PHONE, "x": 1}])
def test_a_malformed_phone_body_is_422(world_client: TestClient, world: World, body: Any) -> None:
    response = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{world.users['CW_TEAM']}/phone", body
    )

    _assert_422(response)


def test_the_phone_of_an_unknown_user_is_404(world_client: TestClient, world: World) -> None:
    response = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{uuid.uuid4()}/phone", {"phone": PHONE}
    )

    assert response.status_code == 404, response.text


# ---------------------------------------------------------------------------- shifts


def test_a_shift_is_created_ended_and_audited(world_client: TestClient, world: World) -> None:
    user = world.users["CW_TEAM"]
    before = _config_audit_count(world_client)

    response = _call(world_client, world, "SV_REGION", "POST", "/shifts", _shift_body(world))

    assert response.status_code == 201, response.text
    shift_id = response.json()["id"]
    kind, _, raw = shift_id.partition(":")
    assert kind == "shift"
    row_id = uuid.UUID(raw)
    shifts, on_call = _shift_rows(world_client, user)
    assert on_call == []
    assert shifts == [(row_id, _region_id(world_client, "capital"), NOW - HOUR, NOW + 7 * HOUR)]

    ended = _call(world_client, world, "SV_REGION", "POST", f"/shifts/{shift_id}/end")

    assert ended.status_code == 204, ended.text
    shifts, _ = _shift_rows(world_client, user)
    assert shifts == [(row_id, _region_id(world_client, "capital"), NOW - HOUR, NOW)]
    assert _audit(world_client)[before:] == [(ROUTING, "shift", raw), (ROUTING, "shift", raw)]

    again = _call(world_client, world, "ADMIN", "POST", f"/shifts/{shift_id}/end")
    assert again.status_code == 204, again.text
    assert _shift_rows(world_client, user)[0][0][3] == NOW


def test_an_on_call_turn_is_created_and_ended(world_client: TestClient, world: World) -> None:
    user = world.users["SV_OTHER"]
    body = _shift_body(
        world,
        user_id=str(user),
        region="north",
        on_call=True,
        starts_at="2026-11-26T10:00:00+02:00",  # 08:00 UTC
        ends_at="2026-11-27T10:00:00+02:00",
    )
    before = _config_audit_count(world_client)

    response = _call(world_client, world, "ADMIN", "POST", "/shifts", body)

    assert response.status_code == 201, response.text
    shift_id = response.json()["id"]
    kind, _, raw = shift_id.partition(":")
    assert kind == "on_call"
    assert int(raw) > 0
    shifts, on_call = _shift_rows(world_client, user)
    assert shifts == []
    assert on_call == [(int(raw), _region_id(world_client, "north"), NOW - HOUR, NOW + 23 * HOUR)]
    assert on_call[0][2].utcoffset() == dt.timedelta(0)

    ended = _call(world_client, world, "SV_OTHER", "POST", f"/shifts/{shift_id}/end")

    assert ended.status_code == 204, ended.text
    assert _shift_rows(world_client, user)[1][0][3] == NOW
    assert _audit(world_client)[before:] == [(ROUTING, "on_call", raw)] * 2


def test_a_future_shift_may_last_exactly_two_days(world_client: TestClient, world: World) -> None:
    body = _shift_body(world, starts_at=_iso(NOW + HOUR), ends_at=_iso(NOW + HOUR + 48 * HOUR))

    response = _call(world_client, world, "ADMIN", "POST", "/shifts", body)

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "2026-11-26T08:00:00"}, "starts_at"),
        ({"ends_at": "2026-11-26T17:00:00"}, "ends_at"),
        ({"starts_at": "not a time"}, "starts_at"),
        ({"starts_at": _iso(NOW + 2 * HOUR), "ends_at": _iso(NOW + HOUR)}, "ends_at"),
        ({"starts_at": _iso(NOW + HOUR), "ends_at": _iso(NOW + HOUR)}, "ends_at"),
        ({"starts_at": _iso(NOW - HOUR), "ends_at": _iso(NOW + 48 * HOUR)}, "ends_at"),
        ({"starts_at": _iso(NOW - 10 * HOUR), "ends_at": _iso(NOW - HOUR)}, "ends_at"),
        ({"starts_at": _iso(NOW - 10 * HOUR), "ends_at": _iso(NOW)}, "ends_at"),
        ({"region": "atlantis"}, "region"),
        ({"region": ""}, "region"),
        ({"region": "x" * 41}, "region"),
        ({"user_id": "not-a-uuid"}, "user_id"),
        ({"on_call": "sometimes"}, "on_call"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_shift_is_refused_and_nothing_is_written(
    world_client: TestClient, world: World, overrides: dict[str, Any], field: str
) -> None:
    user = world.users["CW_TEAM"]
    before = _config_audit_count(world_client)

    response = _call(
        world_client, world, "ADMIN", "POST", "/shifts", _shift_body(world, **overrides)
    )

    _assert_422(response)
    assert field in response.text
    assert _shift_rows(world_client, user) == ([], [])
    assert _config_audit_count(world_client) == before


@pytest.mark.parametrize("missing", ["user_id", "region", "starts_at", "ends_at"])
def test_a_shift_without_a_field_is_422(
    world_client: TestClient, world: World, missing: str
) -> None:
    body = _shift_body(world)
    del body[missing]

    _assert_422(_call(world_client, world, "ADMIN", "POST", "/shifts", body))


def test_a_shift_for_an_unknown_user_is_404(world_client: TestClient, world: World) -> None:
    response = _call(
        world_client,
        world,
        "ADMIN",
        "POST",
        "/shifts",
        _shift_body(world, user_id=str(uuid.uuid4())),
    )

    assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    "shift_id",
    [
        f"shift:{uuid.uuid4()}",
        "shift:not-a-uuid",
        "shift:",
        "on_call:abc",
        "on_call:",
        "on_call:999999",
        "on_call:-1",
        "on_call:1.5",
        "nonsense",
        "42",
        f"other:{uuid.uuid4()}",
        "shift:" + "f" * 200,
    ],
)
def test_ending_an_unknown_shift_is_404(
    world_client: TestClient, world: World, shift_id: str
) -> None:
    before = _config_audit_count(world_client)

    response = _call(world_client, world, "ADMIN", "POST", f"/shifts/{shift_id}/end")

    assert response.status_code == 404, response.text
    assert "error" in response.json()
    assert _config_audit_count(world_client) == before


@pytest.mark.parametrize("number", [2**31, 2**63, 10**20])
def test_ending_an_on_call_turn_with_an_out_of_range_id_is_404(
    world_client: TestClient, world: World, number: int
) -> None:
    # Larger than a database integer: must be "not found", not a database error.
    response = _call(world_client, world, "ADMIN", "POST", f"/shifts/on_call:{number}/end")

    assert response.status_code == 404, response.text


def test_a_shift_id_of_the_other_kind_is_404(world_client: TestClient, world: World) -> None:
    created = _call(world_client, world, "ADMIN", "POST", "/shifts", _shift_body(world))
    raw = created.json()["id"].partition(":")[2]

    response = _call(world_client, world, "ADMIN", "POST", f"/shifts/on_call:{raw}/end")

    assert response.status_code == 404, response.text
    assert _shift_rows(world_client, world.users["CW_TEAM"])[0][0][3] == NOW + 7 * HOUR


# ---------------------------------------------------------------------------- SLA targets


def test_the_target_table_lists_the_defaults(world_client: TestClient, world: World) -> None:
    response = _call(world_client, world, "ADMIN", "GET", "/sla/targets")

    assert response.status_code == 200, response.text
    rows = response.json()
    assert len(rows) == len(_targets(world_client))
    assert {
        "clock": "acknowledge",
        "priority": "P1",
        "category_id": None,
        "minutes": 15,
        "business_hours": False,
    } in rows
    assert {
        "clock": "triage",
        "priority": "P2",
        "category_id": None,
        "minutes": 240,
        "business_hours": True,
    } in rows


def test_a_target_is_changed_and_audited(world_client: TestClient, world: World) -> None:
    before = _config_audit_count(world_client)
    body = {"clock": "acknowledge", "priority": "P1", "minutes": 20, "business_hours": True}

    response = _call(world_client, world, "ADMIN", "PUT", "/sla/targets", body)

    assert response.status_code == 204, response.text
    targets = _targets(world_client)
    assert targets[(ClockKind.ACKNOWLEDGE, "P1", None)] == (20, True)
    assert targets[(ClockKind.ACKNOWLEDGE, "P2", None)] == (60, False)  # untouched
    listed = _call(world_client, world, "ADMIN", "GET", "/sla/targets").json()
    assert {
        "clock": "acknowledge",
        "priority": "P1",
        "category_id": None,
        "minutes": 20,
        "business_hours": True,
    } in listed
    assert _audit(world_client)[before:] == [(SLA, "sla_target", "acknowledge/P1/*")]


def test_a_target_is_removed_with_null_minutes(world_client: TestClient, world: World) -> None:
    count = len(_targets(world_client))
    before = _config_audit_count(world_client)
    body = {"clock": "referral_decision", "priority": "P1", "minutes": None}

    response = _call(world_client, world, "ADMIN", "PUT", "/sla/targets", body)

    assert response.status_code == 204, response.text
    targets = _targets(world_client)
    assert (ClockKind.REFERRAL_DECISION, "P1", None) not in targets
    assert len(targets) == count - 1
    listed = _call(world_client, world, "ADMIN", "GET", "/sla/targets").json()
    assert not [r for r in listed if (r["clock"], r["priority"]) == ("referral_decision", "P1")]
    assert _audit(world_client)[before:] == [(SLA, "sla_target", "referral_decision/P1/*")]

    # Removing what is not there is harmless.
    again = _call(world_client, world, "ADMIN", "PUT", "/sla/targets", body)
    assert again.status_code == 204, again.text
    assert len(_targets(world_client)) == count - 1


def test_a_removed_target_can_be_added_back(world_client: TestClient, world: World) -> None:
    _call(
        world_client, world, "ADMIN", "PUT", "/sla/targets",
        {"clock": "referral_decision", "priority": "P2", "minutes": None},
    )  # fmt: skip
    response = _call(
        world_client, world, "ADMIN", "PUT", "/sla/targets",
        {"clock": "referral_decision", "priority": "P2", "minutes": 30},
    )  # fmt: skip

    assert response.status_code == 204, response.text
    assert _targets(world_client)[(ClockKind.REFERRAL_DECISION, "P2", None)] == (30, False)


def test_a_category_override_is_added_beside_the_default(
    world_client: TestClient, world: World
) -> None:
    bullying = _category_id(world_client, "bullying")
    count = len(_targets(world_client))
    before = _config_audit_count(world_client)
    body = {
        "clock": "triage",
        "priority": "P3",
        "category": "bullying",
        "minutes": 120,
        "business_hours": False,
    }

    response = _call(world_client, world, "ADMIN", "PUT", "/sla/targets", body)

    assert response.status_code == 204, response.text
    targets = _targets(world_client)
    assert len(targets) == count + 1
    assert targets[(ClockKind.TRIAGE, "P3", bullying)] == (120, False)
    assert targets[(ClockKind.TRIAGE, "P3", None)] == (24 * 60, True)  # the default stays
    listed = _call(world_client, world, "ADMIN", "GET", "/sla/targets").json()
    assert {
        "clock": "triage",
        "priority": "P3",
        "category_id": bullying,
        "minutes": 120,
        "business_hours": False,
    } in listed

    # Setting it again changes the same row.
    changed = _call(world_client, world, "ADMIN", "PUT", "/sla/targets", {**body, "minutes": 90})
    assert changed.status_code == 204, changed.text
    targets = _targets(world_client)
    assert len(targets) == count + 1
    assert targets[(ClockKind.TRIAGE, "P3", bullying)] == (90, False)

    # And removing the override leaves the default.
    removed = _call(world_client, world, "ADMIN", "PUT", "/sla/targets", {**body, "minutes": None})
    assert removed.status_code == 204, removed.text
    targets = _targets(world_client)
    assert (ClockKind.TRIAGE, "P3", bullying) not in targets
    assert targets[(ClockKind.TRIAGE, "P3", None)] == (24 * 60, True)
    assert _audit(world_client)[before:] == [(SLA, "sla_target", "triage/P3/bullying")] * 3


def test_the_largest_target_is_accepted(world_client: TestClient, world: World) -> None:
    body = {"clock": "closure_review", "priority": "P4", "minutes": MAX_TARGET_MINUTES}

    response = _call(world_client, world, "ADMIN", "PUT", "/sla/targets", body)

    assert response.status_code == 204, response.text
    assert _targets(world_client)[(ClockKind.CLOSURE_REVIEW, "P4", None)][0] == MAX_TARGET_MINUTES


@pytest.mark.parametrize(
    "overrides",
    [
        {"minutes": 0},
        {"minutes": -5},
        {"minutes": MAX_TARGET_MINUTES + 1},
        {"minutes": 10**30},
        {"minutes": "soon"},
        {"minutes": 1.5},
        {"category": "no_such_category"},
        {"category": ""},
        {"category": "x" * 41},
        {"clock": "coffee"},
        {"priority": "P9"},
        {"priority": "p1"},
        {"business_hours": "maybe"},
        {"extra": True},
    ],
)
def test_a_bad_target_is_refused_and_nothing_changes(
    world_client: TestClient, world: World, overrides: dict[str, Any]
) -> None:
    targets = _targets(world_client)
    before = _config_audit_count(world_client)
    body = {"clock": "acknowledge", "priority": "P1", "minutes": 20, **overrides}

    response = _call(world_client, world, "ADMIN", "PUT", "/sla/targets", body)

    _assert_422(response)
    assert _targets(world_client) == targets
    assert _config_audit_count(world_client) == before


@pytest.mark.parametrize("missing", ["clock", "priority", "minutes"])
def test_a_target_without_a_field_is_422(
    world_client: TestClient, world: World, missing: str
) -> None:
    body = {"clock": "acknowledge", "priority": "P1", "minutes": 20}
    del body[missing]

    _assert_422(_call(world_client, world, "ADMIN", "PUT", "/sla/targets", body))


# ---------------------------------------------------------------------------- calendars

HOURS = {"0": ["08:00", "18:00"], "1": ["08:00", "18:00"], "4": ["09:00", "13:00"]}


def test_a_region_calendar_is_set_then_changed(world_client: TestClient, world: World) -> None:
    capital = _region_id(world_client, "capital")
    before = _config_audit_count(world_client)

    response = _call(
        world_client, world, "ADMIN", "PUT", "/regions/capital/calendar",
        {"timezone": "Europe/Sofia", "hours": HOURS},
    )  # fmt: skip

    assert response.status_code == 204, response.text
    assert _calendars(world_client)[capital] == ("Europe/Sofia", HOURS)

    night = {"5": ["22:00", "06:00"]}  # spans midnight
    changed = _call(
        world_client, world, "ADMIN", "PUT", "/regions/capital/calendar",
        {"timezone": "Africa/Lagos", "hours": night},
    )  # fmt: skip

    assert changed.status_code == 204, changed.text
    calendars = _calendars(world_client)
    assert calendars[capital] == ("Africa/Lagos", night)
    assert list(calendars).count(capital) == 1
    assert _audit(world_client)[before:] == [(SLA, "region_calendar", "capital")] * 2


@pytest.mark.parametrize(
    ("region", "body"),
    [
        ("atlantis", {"timezone": "Europe/Sofia", "hours": HOURS}),
        ("capital", {"timezone": "Mars/Olympus", "hours": HOURS}),
        ("capital", {"timezone": "europe/sofia", "hours": HOURS}),
        ("capital", {"timezone": "../../etc/passwd", "hours": HOURS}),
        ("capital", {"timezone": "/etc/localtime", "hours": HOURS}),
        ("capital", {"timezone": "Europe/Sofia\x00", "hours": HOURS}),
        ("capital", {"timezone": "zone.tab", "hours": HOURS}),
        ("capital", {"timezone": "", "hours": HOURS}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"7": ["08:00", "18:00"]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"-1": ["08:00", "18:00"]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"mon": ["08:00", "18:00"]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"0": ["08:00"]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"0": []}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"0": ["08:00", "12:00", "18:00"]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"0": ["08:00", "08:00"]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"0": ["08:00", "25:00"]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"0": ["8am", "6pm"]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"0": [8, 18]}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": {"0": "08:00-18:00"}}),
        ("capital", {"timezone": "Europe/Sofia", "hours": [["08:00", "18:00"]]}),
        (
            "capital",
            {"timezone": "Europe/Sofia", "hours": {str(d): ["08:00", "18:00"] for d in range(8)}},
        ),
        ("capital", {"timezone": "Europe/Sofia"}),
        ("capital", {"hours": HOURS}),
        ("capital", {"timezone": "Europe/Sofia", "hours": HOURS, "extra": 1}),
    ],
)
def test_a_bad_calendar_is_refused_and_nothing_is_written(
    world_client: TestClient, world: World, region: str, body: dict[str, Any]
) -> None:
    before = _config_audit_count(world_client)

    response = _call(world_client, world, "ADMIN", "PUT", f"/regions/{region}/calendar", body)

    _assert_422(response)
    assert _calendars(world_client) == {}
    assert _config_audit_count(world_client) == before


@pytest.mark.parametrize("timezone", ["Europe", "America", "Etc"])
def test_a_time_zone_directory_is_refused(
    world_client: TestClient, world: World, timezone: str
) -> None:
    # "Europe" names a directory of the time zone database, not a time zone.
    response = _call(
        world_client, world, "ADMIN", "PUT", "/regions/capital/calendar",
        {"timezone": timezone, "hours": HOURS},
    )  # fmt: skip

    _assert_422(response)
    assert _calendars(world_client) == {}


def test_hours_with_a_time_zone_offset_are_refused(world_client: TestClient, world: World) -> None:
    # An offset on one end makes the pair incomparable (naive against aware) when a clock
    # later computes the region's business hours; the calendar has its time zone already.
    response = _call(
        world_client, world, "ADMIN", "PUT", "/regions/capital/calendar",
        {"timezone": "Europe/Sofia", "hours": {"0": ["08:00+02:00", "18:00"]}},
    )  # fmt: skip

    _assert_422(response)
    assert _calendars(world_client) == {}


# ---------------------------------------------------------------------------- holidays


def test_a_regional_and_a_national_holiday_are_added(
    world_client: TestClient, world: World
) -> None:
    capital = _region_id(world_client, "capital")
    before = _config_audit_count(world_client)

    regional = _call(
        world_client, world, "ADMIN", "POST", "/holidays",
        {"region": "capital", "day": "2026-12-24", "name": "Christmas Eve"},
    )  # fmt: skip
    national = _call(
        world_client, world, "ADMIN", "POST", "/holidays", {"day": "2027-01-01", "name": "New Year"}
    )
    blank = _call(
        world_client, world, "ADMIN", "POST", "/holidays",
        {"region": None, "day": "2027-03-03", "name": "   "},
    )  # fmt: skip

    for response in (regional, national, blank):
        assert response.status_code == 201, response.text
    ids = [r.json()["id"] for r in (regional, national, blank)]
    assert all(isinstance(i, int) for i in ids)
    assert len(set(ids)) == 3
    holidays = {h[0]: h[1:] for h in _holidays(world_client)}
    assert holidays[ids[0]] == (capital, dt.date(2026, 12, 24), "Christmas Eve")
    assert holidays[ids[1]] == (None, dt.date(2027, 1, 1), "New Year")
    assert holidays[ids[2]] == (None, dt.date(2027, 3, 3), "holiday")
    assert _audit(world_client)[before:] == [(SLA, "holiday", str(i)) for i in ids]


@pytest.mark.parametrize(
    "body",
    [
        {"region": "atlantis", "day": "2026-12-24", "name": "Christmas Eve"},
        {"region": "", "day": "2026-12-24", "name": "Christmas Eve"},
        {"region": "capital", "day": "2026-02-30", "name": "Nope"},
        {"region": "capital", "day": "24/12/2026", "name": "Christmas Eve"},
        {"region": "capital", "day": "2026-12-24", "name": ""},
        {"region": "capital", "day": "2026-12-24", "name": "x" * 121},
        {"region": "capital", "name": "Christmas Eve"},
        {"region": "capital", "day": "2026-12-24"},
        {"region": "capital", "day": "2026-12-24", "name": "Eve", "extra": 1},
    ],
)
def test_a_bad_holiday_is_refused_and_nothing_is_written(
    world_client: TestClient, world: World, body: dict[str, Any]
) -> None:
    holidays = _holidays(world_client)
    before = _config_audit_count(world_client)

    response = _call(world_client, world, "ADMIN", "POST", "/holidays", body)

    _assert_422(response)
    assert _holidays(world_client) == holidays
    assert _config_audit_count(world_client) == before


# ---------------------------------------------------------------------------- who may do what

Request = tuple[str, str, Any, int]


def _rota_requests(world: World, client: TestClient) -> dict[str, Callable[[], Request]]:
    user = world.users["CW_TEAM"]

    def end() -> Request:
        created = _call(client, world, "ADMIN", "POST", "/shifts", _shift_body(world))
        assert created.status_code == 201, created.text
        return "POST", f"/shifts/{created.json()['id']}/end", None, 204

    return {
        "languages": lambda: ("PUT", f"/users/{user}/languages", {"languages": ["en"]}, 204),
        "phone": lambda: ("PUT", f"/users/{user}/phone", {"phone": PHONE}, 204),
        "shift": lambda: ("POST", "/shifts", _shift_body(world), 201),
        "on_call": lambda: ("POST", "/shifts", _shift_body(world, on_call=True), 201),
        "end": end,
    }


def _config_requests() -> dict[str, Callable[[], Request]]:
    return {
        "targets": lambda: ("GET", "/sla/targets", None, 200),
        "target": lambda: (
            "PUT",
            "/sla/targets",
            {"clock": "acknowledge", "priority": "P1", "minutes": 20},
            204,
        ),
        "calendar": lambda: (
            "PUT",
            "/regions/capital/calendar",
            {"timezone": "Europe/Sofia", "hours": HOURS},
            204,
        ),
        "holiday": lambda: ("POST", "/holidays", {"day": "2026-12-24", "name": "Eve"}, 201),
    }


ROTA = ("languages", "phone", "shift", "on_call", "end")
CONFIG = ("targets", "target", "calendar", "holiday")
ROLE_MATRIX = (
    [(who, what, False) for who in CASEWORKERS + OUTSIDERS for what in ROTA + CONFIG]
    # Supervisors plan the rota of the regions they cover: the shifts here are in the capital,
    # so the north's supervisor may not (but may set languages and phones).
    + [
        (who, what, who != "SV_OTHER" or what not in {"shift", "on_call", "end"})
        for who in SUPERVISORS
        for what in ROTA
    ]
    + [(who, what, False) for who in SUPERVISORS for what in CONFIG]
    + [("ADMIN", what, True) for what in ROTA + CONFIG]
)


@pytest.mark.parametrize(("who", "what", "may"), ROLE_MATRIX)
def test_who_may_change_routing_and_sla_configuration(
    world_client: TestClient, world: World, who: str, what: str, may: bool
) -> None:
    requests = {**_rota_requests(world, world_client), **_config_requests()}
    method, path, body, success = requests[what]()
    before = _config_audit_count(world_client)
    targets, calendars, holidays = (
        _targets(world_client),
        _calendars(world_client),
        _holidays(world_client),
    )
    languages = _languages(world_client, world.users["CW_TEAM"])
    shifts = _shift_rows(world_client, world.users["CW_TEAM"])

    response = _call(world_client, world, who, method, path, body)

    if may:
        assert response.status_code == success, response.text
        if method != "GET":
            assert len(_audit(world_client)) == before + 1
        return
    assert response.status_code == 403, response.text
    assert "error" in response.json()
    assert _config_audit_count(world_client) == before
    assert _targets(world_client) == targets
    assert _calendars(world_client) == calendars
    assert _holidays(world_client) == holidays
    assert _languages(world_client, world.users["CW_TEAM"]) == languages
    assert _shift_rows(world_client, world.users["CW_TEAM"]) == shifts
    assert _phone_ct(world_client, world.users["CW_TEAM"]) is None


@pytest.mark.parametrize("what", ROTA + CONFIG)
def test_without_a_session_nothing_is_allowed(
    world_client: TestClient, world: World, what: str
) -> None:
    requests = {**_rota_requests(world, world_client), **_config_requests()}
    method, path, body, _ = requests[what]()
    before = _config_audit_count(world_client)

    response = world_client.request(method, f"{BASE}{path}", json=body)

    assert response.status_code in {401, 403}, response.text
    assert _config_audit_count(world_client) == before


# ---------------------------------------------------------------------------- end to end


def _submit(client: TestClient) -> uuid.UUID | None:
    response = client.post(
        "/api/v1/reports",
        json=app_payload(school="capital-001", category="bullying", language="en"),
    )
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]
    return _read(  # type: ignore[no-any-return]
        client,
        lambda s: s.scalars(select(Case).where(Case.reference == reference)).one().assigned_to_id,
    )


def test_a_report_goes_to_the_caseworker_put_on_shift_through_the_api(
    world_client: TestClient, world: World
) -> None:
    user = world.users["CW_TEAM"]
    assert _submit(world_client) is None  # nobody on shift yet

    languages = _call(
        world_client, world, "ADMIN", "PUT", f"/users/{user}/languages", {"languages": ["en", "fr"]}
    )
    shift = _call(world_client, world, "ADMIN", "POST", "/shifts", _shift_body(world))
    assert languages.status_code == 204, languages.text
    assert shift.status_code == 201, shift.text

    assert _submit(world_client) == user

    ended = _call(world_client, world, "ADMIN", "POST", f"/shifts/{shift.json()['id']}/end")
    assert ended.status_code == 204, ended.text

    assert _submit(world_client) is None  # off shift now


def test_a_report_in_another_language_is_not_routed_to_the_caseworker(
    world_client: TestClient, world: World
) -> None:
    user = world.users["CW_TEAM"]
    _call(world_client, world, "ADMIN", "PUT", f"/users/{user}/languages", {"languages": ["fr"]})
    _call(world_client, world, "ADMIN", "POST", "/shifts", _shift_body(world))

    assert _submit(world_client) is None


def test_an_on_call_turn_does_not_take_cases(world_client: TestClient, world: World) -> None:
    user = world.users["CW_TEAM"]
    _call(world_client, world, "ADMIN", "PUT", f"/users/{user}/languages", {"languages": ["en"]})
    _call(world_client, world, "ADMIN", "POST", "/shifts", _shift_body(world, on_call=True))

    assert _submit(world_client) is None


def test_a_shift_in_a_far_year_is_refused(world_client: TestClient, world: World) -> None:
    body = {
        "user_id": str(world.users["CW_TEAM"]),
        "region": "capital",
        "starts_at": "9999-12-31T20:00:00-05:00",
        "ends_at": "9999-12-31T23:00:00-05:00",
    }
    response = _call(world_client, world, "ADMIN", "POST", "/shifts", body)
    _assert_422(response)


def test_changing_a_target_rebuilds_the_clocks_of_open_cases(
    world_client: TestClient, world: World
) -> None:
    db = world_client.app.state.db  # type: ignore[attr-defined]

    def settle(s: Any) -> None:
        for case in s.scalars(select(Case)):
            case.sla_seq = case.last_event_seq

    db.run(settle, write=True)
    body = {"clock": "acknowledge", "priority": "P3", "minutes": 30, "business_hours": False}
    assert _call(world_client, world, "ADMIN", "PUT", "/sla/targets", body).status_code == 204

    stale = db.run(
        lambda s: list(s.scalars(select(Case.id).where(Case.sla_seq < Case.last_event_seq))),
        write=False,
    )
    assert set(stale) == set(world.cases.values())
