"""Calls from one service to another over gRPC.

A service reads another's data only through its API, as the caller: the
caller's `authorization` metadata is forwarded, so tenant isolation and roles
are enforced by the service that owns the data. Errors from the other service
come back as ApiError so the caller sees a meaningful status, not UNKNOWN.
"""

from __future__ import annotations

import grpc
from grpc_status import rpc_status

from services.platform import errors


def channel(target: str) -> grpc.aio.Channel:
    """One long-lived channel per target (create at servicer start, close at stop)."""
    return grpc.aio.insecure_channel(target, options=[("grpc.enable_retries", 1)])


def forwarded_auth(context: grpc.aio.ServicerContext) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in context.invocation_metadata() or () if k == "authorization")


async def call(method, request, context: grpc.aio.ServicerContext, timeout_s: float):
    """`await method(request)` as the current caller; failures become ApiError."""
    try:
        return await method(request, metadata=forwarded_auth(context), timeout=timeout_s)
    except grpc.aio.AioRpcError as exc:
        status = rpc_status.from_call(exc)
        code = exc.code()
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise errors.ApiError(grpc.StatusCode.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE",
                                  f"a service this call needs is unavailable: {exc.details()}") from None
        raise errors.ApiError(code, "DEPENDENCY_ERROR", exc.details() or code.name,
                              metadata={"dependency_status": code.name,
                                        "dependency_message": (status.message if status else "")}) from None
