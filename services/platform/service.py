"""Start and run one data-owning gRPC service: wait for its schema, pool, serve, stop.

Each service's `server.py` declares a `ServiceSpec`; `start` is what tests and
benchmarks use (port 0 picks a free port), `run` is `pmaas serve <name>`. A
service connects as the runtime role and never migrates (`pmaas migrate` does,
as the schemas' owner); it prunes its expired request ids in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import grpc

from services.platform import audit_service, db, embedded, metrics, mutations, telemetry
from services.platform.auth import TokenAuthority
from services.platform.grpc_server import ServiceRegistration, serve_until_signalled, start_server
from services.platform.settings import Settings

log = logging.getLogger(__name__)

# How long a starting service waits for `pmaas migrate` (a Job that may run beside it) to bring its schema up.
MIGRATED_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ServiceSpec:
    component: str  # "projects": schema, `pmaas serve` name and settings port prefix
    full_name: str  # e.g. "pmaas.projects.v1.ProjectsService"
    migrations: Path
    # (pool, settings) -> servicer; add(servicer, server) registers it.
    make_servicer: Callable[[asyncpg.Pool, Settings], object]
    add_to_server: Callable[[object, grpc.aio.Server], None]
    # (pool, settings) -> a coroutine `pmaas serve` runs beside the server until it stops (the governance
    # service's business metrics); None: nothing.
    observe: Callable[[asyncpg.Pool, Settings], Awaitable[None]] | None = None

    @property
    def schema(self) -> str:
        return self.component


@dataclass
class Running:
    server: grpc.aio.Server
    port: int
    pool: asyncpg.Pool
    health: object
    servicer: object
    pruner: asyncio.Task | None = None

    async def stop(self, grace_s: float = 0) -> None:
        await self.server.stop(grace_s)
        await self.close()

    async def close(self) -> None:
        """Stop pruning, release what the servicer holds (channels to other services), then the pool."""
        if self.pruner is not None:
            self.pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pruner
        close = getattr(self.servicer, "close", None)
        if close is not None:
            await close()
        await self.pool.close()


async def start(spec: ServiceSpec, settings: Settings, dsn: str, address: str,
                authority: TokenAuthority | None = None) -> Running:
    await db.wait_until_migrated(dsn, spec.schema, spec.migrations, MIGRATED_TIMEOUT_S)
    pool = await db.create_pool(dsn, schema=spec.schema, min_size=settings.db_pool_min,
                                max_size=settings.db_pool_max, statement_timeout_ms=settings.db_statement_timeout_ms)
    servicer = spec.make_servicer(pool, settings)
    registration = ServiceRegistration(spec.full_name, lambda server: spec.add_to_server(servicer, server))
    # Beside its own API, each service serves its schema's audit log (pmaas.audit.v1.AuditService).
    server, port, health = await start_server([registration, audit_service.registration(pool)],
                                              authority or TokenAuthority(settings), address)
    pruner = asyncio.create_task(mutations.prune_periodically(
        pool, schema=spec.schema, retention=dt.timedelta(days=settings.idempotency_retention_days),
        interval_s=settings.idempotency_prune_interval_s, batch=settings.idempotency_prune_batch))
    return Running(server, port, pool, health, servicer, pruner)


async def run(spec: ServiceSpec, settings: Settings) -> None:
    telemetry.setup(spec.component, log_level=settings.log_level)
    metrics.setup(spec.component, settings)
    address = f"{settings.host}:{settings.port_of(spec.component)}"
    running = await start(spec, settings, embedded.database_url(settings), address)
    metrics.watch_pool(running.pool, spec.component)
    observer = asyncio.create_task(spec.observe(running.pool, settings)) if spec.observe else None

    async def stop() -> None:
        if observer is not None:
            observer.cancel()
        await running.close()

    log.info("serving", extra={"service": spec.full_name, "address": f"{settings.host}:{running.port}"})
    await serve_until_signalled(running.server, running.health, settings.grace_period_s, on_stop=stop)
