"""Follow-up with reference and code: status, and wrong attempts slowed then locked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.clock import FixedClock
from casework.followup import policy
from casework.followup.inbox import post_to_inbox
from casework.followup.models import FollowUpThrottle
from casework.followup.service import purge_stale_throttles
from casework.protection.keys import Keyring
from hotline.runtime.database import Database
from tests.factories.reports import app_payload
from tests.helpers import count

URL = "/api/v1/follow-up"
UNKNOWN_REFERENCE = "HX-ZZZZ-ZZZ"


@pytest.fixture
def receipt(client: TestClient) -> dict[str, str]:
    response = client.post("/api/v1/reports", json=app_payload())
    assert response.status_code == 201
    body: dict[str, str] = response.json()
    return body


def _check(client: TestClient, reference: str, code: str) -> Any:
    return client.post(URL, json={"reference": reference, "code": code})


def _wrong(code: str) -> str:
    return ("0" if code[0] != "0" else "1") + code[1:]


def test_right_code_shows_a_simple_status(client: TestClient, receipt: dict[str, str]) -> None:
    response = _check(client, receipt["reference"], receipt["follow_up_code"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reference"] == receipt["reference"]
    assert body["status"] == "received"
    assert body["message"]
    assert set(body) == {"reference", "status", "message", "updated_on", "messages"}
    assert body["messages"] == []
    assert response.headers["cache-control"] == "no-store"


def test_the_app_reads_what_the_team_wrote_back(
    client: TestClient, receipt: dict[str, str], db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    def reply(s: Session) -> None:
        case = s.scalars(select(Case).where(Case.reference == receipt["reference"])).one()
        post_to_inbox(s, keyring=keyring, case=case, body="We read your report.", now=clock.now())

    db.run(reply, write=True)

    body = _check(client, receipt["reference"], receipt["follow_up_code"]).json()
    assert [m["body"] for m in body["messages"]] == ["We read your report."]
    # The wrong code reads nothing.
    assert (
        "messages"
        not in _check(client, receipt["reference"], _wrong(receipt["follow_up_code"])).json()
    )


def test_reference_and_code_are_read_forgivingly(
    client: TestClient, receipt: dict[str, str]
) -> None:
    reference = receipt["reference"].lower().replace("-", " ")
    code = receipt["follow_up_code"].replace("-", "").lower().replace("1", "l").replace("0", "o")

    assert _check(client, reference, code).status_code == 200


def test_wrong_code_and_unknown_reference_get_the_same_answer(
    client: TestClient, receipt: dict[str, str]
) -> None:
    wrong = _check(client, receipt["reference"], _wrong(receipt["follow_up_code"]))
    unknown = _check(client, UNKNOWN_REFERENCE, receipt["follow_up_code"])

    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json() == unknown.json()


def test_malformed_reference_is_a_422(client: TestClient) -> None:
    response = _check(client, "not a reference", "AAAA-BBBB-CCCC")

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "reference"


@pytest.mark.parametrize("body", [{}, {"reference": "HX-AAAA-AAA"}, {"reference": 1, "code": 2}])
def test_missing_or_wrong_typed_fields_are_a_422(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post(URL, json=body).status_code == 422


class TestLockout:
    def _fail(self, client: TestClient, reference: str, times: int) -> None:
        for _ in range(times):
            assert _check(client, reference, "0000-0000-0000").status_code == 403

    @pytest.mark.parametrize("known", [True, False], ids=["known-reference", "unknown-reference"])
    def test_attempts_are_slowed_then_locked_alike_for_known_and_unknown_references(
        self, client: TestClient, clock: FixedClock, receipt: dict[str, str], known: bool
    ) -> None:
        reference = receipt["reference"] if known else UNKNOWN_REFERENCE
        self._fail(client, reference, policy.FREE_ATTEMPTS)

        slowed = _check(client, reference, "0000-0000-0000")
        assert slowed.status_code == 429
        assert slowed.json()["error"]["code"] == "too_many_attempts"
        assert int(slowed.headers["retry-after"]) == policy.BASE_DELAY.total_seconds()

        # Keep guessing, waiting out each delay, until the lock.
        for _ in range(policy.LOCK_AFTER - policy.FREE_ATTEMPTS):
            clock.advance(policy.MAX_DELAY)
            assert _check(client, reference, "0000-0000-0000").status_code == 403
        locked = _check(client, reference, receipt["follow_up_code"])
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) == policy.LOCK_PERIOD.total_seconds()

        clock.advance(policy.LOCK_PERIOD - dt.timedelta(seconds=1))
        assert _check(client, reference, receipt["follow_up_code"]).status_code == 429
        clock.advance(dt.timedelta(seconds=1))
        expected = 200 if known else 403
        assert _check(client, reference, receipt["follow_up_code"]).status_code == expected

    def test_even_the_right_code_waits_while_slowed(
        self, client: TestClient, receipt: dict[str, str]
    ) -> None:
        self._fail(client, receipt["reference"], policy.FREE_ATTEMPTS)

        response = _check(client, receipt["reference"], receipt["follow_up_code"])

        assert response.status_code == 429

    def test_right_code_clears_the_streak(
        self, client: TestClient, clock: FixedClock, receipt: dict[str, str]
    ) -> None:
        self._fail(client, receipt["reference"], policy.FREE_ATTEMPTS - 1)
        assert _check(client, receipt["reference"], receipt["follow_up_code"]).status_code == 200

        self._fail(client, receipt["reference"], policy.FREE_ATTEMPTS)  # a full new allowance

    def test_one_reference_being_locked_does_not_lock_another(
        self, client: TestClient, receipt: dict[str, str]
    ) -> None:
        self._fail(client, UNKNOWN_REFERENCE, policy.FREE_ATTEMPTS)

        assert _check(client, receipt["reference"], receipt["follow_up_code"]).status_code == 200


def test_expired_attempt_counters_are_purged(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    for _ in range(2):
        _check(client, UNKNOWN_REFERENCE, "0000-0000-0000")
    assert db.run(lambda s: purge_stale_throttles(s, clock=clock), write=True) == 0

    clock.advance(policy.FORGET_AFTER)

    assert db.run(lambda s: purge_stale_throttles(s, clock=clock), write=True) == 1
    assert count(db, FollowUpThrottle) == 0
