"""grpc.aio server bootstrap shared by every service.

Adds health checking (grpc.health.v1, per service name), server reflection,
OpenTelemetry (a server span per call when spans are exported, else the caller's
trace context or a fresh trace id), and three interceptors: errors (ApiError -> google.rpc.Status,
anything else -> INTERNAL without a traceback), auth (Bearer JWT, plus
`pmaas-on-behalf-of` from the governance principal only, ->
`auth.current_principal`) and text (a request with NUL in any string is
INVALID_ARGUMENT on that field). Stops gracefully on SIGTERM/SIGINT: health turns
NOT_SERVING, new calls are refused, calls in flight get `grace_period_s`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry import context as otel_context
from opentelemetry.instrumentation.grpc import aio_server_interceptor

from services.platform import auth, errors, metrics, stopping, telemetry

log = logging.getLogger(__name__)
MAX_CONNECTION_AGE_MS = 5 * 60 * 1000
MAX_CONNECTION_AGE_GRACE_MS = 30 * 1000

# Infrastructure services answer without a token (load balancers, grpcurl).
_PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")


def _wrap_unary(handler: grpc.RpcMethodHandler | None,
                wrap: Callable[[Callable], Callable]) -> grpc.RpcMethodHandler | None:
    if handler is None or handler.request_streaming or handler.response_streaming:
        return handler
    return handler._replace(unary_unary=wrap(handler.unary_unary))


class TracingInterceptor(grpc.aio.ServerInterceptor):
    """OpenTelemetry's server interceptor, except for Health.Watch: it iterates a server-streaming behaviour
    with `async for`, and Watch is a coroutine writing with `context.write`, which then failed with UNKNOWN
    (open-telemetry/opentelemetry-python-contrib#3066). Watch is a long-lived health stream: no span lost."""

    UNTRACED = frozenset({"/grpc.health.v1.Health/Watch"})

    def __init__(self) -> None:
        self._traced = aio_server_interceptor()

    async def intercept_service(self, continuation, details):
        if details.method in self.UNTRACED:
            return await continuation(details)
        return await self._traced.intercept_service(continuation, details)


class TraceContextInterceptor(grpc.aio.ServerInterceptor):
    """TracingInterceptor's stand-in while no span is exported: each unary call runs in the caller's trace context
    or a fresh trace id (telemetry.incoming_context, as the gateway's requests do), which its logs, audit events
    and onward calls carry. OpenTelemetry's interceptor made an unrecorded span, with its attributes, for every
    call: about a tenth of a CreateProject's server CPU at 32 in flight."""

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)
        carrier = dict(details.invocation_metadata or ())

        def wrap(behavior):
            async def in_trace_context(request, context):
                token = otel_context.attach(telemetry.incoming_context(carrier))
                try:
                    return await behavior(request, context)
                finally:
                    otel_context.detach(token)

            return in_trace_context

        return _wrap_unary(handler, wrap)


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """The one error mapper: every failure leaves as a google.rpc.Status."""

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)

        def wrap(behavior):
            async def guarded(request, context: grpc.aio.ServicerContext):
                try:
                    return await behavior(request, context)
                except errors.ApiError as exc:
                    await context.abort_with_status(rpc_status.to_status(exc.to_status()))
                except grpc.aio.AbortError:
                    raise
                except asyncpg.PostgresError as exc:
                    api = database_error(exc, details.method)
                    await context.abort_with_status(rpc_status.to_status(api.to_status()))
                except Exception:
                    log.exception("unhandled error in %s", details.method)
                    await context.abort_with_status(rpc_status.to_status(errors.internal().to_status()))

            return guarded

        return _wrap_unary(handler, wrap)


def database_error(exc: asyncpg.PostgresError, method: str) -> errors.ApiError:
    """What the caller of `method` learns of a database error: a fixed message by SQLSTATE, a field for a
    known CHECK constraint, INTERNAL for the rest. PostgreSQL's own text is logged, never returned."""
    api = errors.from_database(exc)
    if api is None:
        log.exception("database error in %s", method)
        return errors.internal()
    log.warning("database refused a write in %s: %s %s (%s; constraint %s)", method, exc.sqlstate,
                exc.args[0] if exc.args else exc, getattr(exc, "detail", None) or "",
                getattr(exc, "constraint_name", None) or "-")
    return api


def may_hold_nul(message: Message) -> bool:
    """False when no string of `message` can hold NUL: a string's UTF-8 is in the wire form byte for byte, so
    without a zero byte there none has it. One pass in C instead of walking the fields in Python (the walk was
    about 5% of CreateProject's server CPU); a zero byte (a length or number can have one too) means walk."""
    return b"\0" in message.SerializeToString()


def nul_field(message: Message, prefix: str = "") -> str | None:
    """The path of the first string in `message` (nested messages, lists and maps too) holding NUL."""
    for fd, value in message.ListFields():
        path = f"{prefix}.{fd.name}" if prefix else fd.name
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            items = [(f"{path}[{k!r}]", k, v) for k, v in value.items()]
        elif fd.is_repeated:
            items = [(f"{path}[{i}]", None, v) for i, v in enumerate(value)]
        else:
            items = [(path, None, value)]
        for item_path, key, item in items:
            if isinstance(key, str) and "\0" in key:
                return path
            if isinstance(item, str) and "\0" in item:
                return item_path
            if isinstance(item, Message) and (found := nul_field(item, item_path)):
                return found
    return None


class TextInterceptor(grpc.aio.ServerInterceptor):
    """Last line for text: PostgreSQL cannot store NUL, so no request carrying one reaches a handler.

    Validation (`resources.check_text`) refuses control characters field by field; this catches any
    string it does not see (names, ids, filters, tokens, fields stored without a check).
    """

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)
        if handler is None or details.method.startswith(_PUBLIC_PREFIXES):
            return handler

        def wrap(behavior):
            async def checked(request, context):
                if isinstance(request, Message) and may_hold_nul(request) and (path := nul_field(request)):
                    raise errors.bad_field(path, "must not contain NUL (U+0000)")
                return await behavior(request, context)

            return checked

        return _wrap_unary(handler, wrap)


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, authority: auth.TokenAuthority) -> None:
        self.authority = authority

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)
        if handler is None or details.method.startswith(_PUBLIC_PREFIXES):
            return handler
        if handler.request_streaming or handler.response_streaming:
            return _refusing(handler)
        metadata = dict(details.invocation_metadata or ())
        on_behalf_of = [v for k, v in details.invocation_metadata or () if k == auth.ON_BEHALF_OF]

        def wrap(behavior):
            async def authenticated(request, context):
                # Verified inside the call's own task so the contextvar is visible to the handler.
                principal = self.authority.verify(metadata.get("authorization"))
                auth.current_principal.set(auth.acting_for(principal, on_behalf_of))
                return await behavior(request, context)

            return authenticated

        return _wrap_unary(handler, wrap)


def _refusing(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """Fail closed: this interceptor authenticates unary calls only, so a streaming method is refused
    until it learns to authenticate streams too."""

    message = "streaming methods are not served without stream auth"

    async def refuse(request_or_iterator, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, message)

    async def refuse_stream(request_or_iterator, context: grpc.aio.ServicerContext):
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, message)
        yield  # an async generator, as response-streaming behaviors must be

    if not handler.request_streaming:
        return handler._replace(unary_stream=refuse_stream)
    if handler.response_streaming:
        return handler._replace(stream_stream=refuse_stream)
    return handler._replace(stream_unary=refuse)


class _GenericHandlersOnly:
    """The server as our services' generated `add_*Servicer_to_server` functions see it: their handlers are
    added as generic handlers only. For each method registered by name, grpc.aio's server (1.85) keeps one
    pending request future and waits on all of them again for every call it accepts: asyncio.wait over ~40
    futures for ProjectsService, ~20 µs a call against ~6 µs with a handful, on this machine (server CPU per
    call 4-16% lower in 7 of 8 paired bench measures, the eighth 7% higher: noise of that size is common
    here). A generic handler finds the method by its full name in a dict. Our services are unary only;
    health and reflection stay registered (reflection's stream failed with "Internal error from Core" when
    served as a generic handler; not pursued)."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(self, handlers) -> None:
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service_name: str, method_handlers: dict) -> None:
        """Not registered by name (see the class): the generic handler added beside them serves them."""


@dataclass
class ServiceRegistration:
    full_name: str  # e.g. "pmaas.projects.v1.ProjectsService"
    add_to_server: Callable[[grpc.aio.Server], None]


def interceptors(authority: auth.TokenAuthority) -> list[grpc.aio.ServerInterceptor]:
    """Every service's chain, outermost first (tests/bench/skeleton.py measures it on its own). Call it after
    telemetry.setup: spans are made only when they are exported."""
    tracing = TracingInterceptor() if telemetry.exporting() else TraceContextInterceptor()
    recorder = metrics.call_recorder()  # inside the server span (its log line carries the trace id)
    return [tracing, *([recorder] if recorder else []), ErrorInterceptor(), AuthInterceptor(authority),
            TextInterceptor()]


async def start_server(
    registrations: list[ServiceRegistration],
    authority: auth.TokenAuthority,
    address: str,
) -> tuple[grpc.aio.Server, int, health_aio.HealthServicer]:
    """Start serving; returns the server, the bound port and its health servicer."""
    server = grpc.aio.server(
        interceptors=interceptors(authority),
        options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", 8 * 1024 * 1024),
                 # Connections end after a while (calls in flight finish first), so callers balancing per call
                 # (clients.CHANNEL_OPTIONS) resolve again and spread over replicas added since.
                 ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
                 ("grpc.max_connection_age_grace_ms", MAX_CONNECTION_AGE_GRACE_MS)],
    )
    health_servicer = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for reg in registrations:
        reg.add_to_server(_GenericHandlersOnly(server))
    names = [r.full_name for r in registrations]
    reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError:
        port = 0
    if port == 0:
        raise SystemExit(f"cannot listen on {address}: address in use or not permitted")
    await server.start()
    for name in ["", *names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, port, health_servicer


async def serve_until_signalled(server: grpc.aio.Server, health_servicer: health_aio.HealthServicer,
                                grace_period_s: float, on_stop: Callable[[], Awaitable[None]] | None = None) -> None:
    stop = stopping.stop_event()
    await stop.wait()
    log.info("stopping: draining calls in flight", extra={"grace_period_s": grace_period_s})
    await health_servicer.enter_graceful_shutdown()
    await server.stop(grace_period_s)
    if on_stop is not None:
        await on_stop()
