"""The BillingService process: `pmaas serve billing`."""

from __future__ import annotations

from pathlib import Path

from pmaas.billing.v1 import billing_service_pb2, billing_service_pb2_grpc
from services.billing.servicer import BillingServicer
from services.platform import eventloop, service
from services.platform.settings import Settings

loop_factory = eventloop.uvloop_or_asyncio  # `pmaas serve billing` runs on uvloop (eventloop.py says why)

SPEC = service.ServiceSpec(
    component="billing",
    full_name=billing_service_pb2.DESCRIPTOR.services_by_name["BillingService"].full_name,
    migrations=Path(__file__).parent / "migrations",
    make_servicer=lambda pool, settings: BillingServicer(pool, settings),
    add_to_server=billing_service_pb2_grpc.add_BillingServiceServicer_to_server,
)
SCHEMA = SPEC.schema
MIGRATIONS = SPEC.migrations


async def start(settings: Settings, dsn: str, address: str, authority=None) -> service.Running:
    return await service.start(SPEC, settings, dsn, address, authority)


async def run(settings: Settings) -> None:
    await service.run(SPEC, settings)
