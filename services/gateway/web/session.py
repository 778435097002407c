"""The browser session: one cookie, encrypted and authenticated (Fernet: AES-128-CBC + HMAC-SHA256) with the key
from PMAAS_GATEWAY_SESSION_SECRET, holding the person's bearer token, who they are, their time zone, the CSRF
secret and a one-shot flash message.

The token never travels in a URL or a page: only in this HttpOnly, SameSite=Lax cookie (Secure over https), which
expires with the token. The gateway keeps no session store, so any replica with the same key reads it. Nothing
here decides what a person may do: the token's claims are read only to greet them and to know their
organizations; the services verify the token on every call.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

COOKIE = "pmaas_session"
# A visitor who has not signed in yet still gets a session: the CSRF secret of the sign-in form lives there.
ANONYMOUS_TTL_S = 2 * 3600
# However long a token lives, a browser session is not kept longer than this.
MAX_TTL_S = 24 * 3600


class SignInRequired(Exception):
    """Raised by pages that need a signed-in person; answered with a 303 to the sign-in page."""

    def __init__(self, next_path: str = "") -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class SignedIn:
    token: str
    subject: str
    orgs: dict[str, list[str]]  # organization id -> roles, as the token says
    tz: str  # IANA time zone every time on the pages is shown in
    expires: int  # the token's exp (Unix seconds)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def authorization(self) -> str:
        return f"Bearer {self.token}"


class Session:
    """The cookie's content for one request; `changed` tells the middleware to send it back."""

    def __init__(self, data: dict | None) -> None:
        self.data = data or {}
        self.changed = data is None

    @property
    def csrf(self) -> str:
        if "csrf" not in self.data:
            self.data["csrf"] = secrets.token_urlsafe(32)
            self.changed = True
        return self.data["csrf"]

    @property
    def signed_in(self) -> SignedIn | None:
        who = self.data.get("who")
        if not who or who["expires"] <= time.time():
            return None
        return SignedIn(**who)

    def sign_in(self, who: SignedIn) -> None:
        """A fresh session (new CSRF secret): nothing from before signing in carries over."""
        self.data = {"who": {"token": who.token, "subject": who.subject, "orgs": who.orgs, "tz": who.tz,
                             "expires": who.expires}}
        self.changed = True

    def clear(self) -> None:
        self.data, self.changed = {}, True

    def flash(self, text: str) -> None:
        self.data["flash"] = text
        self.changed = True

    def pop_flash(self) -> str:
        if "flash" not in self.data:
            return ""
        self.changed = True
        return self.data.pop("flash")

    @property
    def max_age(self) -> int:
        who = self.data.get("who")
        ttl = int(who["expires"] - time.time()) if who else ANONYMOUS_TTL_S
        return max(0, min(ttl, MAX_TTL_S))


class Codec:
    def __init__(self, secret: str) -> None:
        # Any length of configured secret -> the 32 bytes Fernet wants; empty: a random key for this process.
        raw = hashlib.sha256(secret.encode()).digest() if secret else secrets.token_bytes(32)
        self._fernet = Fernet(base64.urlsafe_b64encode(raw))

    def dumps(self, data: dict) -> str:
        return self._fernet.encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()

    def loads(self, value: str) -> dict | None:
        try:
            return json.loads(self._fernet.decrypt(value.encode(), ttl=MAX_TTL_S))
        except (InvalidToken, ValueError):
            return None  # tampered, from another key, or too old: a new session


def session(request: Request) -> Session:
    """This request's session, read from its cookie once."""
    found = getattr(request.state, "web_session", None)
    if found is None:
        cookie = request.cookies.get(COOKIE, "")
        found = Session(request.app.state.web_codec.loads(cookie) if cookie else None)
        request.state.web_session = found
    return found


def signed_in(request: Request) -> SignedIn:
    """The signed-in person, or SignInRequired (back to this page afterwards). The FastAPI dependency of every
    page that acts as someone."""
    who = session(request).signed_in
    if who is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path if request.method == "GET" else "")
    return who


def cookie_header(scope: Scope) -> str | None:
    """The Set-Cookie value that sends the session back, when this request changed it (None otherwise)."""
    found = scope.get("state", {}).get("web_session")
    if found is None or not found.changed:
        return None
    carrier, secure = Response(), scope.get("scheme") == "https"
    if found.data:
        carrier.set_cookie(COOKIE, scope["app"].state.web_codec.dumps(found.data), max_age=found.max_age, path="/",
                           httponly=True, samesite="lax", secure=secure)
    else:
        carrier.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    return carrier.headers["set-cookie"]
