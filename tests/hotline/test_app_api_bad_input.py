"""Bad input to the app API: always a clear 4xx in the one error shape, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.intake.models import Report
from hotline.app import create_app
from hotline.runtime.database import Database, make_engine
from hotline.settings import Settings
from tests.factories.reports import app_payload
from tests.helpers import count

URL = "/api/v1/reports"


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"]
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


def _fields(error: dict[str, Any]) -> set[str]:
    return {d["field"] for d in error.get("details", [])}


def test_malformed_json_is_a_400(client: TestClient, db: Database) -> None:
    response = client.post(
        URL, content=b'{"category": "bullying",', headers={"content-type": "application/json"}
    )

    assert _error(response, 400)["code"] == "malformed_json"
    assert count(db, Report) == 0


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
def test_a_body_that_is_not_an_object_is_a_422(client: TestClient, body: bytes) -> None:
    response = client.post(URL, content=body, headers={"content-type": "application/json"})

    assert _error(response, 422)["code"] == "invalid_body"


@pytest.mark.parametrize("body", [b"\xff\xfe{}", b'{"category": "\xc3"}'])
def test_a_body_that_is_not_utf8_is_a_4xx(client: TestClient, db: Database, body: bytes) -> None:
    response = client.post(URL, content=body, headers={"content-type": "application/json"})

    assert 400 <= response.status_code < 500
    assert _error(response, response.status_code)
    assert count(db, Report) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"narrative": 123}, "narrative"),
        ({"narrative": ["a"]}, "narrative"),
        ({"child_age": "12"}, "child_age"),
        ({"child_age": 12.5}, "child_age"),
        ({"child_age": True}, "child_age"),
        ({"child_age": 0}, "child_age"),
        ({"child_age": 99}, "child_age"),
        ({"immediate_danger": "maybe"}, "immediate_danger"),
        ({"language": "xx"}, "language"),
        ({"category": "Bullying!"}, "category"),
        ({"school": {"code": "x"}}, "school"),
        ({"contact": "sms"}, "contact"),
        ({"contact": {"method": "carrier-pigeon"}}, "contact.method"),
        ({"reporter": "alien"}, "reporter"),
        ({"narrative": "x" * 5001}, "narrative"),
        ({"place": "p" * 201}, "place"),
        ({"narrative": "before\u0000after"}, "narrative"),  # PostgreSQL refuses NUL in text
        ({"place": "at\u0000school"}, "place"),
        ({"narrative": "bell\u0007"}, "narrative"),
        ({"contact": {"method": "sms", "phone": "+359\u0000888"}}, "contact.phone"),
    ],
)
def test_wrong_types_and_values_name_the_field(
    client: TestClient, db: Database, change: dict[str, Any], field: str
) -> None:
    error = _error(client.post(URL, json=app_payload(**change)), 422)

    assert error["code"] == "validation_failed"
    assert field in _fields(error)
    assert count(db, Report) == 0


def test_unknown_fields_are_refused_and_named(client: TestClient) -> None:
    error = _error(client.post(URL, json=app_payload(favourite_colour="blue")), 422)

    assert "favourite_colour" in _fields(error)


def test_missing_required_fields_are_named(client: TestClient) -> None:
    error = _error(client.post(URL, json={}), 422)

    assert {"category", "narrative"} <= _fields(error)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "alien_abduction"}, "category"),
        ({"school": "no-such-school"}, "school"),
        ({"region": "atlantis"}, "region"),
        ({"region": "north", "school": "capital-001"}, "school"),
        ({"narrative": "   \n  "}, "narrative"),
        ({"contact": {"method": "sms"}}, "contact_phone"),
        ({"contact": {"method": "sms", "phone": "12"}}, "contact_phone"),
        ({"contact": {"method": "sms", "phone": "not a phone"}}, "contact_phone"),
        ({"contact": {"method": "follow_up_only", "phone": "+359888123456"}}, "contact_phone"),
    ],
)
def test_values_checked_against_data_name_the_field(
    client: TestClient, db: Database, change: dict[str, Any], field: str
) -> None:
    error = _error(client.post(URL, json=app_payload(**change)), 422)

    assert _fields(error) == {field}
    assert count(db, Report) == 0


def test_error_messages_do_not_echo_what_was_sent(client: TestClient) -> None:
    secret_phone = "+44 7911 654 321x"
    response = client.post(URL, json=app_payload(contact={"method": "sms", "phone": secret_phone}))

    assert response.status_code == 422
    assert "7911" not in response.text
    assert "654" not in response.text


def test_oversized_body_by_content_length_is_a_413(client: TestClient, db: Database) -> None:
    big = app_payload(narrative="x" * 200_000)
    response = client.post(URL, json=big)

    assert _error(response, 413)["code"] == "body_too_large"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert count(db, Report) == 0


def test_oversized_chunked_body_is_a_413(client: TestClient, db: Database) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while streaming
        yield b'{"category": "bullying", "narrative": "'
        for _ in range(200):
            yield b"y" * 1024
        yield b'"}'

    response = client.post(URL, content=chunks(), headers={"content-type": "application/json"})

    assert _error(response, 413)["code"] == "body_too_large"
    assert count(db, Report) == 0


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_body_that_is_not_json_is_a_415(client: TestClient, ctype: str) -> None:
    headers = {"content-type": ctype} if ctype else {}
    response = client.post(URL, content=b"category=bullying", headers=headers)

    assert _error(response, 415)["code"] == "unsupported_media_type"


def test_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    assert _error(client.get("/api/v1/nothing-here"), 404)["code"] == "not_found"


def test_wrong_method_is_a_json_405(client: TestClient) -> None:
    assert _error(client.get(URL), 405)["code"] == "method_not_allowed"


def test_longest_narrative_in_the_widest_characters_fits(client: TestClient) -> None:
    narrative = "\U0001f622" * 5000  # 5,000 emoji: 4 bytes each, 12 characters escaped
    response = client.post(
        URL,
        content=json.dumps(app_payload(narrative=narrative)).encode(),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 201, response.text


def test_database_outage_is_a_503_that_invites_a_retry(settings: Settings) -> None:
    engine = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", pool_size=1, max_overflow=0
    )
    with TestClient(create_app(settings, database=Database(engine))) as offline:
        response = offline.post(URL, json=app_payload())

    assert _error(response, 503)["code"] == "temporarily_unavailable"
    assert response.headers["retry-after"]


def test_nothing_a_reporter_sends_reaches_the_logs(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    narrative = "Zebra-unique-words: Mr Kowalski hit me"
    client.post(
        URL,
        json=app_payload(narrative=narrative, contact={"method": "sms", "phone": "+359888123456"}),
    )
    client.post(URL, json=app_payload(narrative=narrative, child_age="eleven"))

    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "Zebra-unique-words" not in logged
    assert "888123456" not in logged
    assert "testclient" not in logged  # the client address
