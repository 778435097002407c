"""Browser security for the pages: the headers every page carries, and the checks every form post passes.

- Headers on every page (under /ui, and /): a strict Content-Security-Policy (no inline script or style, only
  this origin's files; no framing; forms post only here), nosniff, Referrer-Policy same-origin, and
  Cache-Control no-store except for the static files. The REST API and /docs are left alone.
- CSRF on every POST: the form's `csrf` field must equal the secret in the session (compared in constant time);
  a post whose Origin (or, without one, Referer) names another host is refused as well. Refused: a 403 page, and
  nothing was called.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.web import session as sessions

PAGES = "/ui"
STATIC = PAGES + "/static"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}
FORM_MAX_BYTES = 64 * 1024
FORM_MAX_FIELDS = 200
FORM_TYPE = "application/x-www-form-urlencoded"


class CsrfRefused(Exception):
    """A form post without the session's CSRF token, with a wrong one, or from another origin."""


class BadForm(Exception):
    """Not a form this site sends: another content type, or too large."""


def is_page(path: str) -> bool:
    return path == "/" or path == PAGES or path.startswith(PAGES + "/")


class PageMiddleware:
    """Page responses get the security headers, and the session cookie when the request changed it; everything
    else passes straight through. Plain ASGI, so the REST API pays nothing for the pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_page(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PAGE_HEADERS.items():
                    headers[name] = value
                if not scope["path"].startswith(STATIC + "/"):
                    headers["Cache-Control"] = "no-store"
                cookie = sessions.cookie_header(scope)
                if cookie:
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_page)


async def form(request: Request) -> dict[str, str]:
    """The posted form, once it passed the origin and CSRF checks (CsrfRefused, BadForm otherwise). Each field
    once: a repeated name keeps its last value."""
    _same_origin(request)
    fields: dict[str, str] = {}
    # Anything but this site's form encoding carries no CSRF token the check below could accept.
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM_TYPE:
        if int(request.headers.get("content-length") or 0) > FORM_MAX_BYTES:
            raise BadForm("the form is too large")
        body = await request.body()
        if len(body) > FORM_MAX_BYTES:
            raise BadForm("the form is too large")
        try:
            fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=FORM_MAX_FIELDS))
        except (UnicodeDecodeError, ValueError):
            raise BadForm("the form could not be read") from None
    expected = sessions.session(request).data.get("csrf", "")
    if not expected or not hmac.compare_digest(fields.get("csrf", "").encode(), expected.encode()):
        raise CsrfRefused("the form's CSRF token is missing or wrong")
    return fields


def _same_origin(request: Request) -> None:
    """Defence in depth beside the token: the browser says where the form came from; it must be this host.
    (Host only: behind a TLS-terminating proxy the scheme the gateway sees is not the browser's.)"""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return
        origin = referer
    if origin == "null" or urlsplit(origin).netloc != request.url.netloc:
        raise CsrfRefused("the form was sent from another site")
