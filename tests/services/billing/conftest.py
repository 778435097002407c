"""BillingService fixtures: the real service on loopback (port 0), talking to the
session's real ProjectsService, and a fresh organization per test with one
budgeted project, a T&M engagement on it and a consultant rate."""

from __future__ import annotations

import asyncpg
import pytest

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.services.billing.support import EUR, D, create_engagement, create_rate


@pytest.fixture
async def project(projects_stub, as_role, org) -> str:
    """A project budgeted 100,000 EUR over 2027-01-01..2027-04-10 (100 days), 40% complete."""
    created = await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo", project=projects_pb.Project(
            code="APL-1", display_name="Apollo", methodology=projects_pb.METHODOLOGY_AGILE,
            budget=EUR(100_000), planned_start_date=D(2027, 1, 1), planned_end_date=D(2027, 4, 10),
            percent_complete=40)))
    return created.name


@pytest.fixture
async def engagement(billing_stub, as_role, org, project) -> str:
    """A T&M engagement on `project` with the organization's consultant rate of 100 EUR/h."""
    finance = as_role("finance")
    created = await create_engagement(billing_stub, finance, org, [project])
    await create_rate(billing_stub, finance, org)
    return created.name


@pytest.fixture
async def db(database_url):
    """A connection in the billing schema, to count rows and audit events behind the API."""
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "billing,public"})
    yield conn
    await conn.close()
