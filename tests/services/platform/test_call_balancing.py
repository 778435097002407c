"""A caller's channel spreads its calls over every address its target resolves to (round_robin), as the
services' channels must for replicas behind a headless Service: two real servers on loopback, one target
naming both (gRPC's ipv4: scheme lists addresses as a DNS name with two A records would)."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from services.platform import clients


class _Counting(grpc.aio.ServerInterceptor):
    def __init__(self) -> None:
        self.calls = 0

    async def intercept_service(self, continuation, handler_call_details):
        self.calls += 1
        return await continuation(handler_call_details)


async def _replica() -> tuple[grpc.aio.Server, int, _Counting]:
    counting = _Counting()
    server = grpc.aio.server(interceptors=[counting])
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port, counting


async def test_one_channel_spreads_its_calls_over_every_replica_not_one_connection():
    (a, port_a, calls_a), (b, port_b, calls_b) = await _replica(), await _replica()
    try:
        async with clients.channel(f"ipv4:127.0.0.1:{port_a},127.0.0.1:{port_b}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for _ in range(20):
                await stub.Check(health_pb2.HealthCheckRequest(), timeout=5, wait_for_ready=True)
    finally:
        await a.stop(None)
        await b.stop(None)
    assert calls_a.calls + calls_b.calls == 20
    assert calls_a.calls >= 5 and calls_b.calls >= 5, (calls_a.calls, calls_b.calls)
