"""An OTLP/gRPC trace receiver for tests: the collector's own TraceService (opentelemetry-proto), on loopback.

Components started with OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint export their spans here, as they would
to a collector or Jaeger; the test reads them back as flat records.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2


@dataclass(frozen=True)
class ReceivedSpan:
    service: str  # the resource's service.name, e.g. pmaas-gateway
    name: str
    kind: str  # SERVER, CLIENT, INTERNAL, ...
    trace_id: str  # 32 hex digits
    span_id: str  # 16 hex digits
    parent_id: str  # "" for a root
    attributes: dict[str, str] = field(default_factory=dict)


def _value(any_value) -> str:
    which = any_value.WhichOneof("value")
    return "" if which is None else str(getattr(any_value, which))


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, spans: list[ReceivedSpan]) -> None:
        self.spans = spans

    async def Export(self, request: trace_service_pb2.ExportTraceServiceRequest, context):
        for resource_spans in request.resource_spans:
            service = next((_value(a.value) for a in resource_spans.resource.attributes if a.key == "service.name"),
                           "")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(ReceivedSpan(
                        service=service, name=span.name,
                        kind=trace_pb2.Span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
                        trace_id=span.trace_id.hex(), span_id=span.span_id.hex(), parent_id=span.parent_span_id.hex(),
                        attributes={a.key: _value(a.value) for a in span.attributes}))
        return trace_service_pb2.ExportTraceServiceResponse()


class OtlpReceiver:
    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self._server: grpc.aio.Server | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> OtlpReceiver:
        self._server = grpc.aio.server()
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_TraceService(self.spans), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        return self

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(1)

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [s for s in self.spans if s.trace_id == trace_id]

    async def wait_for(self, check, what: str, timeout_s: float = 30.0):
        """Poll `check()` until it returns something truthy (spans arrive in batches)."""
        deadline = time.monotonic() + timeout_s
        while not (found := check()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; received: "
                                     + ", ".join(sorted({f'{s.service}:{s.name}' for s in self.spans})))
            await asyncio.sleep(0.2)
        return found
