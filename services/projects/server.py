"""The ProjectsService process: `pmaas serve projects`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import grpc

from pmaas.projects.v1 import projects_service_pb2, projects_service_pb2_grpc
from services.platform import db, embedded, telemetry
from services.platform.auth import TokenAuthority
from services.platform.grpc_server import ServiceRegistration, serve_until_signalled, start_server
from services.platform.settings import Settings
from services.projects.servicer import ProjectsServicer

SCHEMA = "projects"
MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = projects_service_pb2.DESCRIPTOR.services_by_name["ProjectsService"].full_name

log = logging.getLogger(__name__)


@dataclass
class Running:
    server: grpc.aio.Server
    port: int
    pool: asyncpg.Pool
    health: object

    async def stop(self, grace_s: float = 0) -> None:
        await self.server.stop(grace_s)
        await self.pool.close()


async def start(settings: Settings, dsn: str, address: str, authority: TokenAuthority | None = None) -> Running:
    """Migrate, open the pool and serve on `address` (port 0 picks a free one)."""
    conn = await asyncpg.connect(dsn)
    try:
        await db.migrate(conn, SCHEMA, MIGRATIONS)
    finally:
        await conn.close()
    pool = await db.create_pool(dsn, schema=SCHEMA, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
                                statement_timeout_ms=settings.db_statement_timeout_ms)
    servicer = ProjectsServicer(pool)
    registration = ServiceRegistration(
        SERVICE_NAME, lambda server: projects_service_pb2_grpc.add_ProjectsServiceServicer_to_server(servicer, server))
    server, port, health = await start_server([registration], authority or TokenAuthority(settings), address)
    return Running(server, port, pool, health)


async def run(settings: Settings) -> None:
    telemetry.setup("projects", log_level=settings.log_level)
    address = f"{settings.host}:{settings.projects_port}"
    running = await start(settings, embedded.database_url(settings), address)
    log.info("serving", extra={"service": SERVICE_NAME, "address": address})
    await serve_until_signalled(running.server, running.health, settings.grace_period_s,
                                on_stop=running.pool.close)
