"""App API: submit a report, follow it up."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from casework.enums import Channel
from casework.followup.service import check_in
from casework.intake.schemas import ReportSubmission
from hotline.channels.app.schemas import (
    FollowUpIn,
    FollowUpOut,
    InboxMessageOut,
    ReportIn,
    ReportReceiptOut,
)
from hotline.channels.intake import accept_report
from hotline.channels.wording import RECEIPT_MESSAGE, STATUS_MESSAGES
from hotline.context import Ctx
from hotline.deps import require_working_keys
from hotline.errors import ApiError, ErrorOut

# A random UUID or similar: long enough to be unguessable, since it also unlocks the receipt.
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{22,128}$")
_NO_STORE = {"Cache-Control": "no-store"}


async def require_json(request: Request) -> None:
    """Refuse bodies that are not declared as JSON (415)."""
    ctype = request.headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")


router = APIRouter(
    prefix="/api/v1",
    tags=["app"],
    dependencies=[Depends(require_working_keys), Depends(require_json)],
    responses={
        400: {"model": ErrorOut, "description": "Malformed JSON or header"},
        413: {"model": ErrorOut, "description": "Body too large"},
        415: {"model": ErrorOut, "description": "Body is not JSON"},
        422: {"model": ErrorOut, "description": "Invalid fields"},
    },
)


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportReceiptOut,
    summary="Submit a report",
    description=(
        "Takes a report in (its case is opened within seconds) and returns its reference "
        "and a secret follow-up code. Send an `Idempotency-Key` (a random UUID) so a resend "
        "after a lost answer returns the same receipt instead of a second report; the same "
        "key with a different body is refused with 422."
    ),
)
async def create_report(
    body: ReportIn,
    response: Response,
    ctx: Ctx,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="22-128 characters of A-Z a-z 0-9 _ . : -: a random UUID, new per report.",
        ),
    ] = None,
) -> ReportReceiptOut:
    """Submit a report from the app."""
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key must be 22 to 128 letters, digits or _ . : - (a random UUID).",
        )
    submission = ReportSubmission(
        channel=Channel.APP,
        language=body.language,
        category=body.category,
        narrative=body.narrative,
        immediate_danger=body.immediate_danger,
        school=body.school,
        place=body.place,
        region=body.region,
        child_age=body.child_age,
        reporter_role=body.reporter,
        contact_method=body.contact.method,
        contact_phone=body.contact.phone,
        perpetrator_role=body.perpetrator_role,
        ongoing=body.ongoing,
        injury=body.injury,
        perpetrator_name=body.perpetrator_name,
    )
    receipt = await accept_report(
        ctx, submission=submission, idempotency_key=idempotency_key, idempotency_scope="app"
    )
    response.headers.update(_NO_STORE)
    if receipt.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ReportReceiptOut(
        reference=receipt.reference,
        follow_up_code=receipt.follow_up_code,
        message=RECEIPT_MESSAGE,
    )


@router.post(
    "/follow-up",
    response_model=FollowUpOut,
    summary="Check a report with its reference and code",
    description=(
        "Answers the same way whether the reference does not exist or the code is wrong "
        "(403). After repeated wrong codes for a reference, attempts must wait and then the "
        "reference is locked for a while (429 with Retry-After)."
    ),
    responses={
        403: {"model": ErrorOut, "description": "Reference or code not right"},
        409: {
            "model": ErrorOut,
            "description": "The case is still being opened: send the message again shortly",
        },
        429: {"model": ErrorOut, "description": "Too many attempts"},
    },
)
async def follow_up(body: FollowUpIn, response: Response, ctx: Ctx) -> FollowUpOut:
    """Tell a reporter where their case is."""
    visit = await ctx.write(
        check_in,
        reference=body.reference,
        code=body.code,
        channel=Channel.APP,
        message=body.message,
    )
    result = visit.result
    response.headers.update(_NO_STORE)
    if result.retry_after is not None:
        seconds = max(1, int(result.retry_after.total_seconds() + 0.999))
        raise ApiError(
            429,
            "too_many_attempts",
            "Too many tries. Please wait a while and try again.",
            headers={"Retry-After": str(seconds)},
        )
    if result.status is None:
        raise ApiError(403, "not_recognised", "The reference or the code is not right.")
    if visit.message_not_kept:
        # Seconds after the receipt the case may still be being opened: the app keeps the
        # message and sends it again, rather than it being lost.
        raise ApiError(
            409,
            "case_not_ready",
            "We are still opening your case. Please send your message again in a minute.",
            headers={"Retry-After": "30"},
        )
    return FollowUpOut(
        reference=result.reference,
        status=result.status,
        message=STATUS_MESSAGES[result.status],
        updated_on=result.updated_at.date() if result.updated_at else None,
        messages=[InboxMessageOut(sent_at=m.sent_at, body=m.body) for m in visit.inbox],
    )
