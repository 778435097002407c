"""The server bootstrap refuses what its auth does not cover, and maps failures to statuses."""

from __future__ import annotations

import grpc
import pytest

from services.platform.grpc_server import ServiceRegistration, start_server

_STREAM = "/pmaas.test.v1.TestService/Watch"
_BOOM = "/pmaas.test.v1.TestService/Boom"


def _add_test_service(server: grpc.aio.Server) -> None:
    async def watch(request: bytes, context):
        yield b"secret"

    async def boom(request: bytes, context):
        raise RuntimeError("a bug with private details")

    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("pmaas.test.v1.TestService", {
        "Watch": grpc.unary_stream_rpc_method_handler(watch),
        "Boom": grpc.unary_unary_rpc_method_handler(boom),
    })])


@pytest.fixture
async def channel(authority):
    server, port, _ = await start_server([ServiceRegistration("pmaas.test.v1.TestService", _add_test_service)],
                                         authority, "127.0.0.1:0")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as chan:
        yield chan
    await server.stop(0)


async def test_streaming_methods_are_refused_until_auth_covers_them(channel, authority):
    token = authority.issue("alice", {"acme": ["admin"]})
    call = channel.unary_stream(_STREAM)(b"", metadata=(("authorization", f"Bearer {token}"),), timeout=5)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        async for _ in call:
            pass
    assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_an_unexpected_error_is_internal_without_details(channel, authority):
    token = authority.issue("alice", {"acme": ["admin"]})
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await channel.unary_unary(_BOOM)(b"", metadata=(("authorization", f"Bearer {token}"),), timeout=5)
    assert failed.value.code() == grpc.StatusCode.INTERNAL
    assert "private" not in (failed.value.details() or "")


async def test_no_token_is_unauthenticated_before_the_handler_runs(channel):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await channel.unary_unary(_BOOM)(b"", timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
