"""Twilio webhooks: inbound messages and delivery status callbacks.

Every request's X-Twilio-Signature is checked against the configured public URL (never the
Host header) over all form fields as sent; anything unsigned or wrongly signed is a 403 and
there is no switch to turn that off. An inbound message is stored in the inbox under its
MessageSid first: a retry gets the first answer again and makes nothing new.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from casework.sms.inbound import inbound_from_fields, take_delivery_status
from casework.sms.service import InboundSms, SmsPolicy
from hotline.channels.sms.taking import take_inbound_text
from hotline.context import Ctx
from hotline.deps import require_working_keys
from hotline.errors import ApiError
from hotline.settings import Settings
from integrations.twilio.signature import signature_is_valid

router = APIRouter(prefix="/twilio", tags=["twilio"], include_in_schema=False)

# Where the phone is, by the carrier's reckoning: never kept.
LOCATION_FIELDS = frozenset(
    f"{side}{part}" for side in ("From", "To") for part in ("City", "State", "Zip", "Country")
)
_MAX_FIELDS = 120
_TWIML = "application/xml"


async def _signed_form(request: Request, settings: Settings) -> FormData:
    """The form, if and only if Twilio signed exactly it for our public URL (403 otherwise)."""
    try:
        form = await request.form(max_files=0, max_fields=_MAX_FIELDS)
    except HTTPException as exc:
        if exc.status_code == 413:
            raise
        raise ApiError(400, "malformed_form", "The request body is not a valid form.") from None
    twilio = settings.twilio
    url = settings.public_base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not signature_is_valid(
        auth_token=twilio.auth_token if twilio else None,
        url=url,
        params=form,
        signature=request.headers.get("X-Twilio-Signature"),
        settings_header=request.headers.get("X-Twilio-Webhooks-Signature-Settings"),
    ):
        raise ApiError(403, "bad_signature", "This request is not signed by our Twilio account.")
    return form


def _one(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _inbound(form: FormData) -> InboundSms:
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    sms = inbound_from_fields(fields)
    if sms is None:
        raise ApiError(400, "not_a_message", "MessageSid and From are required.")
    return sms


@router.post("/sms", dependencies=[Depends(require_working_keys)])
async def inbound_sms(request: Request, ctx: Ctx) -> Response:
    """A text from a child (or anyone): answer at once with TwiML."""
    form = await _signed_form(request, ctx.settings)
    payload: dict[str, Any] = {
        k: v for k, v in form.multi_items() if k not in LOCATION_FIELDS and isinstance(v, str)
    }
    policy = SmsPolicy(
        safe_word=ctx.settings.sms_safe_word, emergency_number=ctx.settings.emergency_number
    )
    answer = await take_inbound_text(ctx, sms=_inbound(form), payload=payload, policy=policy)
    return Response(answer, media_type=_TWIML)


@router.post("/sms/status", status_code=204, dependencies=[Depends(require_working_keys)])
async def sms_status(request: Request, ctx: Ctx) -> Response:
    """Twilio tells us how a text we sent is doing; ``m`` in the URL names our outbox row."""
    form = await _signed_form(request, ctx.settings)
    try:
        outbox_id = uuid.UUID(hex=request.query_params.get("m", ""))
    except ValueError:
        raise ApiError(
            400, "unknown_message", "The callback does not name one of our messages."
        ) from None
    attempt_text = request.query_params.get("a", "")
    await ctx.write(
        take_delivery_status,
        outbox_id=outbox_id,
        status=_one(form, "MessageStatus"),
        error_code=_one(form, "ErrorCode"),
        attempt=int(attempt_text) if attempt_text.isdigit() and len(attempt_text) < 4 else None,
    )
    return Response(status_code=204)
