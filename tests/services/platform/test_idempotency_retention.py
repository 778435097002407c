"""AIP-155 request ids are kept longer than any workflow retries with one, then pruned: by every service process
in the background and by `pmaas prune`. A retry inside the retention still gets its first response."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import asyncpg
import pytest

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import db, mutations
from services.platform.settings import Settings, SettingsError, load_settings
from services.projects import server as projects_server
from tests.services.platform.test_cli import cli_env, pmaas
from workflows.ids import MUTATION_RETRY_HORIZON

RETENTION = dt.timedelta(days=30)
BACKGROUND_TIMEOUT_S = 30


@pytest.fixture
async def runtime_pool(runtime_database_url):
    pool = await db.create_pool(runtime_database_url, schema="projects", max_size=2)
    yield pool
    await pool.close()


async def create_project(projects_stub, caller, org: str, project_id: str, request_id: str) -> pb.Project:
    return await caller(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, request_id=request_id,
        project=pb.Project(code=project_id.upper(), display_name=project_id, methodology=pb.METHODOLOGY_AGILE)))


async def age(conn: asyncpg.Connection, org: str, request_id: str, days: float) -> None:
    await conn.execute("UPDATE idempotency_keys SET create_time = now() - $3::interval "
                       "WHERE org_id = $1 AND request_id = $2", org, uuid.UUID(request_id), dt.timedelta(days=days))


async def kept(conn: asyncpg.Connection, org: str) -> set[str]:
    rows = await conn.fetch("SELECT request_id FROM idempotency_keys WHERE org_id = $1", org)
    return {str(r["request_id"]) for r in rows}


async def test_pruning_removes_expired_request_ids_in_batches_and_keeps_fresh_ones(
        projects_stub, as_role, org, projects_db, runtime_pool):
    pmo = as_role("pmo")
    expired = [str(uuid.uuid4()) for _ in range(3)]
    fresh = str(uuid.uuid4())
    for i, request_id in enumerate(expired):
        await create_project(projects_stub, pmo, org, f"old-{i}", request_id)
        await age(projects_db, org, request_id, RETENTION.days + 1)
    await create_project(projects_stub, pmo, org, "new", fresh)

    removed = await mutations.prune_idempotency_keys(runtime_pool, older_than=RETENTION, batch=2)

    assert removed >= len(expired)  # other tests' expired ids go too
    assert await kept(projects_db, org) == {fresh}


async def test_a_retry_inside_the_retention_returns_the_stored_response(
        projects_stub, as_role, org, projects_db, runtime_pool):
    pmo = as_role("pmo")
    request_id = str(uuid.uuid4())
    first = await create_project(projects_stub, pmo, org, "apollo", request_id)
    await age(projects_db, org, request_id, RETENTION.days - 1)

    await mutations.prune_idempotency_keys(runtime_pool, older_than=RETENTION, batch=100)
    retried = await create_project(projects_stub, pmo, org, "apollo", request_id)

    assert retried == first
    assert await projects_db.fetchval("SELECT count(*) FROM projects WHERE org_id = $1", org) == 1


async def test_each_service_process_prunes_expired_request_ids_in_the_background(
        settings, runtime_database_url, authority, projects_stub, as_role, org, projects_db):
    request_id = str(uuid.uuid4())
    await create_project(projects_stub, as_role("pmo"), org, "apollo", request_id)
    await age(projects_db, org, request_id, RETENTION.days + 1)

    quick = settings.model_copy(update={"idempotency_prune_interval_s": 1.0})
    running = await projects_server.start(quick, runtime_database_url, "127.0.0.1:0", authority)
    try:
        async with asyncio.timeout(BACKGROUND_TIMEOUT_S):
            while request_id in await kept(projects_db, org):
                await asyncio.sleep(0.2)
    finally:
        await running.stop()

    assert request_id not in await kept(projects_db, org)


async def test_pmaas_prune_removes_expired_request_ids_from_every_schema(
        projects_stub, as_role, org, projects_db, runtime_database_url, tmp_path):
    expired, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    await create_project(projects_stub, as_role("pmo"), org, "old", expired)
    await age(projects_db, org, expired, RETENTION.days + 1)
    await create_project(projects_stub, as_role("pmo"), org, "new", fresh)

    done = await asyncio.to_thread(pmaas, "prune", env=cli_env(tmp_path, database_url=runtime_database_url))

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["projects", "risks", "billing", "governance"]
    assert all(line.endswith("older than 30 days") for line in lines)
    assert await kept(projects_db, org) == {fresh}


def test_retention_outlasts_the_longest_workflow_retry():
    horizon_days = MUTATION_RETRY_HORIZON / dt.timedelta(days=1)

    assert Settings(_env_file=None).idempotency_retention_days > horizon_days
    with pytest.raises(SettingsError, match="PMAAS_IDEMPOTENCY_RETENTION_DAYS"):
        load_settings(idempotency_retention_days=int(horizon_days))
