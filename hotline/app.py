"""The FastAPI application: routes, error handlers and middleware, wired to one database."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.routing import Mount

from casework.clock import Clock, SystemClock
from casework.ports import KeyProvider, Signer
from casework.protection.keys import Keyring
from casework.routing.coverage import Severity, coverage_gaps
from hotline import __version__
from hotline.bootstrap import build_key_file, build_worker, check_keys
from hotline.channels.app.routes import router as app_api_router
from hotline.channels.sms.routes_phone import router as phone_page_router
from hotline.channels.sms.routes_simulator import router as simulator_router
from hotline.channels.sms.routes_twilio import router as sms_router
from hotline.channels.web.routes import router as webform_router
from hotline.console.routes_audit import router as console_audit_router
from hotline.console.routes_case import router as console_case_router
from hotline.console.routes_figures import router as console_figures_router
from hotline.console.routes_queue import router as console_queue_router
from hotline.console.routes_signin import router as console_signin_router
from hotline.console.routes_supervise import router as console_supervise_router
from hotline.console.session import SignInRequired, sign_in_redirect
from hotline.errors import (
    JSON_PREFIXES,
    document_errors,
    install_error_handlers,
    unreadable_address,
)
from hotline.partner.routes_api import router as partner_router
from hotline.partner.routes_pages import router as partner_pages_router
from hotline.public.routes import router as public_router
from hotline.runtime.database import Database
from hotline.runtime.middleware import (
    AccessLog,
    BodySizeLimit,
    ControlCharacters,
    SecurityHeaders,
)
from hotline.runtime.migrations import head_revision
from hotline.runtime.routes_health import router as health_router
from hotline.settings import Settings, load_settings
from hotline.signin.auth import document_csrf
from hotline.staff_api.routes_admin import router as staff_admin_router
from hotline.staff_api.routes_auth import router as staff_auth_router
from hotline.staff_api.routes_cases import router as staff_cases_router
from hotline.staff_api.routes_chi import router as staff_chi_router
from hotline.staff_api.routes_figures import router as staff_figures_router
from hotline.staff_api.routes_routing import router as staff_routing_router
from hotline.staff_api.routes_workflow import router as staff_workflow_router

_STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("hotline.app")

DESCRIPTION = """
Intake and follow-up for the Safeguarding Hotline.

Children (or someone on their behalf) report violence, abuse, corporal punishment or
cyberbullying. Every report returns a case **reference** and a secret **follow-up code**.
Errors always have the shape `{"error": {"code", "message", "details"?}}`.
"""


# Swagger UI and ReDoc come from the fastapi-offline package and are served from our own
# origin: the docs work offline, no third-party script runs on our origin, and the pages keep
# the strict CSP (each starts from a script file of ours, not an inline script).
_DOCS_ASSETS = "/static/api-docs"
_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Safeguarding Hotline API ({tool})</title>
<link rel="icon" href="{assets}/favicon.png">{stylesheet}
</head><body>
<div id="{element}" data-openapi-url="{root}/openapi.json"></div>
<script src="{assets}/{bundle}"></script>
<script src="{root}/static/{init}"></script>
</body></html>
"""
_docs_router = APIRouter(include_in_schema=False)


def _docs_page(
    request: Request, *, tool: str, element: str, bundle: str, init: str, css: str | None = None
) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    assets = root + _DOCS_ASSETS
    stylesheet = f'\n<link rel="stylesheet" href="{assets}/{css}">' if css else ""
    page = _DOCS_PAGE.format(
        root=root,
        assets=assets,
        stylesheet=stylesheet,
        tool=tool,
        element=element,
        bundle=bundle,
        init=init,
    )
    return HTMLResponse(page)


@_docs_router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """The API documentation in Swagger UI, where operations can be tried out."""
    return _docs_page(
        request,
        tool="Swagger UI",
        element="swagger-ui",
        bundle="swagger-ui-bundle.js",
        init="docs-swagger.js",
        css="swagger-ui.css",
    )


@_docs_router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    """The API documentation in ReDoc, for reading."""
    return _docs_page(
        request, tool="ReDoc", element="redoc", bundle="redoc.standalone.js", init="docs-redoc.js"
    )


class _Api(FastAPI):
    """The app, whose OpenAPI document also says what FastAPI cannot see in the routes: the
    CSRF token that goes with the session cookie, the answers of the error handlers and
    middleware."""

    def openapi(self) -> dict[str, Any]:
        """FastAPI's document, completed once."""
        if self.openapi_schema is None:
            schema = super().openapi()
            document_csrf(schema)
            document_errors(schema)
        return super().openapi()


class Keys(KeyProvider, Signer, Protocol):
    """A key provider that also holds the audit signing key (e.g. the local key file)."""


_ROUTERS = (
    _docs_router,
    health_router,
    app_api_router,
    webform_router,
    public_router,
    sms_router,
    staff_auth_router,
    staff_cases_router,
    staff_workflow_router,
    staff_routing_router,
    partner_pages_router,
    staff_admin_router,
    staff_figures_router,
    staff_chi_router,
    partner_router,
    console_signin_router,
    console_queue_router,
    console_case_router,
    console_supervise_router,
    console_audit_router,
    console_figures_router,
)


def _start_checks(
    db: Database, keys: Keys, keyring: Keyring, clock: Clock, settings: Settings
) -> str | None:
    """At start-up: the root key exists and the keys fit the database (returns the problem
    if they do not), and every gap through which a report would reach nobody is said loudly."""
    try:
        db.run(lambda s: keyring.ensure_root(s, now=clock.now()), write=True)
        problem = check_keys(db, keys, keyring)
        gaps = db.run(
            lambda s: coverage_gaps(s, now=clock.now(), installation_phones=len(settings.on_call)),
            write=False,
        )
    except DBAPIError:
        # Not migrated yet, or the database is down: /readyz says so; the root key is then
        # created on first use.
        log.warning("could not create the root key at start-up")
        return None
    if problem is not None:
        log.critical("keys do not match the database", extra={"problem": problem})
    for gap in gaps:
        level = logging.CRITICAL if gap.severity is Severity.CRITICAL else logging.WARNING
        log.log(level, "coverage gap", extra={"gap": gap.code, "detail": gap.message})
    return problem


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
    keys: Keys | None = None,
    background: bool = False,
) -> FastAPI:
    """Build the application. Pass ``database``/``clock``/``keys`` to share or control them.

    ``background`` runs the worker (outbox, audit sequencer, periodic jobs) in this process.
    """
    settings = settings or load_settings()
    db = database or Database.from_settings(settings)
    owns_db = database is None
    keys = keys or build_key_file(settings, engine=db.engine)
    keyring = Keyring(keys)
    app_clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync database work runs on worker threads: allow one per pooled connection.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.db_pool_size + 8
        # The dummy password hash, made before the first sign-in rather than during one.
        await run_in_threadpool(settings.staff_auth.hashing.prepare)
        app.state.key_problem = await run_in_threadpool(
            _start_checks, db, keys, keyring, app_clock, settings
        )
        # Everything loaded so far (modules, templates, settings) lives as long as the process:
        # moved out of the collector's generations, so collections stay short under load.
        gc.collect()
        gc.freeze()
        stop = threading.Event()
        thread = None
        if background:
            # The embedded default has no separate worker process: the outbox, the audit
            # sequencer and the periodic jobs run here, in a thread of their own.
            worker = build_worker(settings, db=db, keyring=keyring, signer=keys, clock=app_clock)
            thread = threading.Thread(
                target=worker.run, args=(stop,), name="hotline-worker", daemon=True
            )
            thread.start()
        yield
        stop.set()
        if thread is not None:
            await run_in_threadpool(thread.join, 30)
        if owns_db:
            db.dispose()

    app = _Api(
        title="Safeguarding Hotline",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # _docs_router: assets from our origin, the strict CSP
        redoc_url=None,
        # Mounted first: the /static mount would answer 404 for these.
        routes=[
            Mount(
                _DOCS_ASSETS,
                app=StaticFiles(packages=[("fastapi_offline", "static")]),
                name="api-docs-assets",
            )
        ],
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = app_clock
    app.state.keyring = keyring
    app.state.key_problem = None
    app.state.schema_head = head_revision()

    install_error_handlers(app)

    @app.exception_handler(SignInRequired)
    async def _sign_in(_request: Request, exc: SignInRequired) -> Response:
        return sign_in_redirect(exc)

    for router in _ROUTERS:
        app.include_router(router)
    twilio = settings.twilio
    if twilio is not None and twilio.simulated:
        app.include_router(simulator_router)
        app.include_router(phone_page_router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")

    # The last added is the outermost: every answer is logged and carries the security
    # headers, including the 413 for an oversized body (refused before anything reads it)
    # and the 422 for a control character in the address (before any route reads that).
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, json_prefixes=JSON_PREFIXES
    )
    app.add_middleware(ControlCharacters, answer=unreadable_address)
    app.add_middleware(SecurityHeaders, hsts=settings.env == "production")
    app.add_middleware(AccessLog)
    return app
