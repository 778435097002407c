"""Calls from one service to another over gRPC.

A service reads another's data only through its API, as the caller: the
caller's `authorization` metadata is forwarded, so tenant isolation and roles
are enforced by the service that owns the data; so is the person the
governance principal acts for (`pmaas-on-behalf-of`), so the next service's
audit log names them too. Errors from the other service
come back as ApiError so the caller sees a meaningful status, not UNKNOWN.

A call gets the caller's remaining deadline, capped by the configured timeout,
so no work goes on for a caller that has given up. A request that needs one
call per item (projects of an engagement, milestones of an invoice) uses
`fan_out`: at most FAN_OUT_LIMIT calls in flight, and the first failure
cancels the others and is what the caller sees. Never call another service
while holding a database connection: a slow dependency would drain the pool.

Trace context: with spans exported, channels carry OpenTelemetry's client interceptors (telemetry.setup
instruments grpc.aio's channels then), whose client spans continue the current span. Otherwise there is no span to
record, and an intercepted call costs grpc.aio about twice a plain one's CPU: channels are plain and `outgoing`
adds the current trace context (traceparent, baggage) to a call's metadata itself, so the callee still continues
the caller's trace id. telemetry.setup runs first in every process, before any channel is opened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from opentelemetry import propagate

from services.platform import auth, errors, telemetry

T = TypeVar("T")

# Calls in flight per request that fans out: a portfolio of 500 projects opens no more streams than this at once,
# so one report neither floods the callee nor holds up every other caller of it.
FAN_OUT_LIMIT = 8


# round_robin: a channel to a name that resolves to several addresses (in k8s, `dns:///<svc>-headless:<port>`)
# spreads its calls over all of them instead of sending every call over one connection to one pod; with one
# address (loopback, a ClusterIP) it changes nothing. The servers end connections after MAX_CONNECTION_AGE_MS
# (grpc_server), so clients resolve again and reach pods added since.
# A callee that went away is tried again at least every RECONNECT_BACKOFF_MAX_MS: gRPC's default backoff grows to
# 120 s, so a service back after a 30 s outage could stay unreachable for a minute more (tests/chaos).
RECONNECT_BACKOFF_MAX_MS = 5_000
CHANNEL_OPTIONS = (("grpc.enable_retries", 1), ("grpc.lb_policy_name", "round_robin"),
                   ("grpc.max_reconnect_backoff_ms", RECONNECT_BACKOFF_MAX_MS))


def channel(target: str) -> grpc.aio.Channel:
    """One long-lived channel per target (create at servicer start, close at stop); send calls' metadata
    through `outgoing`."""
    return grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)


def outgoing(*metadata: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """A call's metadata, with the current trace context when no client interceptor sends it (module doc)."""
    if telemetry.exporting():
        return metadata
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return (*metadata, *carrier.items())


def forwarded_auth(context: grpc.aio.ServicerContext) -> tuple[tuple[str, str], ...]:
    """The caller's credential, and the person it acts for as this service verified it."""
    forwarded = tuple((k, v) for k, v in context.invocation_metadata() or () if k == "authorization")
    caller = auth.current_principal.get(None)
    if caller is not None and caller.on_behalf_of:
        forwarded += ((auth.ON_BEHALF_OF, caller.on_behalf_of),)
    return forwarded


def deadline(context: grpc.aio.ServicerContext | None, timeout_s: float) -> tuple[float, bool]:
    """(seconds the next call may take, whether that is the caller's deadline rather than our `timeout_s` cap)."""
    remaining = context.time_remaining() if context is not None else None
    if remaining is None or remaining >= timeout_s:
        return timeout_s, False
    return max(remaining, 0.0), True


async def call(method, request, context: grpc.aio.ServicerContext, timeout_s: float):
    """`await method(request)` as the current caller, within the caller's deadline (at most `timeout_s`);
    failures become ApiError.

    The dependency's status code and ErrorInfo reason pass through unchanged (RESOURCE_NOT_FOUND stays
    RESOURCE_NOT_FOUND), so whoever called us decides retries on the same reason and code as if it had
    called the dependency itself; metadata says it came from a dependency. Its field violations and
    other metadata stay behind. Unavailable, or slower than `timeout_s`, is DEPENDENCY_UNAVAILABLE; the
    caller's own deadline passing is DEADLINE_EXCEEDED.
    """
    timeout, callers = deadline(context, timeout_s)
    if callers and timeout == 0:
        raise _caller_deadline()
    try:
        return await method(request, metadata=outgoing(*forwarded_auth(context)), timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        code = exc.code()
        if code == grpc.StatusCode.DEADLINE_EXCEEDED and callers:
            raise _caller_deadline() from None
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise errors.ApiError(grpc.StatusCode.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE",
                                  f"a service this call needs is unavailable: {exc.details()}") from None
        reason = dependency_reason(exc)
        raise errors.ApiError(code, reason or "DEPENDENCY_ERROR", exc.details() or code.name,
                              metadata={"dependency_status": code.name,
                                        "dependency_reason": reason or code.name}) from None


def _caller_deadline() -> errors.ApiError:
    return errors.ApiError(grpc.StatusCode.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED",
                           "the call's deadline passed while it waited for a service it needs")


async def fan_out(calls: Iterable[Coroutine[Any, Any, T]], limit: int = FAN_OUT_LIMIT) -> list[T]:
    """Await `calls` with at most `limit` in flight; their results in order. The first failure cancels the
    rest and is raised as itself (an ApiError keeps the dependency's code and reason)."""
    gate = asyncio.Semaphore(limit)

    async def bounded(coro: Coroutine[Any, Any, T]) -> T:
        try:
            async with gate:
                return await coro
        finally:
            coro.close()  # cancelled before its turn: it never ran, and must not warn that it was never awaited

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(bounded(c)) for c in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [t.result() for t in tasks]


def dependency_reason(exc: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a failed call, or "" when it carries none."""
    status = rpc_status.from_call(exc)
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""
