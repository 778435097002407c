"""gRPC status -> HTTP status and an RFC 9457 problem+json body: the one place the gateway maps errors.

The body carries what the service said (AIP-193): `reason` from ErrorInfo, `violations` from BadRequest with the
field paths in the JSON lowerCamelCase the caller wrote, the status detail, and the trace id to look the call up.

Choices: FAILED_PRECONDITION is 409 Conflict (the request is well formed but conflicts with the resource's current
state: TASK_CLOSED, ALREADY_DECIDED, CHANGE_REQUEST_REQUIRED...; 400 stays for input the caller must fix, which
comes with field violations). An etag mismatch is 412 Precondition Failed whichever code carries it (services
answer ABORTED ETAG_MISMATCH, architecture.md); any other ABORTED is 409.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://pmaas.dev/problems/"
ETAG_MISMATCH = "ETAG_MISMATCH"

HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.UNIMPLEMENTED: 501,
}

_SNAKE = re.compile(r"_([a-z0-9])")


def camel_path(path: str, strip_prefix: str = "") -> str:
    """`project.planned_end_date` -> `plannedEndDate` when the body was the project (strip_prefix "project"),
    else each segment lowerCamelCased (`update_mask` -> `updateMask`); indices (`items[0]`) stay."""
    if strip_prefix and path.startswith(strip_prefix + "."):
        path = path[len(strip_prefix) + 1:]
    return _SNAKE.sub(lambda m: m.group(1).upper(), path)


def http_status(code: grpc.StatusCode, reason: str) -> int:
    if reason == ETAG_MISMATCH:
        return 412
    return HTTP_STATUS.get(code, 500)


def problem(status: int, reason: str, detail: str, trace_id: str,
            violations: list[tuple[str, str]] = (), extra: dict | None = None) -> JSONResponse:
    """An RFC 9457 response: a stable `type` URI per reason, the status's phrase as `title`; `extra`: more
    members (RFC 9457 extensions)."""
    body = {
        "type": TYPE_BASE + reason.lower().replace("_", "-"),
        "title": phrase(status),
        "status": status,
        "detail": detail,
        "reason": reason,
        "violations": [{"field": f, "description": d} for f, d in violations],
        "traceId": trace_id,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # 499, say
        return "Error"


def error_details(exc: grpc.aio.AioRpcError) -> tuple[str, list[tuple[str, str]]]:
    """What a failed call's status details say (AIP-193): the ErrorInfo reason ("" without one) and the
    BadRequest field violations as (field path as the service named it, description)."""
    reason, violations = "", []
    status = rpc_status.from_call(exc)
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations = [(v.field, v.description) for v in bad.field_violations]
    return reason, violations


def from_rpc_error(exc: grpc.aio.AioRpcError, trace_id: str, body_field: str = "") -> JSONResponse:
    """The problem for a failed call; field violations renamed into the caller's JSON (see camel_path)."""
    code = exc.code()
    reason, violations = error_details(exc)
    violations = [(camel_path(field, body_field), description) for field, description in violations]
    http = http_status(code, reason)
    if http >= 500 and code not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        detail_text = "internal error; it has been logged"  # never a dependency's internals to the caller
    else:
        detail_text = exc.details() or code.name
    return problem(http, reason or code.name, detail_text, trace_id, violations)


# The problem body as OpenAPI describes it (every 4xx/5xx answer of the gateway).
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `reason` is the service's ErrorInfo reason (AIP-193).",
    "required": ["type", "title", "status", "detail", "reason", "violations", "traceId"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "reason": {"type": "string"},
        "violations": {"type": "array", "items": {
            "type": "object", "required": ["field", "description"],
            "properties": {"field": {"type": "string"}, "description": {"type": "string"}}}},
        "traceId": {"type": "string"},
    },
}
