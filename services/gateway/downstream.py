"""The gateway's long-lived gRPC channels: one per service, opened at startup and closed at shutdown.

Methods are called by their full name with the request and response types from the descriptors, so the gateway
needs no generated stubs and every route reaches its RPC the same way.

Trace context: when spans are exported, the channels carry the OpenTelemetry client interceptors (telemetry.setup
adds them to every grpc.aio channel), whose client spans continue the gateway's server span. Otherwise there is no
span to record, and an intercepted call costs grpc.aio twice a plain one's CPU (~16% of a pass-through GET): the
channels are plain and each call sends the current trace context (traceparent) as metadata itself, so the services
still continue the caller's trace id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import grpc
import grpc.aio._channel
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import propagate

from services.gateway.routes import SERVICES, Route
from services.platform import clients, telemetry

HEALTH_TIMEOUT_S = 2.0


class Downstream:
    def __init__(self, targets: dict[str, str]) -> None:
        self.targets = targets
        self.channels: dict[str, grpc.aio.Channel] = {}
        self._methods: dict[str, Callable] = {}
        self.instrumented = False

    async def open(self) -> None:
        self.instrumented = telemetry.exporting()
        self.channels = {name: clients.channel(target) if self.instrumented else _plain_channel(target)
                         for name, target in self.targets.items()}

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self.channels.values()))
        self.channels, self._methods = {}, {}

    def method(self, route: Route) -> Callable:
        """`await method(route)(message, metadata=..., timeout=...)`: the route's RPC on its service's channel."""
        path = f"/{SERVICES[route.service].full_name}/{route.rpc}"
        if path not in self._methods:
            call = self.channels[route.service].unary_unary(
                path, request_serializer=lambda message: message.SerializeToString(),
                response_deserializer=GetMessageClass(route.response_type).FromString)
            self._methods[path] = call if self.instrumented else _with_trace_context(call)
        return self._methods[path]

    async def health(self) -> dict[str, str]:
        """Each service's grpc.health.v1 status (SERVING, NOT_SERVING, UNAVAILABLE...), asked all at once."""
        async def check(name: str) -> str:
            stub = health_pb2_grpc.HealthStub(self.channels[name])
            try:
                answer = await stub.Check(health_pb2.HealthCheckRequest(service=SERVICES[name].full_name),
                                          timeout=HEALTH_TIMEOUT_S)
            except grpc.aio.AioRpcError as exc:
                return exc.code().name
            return health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)

        names = list(self.channels)
        return dict(zip(names, await asyncio.gather(*(check(n) for n in names)), strict=True))


def _plain_channel(target: str) -> grpc.aio.Channel:
    """clients.channel without the interceptors: grpc.aio's own constructor, which telemetry.setup's
    instrumentation leaves as it is (it wraps the public `grpc.aio.insecure_channel` name only)."""
    return grpc.aio._channel.insecure_channel(target, options=clients.CHANNEL_OPTIONS)


def _with_trace_context(call: grpc.aio.UnaryUnaryMultiCallable) -> Callable:
    def traced(request, *, metadata: Sequence[tuple[str, str]] = (), timeout: float | None = None):
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # traceparent (and baggage) of the current span, as the interceptor would
        return call(request, metadata=(*metadata, *carrier.items()), timeout=timeout)

    return traced
