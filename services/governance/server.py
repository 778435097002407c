"""The GovernanceService process: `pmaas serve governance`.

Like every service it waits for its migrated schema, opens a pool and serves gRPC (services/platform/service.py);
it also holds a Temporal client, connected before serving so a missing Temporal fails the start
rather than the first call.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from temporalio.client import Client

from pmaas.governance.v1 import governance_service_pb2, governance_service_pb2_grpc
from services.governance import operations, temporal
from services.governance.servicer import GovernanceServicer
from services.platform import metrics, service, telemetry
from services.platform.settings import Settings


def _needs_client(pool, settings):
    raise RuntimeError("the GovernanceService needs a Temporal client: use server.start() or server.run()")


SPEC = service.ServiceSpec(
    component="governance",
    full_name=governance_service_pb2.DESCRIPTOR.services_by_name["GovernanceService"].full_name,
    migrations=Path(__file__).parent / "migrations",
    make_servicer=_needs_client,
    add_to_server=governance_service_pb2_grpc.add_GovernanceServiceServicer_to_server,
    observe=operations.observe,
)
SCHEMA = SPEC.schema
MIGRATIONS = SPEC.migrations


def spec_with(client: Client) -> service.ServiceSpec:
    return dataclasses.replace(SPEC, make_servicer=lambda pool, settings: GovernanceServicer(pool, settings, client))


async def start(settings: Settings, dsn: str, address: str, authority=None,
                client: Client | None = None) -> service.Running:
    """`client`: a Temporal client to use (tests pass their test server's); else one is connected."""
    client = client or await temporal.connect(settings)
    return await service.start(spec_with(client), settings, dsn, address, authority)


async def run(settings: Settings) -> None:
    telemetry.setup(SPEC.component, log_level=settings.log_level)  # before the client: its spans need the provider
    metrics.setup(SPEC.component, settings)  # ... and its SDK metrics this meter provider
    await service.run(spec_with(await temporal.connect(settings)), settings)
