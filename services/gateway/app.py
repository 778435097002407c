"""The FastAPI app: every route of the table through one handler, health probes, OpenAPI at /openapi.json.

The handler asks for a bearer token before anything else (no token: 401, nothing called), builds the request
(transcode), calls the service with the token and X-Request-Id as metadata and the configured deadline, and
answers the JSON of the response with its ETag, or the problem the status maps to. The gateway owns no data and
no rules: it never reads PostgreSQL or Temporal, and whatever the services say is what the caller hears.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator

import grpc
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.routing import Route as StarletteRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway import dispatch, openapi, problems, transcode, web
from services.gateway.downstream import Downstream
from services.gateway.routes import ROUTES, SERVICES, Route
from services.platform import metrics, telemetry
from services.platform.settings import Settings

log = logging.getLogger(__name__)
REQUEST_ID = "x-request-id"
# What may travel as gRPC metadata: printable ASCII; anything else is not a credential or an id we pass on.
_METADATA_SAFE = re.compile(r"^[\x20-\x7e]{1,4096}\Z")
_REQUEST_ID_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")


def create_app(settings: Settings, targets: dict[str, str] | None = None) -> FastAPI:
    """`targets`: where each service listens (default: settings.target_of each)."""
    downstream = Downstream(targets or {name: settings.target_of(name) for name in SERVICES})

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await downstream.open()
        try:
            yield
        finally:
            await downstream.close()

    # FastAPI's own OpenTelemetry (on whenever a tracer provider is set, as telemetry.setup always does) made an
    # unrecorded server span and one per endpoint for every request: ~5% of a pass-through GET's CPU. Off unless
    # something is observed, where the instrumentation below takes its place.
    observed = telemetry.exporting() or metrics.enabled()
    app = FastAPI(title="PMaaS REST gateway", version="v1", lifespan=lifespan,
                  telemetry=None if observed else {"tracing": False, "metrics": False, "logs": False},
                  description="JSON over the gRPC APIs (AIP-127 transcoding). Send `Authorization: Bearer <JWT>`; "
                              "errors are RFC 9457 problems carrying the service's reason and field violations.")
    app.state.downstream = downstream
    web.install(app, settings, downstream)  # the approver inbox pages under /ui (services/gateway/web)

    app.add_middleware(RequestIdMiddleware)

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        """No route for the path or method: a problem too, so callers parse one error shape."""
        reason = problems.phrase(exc.status_code).upper().replace(" ", "_")  # NOT_FOUND, METHOD_NOT_ALLOWED
        response = problems.problem(exc.status_code, reason, str(exc.detail), _trace_id())
        if exc.status_code == 405:  # RFC 9110: with the methods the path has, from every route it matches
            response.headers["Allow"] = ", ".join(_allowed_methods(app, request.scope))
        return response

    @app.get("/healthz", tags=["health"], summary="The gateway process is alive")
    async def healthz() -> dict:
        return {"status": "alive"}

    @app.get("/readyz", tags=["health"], summary="Every downstream service answers SERVING",
             responses={503: {"description": "a service is not ready", "content": {problems.PROBLEM_JSON: {}}}})
    async def readyz(request: Request) -> Response:
        states = await downstream.health()
        down = sorted(name for name, state in states.items() if state != "SERVING")
        if not down:
            return JSONResponse({"status": "ready", "services": states})
        return problems.problem(503, "DEPENDENCY_UNAVAILABLE", "not ready: " + ", ".join(
            f"{name} is {states[name]}" for name in down), _trace_id(), extra={"services": states})

    # Custom methods first: `/tasks/{task}` would otherwise also match `/tasks/t1:decide`. Plain Starlette routes
    # (the handler reads the Request itself; FastAPI's dependency solving cost ~5% of a pass-through GET's CPU) in
    # one table tried before the pages' routes (REST paths are all under /v1): trying ~150 routes in turn cost ~12%.
    # The FastAPI instrumentation names each span by matching app.routes itself, so when it runs they are listed.
    rest = dispatch.table([(route.path, route.method, _handler(route, downstream, settings), route.operation_id)
                           for route in sorted(ROUTES, key=lambda r: ":" not in r.path)])
    if observed:
        app.router.routes.extend(rest.routes)
    else:
        app.router.routes.insert(0, rest)

    def custom_openapi() -> dict:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi
            base = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = openapi.document(ROUTES, base)
        return app.openapi_schema

    app.openapi = custom_openapi
    # The server span of every request (continuing the caller's traceparent) and the per-route metrics, around
    # every middleware, probes left out; the gRPC client instrumentation (telemetry.setup) carries the span on to
    # the services. Only when spans are exported or metrics served: it costs ~0.3 ms of CPU per request.
    if observed:
        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz", exclude_spans=["receive", "send"])
    return app


class RequestIdMiddleware:
    """X-Request-Id: the caller's when it is safe to pass on, else a fresh one, in `request.state.request_id` and
    echoed on every answer. Plain ASGI: `@app.middleware("http")` (BaseHTTPMiddleware) runs each request in a task
    group with a stream between the two halves, which cost more CPU than the rest of a pass-through GET's handler
    (tests/bench/gateway.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID, "")
        request_id = given if _REQUEST_ID_SAFE.match(given) else str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


def _handler(route: Route, downstream: Downstream, settings: Settings):
    body_field = "" if route.body in ("", "*") else route.body

    async def handle(request: Request) -> Response:
        with _trace_context(request):
            trace_id = _trace_id()
            token = request.headers.get("authorization", "")
            if not token or not _METADATA_SAFE.match(token):
                return problems.problem(401, "UNAUTHENTICATED", "send Authorization: Bearer <token>", trace_id)
            try:
                message = transcode.build(route, request.path_params, request.query_params, await request.body(),
                                          request.headers.get("idempotency-key"), request.headers.get("if-match"))
            except transcode.BadRequest as exc:
                return problems.problem(400, "INVALID_ARGUMENT", str(exc), trace_id, exc.violations)
            metadata = (("authorization", token), (REQUEST_ID, request.state.request_id))
            try:
                answer = await downstream.method(route)(message, metadata=metadata, timeout=settings.call_timeout_s)
            except grpc.aio.AioRpcError as exc:
                if exc.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
                    log.error("service failed", extra={"rpc": route.rpc, "status": exc.code().name,
                                                       "detail": exc.details()})
                return problems.from_rpc_error(exc, trace_id, body_field)
            document = transcode.to_json(answer)
            response = JSONResponse(document)
            if isinstance(document.get("etag"), str) and document["etag"]:
                response.headers["ETag"] = f'"{document["etag"]}"'
            return response

    return handle


@contextlib.contextmanager
def _trace_context(request: Request):
    """The instrumentation's server span is current here when it runs. Without it: the caller's traceparent, or a
    fresh trace id, is made current, so the problem's traceId is the id the services' logs and audit events
    carry."""
    if trace.get_current_span().get_span_context().is_valid:
        yield
        return
    token = otel_context.attach(telemetry.incoming_context(request.headers))
    try:
        yield
    finally:
        otel_context.detach(token)


def _allowed_methods(app: FastAPI, scope: dict) -> list[str]:
    """Starlette answers 405 for the first route whose path matches; a path served by several routes (GET list,
    POST create) has the methods of them all."""
    methods: set[str] = set()
    for listed in app.router.routes:
        for route in listed.candidates(scope) if isinstance(listed, dispatch.RouteTable) else (listed,):
            if isinstance(route, StarletteRoute) and route.methods and route.matches(scope)[0] != Match.NONE:
                methods |= route.methods
    return sorted(methods)


def _trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""

