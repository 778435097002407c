"""Fixtures of the workflow tests: real RisksService and BillingService next to the session's
ProjectsService, the governance schema on the session's PostgreSQL (for the read-model
activities), and calls to the services as the governance service principal."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import grpc
import pytest

from pmaas.billing.v1 import billing_service_pb2_grpc
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.billing import server as billing_server
from services.platform import db
from services.risks import server as risks_server
from workflows.activities.services import ServiceCalls

GOVERNANCE_SCHEMA = "governance"
GOVERNANCE_MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "governance" / "migrations"


@pytest.fixture(scope="session")
async def risks_service(settings, database_url, authority, projects_service):
    risks_settings = settings.model_copy(update={"projects_target": f"127.0.0.1:{projects_service.port}"})
    running = await risks_server.start(risks_settings, database_url, "127.0.0.1:0", authority)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def risks_stub(risks_service):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{risks_service.port}")
    yield risks_service_pb2_grpc.RisksServiceStub(channel)
    await channel.close()


@pytest.fixture(scope="session")
async def billing_service(settings, database_url, authority, projects_service):
    billing_settings = settings.model_copy(update={"projects_target": f"127.0.0.1:{projects_service.port}"})
    running = await billing_server.start(billing_settings, database_url, "127.0.0.1:0", authority)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def billing_stub(billing_service):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{billing_service.port}")
    yield billing_service_pb2_grpc.BillingServiceStub(channel)
    await channel.close()


@pytest.fixture(scope="session")
async def governance_pool(database_url):
    """A pool on the migrated governance schema, as the worker's read-model activities use it."""
    conn = await asyncpg.connect(database_url)
    try:
        await db.migrate(conn, GOVERNANCE_SCHEMA, GOVERNANCE_MIGRATIONS)
    finally:
        await conn.close()
    pool = await db.create_pool(database_url, schema=GOVERNANCE_SCHEMA, max_size=10)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def service_calls(authority, projects_service, risks_service, billing_service):
    """The worker's calls to the three services, with the governance service principal's own token."""
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{s.port}")
                for s in (projects_service, risks_service, billing_service)]
    calls = ServiceCalls(projects=projects_service_pb2_grpc.ProjectsServiceStub(channels[0]),
                         risks=risks_service_pb2_grpc.RisksServiceStub(channels[1]),
                         billing=billing_service_pb2_grpc.BillingServiceStub(channels[2]),
                         token=authority.issue_service_token(), timeout_s=10, channels=tuple(channels))
    yield calls
    await calls.close()
