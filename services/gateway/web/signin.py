"""Signing in and out.

A person pastes the token their identity provider issued, and picks the time zone their pages show times in. The
gateway does not hold the key that verifies tokens: it asks ProjectsService (ListOrganizations, one row) whether
the token is good, and only then reads its claims for the session (who, which organizations, until when). In dev
(`gateway_dev_signin`) the page also lists the demo people, and signing in as one mints their token here with the
dev key, in their own time zone.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

import jwt
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from services.demo import roster
from services.gateway.web import calls
from services.gateway.web.render import page, valid_zone, zones
from services.gateway.web.security import form
from services.gateway.web.session import SignedIn, session
from services.platform.auth import TokenAuthority

router = APIRouter()
HOME = "/ui/tasks"
DEV_TOKEN_TTL_S = 8 * 3600
TOKEN_MAX = 8192


def local_path(value: str) -> str:
    """Where to go after signing in: a path of these pages only (never another site), else the inbox."""
    parts = urlsplit(value)
    if (value.startswith("/ui/") and not value.startswith("//") and not parts.scheme and not parts.netloc
            and "\\" not in value and value.isprintable()):
        return value
    return HOME


def signin_url(next_path: str = "") -> str:
    return "/ui/signin" + (f"?{urlencode({'next': next_path})}" if next_path and local_path(next_path) != HOME
                           else "")


@router.get("/ui/signin", include_in_schema=False)
async def signin_page(request: Request, next: str = "", signed_out: str = "") -> Response:
    notice = "You have signed out." if signed_out else ""
    return _page(request, local_path(next) if next else "", notice=notice)


def _page(request: Request, next_path: str, status: int = 200, **context) -> Response:
    settings = request.app.state.web_settings
    context.setdefault("tz", "UTC")
    return page(request, "signin.html", {
        "next": next_path, "zones": zones(), "notice": "", "error": "", "tz_error": "",
        "demo_users": roster.USERS if settings.gateway_dev_signin else (), **context}, status)


@router.post("/ui/signin", include_in_schema=False)
async def signin(request: Request) -> Response:
    fields = await form(request)
    next_path, tz, token = fields.get("next", ""), fields.get("tz", "UTC"), fields.get("token", "").strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not valid_zone(tz):
        return _page(request, next_path, 400, tz="UTC", tz_error="Choose a time zone from the list.")
    if not token or len(token) > TOKEN_MAX or not token.isascii() or not token.isprintable():
        return _page(request, next_path, 400, tz=tz, error="Paste the token your identity provider issued you.")
    return await _begin(request, token, tz, next_path)


@router.post("/ui/signin/dev", include_in_schema=False)
async def signin_dev(request: Request) -> Response:
    settings = request.app.state.web_settings
    if not settings.gateway_dev_signin:
        return page(request, "error.html", {"heading": "Not found", "message": "There is no such page.",
                                            "back": "/ui/signin", "back_label": "Sign in"}, 404)
    fields = await form(request)
    person = roster.user(fields.get("subject", ""))
    if person is None:
        return _page(request, fields.get("next", ""), 400, error="Pick one of the demo people.")
    authority = getattr(request.app.state, "web_dev_authority", None)
    if authority is None:
        authority = request.app.state.web_dev_authority = TokenAuthority(settings)
    token = authority.issue(person.subject, {o: list(r) for o, r in person.orgs.items()}, DEV_TOKEN_TTL_S)
    return await _begin(request, token, person.time_zone, fields.get("next", ""))


async def _begin(request: Request, token: str, tz: str, next_path: str) -> Response:
    """Keep `token` in the session once a service accepts it; then on to `next_path`."""
    try:
        await calls.call_as(request, f"Bearer {token}", "projects", "ListOrganizations",
                            projects_api.ListOrganizationsRequest(page_size=1))
    except calls.Unauthenticated as refused:
        return _page(request, next_path, 401, tz=tz, error=f"That token was not accepted: {refused}.")
    # Verified by the service just now; the claims are read only to know who this is and until when.
    claims = jwt.decode(token, options={"verify_signature": False})
    who = SignedIn(token=token, subject=str(claims["sub"]), orgs=dict(claims.get("orgs") or {}), tz=tz,
                   expires=int(claims.get("exp") or time.time() + 3600))
    session(request).sign_in(who)
    return RedirectResponse(local_path(next_path), status_code=303)


@router.post("/ui/signout", include_in_schema=False)
async def signout(request: Request) -> Response:
    await form(request)
    session(request).clear()
    return RedirectResponse("/ui/signin?signed_out=1", status_code=303)
