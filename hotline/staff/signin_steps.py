"""The sign-in steps shared by the staff API and the console: the password check (with the
hash upgraded to today's costs), and how a refusal is answered."""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from casework.clock import Clock
from casework.protection.keys import Keyring
from casework.staff.accounts import upgrade_password_hash
from casework.staff.signin import Outcome, StepResult, check_login, finish_login
from hotline.database import Database
from hotline.errors import ApiError
from hotline.settings import Settings


def client_address(request: Request) -> str:
    """The caller's address, for throttling sign-in attempts (never logged)."""
    return request.client.host if request.client else "unknown"


def secure_cookies(settings: Settings) -> bool:
    """Cookies are ``Secure`` everywhere but the embedded development default."""
    return settings.env != "development"


async def refusal(result: StepResult, *, code: str, message: str) -> ApiError:
    """429 with Retry-After when locked; otherwise 401, after the step's growing wait."""
    if result.outcome is Outcome.LOCKED:
        wait = max(1, int(result.retry_after or 60))
        return ApiError(
            429,
            "too_many_attempts",
            "Too many failed attempts. Try again later.",
            headers={"Retry-After": str(wait)},
        )
    await asyncio.sleep(result.delay)  # slows guessing down, without holding a thread
    return ApiError(401, code, message)


async def password_step(
    db: Database,
    keyring: Keyring,
    clock: Clock,
    settings: Settings,
    *,
    username: str,
    password: str,
    address: str,
) -> StepResult:
    """Check a username and password; the password is verified outside any transaction."""
    config = settings.staff_auth
    check = await db.run_async(lambda s: check_login(s, username=username), write=False)
    password_ok = await run_in_threadpool(config.hashing.verify, check.password_hash, password)
    result = await db.run_async(
        lambda s: finish_login(
            s,
            keyring=keyring,
            config=config,
            check=check,
            address=address,
            password_ok=password_ok,
            now=clock.now(),
        ),
        write=True,
    )
    if result.token is None:
        return result
    if check.user_id and check.password_hash and config.hashing.needs_rehash(check.password_hash):
        # Made with older costs: store one with today's, now that we have the password.
        new_hash = await run_in_threadpool(config.hashing.hash, password)
        user_id, old_hash = check.user_id, check.password_hash
        await db.run_async(
            lambda s: upgrade_password_hash(
                s, user_id=user_id, old_hash=old_hash, new_hash=new_hash
            ),
            write=True,
        )
    return result
