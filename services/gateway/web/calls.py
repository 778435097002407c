"""Calling a service as the signed-in person, over the gateway's long-lived channels (app.state.downstream), and
what a page makes of a failed call.

`call(request, "governance", "GetTask", message)` sends the person's token, the X-Request-Id and the configured
deadline. A refusal the person can read about (bad input, not allowed, a conflict, not found) is raised as
`Refused` with the service's reason, detail and field violations, for the page to show in plain words; an expired
or revoked token ends the session (back to sign-in); a service that cannot be reached is `Unavailable` (a 503
page naming it); anything else is `Failed` (a 500 page, logged, with no internals shown).
"""

from __future__ import annotations

import logging
from functools import cache

import grpc
from google.protobuf.message import Message
from starlette.requests import Request

from services.gateway.problems import error_details, http_status
from services.gateway.routes import Route
from services.gateway.web.session import SignInRequired, session, signed_in

log = logging.getLogger(__name__)

_UNAVAILABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
_REFUSALS = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE, grpc.StatusCode.FAILED_PRECONDITION,
             grpc.StatusCode.ABORTED, grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.NOT_FOUND,
             grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.RESOURCE_EXHAUSTED)

# The service's reasons (ErrorInfo) in the words a person reads on the page; the service's own detail is shown
# for any other reason.
PLAIN_WORDS = {
    "SELF_APPROVAL": "You asked for this yourself, so someone else has to decide it (segregation of duties). "
                     "Nothing was recorded.",
    "NOT_A_CANDIDATE": "This task is not offered to you, so you cannot act on it.",
    "ALREADY_DECIDED": "You have already decided this task; a second vote is not counted.",
    "TASK_CLOSED": "This task is closed: it was decided, cancelled or expired.",
    "PROCESS_CLOSED": "The process behind this task has ended, so the task takes no more decisions.",
    "CLAIMED_BY_OTHER": "Someone else has claimed this task; it can be decided once they release it.",
    "NOT_CLAIMABLE": "This task cannot be claimed (it is offered to named people, or already claimed).",
    "NOT_CLAIMANT": "Only the person who claimed this task can release it.",
    "NOT_ALLOWED": "You may not do that on this task.",
    "INVALID_CHOICE": "That decision is not one this task offers.",
    "ETAG_MISMATCH": "Someone changed this in the meantime. Reload the page and try again.",
    "REQUEST_ID_REUSED": "This form was already sent with different content. Reload the page and try again.",
}
_BY_CODE = {
    grpc.StatusCode.PERMISSION_DENIED: "You are not allowed to do that.",
    grpc.StatusCode.NOT_FOUND: "That does not exist, or you cannot see it.",
    grpc.StatusCode.INVALID_ARGUMENT: "Some of what you entered needs correcting.",
}


class Refused(Exception):
    """The service said no to something the person can fix or should know about."""

    def __init__(self, service: str, code: grpc.StatusCode, reason: str, detail: str,
                 violations: dict[str, str]) -> None:
        super().__init__(f"{service}: {code.name} {reason} {detail}")
        self.service, self.code, self.reason, self.detail, self.violations = service, code, reason, detail, violations

    @property
    def status(self) -> int:
        """The page's HTTP status: the REST gateway's mapping (403, 404, 409, 400...)."""
        return http_status(self.code, self.reason)

    @property
    def plain(self) -> str:
        """What the person reads: the sentence for the reason, else the service's own detail."""
        return PLAIN_WORDS.get(self.reason) or self.detail or _BY_CODE.get(self.code, "The request was refused.")


class Unavailable(Exception):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


class Unauthenticated(Exception):
    """The token was refused (expired, revoked, not valid here)."""


class Failed(Exception):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


@cache
def _route(service: str, rpc: str) -> Route:
    """A route-shaped handle for Downstream.method: the channel and the RPC's types by service and name."""
    return Route("POST", "", service, rpc, "", "")


async def call(request: Request, service: str, rpc: str, message: Message):
    """`rpc` of `service` ("projects", "risks", "billing", "governance") as the signed-in person."""
    who = signed_in(request)
    try:
        return await call_as(request, who.authorization, service, rpc, message)
    except Unauthenticated:
        session(request).clear()
        raise SignInRequired(request.url.path if request.method == "GET" else "") from None


async def call_as(request: Request, authorization: str, service: str, rpc: str, message: Message):
    """The same with a given `authorization` (sign-in checks a token this way before keeping it)."""
    settings = request.app.state.web_settings
    metadata = (("authorization", authorization), ("x-request-id", request.state.request_id))
    try:
        return await request.app.state.downstream.method(_route(service, rpc))(
            message, metadata=metadata, timeout=settings.call_timeout_s)
    except grpc.aio.AioRpcError as exc:
        raise _page_error(service, rpc, exc) from None


def _page_error(service: str, rpc: str, exc: grpc.aio.AioRpcError) -> Exception:
    code = exc.code()
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return Unauthenticated(exc.details())
    if code in _UNAVAILABLE:
        return Unavailable(service)
    if code in _REFUSALS:
        reason, violations = error_details(exc)
        return Refused(service, code, reason, exc.details() or "", dict(violations))
    log.error("service failed", extra={"rpc": rpc, "status": code.name, "detail": exc.details()})
    return Failed(service)

