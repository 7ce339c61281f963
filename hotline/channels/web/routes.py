"""Web form pages: report, receipt and follow-up. No cookies; nothing cached."""

from __future__ import annotations

import datetime as dt
import secrets
from itertools import groupby
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from casework.enums import Channel
from casework.errors import IdempotencyKeyReused, InvalidInput
from casework.followup.service import check_in
from casework.intake.channels import ReportChoices, report_choices
from casework.intake.models import NARRATIVE_MAX_CHARS, PLACE_MAX_CHARS
from casework.intake.receiving import IntakeReceipt
from hotline.channels.intake import accept_report
from hotline.channels.web.form import DOMAIN_TO_FORM, LABELS, REPORTER_CHOICES, parse_report_form
from hotline.channels.wording import CATEGORY_PHRASES, STATUS_MESSAGES
from hotline.context import Ctx, RequestContext
from hotline.deps import require_working_keys
from hotline.runtime.templating import make_templates
from hotline.settings import Settings

router = APIRouter(include_in_schema=False)
templates = make_templates()
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_MAX_FORM_FIELDS = 40


def _page(
    request: Request, settings: Settings, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    base = {
        "lang": "en",
        "quick_exit_url": settings.quick_exit_url,
        "emergency_number": settings.emergency_number,
        "helpline_number": settings.helpline_number,
    }
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status, headers=_NO_STORE
    )


def _choices(choices: ReportChoices) -> dict[str, Any]:
    """Categories, regions and schools to offer on the form."""
    # In the order a child is most likely to look for (CATEGORY_PHRASES), then any others.
    rank = {code: i for i, code in enumerate(CATEGORY_PHRASES)}
    ordered = sorted(choices.categories, key=lambda c: rank.get(c.code, len(rank)))
    categories = [(c.code, CATEGORY_PHRASES.get(c.code, c.name)) for c in ordered]
    regions = list(choices.regions)
    region_names = {r.id: r.name for r in regions}
    schools = sorted(choices.schools, key=lambda s: (region_names[s.region_id], s.name))
    by_region = [
        (name, list(group))
        for name, group in groupby(schools, key=lambda s: region_names[s.region_id])
    ]
    return {"categories": categories, "regions": regions, "schools_by_region": by_region}


async def _form_page(
    request: Request,
    ctx: RequestContext,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int,
) -> HTMLResponse:
    choices = _choices(await ctx.read(report_choices))
    return _page(
        request,
        ctx.settings,
        "report.html",
        {
            **choices,
            "values": values,
            "errors": errors,
            "labels": LABELS,
            # A fresh one-time token per form: a double click or a resend of the same form
            # gives back the same receipt instead of a second report.
            "token": secrets.token_urlsafe(24),
            "narrative_max": NARRATIVE_MAX_CHARS,
            "place_max": PLACE_MAX_CHARS,
            "reporter_roles": REPORTER_CHOICES,
        },
        status,
    )


@router.get("/")
async def home() -> RedirectResponse:
    """The form is the front page."""
    return RedirectResponse("/report", status_code=303)


@router.get("/report", response_class=HTMLResponse)
async def report_form(request: Request, ctx: Ctx) -> HTMLResponse:
    """The empty report form."""
    return await _form_page(request, ctx, values={}, errors={}, status=200)


@router.post("/report", response_class=HTMLResponse, dependencies=[Depends(require_working_keys)])
async def submit_report_form(request: Request, ctx: Ctx) -> HTMLResponse:
    """Accept the form, or show it again with every problem explained."""
    try:
        form = await request.form(max_files=0, max_fields=_MAX_FORM_FIELDS)
    except HTTPException as exc:
        if exc.status_code == 413:  # too long: the friendly 413 page, nothing to show again
            raise
        # A file, too many fields or a broken upload: this form only takes typed answers.
        return await _form_page(
            request,
            ctx,
            values={},
            errors={"category": "We could not read what was sent. Please fill in the form."},
            status=400,
        )
    parsed = parse_report_form({key: form.get(key) for key in form})
    if parsed.submission is None:
        return await _form_page(
            request, ctx, values=parsed.values, errors=parsed.errors, status=422
        )
    submission = parsed.submission

    async def accept(token: str | None) -> IntakeReceipt:
        return await accept_report(
            ctx, submission=submission, idempotency_key=token, idempotency_scope="web"
        )

    try:
        try:
            receipt = await accept(parsed.token)
        except IdempotencyKeyReused:
            # The same form sent again with different words is still a child telling us
            # something: take it as a new report rather than refuse it.
            receipt = await accept(None)
    except InvalidInput as exc:
        field = DOMAIN_TO_FORM.get(exc.field, exc.field)
        return await _form_page(
            request, ctx, values=parsed.values, errors={field: exc.message}, status=422
        )
    return _page(
        request,
        ctx.settings,
        "receipt.html",
        {
            "reference": receipt.reference,
            "code": receipt.follow_up_code,
            "danger": parsed.submission.immediate_danger.value == "yes",
        },
    )


_FOLLOW_UP_LABELS = {"reference": "Reference", "code": "Secret code"}
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _when(sent_at: dt.datetime, today: dt.date) -> str:
    """The day a message was sent, as a child says it: Today, Yesterday, 27 November.

    No time of day: we do not know the reader's time zone, and a time in another one (or
    the letters "UTC") confuses more than it helps; the list is in order anyway.
    """
    day = sent_at.astimezone(dt.UTC).date()
    if day == today:
        return "Today"
    if day == today - dt.timedelta(days=1):
        return "Yesterday"
    words = f"{day.day} {_MONTHS[day.month - 1]}"
    return words if day.year == today.year else f"{words} {day.year}"


@router.get("/follow-up", response_class=HTMLResponse)
async def follow_up_form(request: Request, ctx: Ctx) -> HTMLResponse:
    """The empty follow-up form."""
    return _page(
        request,
        ctx.settings,
        "follow_up.html",
        {"values": {}, "errors": {}, "labels": _FOLLOW_UP_LABELS},
    )


@router.post(
    "/follow-up", response_class=HTMLResponse, dependencies=[Depends(require_working_keys)]
)
async def follow_up_submit(request: Request, ctx: Ctx) -> HTMLResponse:
    """Check a reference and code and show the status in plain words."""
    settings = ctx.settings
    form = await request.form(max_files=0, max_fields=_MAX_FORM_FIELDS)
    reference = form.get("reference")
    code = form.get("code")
    reference = reference.strip()[:32] if isinstance(reference, str) else ""
    code = code.strip()[:32] if isinstance(code, str) else ""
    context: dict[str, Any] = {
        "values": {"reference": reference},
        "errors": {},
        "labels": _FOLLOW_UP_LABELS,
    }
    if not reference:
        context["errors"]["reference"] = "Please write your reference."
    if not code:
        context["errors"]["code"] = "Please write your secret code."
    if context["errors"]:
        return _page(request, settings, "follow_up.html", context, 422)
    try:
        visit = await ctx.write(check_in, reference=reference, code=code, channel=Channel.WEB)
    except InvalidInput as exc:
        context["errors"][exc.field] = exc.message
        return _page(request, settings, "follow_up.html", context, 422)
    result = visit.result
    if result.retry_after is not None:
        context["problem"] = "Too many tries. Please wait a while and try again."
        minutes = max(1, int(result.retry_after.total_seconds() // 60) + 1)
        headers_status = 429
        context["problem"] += f" (About {minutes} minute{'s' if minutes > 1 else ''}.)"
        return _page(request, settings, "follow_up.html", context, headers_status)
    if result.status is None:
        context["problem"] = "The reference or the code is not right. Please check them."
        return _page(request, settings, "follow_up.html", context, 403)
    context["values"]["reference"] = result.reference
    context["status_message"] = STATUS_MESSAGES[result.status]
    if result.case_id is not None:
        today = ctx.clock.now().astimezone(dt.UTC).date()
        context["inbox"] = [
            {"when": _when(m.sent_at, today), "sent_at": m.sent_at, "body": m.body}
            for m in visit.inbox
        ]
    return _page(request, settings, "follow_up.html", context)
