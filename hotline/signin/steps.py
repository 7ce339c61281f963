"""The password steps shared by the staff API and the console - signing in (with the hash
upgraded to today's costs) and changing one's password - and how a refusal is answered.
Each verifies or hashes the password between transactions, never inside one: argon2id is
slow on purpose."""

from __future__ import annotations

import asyncio
from typing import Protocol

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from casework.context import Unit
from casework.staff.accounts import check_new_password, upgrade_password_hash
from casework.staff.me import change_my_password
from casework.staff.signin import (
    Outcome,
    StaffAuthConfig,
    StepResult,
    begin_reauthentication,
    check_login,
    finish_login,
    reauthentication_failed,
)
from hotline.context import RequestContext, StaffRequest
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


class CodeStep(Protocol):
    """A step of signing in with a code: the authenticator's, a recovery code, or the first
    code of a new authenticator."""

    def __call__(
        self, unit: Unit, *, config: StaffAuthConfig, token: str, code: str, address: str
    ) -> StepResult: ...


async def code_step(
    ctx: RequestContext, step: CodeStep, request: Request, *, token: str, code: str
) -> StepResult:
    """Take a code step for the half-signed-in session ``token``."""
    return await ctx.write(
        step,
        config=ctx.settings.staff_auth,
        token=token,
        code=code,
        address=client_address(request),
    )


async def password_step(
    ctx: RequestContext, *, username: str, password: str, address: str
) -> StepResult:
    """Check a username and password; the password is verified outside any transaction."""
    config = ctx.settings.staff_auth
    check = await ctx.read(check_login, username=username)
    password_ok = await run_in_threadpool(config.hashing.verify, check.password_hash, password)
    result = await ctx.write(
        finish_login, config=config, check=check, address=address, password_ok=password_ok
    )
    if result.token is None:
        return result
    if check.user_id and check.password_hash and config.hashing.needs_rehash(check.password_hash):
        # Made with older costs: store one with today's, now that we have the password.
        new_hash = await run_in_threadpool(config.hashing.hash, password)
        await ctx.write(
            upgrade_password_hash,
            user_id=check.user_id,
            old_hash=check.password_hash,
            new_hash=new_hash,
        )
    return result


async def password_change(
    ctx: StaffRequest, *, current_password: str, new_password: str, address: str
) -> None:
    """A new password for the signed-in member of staff, once the current one is right
    (refused like a sign-in when wrong or locked; every session of the account ends)."""
    config = ctx.settings.staff_auth
    check = await ctx.act(begin_reauthentication, address=address)
    if check.locked_for is not None:
        locked = StepResult(Outcome.LOCKED, retry_after=check.locked_for)
        raise await refusal(locked, code="", message="")
    if not await run_in_threadpool(config.hashing.verify, check.password_hash, current_password):
        delay = await ctx.act(reauthentication_failed, config=config, address=address)
        raise await refusal(
            StepResult(Outcome.FAILED, delay=delay),
            code="password_wrong",
            message="The current password is not right.",
        )
    check_new_password(new_password, username=check.username)
    new_hash = await run_in_threadpool(config.hashing.hash, new_password)
    await ctx.act(change_my_password, password_hash=new_hash)
