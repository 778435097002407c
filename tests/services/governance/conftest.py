"""GovernanceService fixtures beyond the session's (tests/conftest.py: RisksService, BillingService and the
GovernanceService on the Temporal dev server): a real worker in this process on the session's governance
task queue, a connection behind the API, and a planned project. Each test works in an organization of
its own."""

from __future__ import annotations

import asyncpg
import pytest

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.support import date, eur
from workflows import worker as governance_worker


@pytest.fixture(scope="session")
async def worker(governance_settings, governance_service, temporal_env, governance_pool, service_calls):
    """A real worker in this process, calling the services as the governance service principal (and delivering
    webhooks to the tests' receivers on loopback, as under `pmaas dev`)."""
    running = governance_worker.build(temporal_env.client, governance_settings.temporal_task_queue,
                                      governance_pool, service_calls, webhook_allow_loopback=True)
    async with running:
        yield running


@pytest.fixture
async def db_conn(database_url, governance_service):
    """A connection in the governance schema, to look behind the API (read model, refusals, audit)."""
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "governance,public"})
    yield conn
    await conn.close()


@pytest.fixture
async def project(projects_stub, as_role, org) -> str:
    """A planned project of `org` (100,000 EUR, 2027-01-01 .. 2027-06-30), in PLANNING; returns its name."""
    created = await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo", project=projects_pb.Project(
            code="APL-1", display_name="Apollo", methodology=projects_pb.METHODOLOGY_WATERFALL,
            budget=eur(100_000), planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 6, 30))))
    return created.name
