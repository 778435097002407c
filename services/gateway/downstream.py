"""The gateway's long-lived gRPC channels: one per service, opened at startup and closed at shutdown.

Methods are called by their full name with the request and response types from the descriptors, so the gateway
needs no generated stubs and every route reaches its RPC the same way.

Trace context: as every service's calls to another (clients.channel, clients.outgoing): OpenTelemetry's client
spans when spans are exported, otherwise plain channels (an intercepted call cost ~16% of a pass-through GET's CPU)
and the traceparent sent as metadata.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import grpc
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.gateway.routes import SERVICES, Route
from services.platform import clients

HEALTH_TIMEOUT_S = 2.0


class Downstream:
    def __init__(self, targets: dict[str, str]) -> None:
        self.targets = targets
        self.channels: dict[str, grpc.aio.Channel] = {}
        self._methods: dict[str, Callable] = {}

    async def open(self) -> None:
        self.channels = {name: clients.channel(target) for name, target in self.targets.items()}

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
            self._methods[path] = _with_trace_context(call)
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


def _with_trace_context(call: grpc.aio.UnaryUnaryMultiCallable) -> Callable:
    def traced(request, *, metadata: Sequence[tuple[str, str]] = (), timeout: float | None = None):
        return call(request, metadata=clients.outgoing(*metadata), timeout=timeout)

    return traced
