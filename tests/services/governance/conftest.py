"""GovernanceService fixtures beyond the session's (tests/conftest.py: RisksService, BillingService and the
GovernanceService on the Temporal dev server): a real worker in this process on the session's governance
task queue, a connection behind the API, and a planned project. Each test works in an organization of
its own."""

from __future__ import annotations

import asyncpg
import grpc
import pytest
from google.type import date_pb2, money_pb2

from pmaas.billing.v1 import billing_service_pb2_grpc
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.governance import server as governance_server
from services.platform import db
from workflows import worker as governance_worker
from workflows.activities.services import ServiceCalls


@pytest.fixture(scope="session")
async def governance_pool(database_url, governance_service):
    """The worker's pool on the governance schema (migrated by the service)."""
    pool = await db.create_pool(database_url, schema=governance_server.SCHEMA, max_size=10)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def worker(governance_settings, temporal_env, governance_pool, authority, projects_service, risks_service,
                 billing_service):
    """A real worker in this process, calling the services as the governance service principal."""
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{s.port}")
                for s in (projects_service, risks_service, billing_service)]
    calls = ServiceCalls(projects=projects_service_pb2_grpc.ProjectsServiceStub(channels[0]),
                         risks=risks_service_pb2_grpc.RisksServiceStub(channels[1]),
                         billing=billing_service_pb2_grpc.BillingServiceStub(channels[2]),
                         token=authority.issue_service_token(), timeout_s=10, channels=tuple(channels))
    running = governance_worker.build(temporal_env.client, governance_settings.temporal_task_queue,
                                      governance_pool, calls)
    async with running:
        yield running
    await calls.close()


@pytest.fixture
async def db_conn(database_url, governance_service):
    """A connection in the governance schema, to look behind the API (read model, refusals, audit)."""
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "governance,public"})
    yield conn
    await conn.close()


def eur(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


def date(y: int, m: int, d: int) -> date_pb2.Date:
    return date_pb2.Date(year=y, month=m, day=d)


@pytest.fixture
async def project(projects_stub, as_role, org) -> str:
    """A planned project of `org` (100,000 EUR, 2027-01-01 .. 2027-06-30), in PLANNING; returns its name."""
    created = await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo", project=projects_pb.Project(
            code="APL-1", display_name="Apollo", methodology=projects_pb.METHODOLOGY_WATERFALL,
            budget=eur(100_000), planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 6, 30))))
    return created.name
