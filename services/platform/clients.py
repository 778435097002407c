"""Calls from one service to another over gRPC.

A service reads another's data only through its API, as the caller: the
caller's `authorization` metadata is forwarded, so tenant isolation and roles
are enforced by the service that owns the data; so is the person the
governance principal acts for (`pmaas-on-behalf-of`), so the next service's
audit log names them too. Errors from the other service
come back as ApiError so the caller sees a meaningful status, not UNKNOWN.
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.platform import auth, errors


def channel(target: str) -> grpc.aio.Channel:
    """One long-lived channel per target (create at servicer start, close at stop)."""
    return grpc.aio.insecure_channel(target, options=[("grpc.enable_retries", 1)])


def forwarded_auth(context: grpc.aio.ServicerContext) -> tuple[tuple[str, str], ...]:
    """The caller's credential, and the person it acts for as this service verified it."""
    forwarded = tuple((k, v) for k, v in context.invocation_metadata() or () if k == "authorization")
    caller = auth.current_principal.get(None)
    if caller is not None and caller.on_behalf_of:
        forwarded += ((auth.ON_BEHALF_OF, caller.on_behalf_of),)
    return forwarded


async def call(method, request, context: grpc.aio.ServicerContext, timeout_s: float):
    """`await method(request)` as the current caller; failures become ApiError.

    The dependency's status code and ErrorInfo reason pass through unchanged (RESOURCE_NOT_FOUND stays
    RESOURCE_NOT_FOUND), so whoever called us decides retries on the same reason and code as if it had
    called the dependency itself; metadata says it came from a dependency. Its field violations and
    other metadata stay behind. Unavailable or too slow is DEPENDENCY_UNAVAILABLE.
    """
    try:
        return await method(request, metadata=forwarded_auth(context), timeout=timeout_s)
    except grpc.aio.AioRpcError as exc:
        code = exc.code()
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise errors.ApiError(grpc.StatusCode.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE",
                                  f"a service this call needs is unavailable: {exc.details()}") from None
        reason = dependency_reason(exc)
        raise errors.ApiError(code, reason or "DEPENDENCY_ERROR", exc.details() or code.name,
                              metadata={"dependency_status": code.name,
                                        "dependency_reason": reason or code.name}) from None


def dependency_reason(exc: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a failed call, or "" when it carries none."""
    status = rpc_status.from_call(exc)
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""
