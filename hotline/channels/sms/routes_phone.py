"""A simulated phone in the browser (embedded default only): text the hotline as a child and
read what comes back - the replies (at once, or through the outbox when the text could wait),
and caseworkers' texts once the outbox sends them."""

from __future__ import annotations

import asyncio
import secrets
import time
from xml.etree import ElementTree

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from twilio.request_validator import RequestValidator

from hotline.channels.sms.routes_simulator import loopback_only, sent_to
from hotline.context import Ctx
from hotline.runtime.forms import (
    field,
    form_token,
    form_token_ok,
    read_form,
    render,
    set_form_cookie,
)
from hotline.settings import Settings

router = APIRouter(prefix="/dev", include_in_schema=False, dependencies=[Depends(loopback_only)])
DEFAULT_PHONE = "+447400123456"


def _page(request: Request, settings: Settings, phone: str, **extra: object) -> HTMLResponse:
    token = form_token(request)
    context = {"phone": phone, "inbox": sent_to(phone), "form_token": token, **extra}
    response = render(request, "phone.html", context)
    set_form_cookie(response, token, settings)
    return response


@router.get("/phone", response_class=HTMLResponse)
async def phone_page(request: Request, ctx: Ctx) -> HTMLResponse:
    """The phone, with what the hotline sent it so far."""
    return _page(request, ctx.settings, DEFAULT_PHONE)


@router.post("/phone", response_class=HTMLResponse)
async def send_text(request: Request, ctx: Ctx) -> HTMLResponse:
    """Send a text as the phone, signed as Twilio would sign it, to this service."""
    settings = ctx.settings
    twilio = settings.twilio
    if twilio is None or not twilio.simulated:
        raise HTTPException(status_code=404)
    form = await read_form(request)
    if not form_token_ok(request, form):
        raise HTTPException(status_code=403, detail="Reload the page and try again.")
    phone = field(form, "phone", limit=20) or DEFAULT_PHONE
    body = field(form, "body", limit=1600)
    if not phone.startswith("+") or not phone[1:].isdigit() or not body:
        return _page(
            request, settings, phone, problem="Give a number like +447400123456 and a text."
        )
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": twilio.account_sid,
        "From": phone,
        "To": twilio.sender,
        "Body": body,
        "NumMedia": "0",
    }
    before = len(sent_to(phone))
    url = f"{settings.public_base_url}/twilio/sms"
    signature = RequestValidator(twilio.auth_token).compute_signature(url, params)
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_base_url) as client:
        answer = await client.post(
            "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
        )
    if answer.status_code != 200:
        return _page(request, settings, phone, problem="The hotline did not take the text.")
    # Our own service's TwiML, not untrusted XML.
    replies = [m.text or "" for m in ElementTree.fromstring(answer.text).iter("Message")]  # noqa: S314
    if not replies:  # a text that could wait: its replies come through the outbox
        replies = await _texts_after(phone, before)
    return _page(request, settings, phone, sent=body, replies=replies)


async def _texts_after(phone: str, before: int, *, wait: float = 5.0) -> list[str]:
    """Texts sent to ``phone`` after the first ``before``, once they stop coming (or ``wait``
    seconds pass without any): the replies the worker sends through the outbox."""
    deadline = time.monotonic() + wait
    seen, quiet_since = before, time.monotonic()
    while time.monotonic() < deadline:
        count = len(sent_to(phone))
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif count > before and time.monotonic() - quiet_since > 0.4:
            break
        await asyncio.sleep(0.05)
    return [m["body"] for m in sent_to(phone)[before:]]
