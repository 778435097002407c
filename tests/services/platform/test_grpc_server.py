"""The server bootstrap refuses what its auth does not cover, and maps failures to statuses."""

from __future__ import annotations

import asyncio
import json
import secrets

import grpc
import pytest

from services.platform import auth, clients, mutations, telemetry
from services.platform.grpc_server import ServiceRegistration, start_server
from tests.support import failure

_STREAM = "/pmaas.test.v1.TestService/Watch"
_BOOM = "/pmaas.test.v1.TestService/Boom"
_WHO = "/pmaas.test.v1.TestService/WhoAmI"
_TRACE = "/pmaas.test.v1.TestService/TraceId"
_RELAY = "/pmaas.test.v1.TestService/RelayTraceId"
_SERVER: dict[str, str] = {}  # the test server's address, for the relay to call it as another service would


def _add_test_service(server: grpc.aio.Server) -> None:
    async def watch(request: bytes, context):
        yield b"secret"

    async def boom(request: bytes, context):
        raise RuntimeError("a bug with private details")

    async def who_am_i(request: bytes, context):
        caller = auth.principal()
        return json.dumps({"subject": caller.subject, "on_behalf_of": caller.on_behalf_of,
                           "forwarded": [list(kv) for kv in clients.forwarded_auth(context)]}).encode()

    async def trace_id(request: bytes, context):
        return mutations.current_trace_id().encode()

    async def relay_trace_id(request: bytes, context):
        """This call's trace id, and the one TraceId records when asked as one service asks another."""
        async with clients.channel(_SERVER["address"]) as onward:
            seen = await clients.call(onward.unary_unary(_TRACE), b"", context, timeout_s=5)
        return json.dumps({"here": mutations.current_trace_id(), "onward": seen.decode()}).encode()

    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("pmaas.test.v1.TestService", {
        "Watch": grpc.unary_stream_rpc_method_handler(watch),
        "Boom": grpc.unary_unary_rpc_method_handler(boom),
        "WhoAmI": grpc.unary_unary_rpc_method_handler(who_am_i),
        "TraceId": grpc.unary_unary_rpc_method_handler(trace_id),
        "RelayTraceId": grpc.unary_unary_rpc_method_handler(relay_trace_id),
    })])


@pytest.fixture
async def channel(authority):
    server, port, _ = await start_server([ServiceRegistration("pmaas.test.v1.TestService", _add_test_service)],
                                         authority, "127.0.0.1:0")
    _SERVER["address"] = f"127.0.0.1:{port}"
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


async def test_the_governance_principal_acts_for_a_person_and_forwards_them(channel, authority):
    bearer = f"Bearer {authority.issue_service_token(60)}"
    answer = await channel.unary_unary(_WHO)(b"", metadata=(
        ("authorization", bearer), (auth.ON_BEHALF_OF, "alice")), timeout=5)
    assert json.loads(answer) == {"subject": "svc-governance", "on_behalf_of": "alice", "forwarded": [
        ["authorization", bearer], [auth.ON_BEHALF_OF, "alice"]]}
    answer = await channel.unary_unary(_WHO)(b"", metadata=(("authorization", bearer),), timeout=5)
    assert json.loads(answer) == {"subject": "svc-governance", "on_behalf_of": None,
                                  "forwarded": [["authorization", bearer]]}


async def test_a_person_naming_someone_else_is_refused_before_the_handler_runs(channel, authority):
    token = authority.issue("mallory", {"acme": ["admin"]})
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await channel.unary_unary(_WHO)(b"", metadata=(
            ("authorization", f"Bearer {token}"), (auth.ON_BEHALF_OF, "alice")), timeout=5)
    assert (failure(refused.value).code, failure(refused.value).reason) == (
        grpc.StatusCode.PERMISSION_DENIED, "ON_BEHALF_OF_REFUSED")



async def test_each_call_is_authenticated_as_its_own_caller(channel, authority):
    """Nothing of one call (its token, its principal) reaches another in flight beside it or after it: many
    callers at once, then the same method without a token."""
    who = channel.unary_unary(_WHO)
    subjects = [f"user-{i}" for i in range(40)]
    answers = await asyncio.gather(*(
        who(b"", metadata=(("authorization", f"Bearer {authority.issue(s, {'acme': ['viewer']})}"),), timeout=5)
        for s in subjects))
    assert [json.loads(a)["subject"] for a in answers] == subjects
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await who(b"", timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_each_call_runs_in_its_callers_trace_or_a_fresh_one(channel, authority):
    """What audit events and logs record as the trace id (mutations.current_trace_id), with spans exported or not:
    the caller's traceparent, else a new trace per call."""
    trace_of = channel.unary_unary(_TRACE)
    token = (("authorization", f"Bearer {authority.issue('alice', {'acme': ['viewer']})}"),)
    caller_trace = secrets.token_hex(16)
    traceparent = ("traceparent", f"00-{caller_trace}-{secrets.token_hex(8)}-01")
    assert (await trace_of(b"", metadata=(*token, traceparent), timeout=5)).decode() == caller_trace
    fresh = [t.decode() for t in await asyncio.gather(*(trace_of(b"", metadata=token, timeout=5) for _ in range(20)))]
    assert all(len(t) == 32 and int(t, 16) != 0 for t in fresh)
    assert len(set(fresh)) == 20 and caller_trace not in fresh
    malformed = ("traceparent", "00-not-a-trace-01")
    assert len(await trace_of(b"", metadata=(*token, malformed), timeout=5)) == 32


async def test_a_call_to_another_service_goes_on_in_the_same_trace(channel, authority):
    """Without span export the services' channels carry no OpenTelemetry interceptor (clients.channel):
    clients.call sends the trace context itself, so the next service records the caller's trace id, or the fresh
    one the first service started."""
    assert not telemetry.exporting()
    relay = channel.unary_unary(_RELAY)
    token = (("authorization", f"Bearer {authority.issue('alice', {'acme': ['viewer']})}"),)
    caller_trace = secrets.token_hex(16)
    traceparent = ("traceparent", f"00-{caller_trace}-{secrets.token_hex(8)}-01")
    assert json.loads(await relay(b"", metadata=(*token, traceparent), timeout=5)) == {
        "here": caller_trace, "onward": caller_trace}
    fresh = json.loads(await relay(b"", metadata=token, timeout=5))
    assert fresh["onward"] == fresh["here"] != caller_trace
