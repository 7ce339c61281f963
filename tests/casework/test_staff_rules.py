"""The pure rules of staff access and sign-in, as tables."""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pyotp
import pytest

from casework.access.policy import Action, Relation, may, may_globally
from casework.staff.models import Role
from casework.staff.passwords import PasswordHashing, PasswordProblem, password_problem
from casework.staff.throttle import Count, ThrottlePolicy, after_failure, delay_after
from casework.staff.totp import accepted_step, code_at

A, T, R, N, B = (
    Relation.ASSIGNED,
    Relation.TEAM_QUEUE,
    Relation.REGION,
    Relation.NAMED,
    Relation.BREAK_GLASS,
)
CW, SV, AD, AU, PA = (
    Role.CASEWORKER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
    Role.AUDITOR,
    Role.PARTNER,
)


@pytest.mark.parametrize(
    ("role", "action", "relations", "restricted", "conflicted", "allowed"),
    [
        (CW, Action.CASE_READ, {A}, False, False, True),
        (CW, Action.CASE_READ, {T}, False, False, True),
        (CW, Action.CASE_READ, {R}, False, False, False),  # the region alone is not enough
        (CW, Action.CASE_READ, {T}, True, False, False),  # restricted: the queue is not enough
        (CW, Action.CASE_READ, {N}, True, False, True),
        (CW, Action.CASE_READ, {B}, True, False, True),
        (CW, Action.CASE_READ, {N, B}, True, True, False),  # conflict beats everything
        (CW, Action.CASE_WORK, {A}, False, False, True),
        (CW, Action.CASE_ASSIGN, {A}, False, False, False),
        (CW, Action.CASE_RESTRICT, {A, T, R}, False, False, False),
        (SV, Action.CASE_READ, {R}, False, False, True),
        (SV, Action.CASE_READ, {R}, True, False, True),  # supervisors keep their regions
        (SV, Action.CASE_READ, {R}, True, True, False),
        (SV, Action.CASE_ASSIGN, {R}, False, False, True),
        (SV, Action.CASE_RESTRICT, {R}, False, False, True),
        (SV, Action.CASE_ASSIGN, {T}, False, False, False),
        (SV, Action.CASE_SUPERVISE, {R}, False, False, True),  # approve closing in the region
        (SV, Action.CASE_SUPERVISE, {A, T, N, B}, False, False, False),
        (CW, Action.CASE_SUPERVISE, {A, T, R, N, B}, False, False, False),
        (AD, Action.CASE_READ, {A, T, R, N, B}, False, False, False),
        (AU, Action.CASE_READ, {A, T, R, N, B}, False, False, False),
        (PA, Action.CASE_READ, {A, T, R, N, B}, False, False, False),
        (CW, Action.CASE_READ, set(), False, False, False),
    ],
)
def test_case_actions(role, action, relations, restricted, conflicted, allowed) -> None:  # type: ignore[no-untyped-def]
    assert (
        may(role, action, frozenset(relations), restricted=restricted, conflicted=conflicted)
        is allowed
    )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (CW, {Action.BREAK_GLASS}),
        (SV, {Action.BREAK_GLASS, Action.AUDIT_READ, Action.STATS_READ, Action.ROTA_MANAGE}),
        (AD, {Action.USERS_MANAGE, Action.CONFIG_MANAGE, Action.STATS_READ, Action.ROTA_MANAGE}),
        (AU, {Action.AUDIT_READ, Action.STATS_READ}),
        (PA, {Action.REFERRALS_RECEIVE}),
    ],
)
def test_global_actions(role: Role, allowed: set[Action]) -> None:
    for action in Action:
        if action.value.startswith("case.") and action is not Action.BREAK_GLASS:
            continue
        assert may_globally(role, action) is (action in allowed), action


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", PasswordProblem.TOO_SHORT),
        ("x" * 129, PasswordProblem.TOO_LONG),
        ("password1234", PasswordProblem.COMMON),
        ("qwertyuiop123", PasswordProblem.COMMON),
        ("Iloveyou1234!", PasswordProblem.COMMON),
        ("amina-secure-2026", PasswordProblem.CONTAINS_USERNAME),
        ("aaaaaaaaaaaaaaaa", PasswordProblem.GUESSABLE),
        ("123412341234", PasswordProblem.GUESSABLE),
        ("violet tractor under moonlight", None),
        ("Hj7#kq2!Lm9$", None),
    ],
)
def test_password_policy(password: str, problem: PasswordProblem | None) -> None:
    assert password_problem(password, username="amina") is problem


def test_a_missing_account_costs_a_full_verification() -> None:
    hashing = PasswordHashing(time_cost=2, memory_kib=19 * 1024, parallelism=1)
    real = hashing.hash("violet tractor under moonlight")

    def timed(password_hash: str | None) -> float:
        start = time.perf_counter()
        assert hashing.verify(password_hash, "a wrong guess here") is False
        return time.perf_counter() - start

    timed(None)  # the dummy hash is made once, on first use
    known = statistics.median(timed(real) for _ in range(7))
    unknown = statistics.median(timed(None) for _ in range(7))
    assert 0.5 < unknown / known < 2.0


NOW = dt.datetime(2026, 11, 26, 9, 0, 15, tzinfo=dt.UTC)
SECRET = pyotp.random_base32(32)


@pytest.mark.parametrize(
    ("moment", "last_step", "accepted"),
    [
        (NOW, None, True),
        (NOW - dt.timedelta(seconds=30), None, True),  # one step of drift either way
        (NOW + dt.timedelta(seconds=30), None, True),
        (NOW - dt.timedelta(seconds=90), None, False),
        (NOW, int(NOW.timestamp()) // 30, False),  # already used: a replay
        (NOW, int(NOW.timestamp()) // 30 - 1, True),
    ],
)
def test_totp_steps(moment: dt.datetime, last_step: int | None, accepted: bool) -> None:
    code = code_at(SECRET, moment)
    assert (accepted_step(SECRET, code, now=NOW, last_step=last_step) is not None) is accepted


def test_totp_refuses_what_is_not_a_code() -> None:
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert accepted_step(SECRET, code, now=NOW, last_step=None) is None


POLICY = ThrottlePolicy(free_failures=3, base_delay_seconds=1, max_delay_seconds=8)


@pytest.mark.parametrize(
    ("failures", "delay"), [(1, 0), (3, 0), (4, 1), (5, 2), (6, 4), (7, 8), (20, 8)]
)
def test_slowing_down(failures: int, delay: float) -> None:
    assert delay_after(failures, POLICY) == delay


def test_lockout_and_a_new_window() -> None:
    count = Count(0, None, None)
    for _ in range(9):
        count = after_failure(count, now=NOW, lock_after=10, policy=POLICY)
    assert count.locked_until is None
    count = after_failure(count, now=NOW, lock_after=10, policy=POLICY)
    assert count.locked_until == NOW + POLICY.lock_for
    later = after_failure(
        count, now=NOW + POLICY.window + dt.timedelta(seconds=1), lock_after=10, policy=POLICY
    )
    assert later.failures == 1
