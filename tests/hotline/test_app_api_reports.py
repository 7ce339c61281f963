"""POST /api/v1/reports: the smartphone app's intake, on both databases."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from casework.cases.models import Case
from casework.enums import CaseEventKind, CaseStatus, Channel, Priority
from casework.followup import codes
from casework.followup.models import FollowUpCredential
from casework.intake.models import IntakeItem, Report
from casework.protection.keys import Keyring
from hotline.runtime.database import Database
from tests.factories.reports import app_payload, idempotency_key
from tests.helpers import case_with_reports, content, count

URL = "/api/v1/reports"
REFERENCE = re.compile(r"^HX-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$")
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_report_is_accepted_and_opens_a_triaged_case(
    client: TestClient, db: Database, keyring: Keyring
) -> None:
    response = client.post(URL, json=app_payload())

    assert response.status_code == 201, response.text
    body = response.json()
    assert REFERENCE.match(body["reference"])
    assert CODE.match(body["follow_up_code"])
    assert body["status"] == "received"
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers

    case, reports, events = case_with_reports(db, body["reference"])
    assert case.status is CaseStatus.NEW
    assert case.priority is Priority.P2  # corporal punishment: an adult in authority
    assert [r.channel for r in reports] == [Channel.APP]
    report = reports[0]
    assert content(db, keyring, report).narrative == app_payload()["narrative"]
    assert app_payload()["narrative"].encode() not in report.narrative_ct
    assert report.child_age == 11
    assert report.region_id is not None  # taken from the school
    assert [e.kind for e in events] == [
        CaseEventKind.OPENED,
        CaseEventKind.REPORT_RECEIVED,
        CaseEventKind.PRIORITY_ASSESSED,
        CaseEventKind.ASSIGNED,  # routed: nobody on shift, so to the team queue
    ]
    assert events[3].data == {"assignee": None, "team": None, "by": "routing"}
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[2].data["factors"] == ["authority:implied"]


def test_follow_up_code_is_stored_only_as_an_argon2id_hash(
    client: TestClient, db: Database
) -> None:
    body = client.post(URL, json=app_payload()).json()
    stored = db.run(lambda s: s.query(FollowUpCredential).one(), write=False)

    assert stored.code_hash.startswith("$argon2id$")
    assert body["follow_up_code"] not in stored.code_hash
    assert codes.verify_code(stored.code_hash, body["follow_up_code"])


def test_immediate_danger_makes_the_case_p1(client: TestClient, db: Database) -> None:
    body = client.post(URL, json=app_payload(category="bullying", immediate_danger="yes")).json()

    case, _, events = case_with_reports(db, body["reference"])
    assert case.priority is Priority.P1
    assert events[2].data["factors"][0] == "immediate_danger"


def test_minimal_report_needs_only_category_and_narrative(client: TestClient, db: Database) -> None:
    response = client.post(URL, json={"category": "other", "narrative": "Something bad."})

    assert response.status_code == 201, response.text
    case, reports, _ = case_with_reports(db, response.json()["reference"])
    assert case.priority is Priority.P3
    assert reports[0].language == "en"
    assert reports[0].phone_ct is None
    assert reports[0].phone_index is None


def test_sms_contact_phone_is_normalised_to_e164(
    client: TestClient, db: Database, keyring: Keyring
) -> None:
    payload = app_payload(contact={"method": "sms", "phone": "+359 88 812 3456"})
    body = client.post(URL, json=payload).json()

    _, reports, _ = case_with_reports(db, body["reference"])
    assert content(db, keyring, reports[0]).contact_phone == "+359888123456"
    assert reports[0].phone_index is not None


class TestIdempotency:
    def test_same_key_and_body_returns_the_same_receipt_and_one_report(
        self, client: TestClient, db: Database
    ) -> None:
        key = idempotency_key()
        first = client.post(URL, json=app_payload(), headers={"Idempotency-Key": key})
        second = client.post(URL, json=app_payload(), headers={"Idempotency-Key": key})

        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert count(db, Report) == 1
        assert count(db, Case) == 1

    def test_key_is_stored_only_as_a_hash(self, client: TestClient, db: Database) -> None:
        key = idempotency_key()
        client.post(URL, json=app_payload(), headers={"Idempotency-Key": key})
        record = db.run(lambda s: s.query(IntakeItem).one(), write=False)

        assert key not in record.key_hash
        assert len(record.key_hash) == 64

    def test_same_key_with_a_different_body_is_refused(
        self, client: TestClient, db: Database
    ) -> None:
        key = idempotency_key()
        client.post(URL, json=app_payload(), headers={"Idempotency-Key": key})
        response = client.post(
            URL, json=app_payload(narrative="A different story."), headers={"Idempotency-Key": key}
        )

        assert response.status_code == 422
        assert response.json()["error"]["code"] == "idempotency_key_reused"
        assert count(db, Report) == 1

    def test_json_formatting_does_not_matter(self, client: TestClient, db: Database) -> None:
        key = idempotency_key()
        payload = app_payload()
        reordered = dict(reversed(list(payload.items())))
        first = client.post(URL, json=payload, headers={"Idempotency-Key": key})
        second = client.post(URL, json=reordered, headers={"Idempotency-Key": key})

        assert first.json() == second.json()
        assert count(db, Report) == 1

    def test_different_keys_make_different_reports(self, client: TestClient, db: Database) -> None:
        a = client.post(URL, json=app_payload(), headers={"Idempotency-Key": idempotency_key()})
        b = client.post(URL, json=app_payload(), headers={"Idempotency-Key": idempotency_key()})

        assert a.json()["reference"] != b.json()["reference"]
        assert count(db, Report) == 2

    @pytest.mark.parametrize(
        "key", [b"short", b"x" * 129, b"has spaces in it ok?", "ümlaut-key-123456".encode()]
    )
    def test_malformed_key_is_a_400(self, client: TestClient, db: Database, key: bytes) -> None:
        response = client.post(URL, json=app_payload(), headers=[(b"Idempotency-Key", key)])

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_idempotency_key"
        assert count(db, Report) == 0

    def test_a_failed_submission_does_not_burn_the_key(
        self, client: TestClient, db: Database
    ) -> None:
        key = idempotency_key()
        bad = client.post(URL, json=app_payload(category="nope"), headers={"Idempotency-Key": key})
        good = client.post(URL, json=app_payload(), headers={"Idempotency-Key": key})

        assert bad.status_code == 422
        assert good.status_code == 201
        assert count(db, Report) == 1
