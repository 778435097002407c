"""A database that is down, restarting or has dropped a session is UNAVAILABLE to the caller (retry with the same
request_id), never INTERNAL; the pool serves again once the server is back, with no restart of the service. Every
error here is a real one from a real server of this module's own (tests/chaos/servers.py), stopped for the test."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import grpc
import pytest

from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as ppb
from services.platform import db, errors
from services.projects import server as projects_server
from tests.chaos.servers import OwnPostgres
from tests.support import Caller, fails, rid


@pytest.fixture(scope="module")
async def own_postgres():
    server = OwnPostgres()
    await server.start()
    yield server
    await asyncio.to_thread(server.close)


@pytest.fixture
async def running_postgres(own_postgres):
    """The module's server, started again if a test stopped it."""
    yield own_postgres
    await asyncio.to_thread(own_postgres.start_again)


@pytest.fixture
async def pool(running_postgres):
    pool = await db.create_pool(running_postgres.runtime_url, schema="projects", min_size=1, max_size=2)
    yield pool
    await pool.close()


async def raised(call) -> Exception:
    try:
        await call
    except Exception as exc:  # noqa: BLE001 - the test looks at whatever the real failure is
        return exc
    raise AssertionError("the call succeeded but the database was down")


def assert_unavailable(exc: Exception) -> None:
    api = errors.from_database(exc)
    assert api is not None, f"{exc!r} is not mapped: it would be INTERNAL"
    assert (api.code, api.reason) == (grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE")
    assert "retry with the same request_id" in api.message


async def test_a_session_ended_by_the_server_is_unavailable(pool, running_postgres):
    async def ended_then_used():
        async with pool.acquire() as conn:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            admin = await asyncpg.connect(running_postgres.admin_url)
            try:
                await admin.fetchval("SELECT pg_terminate_backend($1)", pid)  # 57P01, as a fast shutdown sends
            finally:
                await admin.close()
            await asyncio.sleep(0.2)
            await conn.fetchval("SELECT 1")

    assert_unavailable(await raised(ended_then_used()))


async def test_a_statement_in_flight_when_the_server_stops_is_unavailable(pool, running_postgres):
    async def statement():
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_sleep(30)")

    in_flight = asyncio.create_task(raised(statement()))
    await asyncio.sleep(0.3)
    await asyncio.to_thread(running_postgres.stop)
    assert_unavailable(await in_flight)


async def test_connecting_while_the_server_is_down_is_unavailable(pool, running_postgres):
    await pool.expire_connections()  # the next call needs a new connection
    await asyncio.to_thread(running_postgres.stop)
    exc = await raised(pool.fetchval("SELECT 1"))
    assert isinstance(exc, asyncpg.PostgresConnectionError)
    assert_unavailable(exc)


async def test_the_same_pool_serves_again_once_the_server_is_back(pool, running_postgres):
    await asyncio.to_thread(running_postgres.stop)
    await raised(pool.fetchval("SELECT 1"))
    await asyncio.to_thread(running_postgres.start_again)
    assert await pool.fetchval("SELECT 1") == 1


async def test_a_write_while_the_database_is_down_is_unavailable_and_its_retry_applies_once(
        running_postgres, settings, authority):
    service = await projects_server.start(settings, running_postgres.runtime_url, "127.0.0.1:0", authority)
    org = "org-" + uuid.uuid4().hex[:12]
    admin = Caller(authority, "db-down-admin", {org: ["admin"]})
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            projects = projects_service_pb2_grpc.ProjectsServiceStub(channel)
            await admin(projects.CreateOrganization, papi.CreateOrganizationRequest(
                organization_id=org, organization=ppb.Organization(
                    display_name="Down", pmo_type=ppb.PMO_TYPE_TACTICAL, default_currency_code="EUR")))
            create = papi.CreateProjectRequest(
                parent=f"organizations/{org}", project_id="p", request_id=rid(),
                project=ppb.Project(code="P", display_name="P", methodology=ppb.METHODOLOGY_AGILE))
            await asyncio.to_thread(running_postgres.stop)
            down = await fails(admin(projects.CreateProject, create))
            await asyncio.to_thread(running_postgres.start_again)
            first = await admin(projects.CreateProject, create)
            again = await admin(projects.CreateProject, create)
    finally:
        await service.stop()
    assert (down.code, down.reason) == (grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE")
    assert first == again
