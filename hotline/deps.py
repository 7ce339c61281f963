"""What the app holds for every request (read by ``hotline.context``), and the key check
routes that touch protected data depend on. Routes take ``hotline.context.Ctx`` (or a staff
context), never these one by one."""

from __future__ import annotations

from fastapi import Request

from casework.clock import Clock
from casework.protection.keys import Keyring
from hotline.errors import ApiError
from hotline.runtime.database import Database
from hotline.settings import Settings


def get_db(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_clock(request: Request) -> Clock:
    """The app's clock (moved by tests)."""
    clock: Clock = request.app.state.clock
    return clock


def get_keyring(request: Request) -> Keyring:
    """The app's keyring (data keys through the key provider)."""
    keyring: Keyring = request.app.state.keyring
    return keyring


async def require_working_keys(request: Request) -> None:
    """Refuse to touch protected data while the keys do not match the database (503)."""
    if request.app.state.key_problem is not None:
        raise ApiError(
            503,
            "temporarily_unavailable",
            "We cannot take this just now. Please try again later.",
            headers={"Retry-After": "60"},
        )
