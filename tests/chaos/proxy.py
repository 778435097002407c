"""A slow network in front of a real gRPC server: a loopback TCP proxy that forwards bytes both ways and, while
`delay_s` is set, holds back what the server sends for that long (requests still reach the server at once, so a
slow answer may be to a call the server has already carried out).

It reads the HTTP/2 frame headers going by (never the payloads, never HPACK): which streams (calls) callers opened,
whose answers it held back, and which the caller reset (RST_STREAM: a gRPC client cancels a call whose deadline
passed). A call held back longer than its caller's deadline and never reset would be a call without a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"  # what every HTTP/2 client sends first
DATA, HEADERS, RST_STREAM = 0x0, 0x1, 0x3
FRAME_HEADER = 9


class FrameHeaders:
    """The (type, stream id) of each HTTP/2 frame in a byte stream fed in arbitrary chunks."""

    def __init__(self, preface: bytes = b"") -> None:
        self.skip = len(preface)
        self.buffer = b""

    def feed(self, data: bytes) -> Iterator[tuple[int, int]]:
        self.buffer += data
        while True:
            if self.skip:
                dropped = min(self.skip, len(self.buffer))
                self.buffer, self.skip = self.buffer[dropped:], self.skip - dropped
                if self.skip:
                    return
            if len(self.buffer) < FRAME_HEADER:
                return
            length = int.from_bytes(self.buffer[:3], "big")
            kind, stream = self.buffer[3], int.from_bytes(self.buffer[5:9], "big") & 0x7FFF_FFFF
            self.buffer, self.skip = self.buffer[FRAME_HEADER:], length
            yield kind, stream


@dataclass
class Calls:
    """What the proxy saw of the calls through it, keyed by (connection, stream id)."""
    opened: set[tuple[int, int]] = field(default_factory=set)
    held: set[tuple[int, int]] = field(default_factory=set)  # an answer frame of it was held back by delay_s
    reset: set[tuple[int, int]] = field(default_factory=set)  # the caller gave up on it (RST_STREAM)


class Proxy:
    """`async with Proxy("127.0.0.1:50051") as proxy:` callers use `proxy.target`; set `proxy.delay_s` any time."""

    def __init__(self, upstream: str) -> None:
        self.upstream_host, port = upstream.rsplit(":", 1)
        self.upstream_port = int(port)
        self.delay_s = 0.0
        self.connections = 0
        self.calls = Calls()
        self.on_request: Callable[[bytes], None] | None = None  # sees every chunk callers send, before it is sent
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def target(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> Proxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        self.connections += 1
        connection = self.connections
        try:
            server_reader, server_writer = await asyncio.wait_for(
                asyncio.open_connection(self.upstream_host, self.upstream_port), timeout=5)
        except OSError:
            client_writer.close()
            self._tasks.discard(asyncio.current_task())
            return
        try:
            await asyncio.gather(self._requests(connection, client_reader, server_writer),
                                 self._answers(connection, server_reader, client_writer))
        except (OSError, asyncio.CancelledError):  # a side hung up, or the proxy is closing (it cancels us)
            pass
        finally:
            for writer in (client_writer, server_writer):
                writer.close()
            self._tasks.discard(asyncio.current_task())

    async def _requests(self, connection: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        frames = FrameHeaders(PREFACE)
        while data := await reader.read(65536):
            for kind, stream in frames.feed(data):
                if kind == HEADERS and stream:
                    self.calls.opened.add((connection, stream))
                elif kind == RST_STREAM:
                    self.calls.reset.add((connection, stream))
            if self.on_request is not None:
                self.on_request(data)
            writer.write(data)
            await writer.drain()
        writer.write_eof()

    async def _answers(self, connection: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Server to caller, in order, each chunk no earlier than `delay_s` (as set when it came) after it came."""
        frames = FrameHeaders()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    writer.write_eof()
                    return
                await asyncio.sleep(due - time.monotonic())
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(send())
        try:
            while True:
                data = await reader.read(65536)
                delay = self.delay_s
                if delay:
                    self.calls.held.update((connection, s) for kind, s in frames.feed(data) if kind in (DATA, HEADERS))
                else:
                    for _ in frames.feed(data):
                        pass
                queue.put_nowait((time.monotonic() + delay, data))
                if not data:
                    break
            await sender
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await sender
