"""Staff sign-in over the API: password then TOTP, enrolment, recovery codes, lockout, the same
answer for unknown names, sessions that idle out and expire, revocation, CSRF."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.clock import FixedClock
from casework.staff.models import Role
from casework.staff.totp import code_at
from hotline.app import create_app
from hotline.runtime.database import Database
from integrations.keys.local import LocalKeyFile
from tests.factories.staff import PASSWORD, Staff, bearer, make_staff, staff_settings

LOGIN = "/api/staff/v1/auth/login"


@pytest.fixture
def staff_client(
    tmp_path: Path, db: Database, clock: FixedClock, places: None, keys: LocalKeyFile
) -> Iterator[TestClient]:
    app = create_app(staff_settings(tmp_path), database=db, clock=clock, keys=keys)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def amina(db: Database, keyring, clock: FixedClock) -> Staff:  # type: ignore[no-untyped-def]
    return db.run(
        lambda s: make_staff(s, keyring, username="amina", role=Role.CASEWORKER, now=clock.now()),
        write=True,
    )


@pytest.fixture
def admin(db: Database, keyring, clock: FixedClock) -> Staff:  # type: ignore[no-untyped-def]
    return db.run(
        lambda s: make_staff(s, keyring, username="boss", role=Role.ADMINISTRATOR, now=clock.now()),
        write=True,
    )


def _login(client: TestClient, username: str, password: str) -> object:
    return client.post(LOGIN, json={"username": username, "password": password})


def _sign_in(client: TestClient, staff: Staff, clock: FixedClock) -> dict[str, str]:
    step = _login(client, staff.username, staff.password).json()  # type: ignore[attr-defined]
    assert step["stage"] == "mfa"
    assert staff.totp_secret
    done = client.post(
        "/api/staff/v1/auth/mfa",
        json={"token": step["token"], "code": code_at(staff.totp_secret, clock.now())},
    )
    assert done.status_code == 200, done.text
    body: dict[str, str] = done.json()
    return body


def _actions(db: Database) -> list[str]:
    return db.run(
        lambda s: list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.occurred_at))),
        write=False,
    )


def test_password_then_totp_signs_in_with_a_strict_cookie_and_a_bearer_token(
    staff_client: TestClient, amina: Staff, clock: FixedClock, db: Database
) -> None:
    step = staff_client.post(LOGIN, json={"username": "Amina", "password": PASSWORD})
    assert step.status_code == 200
    assert step.json()["stage"] == "mfa"
    # The pending token opens nothing yet.
    assert (
        staff_client.get("/api/staff/v1/me", headers=bearer(step.json()["token"])).status_code
        == 401
    )

    done = staff_client.post(
        "/api/staff/v1/auth/mfa",
        json={"token": step.json()["token"], "code": code_at(amina.totp_secret or "", clock.now())},
    )

    assert done.status_code == 200
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # development only; production sets Secure
    token = done.json()["token"]
    assert len(token) >= 43  # 256 random bits
    assert token != step.json()["token"]  # a new token once signed in
    me = staff_client.get("/api/staff/v1/me", headers=bearer(token))
    assert me.json()["username"] == "amina"
    assert {"staff.password_accepted", "staff.signed_in"} <= set(_actions(db))


def test_the_same_answer_whether_or_not_the_account_exists(
    staff_client: TestClient, amina: Staff
) -> None:
    wrong = _login(staff_client, "amina", "not the password at all")
    unknown = _login(staff_client, "nobody-here", "not the password at all")

    assert wrong.status_code == unknown.status_code == 401  # type: ignore[attr-defined]
    assert wrong.json() == unknown.json()  # type: ignore[attr-defined]


def test_a_lockout_after_repeated_failures_for_known_and_unknown_names_alike(
    staff_client: TestClient, amina: Staff
) -> None:
    for _ in range(5):  # the test settings lock after 5
        assert _login(staff_client, "amina", "wrong password 123").status_code == 401  # type: ignore[attr-defined]
        assert _login(staff_client, "ghost", "wrong password 123").status_code == 401  # type: ignore[attr-defined]

    locked = _login(staff_client, "amina", PASSWORD)  # even the right password, now
    ghost = _login(staff_client, "ghost", PASSWORD)

    assert locked.status_code == ghost.status_code == 429  # type: ignore[attr-defined]
    assert locked.json() == ghost.json()  # type: ignore[attr-defined]
    assert int(locked.headers["retry-after"]) > 0  # type: ignore[attr-defined]


def test_the_lock_lifts_after_its_time(
    staff_client: TestClient, amina: Staff, clock: FixedClock
) -> None:
    for _ in range(5):
        _login(staff_client, "amina", "wrong password 123")
    assert _login(staff_client, "amina", PASSWORD).status_code == 429  # type: ignore[attr-defined]

    clock.advance(dt.timedelta(minutes=16))

    assert _login(staff_client, "amina", PASSWORD).status_code == 200  # type: ignore[attr-defined]


def test_a_totp_code_is_refused_the_second_time(
    staff_client: TestClient, amina: Staff, clock: FixedClock
) -> None:
    code = code_at(amina.totp_secret or "", clock.now())
    first = _login(staff_client, "amina", PASSWORD).json()  # type: ignore[attr-defined]
    assert (
        staff_client.post(
            "/api/staff/v1/auth/mfa", json={"token": first["token"], "code": code}
        ).status_code
        == 200
    )

    again = _login(staff_client, "amina", PASSWORD).json()  # type: ignore[attr-defined]
    replay = staff_client.post(
        "/api/staff/v1/auth/mfa", json={"token": again["token"], "code": code}
    )

    assert replay.status_code == 401
    clock.advance(dt.timedelta(seconds=30))  # the next code works
    fresh = code_at(amina.totp_secret or "", clock.now())
    assert (
        staff_client.post(
            "/api/staff/v1/auth/mfa", json={"token": again["token"], "code": fresh}
        ).status_code
        == 200
    )


def test_first_sign_in_enrols_totp_with_a_qr_code_and_recovery_codes_that_work_once(
    staff_client: TestClient,
    db: Database,
    keyring,
    clock: FixedClock,  # type: ignore[no-untyped-def]
) -> None:
    new = db.run(
        lambda s: make_staff(
            s, keyring, username="newbie", role=Role.CASEWORKER, now=clock.now(), enrolled=False
        ),
        write=True,
    )
    step = _login(staff_client, "newbie", PASSWORD).json()  # type: ignore[attr-defined]
    assert step["stage"] == "enrol"
    # Nothing but enrolment until then.
    assert (
        staff_client.post(
            "/api/staff/v1/auth/mfa", json={"token": step["token"], "code": "123456"}
        ).status_code
        == 401
    )

    enrolment = staff_client.post(
        "/api/staff/v1/auth/enrol/start", json={"token": step["token"]}
    ).json()
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/")
    assert enrolment["secret"] in enrolment["otpauth_uri"]
    assert enrolment["qr_svg"].startswith("<svg")
    wrong = staff_client.post(
        "/api/staff/v1/auth/enrol/confirm", json={"token": step["token"], "code": "000000"}
    )
    assert wrong.status_code == 401
    done = staff_client.post(
        "/api/staff/v1/auth/enrol/confirm",
        json={"token": step["token"], "code": code_at(enrolment["secret"], clock.now())},
    ).json()

    codes = done["recovery_codes"]
    assert len(codes) == 10
    assert all(re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", c) for c in codes)
    clock.advance(dt.timedelta(minutes=1))
    later = _login(staff_client, "newbie", PASSWORD).json()  # type: ignore[attr-defined]
    assert later["stage"] == "mfa"
    used = staff_client.post(
        "/api/staff/v1/auth/recovery", json={"token": later["token"], "code": codes[0].lower()}
    )
    assert used.status_code == 200
    again = _login(staff_client, "newbie", PASSWORD).json()  # type: ignore[attr-defined]
    reused = staff_client.post(
        "/api/staff/v1/auth/recovery", json={"token": again["token"], "code": codes[0]}
    )
    assert reused.status_code == 401
    assert new.username == "newbie"


def test_sessions_idle_out_and_end_at_their_absolute_lifetime(
    staff_client: TestClient, amina: Staff, clock: FixedClock
) -> None:
    token = _sign_in(staff_client, amina, clock)["token"]
    clock.advance(dt.timedelta(minutes=31))
    assert staff_client.get("/api/staff/v1/me", headers=bearer(token)).status_code == 401

    clock.advance(dt.timedelta(minutes=1))
    token = _sign_in(staff_client, amina, clock)["token"]
    for _ in range(12 * 3):  # busy all day: never idle for 30 minutes
        clock.advance(dt.timedelta(minutes=20))
        status = staff_client.get("/api/staff/v1/me", headers=bearer(token)).status_code
        if status == 401:
            break
    assert status == 401
    assert clock.now() - dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC) >= dt.timedelta(hours=12)


def test_a_password_change_ends_every_session(
    staff_client: TestClient, amina: Staff, clock: FixedClock, db: Database
) -> None:
    first = _sign_in(staff_client, amina, clock)["token"]
    clock.advance(dt.timedelta(seconds=31))
    second = _sign_in(staff_client, amina, clock)["token"]

    weak = staff_client.post(
        "/api/staff/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "password1234"},
        headers=bearer(first),
    )
    assert weak.status_code == 422  # a common password is refused
    changed = staff_client.post(
        "/api/staff/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "violet tractor under moonlight"},
        headers=bearer(first),
    )

    assert changed.status_code == 204
    assert staff_client.get("/api/staff/v1/me", headers=bearer(first)).status_code == 401
    assert staff_client.get("/api/staff/v1/me", headers=bearer(second)).status_code == 401
    assert "staff.password_changed" in _actions(db)


def test_a_cookie_session_needs_its_csrf_token_to_change_anything(
    staff_client: TestClient, amina: Staff, clock: FixedClock
) -> None:
    signed_in = _sign_in(staff_client, amina, clock)  # the client now holds the cookie

    refused = staff_client.post("/api/staff/v1/auth/logout")
    forged = staff_client.post("/api/staff/v1/auth/logout", headers={"X-CSRF-Token": "0" * 64})
    assert refused.status_code == forged.status_code == 403
    assert staff_client.get("/api/staff/v1/me").status_code == 200  # reading needs no token

    done = staff_client.post(
        "/api/staff/v1/auth/logout", headers={"X-CSRF-Token": signed_in["csrf_token"]}
    )
    assert done.status_code == 204
    assert (
        staff_client.get("/api/staff/v1/me", headers=bearer(signed_in["token"])).status_code == 401
    )


def test_role_change_and_mfa_reset_by_an_administrator_end_the_sessions(
    staff_client: TestClient, amina: Staff, admin: Staff, clock: FixedClock, db: Database
) -> None:
    admin_token = _sign_in(staff_client, admin, clock)["token"]
    token = _sign_in(staff_client, amina, clock)["token"]

    role = staff_client.post(
        f"/api/staff/v1/users/{amina.id}/role",
        json={"role": "supervisor"},
        headers=bearer(admin_token),
    )
    assert role.status_code == 204
    assert staff_client.get("/api/staff/v1/me", headers=bearer(token)).status_code == 401

    clock.advance(dt.timedelta(seconds=31))
    token = _sign_in(staff_client, amina, clock)["token"]
    reset = staff_client.post(
        f"/api/staff/v1/users/{amina.id}/reset-mfa", headers=bearer(admin_token)
    )
    assert reset.status_code == 204
    assert staff_client.get("/api/staff/v1/me", headers=bearer(token)).status_code == 401
    assert _login(staff_client, "amina", PASSWORD).json()["stage"] == "enrol"  # type: ignore[attr-defined]
    assert {"staff.role_changed", "staff.mfa_reset"} <= set(_actions(db))


def test_only_administrators_manage_users_and_new_passwords_must_be_strong(
    staff_client: TestClient, amina: Staff, admin: Staff, clock: FixedClock
) -> None:
    caseworker = _sign_in(staff_client, amina, clock)["token"]
    boss = _sign_in(staff_client, admin, clock)["token"]
    new = {
        "username": "zoe",
        "display_name": "Zoe",
        "role": "caseworker",
        "password": "qwertyuiop123",
    }

    assert (
        staff_client.post("/api/staff/v1/users", json=new, headers=bearer(caseworker)).status_code
        == 403
    )
    common = staff_client.post("/api/staff/v1/users", json=new, headers=bearer(boss))
    assert common.status_code == 422
    assert common.json()["error"]["details"][0]["field"] == "password"
    short = staff_client.post(
        "/api/staff/v1/users", json={**new, "password": "Xy7!short"}, headers=bearer(boss)
    )
    assert short.status_code == 422
    ok = staff_client.post(
        "/api/staff/v1/users",
        json={**new, "password": "amber falcon river 1987"},
        headers=bearer(boss),
    )
    assert ok.status_code == 201
    assert ok.json()["mfa_enrolled"] is False


def test_every_sign_in_event_is_audited(
    staff_client: TestClient, amina: Staff, clock: FixedClock, db: Database
) -> None:
    _login(staff_client, "amina", "wrong password 123")
    step = _login(staff_client, "amina", PASSWORD).json()  # type: ignore[attr-defined]
    staff_client.post("/api/staff/v1/auth/mfa", json={"token": step["token"], "code": "000000"})
    for _ in range(5):
        _login(staff_client, "amina", "wrong password 123")
    _login(staff_client, "amina", PASSWORD)

    actions = _actions(db)
    for action in (
        "staff.login_failed",
        "staff.password_accepted",
        "staff.mfa_failed",
        "staff.login_locked",
    ):
        assert action in actions


def test_guessing_the_code_locks_even_when_the_password_is_known(
    staff_client: TestClient, amina: Staff
) -> None:
    answers = []
    for _ in range(7):  # a fresh sign-in each time must not reset the count of wrong codes
        step = _login(staff_client, "amina", PASSWORD)
        if step.status_code != 200:  # type: ignore[attr-defined]
            answers.append(step.status_code)  # type: ignore[attr-defined]
            continue
        token = step.json()["token"]  # type: ignore[attr-defined]
        guess = staff_client.post("/api/staff/v1/auth/mfa", json={"token": token, "code": "000000"})
        answers.append(guess.status_code)

    assert answers[:5] == [401] * 5
    assert 429 in answers[5:]


def test_odd_input_is_a_clear_4xx_never_a_500(
    staff_client: TestClient, amina: Staff, clock: FixedClock
) -> None:
    step = _login(staff_client, "amina", PASSWORD).json()  # type: ignore[attr-defined]
    arabic_digits = staff_client.post(
        "/api/staff/v1/auth/mfa", json={"token": step["token"], "code": "١٢٣٤٥٦"}
    )
    assert arabic_digits.status_code == 401
    assert _login(staff_client, "ami\x00na", PASSWORD).status_code == 422  # type: ignore[attr-defined]
    signed_in = _sign_in(staff_client, amina, clock)
    odd_csrf = staff_client.post(
        "/api/staff/v1/auth/logout", headers={b"X-CSRF-Token": "é".encode()}
    )
    assert odd_csrf.status_code == 403
    assert signed_in["csrf_token"]


def test_guessing_the_current_password_while_signed_in_is_throttled_and_audited(
    staff_client: TestClient, amina: Staff, clock: FixedClock, db: Database
) -> None:
    token = _sign_in(staff_client, amina, clock)["token"]
    answers = [
        staff_client.post(
            "/api/staff/v1/me/password",
            json={"current_password": f"guess number {n}", "new_password": "x" * 20},
            headers=bearer(token),
        ).status_code
        for n in range(6)
    ]

    assert answers == [401] * 5 + [429]
    assert _actions(db).count("staff.login_failed") == 5


def test_a_partner_user_needs_an_existing_partner(
    staff_client: TestClient, admin: Staff, clock: FixedClock
) -> None:
    boss = _sign_in(staff_client, admin, clock)["token"]
    made = staff_client.post(
        "/api/staff/v1/users",
        json={
            "username": "pat",
            "display_name": "Pat",
            "role": "partner",
            "password": "amber falcon river 1987",
            "partner_id": "0190f3c1-0000-7000-8000-000000000000",
        },
        headers=bearer(boss),
    )
    assert made.status_code == 422


def test_an_unknown_name_costs_the_same_as_a_wrong_password_request_after_request(
    tmp_path: Path,
) -> None:
    # Each request reads the costs from the settings afresh, as the login route does.
    settings = staff_settings(
        tmp_path, password_hash_time_cost=2, password_hash_memory_kib=19 * 1024
    )
    real = settings.staff_auth.hashing.hash("violet tractor under moonlight")
    settings.staff_auth.hashing.prepare()

    def timed(password_hash: str | None) -> float:
        start = time.perf_counter()
        settings.staff_auth.hashing.verify(password_hash, "a wrong guess")
        return time.perf_counter() - start

    known = statistics.median(timed(real) for _ in range(7))
    unknown = statistics.median(timed(None) for _ in range(7))
    assert 0.5 < unknown / known < 2.0
