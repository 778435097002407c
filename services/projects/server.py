"""The ProjectsService process: `pmaas serve projects`."""

from __future__ import annotations

from pathlib import Path

from pmaas.projects.v1 import projects_service_pb2, projects_service_pb2_grpc
from services.platform import eventloop, service
from services.platform.settings import Settings
from services.projects.servicer import ProjectsServicer

loop_factory = eventloop.uvloop_or_asyncio  # `pmaas serve projects` runs on uvloop (eventloop.py says why)

SPEC = service.ServiceSpec(
    component="projects",
    full_name=projects_service_pb2.DESCRIPTOR.services_by_name["ProjectsService"].full_name,
    migrations=Path(__file__).parent / "migrations",
    make_servicer=lambda pool, settings: ProjectsServicer(pool),
    add_to_server=projects_service_pb2_grpc.add_ProjectsServiceServicer_to_server,
)
SCHEMA = SPEC.schema
MIGRATIONS = SPEC.migrations


async def start(settings: Settings, dsn: str, address: str, authority=None) -> service.Running:
    return await service.start(SPEC, settings, dsn, address, authority)


async def run(settings: Settings) -> None:
    await service.run(SPEC, settings)
