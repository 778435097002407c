"""The gateway's browser pages: the approver inbox (sign in, my tasks, a task and its evidence, decisions,
delegations), server-rendered with Jinja2 under /ui, on the same gRPC calls as the REST API.

`install(app, settings, downstream)` mounts the pages, their static files, the security headers and the session.
The pages hold no rules and no data: what a person may do is what the services answer to their token.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from services.gateway.downstream import Downstream
from services.gateway.web import calls, dashboard, delegations, inbox, signin
from services.gateway.web.render import page
from services.gateway.web.security import STATIC, BadForm, CsrfRefused, PageMiddleware
from services.gateway.web.session import Codec, SignInRequired
from services.platform.settings import Settings

log = logging.getLogger(__name__)
SERVICE_NAMES = {"projects": "the projects service", "risks": "the risks service", "billing": "the billing service",
                 "governance": "the governance service"}


def install(app: FastAPI, settings: Settings, downstream: Downstream) -> None:
    app.state.web_settings = settings
    app.state.web_codec = Codec(settings.gateway_session_secret.get_secret_value())
    app.add_middleware(PageMiddleware)
    app.mount(STATIC, StaticFiles(directory=Path(__file__).parent / "static"), name="web-static")
    for module in (signin, inbox, delegations, dashboard):
        app.include_router(module.router)
    for exc_type, handler in _HANDLERS.items():
        app.add_exception_handler(exc_type, handler)


async def _sign_in_first(request: Request, exc: SignInRequired) -> Response:
    return RedirectResponse(signin.signin_url(exc.next_path), status_code=303)


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    return page(request, "error.html", {
        "heading": "Form refused", "message": "This form could not be accepted: it was not sent from this site's own "
        "page, or the page is too old. Nothing was changed. Go back, reload the page and try again."}, 403)


async def _bad_form(request: Request, exc: BadForm) -> Response:
    return page(request, "error.html", {"heading": "Form refused", "message": f"Nothing was changed: {exc}."}, 400)


async def _unavailable(request: Request, exc: calls.Unavailable) -> Response:
    name = SERVICE_NAMES.get(exc.service, exc.service)
    return page(request, "error.html", {
        "heading": "Service unavailable", "message": f"{name[:1].upper()}{name[1:]} is not answering right now. "
        "Nothing was changed; try again in a moment."}, 503)


async def _failed(request: Request, exc: calls.Failed) -> Response:
    return page(request, "error.html", {
        "heading": "Something went wrong", "message": f"{SERVICE_NAMES.get(exc.service, exc.service)} failed to "
        "answer; the failure has been logged."}, 500)


async def _refused(request: Request, exc: calls.Refused) -> Response:
    return page(request, "error.html", {"heading": "Not possible", "message": exc.plain}, exc.status)


_HANDLERS = {SignInRequired: _sign_in_first, CsrfRefused: _csrf_refused, BadForm: _bad_form,
             calls.Unavailable: _unavailable, calls.Failed: _failed, calls.Refused: _refused}
