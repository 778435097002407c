"""Durable means proven: SIGKILL the worker (`pmaas serve worker`, its own process) while 50 change
requests are mid-flight, start it again, and count that every one completes and none is applied
twice (exactly one new baseline per project, one decision per task, audit chains intact)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import grpc
import pytest

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import resources_pb2 as ppb
from services.platform import audit
from tests.support import date, eur, rid

COUNT = 50
WAIT_S = 180.0


def worker_process(settings, database_url: str, temporal_env, home: Path) -> subprocess.Popen:
    """The worker exactly as production runs it, pointed at this session's servers."""
    env = {**os.environ,
           "PMAAS_HOME": str(home), "PMAAS_DATABASE_URL": database_url,
           "PMAAS_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
           "PMAAS_TEMPORAL_TASK_QUEUE": settings.temporal_task_queue, "PMAAS_JWT_SECRET": settings.jwt_secret,
           "PMAAS_PROJECTS_TARGET": settings.projects_target, "PMAAS_RISKS_TARGET": settings.risks_target,
           "PMAAS_BILLING_TARGET": settings.billing_target, "PMAAS_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "services.platform.cli", "serve", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def until(check, what: str, timeout_s: float = WAIT_S):
    deadline = time.monotonic() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


@pytest.fixture
def crash_settings(governance_settings):
    """The session's governance settings with a task queue only this test's worker polls."""
    return governance_settings.model_copy(update={"temporal_task_queue": "crash-" + uuid.uuid4().hex[:10]})


@pytest.fixture
async def crash_governance(crash_settings, database_url, authority, temporal_env):
    from services.governance import server as governance_server

    running = await governance_server.start(crash_settings, database_url, "127.0.0.1:0", authority,
                                            client=temporal_env.client)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    from pmaas.governance.v1 import governance_service_pb2_grpc

    yield governance_service_pb2_grpc.GovernanceServiceStub(channel)
    await channel.close()
    await running.stop()


async def test_sigkill_worker_mid_flight_then_restart_applies_each_change_once(
        crash_settings, crash_governance, database_url, temporal_env, projects_stub, as_role, org, tmp_path):
    gov = crash_governance
    pmo, pm = as_role("pmo", sub="crash-pmo"), as_role("pm", sub="crash-pm")
    projects = []
    for i in range(COUNT):
        p = await pmo(projects_stub.CreateProject, papi.CreateProjectRequest(
            parent=f"organizations/{org}", project_id=f"c{i}", project=ppb.Project(
                code=f"C-{i}", display_name=f"Crash {i}", methodology=ppb.METHODOLOGY_WATERFALL,
                budget=eur(100_000), planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 6, 30))))
        await pmo(projects_stub.CreateBaseline, papi.CreateBaselineRequest(
            parent=p.name, budget=eur(100_000), start_date=date(2027, 1, 1), end_date=date(2027, 6, 30),
            reason="plan"))
        projects.append(p.name)

    crs = [await pm(gov.SubmitChangeRequest, gapi.SubmitChangeRequestRequest(
        parent=f"organizations/{org}", request_id=rid(), change_request=gpb.ChangeRequest(
            project=name, title=f"Extend {i}", type=gpb.CHANGE_TYPE_NORMAL, budget_delta=eur(1_000),
            schedule_delta_days=3))) for i, name in enumerate(projects)]

    worker = worker_process(crash_settings, database_url, temporal_env, tmp_path)
    try:
        async def all_pending():
            got = [await pm(gov.GetChangeRequest, gapi.GetChangeRequestRequest(name=c.name)) for c in crs]
            return got if all(c.tasks for c in got) else None

        pending = await until(all_pending, "every change request to open its approval task")

        # Decide all 50 at once and kill the worker while the decisions are being applied.
        decisions = {c.tasks[0]: rid() for c in pending}

        async def decide(task: str) -> None:
            await pmo(gov.DecideTask, gapi.DecideTaskRequest(name=task, choice="APPROVE", comment="go",
                                                             request_id=decisions[task]))

        in_flight = [asyncio.create_task(decide(t)) for t in decisions]
        await until(lambda: _count_applied(gov, pm, crs, at_least=1), "a first change to be applied")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        applied_at_kill = await _count_applied(gov, pm, crs)
        results = await asyncio.gather(*in_flight, return_exceptions=True)
        unanswered = [t for t, r in zip(decisions, results, strict=True) if isinstance(r, Exception)]

        worker = worker_process(crash_settings, database_url, temporal_env, tmp_path)
        # A client whose call died with the worker retries with the same request id: nothing twice.
        await asyncio.gather(*(decide(t) for t in unanswered))
        await until(lambda: _count_applied(gov, pm, crs, at_least=COUNT), "every change request to be applied")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()

    assert applied_at_kill < COUNT, "the worker was killed after everything had finished: nothing was mid-flight"
    for name in projects:
        baselines = await pmo(projects_stub.ListBaselines, papi.ListBaselinesRequest(parent=name))
        assert [b.revision for b in baselines.baselines] == [1, 2], name
        project = await pmo(projects_stub.GetProject, papi.GetProjectRequest(name=name))
        assert project.budget.units == 101_000 and project.planned_end_date == date(2027, 7, 3)

    for task in decisions:
        got = await pmo(gov.GetTask, gapi.GetTaskRequest(name=task))
        assert [d.voter for d in got.decisions] == ["crash-pmo"]

    conn = await asyncpg.connect(database_url)
    try:
        for schema in ("projects", "governance"):
            await conn.execute(f"SET search_path = {schema}, public")
            assert (await audit.verify_chain(conn, org)).ok, schema
    finally:
        await conn.close()


async def _count_applied(gov, caller, crs, at_least: int | None = None):
    states = [(await caller(gov.GetChangeRequest, gapi.GetChangeRequestRequest(name=c.name))).state for c in crs]
    applied = sum(s in (gpb.CHANGE_REQUEST_STATE_APPLIED, gpb.CHANGE_REQUEST_STATE_COMPLETED) for s in states)
    if at_least is None:
        return applied
    return applied >= at_least
