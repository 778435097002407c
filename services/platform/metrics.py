"""OpenTelemetry metrics for every process, scraped by Prometheus from `GET /metrics` on the metrics port.

One MeterProvider per process with the Prometheus reader; `setup` serves it on settings.host:metrics_port
(PMAAS_METRICS_PORT; 0, the default, serves nothing and records nothing: instruments stay no-ops). What each
component exports:

- every gRPC service, per RPC (RED): `rpc_server_call_duration_seconds` (histogram: its `_count` is the rate,
  with `rpc_grpc_status_code` the errors) by `rpc_service` and `rpc_method`, from `CallRecorder`;
- the gateway: the FastAPI instrumentation's `http_server_duration_milliseconds` by route and status;
- every process with a database pool: `db_client_connection_count` by `state` (used, idle) and
  `db_client_connection_max`;
- processes holding a Temporal client (governance, worker): temporalio's own SDK metrics (worker task slots,
  schedule-to-start latencies, `temporal_activity_execution_failed` by `activity_type`, ...), drained from its
  MetricBuffer into this provider (temporalio.contrib.opentelemetry.MetricsExporter) so they share the one
  endpoint rather than Core's own PrometheusConfig listener on a second port;
- the governance service: the business signals operators are paged for (services/governance/operations.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

import asyncpg
import grpc
from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

from services.platform.settings import Settings

log = logging.getLogger(__name__)

# Seconds: an RPC here takes a millisecond or two; a slow one seconds.
_RPC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Seconds, for temporalio's histograms (all latencies: schedule-to-start, execution, end-to-end). Its exporter
# gives them no boundaries, and OpenTelemetry's defaults (0, 5, 10, 25 ...) made a healthy p99 read ~5 s.
_TEMPORAL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                     300.0)
TEMPORAL_METER = "temporalio"

_served_port: int | None = None


def setup(component: str, settings: Settings) -> int | None:
    """Serve /metrics on settings.metrics_port (0: off). Idempotent; returns the port served, or None."""
    global _served_port
    if _served_port is not None or settings.metrics_port == 0:
        return _served_port
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import Histogram, MeterProvider
    from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
    from opentelemetry.sdk.resources import Resource
    from prometheus_client import start_http_server

    # A scrape reads the provider through the reader; the HTTP server is prometheus_client's own (a thread).
    start_http_server(settings.metrics_port, addr=settings.host)
    metrics.set_meter_provider(MeterProvider(
        metric_readers=[PrometheusMetricReader()],
        views=[View(meter_name=TEMPORAL_METER, instrument_type=Histogram,
                    aggregation=ExplicitBucketHistogramAggregation(_TEMPORAL_BUCKETS))],
        resource=Resource.create({"service.name": f"pmaas-{component}", "service.namespace": "pmaas"})))
    _served_port = settings.metrics_port
    log.info("serving metrics", extra={"address": f"{settings.host}:{settings.metrics_port}", "path": "/metrics"})
    return _served_port


def enabled() -> bool:
    return _served_port is not None


def meter(name: str) -> metrics.Meter:
    return metrics.get_meter(name)


# --- RED per RPC -----------------------------------------------------------------------------------


class CallRecorder(grpc.aio.ServerInterceptor):
    """Each unary call's duration by service, method and status code, and one DEBUG log line for it (inside the
    server span: it carries the trace id). Placed before the error mapper, so it sees the status that leaves."""

    def __init__(self) -> None:
        self.duration = meter("pmaas.rpc").create_histogram(
            "rpc.server.call.duration", unit="s", description="Duration of gRPC calls served, by status code",
            explicit_bucket_boundaries_advisory=_RPC_BUCKETS)

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)
        if handler is None or handler.request_streaming or handler.response_streaming:
            return handler
        service, _, method = details.method.lstrip("/").rpartition("/")
        behavior = handler.unary_unary

        async def recorded(request, context: grpc.aio.ServicerContext):
            started = time.perf_counter()
            code = grpc.StatusCode.UNKNOWN
            try:
                response = await behavior(request, context)
                code = _status(context, grpc.StatusCode.OK)
                return response
            except BaseException:
                code = _status(context, grpc.StatusCode.UNKNOWN)  # the error mapper aborted with the code
                raise
            finally:
                elapsed = time.perf_counter() - started
                self.duration.record(elapsed, {"rpc.system": "grpc", "rpc.service": service, "rpc.method": method,
                                               "rpc.grpc.status_code": code.value[0]})
                log.debug("rpc", extra={"rpc": details.method, "status": code.name,
                                        "duration_ms": round(elapsed * 1000, 3)})

        return handler._replace(unary_unary=recorded)


_CODES = {code.value[0]: code for code in grpc.StatusCode}


def _status(context: grpc.aio.ServicerContext, default: grpc.StatusCode) -> grpc.StatusCode:
    code = context.code()
    if isinstance(code, int):
        return _CODES.get(code, default)
    return code or default


def call_recorder() -> CallRecorder | None:
    """The recorder when anything would read what it records (metrics served, or DEBUG logs): it costs a few
    microseconds per call, which the benchmarks, run without either, do not pay."""
    if enabled() or logging.getLogger().isEnabledFor(logging.DEBUG):
        return CallRecorder()
    return None


# --- database pools --------------------------------------------------------------------------------


def watch_pool(pool: asyncpg.Pool, name: str) -> None:
    """Pool use as observable gauges, read at each scrape."""
    m = meter("pmaas.db")

    def count(options: CallbackOptions) -> Iterable[Observation]:
        size, idle = pool.get_size(), pool.get_idle_size()
        base = {"db.client.connection.pool.name": name}
        yield Observation(size - idle, {**base, "db.client.connection.state": "used"})
        yield Observation(idle, {**base, "db.client.connection.state": "idle"})

    def maximum(options: CallbackOptions) -> Iterable[Observation]:
        yield Observation(pool.get_max_size(), {"db.client.connection.pool.name": name})

    m.create_observable_up_down_counter("db.client.connection.count", [count], unit="{connection}",
                                        description="Connections of the pool, by state")
    m.create_observable_up_down_counter("db.client.connection.max", [maximum], unit="{connection}",
                                        description="The most connections the pool opens")


# --- temporalio's own metrics ----------------------------------------------------------------------

_temporal_runtime = None
_temporal_drain: asyncio.Task | None = None


def temporal_runtime():
    """A temporalio Runtime whose SDK metrics land in this provider, or None (metrics off: the default runtime).
    One per process; its buffer is drained every second by a task of the running loop."""
    global _temporal_runtime, _temporal_drain
    if not enabled():
        return None
    if _temporal_runtime is None:
        from temporalio.contrib.opentelemetry import MetricsExporter
        from temporalio.runtime import MetricBuffer, MetricBufferDurationFormat, Runtime, TelemetryConfig

        buffer = MetricBuffer(10_000, duration_format=MetricBufferDurationFormat.SECONDS)
        _temporal_runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer))
        _temporal_drain = asyncio.get_running_loop().create_task(
            MetricsExporter(buffer, metrics.get_meter_provider(), meter_name=TEMPORAL_METER).run(),
            name="temporal-metrics")
    return _temporal_runtime


# --- observed values computed elsewhere ------------------------------------------------------------


class Snapshot:
    """Values a background task refreshes and a scrape reads: a scrape's callbacks cannot await a query."""

    def __init__(self) -> None:
        self.values: dict[str, list[tuple[float, dict[str, str | int]]]] = {}

    def callback(self, key: str) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            return [Observation(value, attributes) for value, attributes in self.values.get(key, ())]

        return observe
