"""One place that turns every failure into a clear answer: JSON for APIs, a page for people.

Domain errors map to 4xx codes here (the domain never raises HTTP errors). Nothing in an
error answer or log line repeats what the reporter sent.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from casework.errors import IdempotencyKeyReused, InvalidInput, NotAllowed, NotFound
from casework.ports import KeyUnavailable


class ErrorDetail(BaseModel):
    """One problem with one field."""

    field: str
    message: str
    allowed: list[str] | None = Field(None, description="The values that may be sent instead")


class ErrorInfo(BaseModel):
    """What went wrong."""

    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorOut(BaseModel):
    """The shape of every API error."""

    error: ErrorInfo


log = logging.getLogger("hotline.errors")

JSON_PREFIXES = ("/api/", "/twilio/", "/healthz", "/readyz", "/openapi.json")


class ApiError(Exception):
    """An error answer with a status, a stable code and a human message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Sequence[dict[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.headers = headers or {}


# What each error status means, in the OpenAPI document. Every one has the ErrorOut shape.
_ANSWERS = {
    400: "Malformed JSON (or a malformed header)",
    401: "Not signed in, or the session or key is not (or no longer) valid",
    403: "Not allowed: your role or scope does not permit this",
    404: "Not found, or not yours to see",
    409: "Clashes with a change made at the same moment: reload and retry",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "Invalid input: `details` names each field and what is wrong",
    429: "Too many attempts: wait as long as Retry-After says",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses (e.g. a router's), with the error shape."""
    return {status: {"model": ErrorOut, "description": _ANSWERS[status]} for status in statuses}


def document_errors(schema: dict[str, Any]) -> None:
    """Make the OpenAPI document say what the handlers below answer on every API operation.

    A JSON body can be malformed (400) or too large (413, the body limit); invalid input is a
    422 in our error shape, never FastAPI's default one; every 4xx has the error shape.
    """
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                for status in (400, 413):
                    responses.setdefault(str(status), {})
            for status, response in responses.items():
                if not status.startswith("4"):
                    continue
                code = int(status)
                generic = {"", "Validation Error", HTTPStatus(code).phrase}
                if response.get("description", "") in generic and code in _ANSWERS:
                    response["description"] = _ANSWERS[code]
                response["content"] = {"application/json": {"schema": dict(error)}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        shape = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(shape.pop("$defs", {}))
        components["ErrorOut"] = shape
    # FastAPI's own 422 shape, now unused unless an operation outside /api/ still shows it.
    if '"#/components/schemas/HTTPValidationError"' not in json.dumps(schema):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)


def _route(request: Request) -> str:
    """The route template (never the concrete path, which may carry identifiers)."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "<unmatched>"))


def wants_json(request: Request) -> bool:
    """APIs and webhooks answer JSON; everything else is a page for a person."""
    return request.url.path.startswith(JSON_PREFIXES)


def error_body(
    code: str, message: str, details: Sequence[Mapping[str, object]] = ()
) -> dict[str, Any]:
    """The one JSON shape of every API error."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = list(details)
    return {"error": body}


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/site.css"></head>
<body><main class="page"><h1>{title}</h1><p>{message}</p>
<p><a href="{back}">{back_label}</a></p></main></body></html>"""


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Sequence[Mapping[str, object]] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    """JSON or HTML error answer depending on who is asking."""
    headers = {"Cache-Control": "no-store", **(headers or {})}
    if wants_json(request):
        return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)
    title = "Something went wrong" if status >= 500 else "We could not do that"
    console = request.url.path.startswith("/console")
    page = _PAGE.format(
        title=html.escape(title),
        message=html.escape(message),
        back="/console/queue" if console else "/report",
        back_label="Back to the console" if console else "Go to the report form",
    )
    return HTMLResponse(page, status, headers=headers)


def unreadable_address(scope: Scope, field: str) -> Response:
    """The refusal of an address that holds a control character (``field`` names where), as
    a query parameter that fails validation: 422, JSON or a page."""
    detail = {"field": field, "message": _FRIENDLY["value_error"]}
    return error_response(
        Request(scope), 422, "validation_failed", "Some fields are missing or not valid.", [detail]
    )


def _field_name(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc if p not in {"body", "query", "header", "path"}]
    return ".".join(parts) or "body"


_FRIENDLY = {
    "missing": "This field is required.",
    "extra_forbidden": "This field is not allowed.",
    "string_too_long": "This is too long.",
    "string_too_short": "This is too short.",
    "string_pattern_mismatch": "This is not in the expected format.",
    "enum": "This is not one of the allowed values.",
    "literal_error": "This is not one of the allowed values.",
    "int_type": "This must be a whole number.",
    "int_parsing": "This must be a whole number.",
    "string_type": "This must be text.",
    "bool_type": "This must be true or false.",
    "model_type": "This must be an object.",
    "model_attributes_type": "This must be an object.",
    "dict_type": "This must be an object.",
    "value_error": "This contains characters we cannot read.",
    "greater_than_equal": "This number is too small.",
    "less_than_equal": "This number is too large.",
}


def validation_details(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Field-by-field messages from pydantic errors, without echoing the input."""
    details = []
    for err in errors:
        message = _FRIENDLY.get(err.get("type", ""), "This value is not valid.")
        if err.get("type") in {"enum", "literal_error"} and err.get("ctx", {}).get("expected"):
            message = f"Must be one of: {err['ctx']['expected']}."
        details.append({"field": _field_name(err.get("loc", ())), "message": message})
    return details


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler on the app."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(
                request, 400, "malformed_json", "The request body is not valid JSON."
            )
        if any(
            e.get("type") == "model_attributes_type" and tuple(e.get("loc", ())) == ("body",)
            for e in errors
        ):
            return error_response(
                request, 422, "invalid_body", "The request body must be a JSON object."
            )
        return error_response(
            request,
            422,
            "validation_failed",
            "Some fields are missing or not valid.",
            validation_details(errors),
        )

    @app.exception_handler(InvalidInput)
    async def _invalid_input(request: Request, exc: InvalidInput) -> Response:
        detail: dict[str, object] = {"field": exc.field, "message": exc.message}
        if exc.allowed:  # the codes a program may send (the message is words for people)
            detail["allowed"] = list(exc.allowed)
        return error_response(
            request, 422, "validation_failed", "Some fields are missing or not valid.", [detail]
        )

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, _exc: IntegrityError) -> Response:
        # Two requests creating the same thing at once: the loser is told, nothing is half done.
        log.info("integrity conflict", extra={"route": _route(request)})
        return error_response(
            request, 409, "conflict", "That clashes with something that exists. Reload and retry."
        )

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, _exc: NotAllowed) -> Response:
        return error_response(request, 403, "forbidden", "Your role does not allow this.")

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _exc: NotFound) -> Response:
        # The same answer whether it does not exist or is outside the caller's scope.
        return error_response(request, 404, "not_found", "There is nothing here.")

    @app.exception_handler(IdempotencyKeyReused)
    async def _key_reused(request: Request, _exc: IdempotencyKeyReused) -> Response:
        return error_response(
            request,
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different report. "
            "Use a new key for a new report.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {
            404: ("not_found", "There is nothing at this address."),
            405: ("method_not_allowed", "This address does not accept this method."),
            413: ("body_too_large", "What you sent is too long. Please make it shorter."),
        }
        code, message = messages.get(exc.status_code, ("http_error", str(exc.detail)))
        headers = dict(exc.headers) if exc.headers else None
        return error_response(request, exc.status_code, code, message, headers=headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_unavailable(request: Request, exc: DBAPIError) -> Response:
        # The database is down, restarting or overloaded. The transaction was rolled back, so
        # nothing half-done was kept and a retry is safe. Other database errors are bugs and
        # fall through to the 500 handler rather than pretend a retry could help.
        log.error(
            "database unavailable",
            extra={"error_type": type(exc.orig).__name__, "route": _route(request)},
        )
        return error_response(
            request,
            503,
            "temporarily_unavailable",
            "We could not save this just now. Please try again in a moment.",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(KeyUnavailable)
    async def _keys(request: Request, exc: KeyUnavailable) -> Response:
        # A key could not be unwrapped: misconfigured keys, or data that was erased. Nothing
        # was written; the operator must look (the log says which route).
        log.error(
            "key unavailable", extra={"error_type": type(exc).__name__, "route": _route(request)}
        )
        return error_response(
            request,
            503,
            "temporarily_unavailable",
            "We cannot open this just now. Please try again later.",
            headers={"Retry-After": "60"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error(
            "unhandled error", extra={"error_type": type(exc).__name__, "route": _route(request)}
        )
        return error_response(
            request, 500, "internal_error", "Something went wrong on our side. Please try again."
        )
