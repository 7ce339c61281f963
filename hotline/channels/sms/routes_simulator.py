"""A simulated phone network for the embedded default (development only, never production).

It stands in for Twilio's Messages API at ``/dev/twilio`` and keeps, in memory, every text
the hotline sends; ``hotline sms simulate`` sends signed webhooks as a child's phone and
shows what comes back. Mounted only when no real Twilio account is configured in development.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import threading
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from hotline.context import Ctx


async def loopback_only(request: Request) -> None:
    """The simulated network answers this machine only (it shows every text it was given)."""
    host = request.client.host if request.client else ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "testclient"  # Starlette's in-process test client
    if not local:
        raise HTTPException(status_code=404)


router = APIRouter(prefix="/dev", include_in_schema=False, dependencies=[Depends(loopback_only)])

_lock = threading.Lock()
_sent: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)


@router.post("/twilio/2010-04-01/Accounts/{account_sid}/Messages.json")
async def create_message(account_sid: str, request: Request, ctx: Ctx) -> JSONResponse:
    """Take a message as Twilio would (checking our own development credentials)."""
    twilio = ctx.settings.twilio
    expected = base64.b64encode(
        f"{account_sid}:{twilio.auth_token if twilio else ''}".encode()
    ).decode()
    if (
        twilio is None
        or account_sid != twilio.account_sid
        or request.headers.get("Authorization") != f"Basic {expected}"
    ):
        return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, 401)
    form = await request.form()
    to, body = str(form.get("To", "")), str(form.get("Body", ""))
    if not to.startswith("+") or not body:
        return JSONResponse(
            {"code": 21604, "message": "A 'To' and a 'Body' are required", "status": 400}, 400
        )
    sid = "SM" + secrets.token_hex(16)
    with _lock:
        _sent[to].append({"sid": sid, "body": body})
    return JSONResponse({"sid": sid, "status": "queued", "to": to, "body": body}, 201)


def sent_to(number: str) -> list[dict[str, Any]]:
    """Every text the hotline sent to a simulated phone so far, oldest first."""
    with _lock:
        return list(_sent.get(number, []))


@router.get("/phone/{number}")
async def phone_inbox(number: str) -> JSONResponse:
    """Every text the hotline sent to a simulated phone, oldest first."""
    with _lock:
        return JSONResponse({"number": number, "messages": list(_sent.get(number, []))})
