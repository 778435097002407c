"""OpenTelemetry and logging for every process.

One tracer provider per process, named for its component; OTLP export when
OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter and the sampler read the
standard OTEL_* variables themselves). Without an exporter nothing is
recorded, but trace context still flows. A process that runs workflows (the worker) gets temporalio's
replay-safe provider: workflow spans then get deterministic ids and are not emitted again when a
workflow replays (it costs ~10 µs more per span, so other processes keep the plain one). When spans are
exported, asyncpg and outgoing gRPC calls are instrumented here (without, clients.outgoing sends the trace
context); the gRPC server interceptor is added by `grpc_server` (OpenTelemetry's when spans are exported; otherwise only
the trace context, `incoming_context`, which the gateway uses too). Logs are one JSON object
per line carrying the current trace and span ids.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

_configured = False
_exporting = False
# SQL string constants, plain or E'...' (db.literal): a quote inside one is doubled, so none ends early.
_SQL_STRING = re.compile(r"[Ee]?'(?:[^']|'')*'")
_STATEMENT_ATTRIBUTES = ("db.statement", "db.query.text")


class RedactSqlConstants(SpanProcessor):
    """A statement's string constants leave as `?`: run_mutation writes values into its SQL text
    (db.literal), and what callers sent is not for the trace backend (parameters are not recorded either)."""

    def on_start(self, span, parent_context=None) -> None:
        for key in _STATEMENT_ATTRIBUTES:
            statement = (span.attributes or {}).get(key)
            if isinstance(statement, str) and "'" in statement:
                span.set_attribute(key, _SQL_STRING.sub("?", statement))


def setup(component: str, *, log_level: str = "INFO", extra_processors: list[SpanProcessor] = (),
          workflows: bool = False) -> None:
    """Idempotent: the first call in a process wins. `workflows`: this process runs Temporal workflows."""
    global _configured, _exporting
    if _configured:
        return
    _configured = True
    exporting = _exporting = bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")) or bool(extra_processors)
    # With nowhere to send spans, record none: spans still exist (non-recording), so trace
    # ids still propagate into logs and audit events, at a fraction of the cost.
    if workflows:
        from temporalio.contrib.opentelemetry import create_tracer_provider as make_provider
    else:
        make_provider = TracerProvider
    provider = make_provider(
        resource=Resource.create({"service.name": f"pmaas-{component}", "service.namespace": "pmaas"}),
        sampler=None if exporting else ALWAYS_OFF,
    )
    if exporting:
        provider.add_span_processor(RedactSqlConstants())
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    for processor in extra_processors:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)

    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient

    if exporting:  # unrecorded spans cost as much to make (~30 µs a statement, ~2x a plain gRPC call's CPU)
        AsyncPGInstrumentor().instrument()
        GrpcAioInstrumentorClient().instrument()
    setup_logging(component, log_level)


def exporting() -> bool:
    """Whether this process records and exports spans: instrumentation that only makes spans skips itself."""
    return _exporting


def incoming_context(carrier: Mapping[str, str]) -> otel_context.Context:
    """What a request runs in when no span is exported: the caller's trace context (traceparent, baggage), or a
    fresh trace id, so its logs, audit events and onward calls carry an id the caller and operators can look up.
    Nothing is recorded, so no span of our own is made (an unrecorded one, with its attributes, cost ~0.1 ms of
    server CPU per gRPC call: tests/bench/skeleton.py)."""
    parent = propagate.extract(carrier)
    if not trace.get_current_span(parent).get_span_context().is_valid:
        fresh = trace.SpanContext(trace_id=random.getrandbits(128), span_id=random.getrandbits(64), is_remote=True,
                                  trace_flags=trace.TraceFlags(0))
        parent = trace.set_span_in_context(trace.NonRecordingSpan(fresh), parent)
    return parent


class JsonFormatter(logging.Formatter):
    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "component": self.component,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            entry["trace_id"] = format(ctx.trace_id, "032x")
            entry["span_id"] = format(ctx.span_id, "016x")
        entry.update({k: v for k, v in vars(record).items() if k not in self._STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup_logging(component: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(component))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("opentelemetry.context").addFilter(DetachOnCloseNoise())


class DetachOnCloseNoise(logging.Filter):
    """Drops OpenTelemetry's "Failed to detach context" when it comes from a coroutine being closed.

    A coroutine suspended inside a span (a workflow the worker evicts from its cache, mid-`run`) is closed with
    GeneratorExit in another contextvars Context; the span's context manager then detaches a token of the old one,
    and OpenTelemetry logs that at ERROR with a traceback (temporalio/sdk-python#441 and #1596, seen in the
    gateway bench). Harmless: the context is discarded with the coroutine. Every other detach failure is kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != "Failed to detach context" or not record.exc_info:
            return True
        error: BaseException | None = record.exc_info[1]
        while error is not None:
            if isinstance(error, GeneratorExit):
                return False
            error = error.__context__
        return True
