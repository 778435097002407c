"""Events-out test support: a real HTTP webhook receiver on loopback (a threaded http.server that answers each
POST as told: fail the first N, always fail, or succeed, and keeps every request it got), and a
GovernanceService in dev mode (loopback webhooks allowed), as `pmaas dev` runs it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc

from pmaas.governance.v1 import governance_service_pb2_grpc
from services.governance import server as governance_server


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered


class Receiver:
    def __init__(self, fail_first: int = 0, always_fail: bool = False, fail_status: int = 500) -> None:
        self.fail_first, self.always_fail, self.fail_status = fail_first, always_fail, fail_status
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    failing = receiver.always_fail or len(receiver.requests) < receiver.fail_first
                    status = receiver.fail_status if failing else 204
                    receiver.requests.append(Received(dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/pmaas"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def heal(self) -> None:
        with self._lock:
            self.always_fail, self.fail_first = False, 0

    @property
    def delivered(self) -> list[Received]:
        """The requests answered 2xx: the events the receiver accepted."""
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    async def wait_delivered(self, count: int, timeout_s: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while len(self.delivered) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.delivered)} of {count} deliveries after {timeout_s}s: {self.requests}")
            await asyncio.sleep(0.05)
        return self.delivered


@contextlib.asynccontextmanager
async def dev_mode_governance(settings, dsn: str, authority, client,
                              ) -> AsyncIterator[governance_service_pb2_grpc.GovernanceServiceStub]:
    """A second GovernanceService on the same database and Temporal, with PMAAS_WEBHOOK_ALLOW_LOOPBACK set (the
    session's runs as in production)."""
    running = await governance_server.start(settings.model_copy(update={"webhook_allow_loopback": True}), dsn,
                                            "127.0.0.1:0", authority, client=client)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield governance_service_pb2_grpc.GovernanceServiceStub(channel)
    finally:
        await channel.close()
        await running.stop()
