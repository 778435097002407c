"""The RisksService process: `pmaas serve risks`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pmaas.risks.v1 import risks_service_pb2, risks_service_pb2_grpc
from services.platform import eventloop, service
from services.platform.settings import Settings
from services.risks.servicer import RisksServicer, utc_now

loop_factory = eventloop.uvloop_or_asyncio  # `pmaas serve risks` runs on uvloop (eventloop.py says why)

SPEC = service.ServiceSpec(
    component="risks",
    full_name=risks_service_pb2.DESCRIPTOR.services_by_name["RisksService"].full_name,
    migrations=Path(__file__).parent / "migrations",
    make_servicer=lambda pool, settings: RisksServicer(pool, settings),
    add_to_server=risks_service_pb2_grpc.add_RisksServiceServicer_to_server,
)
SCHEMA = SPEC.schema
MIGRATIONS = SPEC.migrations


async def start(settings: Settings, dsn: str, address: str, authority=None,
                clock: Callable[[], datetime] = utc_now) -> service.Running:
    """`clock` lets tests move time forward to make reviews and actions overdue."""
    spec = dataclasses.replace(SPEC, make_servicer=lambda pool, s: RisksServicer(pool, s, clock))
    return await service.start(spec, settings, dsn, address, authority)


async def run(settings: Settings) -> None:
    await service.run(SPEC, settings)
