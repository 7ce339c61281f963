"""Serving an attachment to staff: a copy without metadata to anyone who may read the case,
the original evidence only to those who may hold it. Shared by the API and the console."""

from __future__ import annotations

import uuid

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from casework.handling.reads import open_attachment
from hotline.context import StaffRequest
from hotline.errors import ApiError
from hotline.media.images import clean_image

_NO_STORE = {"Cache-Control": "no-store"}


async def attachment_response(
    ctx: StaffRequest, case_id: uuid.UUID, attachment_id: uuid.UUID, *, original: bool = False
) -> Response:
    """The cleaned copy (inline) or, with ``original``, the evidence as a download."""
    content = await ctx.act(open_attachment, case_id, attachment_id, original=original)
    if original:
        return Response(
            content.content,
            media_type="application/octet-stream",
            headers={
                **_NO_STORE,
                "Content-Disposition": f'attachment; filename="{attachment_id}"',
                "X-Content-SHA256": content.sha256,
                "X-Original-Content-Type": content.content_type,
            },
        )
    clean = await run_in_threadpool(clean_image, content.content)
    if clean is None:
        raise ApiError(
            422,
            "no_clean_copy",
            "This attachment is not a picture that can be shown without its metadata; "
            "a supervisor can download the original.",
        )
    return Response(
        clean.content,
        media_type=clean.content_type,
        headers={**_NO_STORE, "Content-Disposition": "inline"},
    )
