"""PostgreSQL restarted under load: ProjectsService and RisksService keep running against a PostgreSQL of the
test's own while several clients write (CreateProject, CreateRisk: a risk also pins its project through
ProjectsService), each retrying a failed call with the same request_id until it succeeds. The server is stopped
(fast shutdown: sessions ended mid-statement) and started again on the same socket N times. The services recover
without a restart of their own, calls during an outage fail UNAVAILABLE (never INTERNAL), and every acknowledged
write is in the database exactly once."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import grpc
import pytest

from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as ppb
from pmaas.risks.v1 import resources_pb2 as rpb
from pmaas.risks.v1 import risks_service_pb2 as rapi
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.platform import audit
from services.projects import server as projects_server
from services.risks import server as risks_server
from tests.chaos.servers import OwnPostgres
from tests.support import Caller, failure, rid

CLIENTS = 3  # concurrent writers, times the scale
RESTARTS = 2  # times the scale
WRITES_BETWEEN_RESTARTS = 6  # acknowledged writes (all clients) before the next restart, and after the last
DOWN_S = 0.5  # how long the server stays down each time
RETRY_PAUSE_S = 0.05
GIVE_UP_S = 30.0  # one write still failing after this long is a failure of the test, not a retry


@pytest.fixture
async def own_postgres():
    server = OwnPostgres()
    await server.start()
    yield server
    await asyncio.to_thread(server.close)


@pytest.fixture
async def services(own_postgres, settings, authority):
    """ProjectsService and RisksService (which calls ProjectsService) on the test's own PostgreSQL."""
    projects = await projects_server.start(settings, own_postgres.runtime_url, "127.0.0.1:0", authority)
    risks = await risks_server.start(settings.model_copy(update={"projects_target": f"127.0.0.1:{projects.port}"}),
                                     own_postgres.runtime_url, "127.0.0.1:0", authority)
    yield projects, risks
    await risks.stop()
    await projects.stop()


@dataclass
class Load:
    """What the clients sent and learned."""
    calls: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # request id -> the resource it created
    retried: int = 0  # acknowledged writes that failed UNAVAILABLE first and were sent again, same request_id
    unavailable: Counter = field(default_factory=Counter)  # ErrorInfo reason -> times
    other_errors: list[str] = field(default_factory=list)
    progress: asyncio.Event = field(default_factory=asyncio.Event)


async def write_until_acknowledged(load: Load, method, request, caller: Caller) -> None:
    """One write, retried with the same request (and request_id) while it fails UNAVAILABLE."""
    deadline = time.monotonic() + GIVE_UP_S
    for attempt in itertools.count():
        load.calls += 1
        try:
            created = await caller(method, request)
        except grpc.aio.AioRpcError as exc:
            seen = failure(exc)
            if seen.code != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                load.other_errors.append(f"{seen.code.name} {seen.reason}: {seen.message}")
                return
            assert seen.message, "an UNAVAILABLE without a message"
            load.unavailable[seen.reason] += 1
            await asyncio.sleep(RETRY_PAUSE_S)
            continue
        load.acknowledged[request.request_id] = created.name
        load.retried += attempt > 0
        load.progress.set()
        return


async def client(number: int, load: Load, stop: asyncio.Event, projects, risks, caller: Caller, org: str) -> None:
    """Alternates CreateProject and CreateRisk (on the client's first project) until told to stop."""
    parent = f"organizations/{org}"
    first_project = ""
    k = 0
    while not stop.is_set():
        key = f"w{number}-{k}"
        if k % 2 == 0 or not first_project:
            request = papi.CreateProjectRequest(parent=parent, project_id=key, request_id=rid(), project=ppb.Project(
                code=key.upper(), display_name=f"Write {key}", methodology=ppb.METHODOLOGY_AGILE))
            await write_until_acknowledged(load, projects.CreateProject, request, caller)
            first_project = first_project or load.acknowledged.get(request.request_id, "")
        else:
            request = rapi.CreateRiskRequest(parent=first_project, risk_id=key, request_id=rid(), risk=rpb.Risk(
                title=f"Risk {key}", probability=3, impact=4, owner="alice"))
            await write_until_acknowledged(load, risks.CreateRisk, request, caller)
        k += 1


async def acknowledged_at_least(load: Load, count: int, timeout_s: float = 60.0) -> None:
    async with asyncio.timeout(timeout_s):
        while len(load.acknowledged) < count:
            load.progress.clear()
            await load.progress.wait()


async def test_postgres_restarted_under_load_loses_no_acknowledged_write_and_applies_each_request_once(
        own_postgres, services, authority, chaos, chaos_report):
    projects_running, risks_running = services
    clients, restarts = chaos.count(CLIENTS), chaos.count(RESTARTS)
    org = "org-" + uuid.uuid4().hex[:12]
    caller = Caller(authority, "chaos-writer", {org: ["admin"]})
    load, stop = Load(), asyncio.Event()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{projects_running.port}") as projects_channel, \
            grpc.aio.insecure_channel(f"127.0.0.1:{risks_running.port}") as risks_channel:
        projects = projects_service_pb2_grpc.ProjectsServiceStub(projects_channel)
        risks = risks_service_pb2_grpc.RisksServiceStub(risks_channel)
        await caller(projects.CreateOrganization, papi.CreateOrganizationRequest(
            organization_id=org, organization=ppb.Organization(display_name="Chaos", pmo_type=ppb.PMO_TYPE_TACTICAL,
                                                               default_currency_code="EUR")))
        writers = [asyncio.create_task(client(n, load, stop, projects, risks, caller, org)) for n in range(clients)]
        try:
            for _ in range(restarts):
                await acknowledged_at_least(load, len(load.acknowledged) + WRITES_BETWEEN_RESTARTS)
                await asyncio.to_thread(own_postgres.stop)
                await asyncio.sleep(DOWN_S)
                await asyncio.to_thread(own_postgres.start_again)
            # The same servers, never restarted themselves, take writes again.
            await acknowledged_at_least(load, len(load.acknowledged) + WRITES_BETWEEN_RESTARTS)
        finally:
            stop.set()
            await asyncio.gather(*writers)

    conn = await asyncpg.connect(own_postgres.admin_url)
    try:
        project_rows = await conn.fetchval("SELECT count(*) FROM projects.projects WHERE org_id = $1", org)
        risk_rows = await conn.fetchval("SELECT count(*) FROM risks.risks WHERE org_id = $1", org)
        found = set()
        duplicates = 0
        for schema, action in (("projects", "CreateProject"), ("risks", "CreateRisk")):
            await conn.execute(f"SET search_path = {schema}, public")
            rows = await conn.fetch("SELECT request_id, count(*) AS n FROM audit_events WHERE org_id = $1 "
                                    "AND action = $2 GROUP BY request_id", org, action)
            found |= {r["request_id"] for r in rows}
            duplicates += sum(r["n"] - 1 for r in rows)
            assert (await audit.verify_chain(conn, org)).ok, schema
    finally:
        await conn.close()

    chaos_report.add(clients=clients, calls_sent=load.calls, writes_acknowledged=len(load.acknowledged),
                     retried_writes=load.retried, unavailable_seen=sum(load.unavailable.values()),
                     other_errors=len(load.other_errors), restarts=own_postgres.restarts,
                     rows=project_rows + risk_rows, duplicates=duplicates)
    assert load.other_errors == []
    # The database's own, or (a risk pins its project through ProjectsService) that dependency's.
    assert set(load.unavailable) <= {"DATABASE_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE"}, load.unavailable
    assert own_postgres.restarts == restarts
    assert load.retried > 0, "no write met an outage: the restarts tested nothing"
    assert set(load.acknowledged) <= found, "an acknowledged write is missing from the audit log"
    assert project_rows + risk_rows == len(load.acknowledged) == len(found)
    assert duplicates == 0
