"""Test helpers: callers with real tokens, and readers of rich gRPC errors."""

from __future__ import annotations

import random
import socket
import uuid
from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2
from google.type import date_pb2, money_pb2
from grpc_status import rpc_status

from services.platform.auth import ON_BEHALF_OF, SERVICE_SUBJECT, TokenAuthority


class Caller:
    """Calls RPCs with a real signed token for `sub` holding `orgs` roles."""

    def __init__(self, authority: TokenAuthority, sub: str, orgs: dict[str, list[str]], ttl_s: int = 600) -> None:
        self.sub = sub
        self.token = authority.issue(sub, orgs, ttl_s)

    def metadata(self) -> tuple:
        return (("authorization", f"Bearer {self.token}"),)

    async def __call__(self, method, request):
        return await method(request, metadata=self.metadata(), timeout=10)


class GovernanceCaller(Caller):
    """The governance worker: its own service token, naming the person it acts for on every call."""

    def __init__(self, authority: TokenAuthority, on_behalf_of: str | None, ttl_s: int = 600) -> None:
        self.authority = authority
        self.sub = SERVICE_SUBJECT
        self.on_behalf_of = on_behalf_of
        self.token = authority.issue_service_token(ttl_s)

    def acting_for(self, person: str | None) -> GovernanceCaller:
        return GovernanceCaller(self.authority, person)

    def metadata(self) -> tuple:
        acting = () if self.on_behalf_of is None else ((ON_BEHALF_OF, self.on_behalf_of),)
        return (*super().metadata(), *acting)


@dataclass
class RpcFailure:
    code: grpc.StatusCode
    reason: str
    message: str
    fields: dict[str, str]  # field -> description
    metadata: dict[str, str]


def failure(exc: grpc.aio.AioRpcError) -> RpcFailure:
    status = rpc_status.from_call(exc)
    reason, fields, metadata = "", {}, {}
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason, metadata = info.reason, dict(info.metadata)
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields.update({v.field: v.description for v in bad.field_violations})
    return RpcFailure(exc.code(), reason, exc.details() or "", fields, metadata)


async def fails(call) -> RpcFailure:
    """Await `call`, which must fail; return what the caller learns."""
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        return failure(exc)
    raise AssertionError("the call succeeded but should have failed")


def rid() -> str:
    return str(uuid.uuid4())


def eur(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


def date(y: int, m: int, d: int) -> date_pb2.Date:
    return date_pb2.Date(year=y, month=m, day=d)


# Below Linux's ephemeral range (32768-60999): a port picked there and bound a moment later by a server
# can be taken in between by any outgoing connection (the stack's components connect to each other).
_SERVER_PORTS = range(20_000, 32_000)


def free_port() -> int:
    """A loopback port free now, outside the range outgoing connections take theirs from."""
    for _ in range(200):
        port = random.choice(_SERVER_PORTS)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and 32000")
