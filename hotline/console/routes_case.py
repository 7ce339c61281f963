"""The case page and everything done from it. Each form posts to its own address and comes
back to the page (303); a refused change shows the page again with the reason (4xx)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from casework.enums import PerpetratorRole, Priority
from casework.errors import InvalidInput, NotAllowed
from casework.handling.casefile import case_file
from casework.handling.closure import (
    Closure,
    decide_closure,
    record_child_views,
    reopen,
    request_closure,
)
from casework.handling.lifecycle import override_priority, start_work
from casework.handling.placement import Placed, Placement, correct_place
from casework.handling.referrals import refer, set_referral_status
from casework.handling.work import add_note, assign, text_reporter
from casework.partners.models import Consent, ReferralStatus
from casework.partners.referrals import ConsentRecord
from hotline.console.case_page import case_page_data
from hotline.console.session import FormCtx, FormStaff, PageCtx, PageStaff
from hotline.context import StaffRequest
from hotline.deps import require_working_keys
from hotline.media.attachments import attachment_response
from hotline.runtime.forms import NO_STORE, field, read_form, render
from hotline.signin.auth import StaffContext

router = APIRouter(
    prefix="/console/cases",
    include_in_schema=False,
    dependencies=[Depends(require_working_keys)],
)
DONE = {
    "priority": "Priority changed.",
    "reply": "Message sent to the reporter.",
    "note": "Note added.",
    "referral": "Referral made.",
    "referral_status": "Referral updated.",
    "views": "The child's views are recorded.",
    "closed": "Case closed.",
    "closure_requested": "Closure requested: a supervisor of the region will decide.",
    "decided": "Decision recorded.",
    "reopened": "Case reopened.",
    "assigned": "Assignment changed.",
    "started": "You are working on this case.",
    "placed": "Saved: the case was triaged again and sent to its region's queue.",
    "unchanged": "Nothing changed.",
}
CONSENT_MISSING = (
    "Say whether the child or their guardian agreed to the referral: consent given, "
    "refused, or could not be asked. Nobody was referred."
)


async def _page(
    request: Request,
    staff: StaffContext,
    ctx: StaffRequest,
    case_id: uuid.UUID,
    *,
    flash: str | None = None,
    problem: str | None = None,
    status: int = 200,
    again: dict[str, Any] | None = None,
) -> HTMLResponse:
    file = await ctx.act(case_file, case_id)
    context = {
        **case_page_data(file),
        "flash": flash,
        "problem": problem,
        "section": "queue",
        # A refused form comes back with what was typed in it (and which field was wrong).
        "posted": {},
        "posted_to": None,
        "problem_field": None,
        **(again or {}),
    }
    return render(request, "case.html", context, staff=staff, status=status)


@router.get("/{case_id}", response_class=HTMLResponse)
async def case_page(
    request: Request,
    case_id: uuid.UUID,
    staff: PageStaff,
    ctx: PageCtx,
    done: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The whole story of a case on one page."""
    return await _page(request, staff, ctx, case_id, flash=DONE.get(done))


@dataclass(frozen=True)
class Posted:
    """A form posted from the case page, who posted it, and the context to act in."""

    request: Request
    case_id: uuid.UUID
    staff: StaffContext
    ctx: StaffRequest
    form: FormData

    async def apply(self, command: Callable[[], Awaitable[str]]) -> Response:
        """Run ``command`` (which reads the form and calls one use case, answering what was
        done) and come back to the page, or show it again saying why not."""
        try:
            done = await command()
        except InvalidInput as exc:
            return await self._again(exc.message, 422, problem_field=exc.field)
        except NotAllowed:
            return await self._again("Your role does not allow this on this case.", 403)
        target = (
            f"/console/queue?done={done}"
            if done == Placed.MOVED_AWAY
            else f"/console/cases/{self.case_id}?done={done}"
        )
        return RedirectResponse(target, status_code=303, headers=NO_STORE)

    async def _again(
        self, problem: str, status: int, *, problem_field: str | None = None
    ) -> HTMLResponse:
        typed = {
            name: value
            for name, value in self.form.items()
            if isinstance(value, str) and name != "csrf_token"
        }
        return await _page(
            self.request,
            self.staff,
            self.ctx,
            self.case_id,
            problem=problem,
            status=status,
            again={
                "posted": typed,
                "posted_to": self.request.url.path.rsplit("/", 1)[-1],
                "problem_field": problem_field,
            },
        )


async def posted(request: Request, case_id: uuid.UUID, staff: FormStaff, ctx: FormCtx) -> Posted:
    """The posted form (its CSRF token already checked by ``FormStaff``)."""
    return Posted(request, case_id, staff, ctx, await read_form(request))


PostedForm = Annotated[Posted, Depends(posted)]


def _choice(
    form: FormData, name: str, allowed: type[Any], message: str = "Choose one of the options."
) -> Any:
    value = field(form, name, limit=40)
    try:
        return allowed(value)
    except ValueError:
        raise InvalidInput(name, message) from None


def _uuid(form: FormData, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(field(form, name, limit=40))
    except ValueError:
        raise InvalidInput(name, "Choose one of the options.") from None


@router.post("/{case_id}/priority")
async def priority(p: PostedForm) -> Response:
    """Override the priority, with a reason."""

    async def command() -> str:
        wanted = _choice(p.form, "priority", Priority)
        reason = field(p.form, "reason", limit=500)
        await p.ctx.act(override_priority, p.case_id, wanted, reason)
        return "priority"

    return await p.apply(command)


@router.post("/{case_id}/start")
async def start(p: PostedForm) -> Response:
    """Start working on the case."""

    async def command() -> str:
        await p.ctx.act(start_work, p.case_id)
        return "started"

    return await p.apply(command)


@router.post("/{case_id}/reply")
async def reply(p: PostedForm) -> Response:
    """Write to the reporter: a text, or their follow-up inbox (never against their wishes)."""

    async def command() -> str:
        await p.ctx.act(text_reporter, p.case_id, field(p.form, "body", limit=640))
        return "reply"

    return await p.apply(command)


@router.post("/{case_id}/notes")
async def note(p: PostedForm) -> Response:
    """Add a note."""

    async def command() -> str:
        await p.ctx.act(add_note, p.case_id, field(p.form, "body", limit=8000))
        return "note"

    return await p.apply(command)


@router.post("/{case_id}/referrals")
async def referral(p: PostedForm) -> Response:
    """Refer to a partner with the child's consent (or a supervisor's reasoned override)."""

    async def command() -> str:
        consent = ConsentRecord(
            _choice(p.form, "consent", Consent, CONSENT_MISSING),
            field(p.form, "consent_from", limit=20) or None,
            field(p.form, "override_reason", limit=500) or None,
        )
        partner_id = _uuid(p.form, "partner_id")
        summary = field(p.form, "summary", limit=2000)
        await p.ctx.act(refer, p.case_id, partner_id, summary, consent)
        return "referral"

    return await p.apply(command)


@router.post("/{case_id}/referrals/{referral_id}/status")
async def referral_status(referral_id: uuid.UUID, p: PostedForm) -> Response:
    """Send a draft referral, or withdraw one (with a reason)."""

    async def command() -> str:
        to = _choice(p.form, "status", ReferralStatus)
        note = field(p.form, "note", limit=500) or None
        await p.ctx.act(set_referral_status, p.case_id, referral_id, to, note)
        return "referral_status"

    return await p.apply(command)


@router.post("/{case_id}/views")
async def views(p: PostedForm) -> Response:
    """Record what the child wants."""

    async def command() -> str:
        await p.ctx.act(record_child_views, p.case_id, field(p.form, "child_views", limit=4000))
        return "views"

    return await p.apply(command)


@router.post("/{case_id}/closure")
async def closure(p: PostedForm) -> Response:
    """Close the case (P1/P2, or once urgent: a request a supervisor decides)."""

    async def command() -> str:
        wanted = Closure(
            field(p.form, "outcome", limit=40),
            field(p.form, "child_views", limit=4000) or None,
            field(p.form, "views_missing", limit=40) or None,
        )
        closed = await p.ctx.act(request_closure, p.case_id, wanted)
        return "closed" if closed else "closure_requested"

    return await p.apply(command)


@router.post("/{case_id}/closure/decision")
async def closure_decision(p: PostedForm) -> Response:
    """A supervisor approves or (with a reason) rejects a closure request."""

    async def command() -> str:
        approve = field(p.form, "decision", limit=10) == "approve"
        reason = field(p.form, "reason", limit=500) or None
        await p.ctx.act(decide_closure, p.case_id, approve, reason)
        return "decided"

    return await p.apply(command)


@router.post("/{case_id}/reopen")
async def reopen_case(p: PostedForm) -> Response:
    """Reopen a closed case, with a reason."""

    async def command() -> str:
        await p.ctx.act(reopen, p.case_id, field(p.form, "reason", limit=500))
        return "reopened"

    return await p.apply(command)


@router.post("/{case_id}/assignment")
async def assignment(p: PostedForm) -> Response:
    """Give the case to a member of staff, or back to the team's queue (supervisors); the
    case stays in its team's queue."""

    async def command() -> str:
        chosen = field(p.form, "assignee_id", limit=40)
        assignee = _uuid(p.form, "assignee_id") if chosen else None
        await p.ctx.act(assign, p.case_id, assignee, None)
        return "assigned"

    return await p.apply(command)


@router.get("/{case_id}/attachments/{attachment_id}")
async def attachment(case_id: uuid.UUID, attachment_id: uuid.UUID, ctx: PageCtx) -> Response:
    """A picture without its metadata (audited)."""
    return await attachment_response(ctx, case_id, attachment_id)


@router.get("/{case_id}/attachments/{attachment_id}/original")
async def attachment_original(
    case_id: uuid.UUID, attachment_id: uuid.UUID, ctx: PageCtx
) -> Response:
    """The original evidence, for those who may hold it (the download is audited)."""
    return await attachment_response(ctx, case_id, attachment_id, original=True)


@router.post("/{case_id}/place")
async def place(p: PostedForm) -> Response:
    """Set or correct where the case belongs: it is triaged again and re-routed."""

    async def command() -> str:
        placement = Placement(
            region=field(p.form, "region", limit=40) or None,
            school=field(p.form, "school", limit=200).strip() or None,
            category=field(p.form, "category", limit=40),
            perpetrator_role=_choice(p.form, "perpetrator_role", PerpetratorRole),
        )
        done = await p.ctx.act(correct_place, p.case_id, placement, school_typed=True)
        return done.outcome.value

    return await p.apply(command)
