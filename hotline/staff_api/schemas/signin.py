"""Signing in, one's own account and password."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from casework.staff.models import Role
from hotline.schemas import StrictIn


class LoginIn(StrictIn):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class CodeIn(StrictIn):
    token: str = Field(min_length=1, max_length=100, description="The token from the login step")
    code: str = Field(min_length=1, max_length=32)


class TokenIn(StrictIn):
    token: str = Field(min_length=1, max_length=100)


class LoginStepOut(BaseModel):
    stage: str = Field(description="mfa: send the TOTP code; enrol: set up TOTP first")
    token: str = Field(description="Send it with the next step; it lasts 5 minutes")


class SignedInOut(BaseModel):
    stage: str = "active"
    token: str = Field(description="The session: a cookie was set too; or send as a bearer token")
    csrf_token: str = Field(description="Send as X-CSRF-Token with changes made by cookie")
    recovery_codes: list[str] = Field(
        default_factory=list, description="Only after enrolment: keep them safe, shown once"
    )


class EnrolmentOut(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class MeOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    csrf_token: str


class PasswordChangeIn(StrictIn):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)
