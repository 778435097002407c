"""A data service SIGKILLed while the worker's activities call it: ProjectsService (where an approved change request
writes its new baseline) runs as its own `pmaas serve projects` process on a fixed port, the worker (its own
process) calls it there; it is killed while a wave of approved change requests is being applied and started again
on the same port. Every change request completes, each applied exactly once. At scale N: N waves, N kills."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from pmaas.governance.v1 import resources_pb2 as gpb
from services.platform import embedded
from tests.chaos.changes import APPLIED, Outcome, Wave, activity_attempts, governance, kill, serve, stop, worker
from tests.support import free_port
from workflows import change_request

COUNT = 20  # change requests at scale 1
APPLYING = frozenset({gpb.CHANGE_REQUEST_STATE_APPLYING, *APPLIED})
DOWN_S = 1.0  # how long the service stays dead: the activities calling it meet a closed port meanwhile


@pytest.fixture
def kill_settings(governance_settings):
    return governance_settings.model_copy(update={"temporal_task_queue": "dskill-" + uuid.uuid4().hex[:10]})


async def start_projects(settings, runtime_database_url, port: int, home):
    process = serve("projects", settings, runtime_database_url, home, PMAAS_PROJECTS_PORT=str(port))
    await asyncio.to_thread(embedded.wait_until_serving, f"127.0.0.1:{port}", "", 60.0, process)
    return process


async def test_sigkill_projects_service_while_changes_apply_then_restart_applies_each_once(
        kill_settings, runtime_database_url, database_url, authority, temporal_env, projects_stub, as_role, org,
        tmp_path, chaos, chaos_report):
    count, kills, port = chaos.count(COUNT), chaos.count(1), free_port()
    projects = await start_projects(kill_settings, runtime_database_url, port, tmp_path)
    # The worker's activities reach ProjectsService only at that port; the GovernanceService (in-process) and the
    # test read it through the session's own ProjectsService on the same database.
    process = worker(kill_settings, runtime_database_url, temporal_env, tmp_path,
                     PMAAS_PROJECTS_TARGET=f"127.0.0.1:{port}")
    try:
        async with governance(kill_settings, runtime_database_url, authority, temporal_env) as gov:
            wave = await Wave.submit(gov, projects_stub, as_role("pmo", sub="dskill-pmo"),
                                     as_role("pm", sub="dskill-pm"), org, count, "d")
            await wave.open_tasks()
            in_flight_at_kills = []
            for k in range(kills):
                part = range(k * count // kills, (k + 1) * count // kills)
                await asyncio.gather(*(wave.decide(wave.tasks[i]) for i in part))
                # The wave is being applied now: the first change request has gone into APPLYING.
                await wave.until_applied(part, at_least=1, states=APPLYING)
                kill(projects)
                in_flight_at_kills.append(len(part) - await wave.applied(part))
                await asyncio.sleep(DOWN_S)
                projects = await start_projects(kill_settings, runtime_database_url, port, tmp_path)
            closed = await wave.until_completed()
            outcome = await Outcome.of(wave, projects_stub, database_url)
    finally:
        await stop(process)
        await stop(projects)
    # The activities that met the dead service, and what they met there.
    retried = [(kind, attrs) for kind, attrs in await activity_attempts(temporal_env.client, wave.workflow_ids())
               if attrs.attempt > 1]

    completed = sum(c.state == gpb.CHANGE_REQUEST_STATE_COMPLETED for c in closed)
    chaos_report.add(change_requests=count, service_kills=kills, in_flight_at_kills=sum(in_flight_at_kills),
                     activities_retried=len(retried), retries=sum(a.attempt - 1 for _, a in retried),
                     apply_retries=sum(a.attempt - 1 for k, a in retried if k == change_request.APPLY_CHANGE),
                     completed=completed, failed=count - completed, **outcome.counts())
    assert all(in_flight_at_kills), f"a kill came after its wave had been applied: {in_flight_at_kills} in flight"
    assert completed == count, [c.outcome_reason for c in closed if c.state != gpb.CHANGE_REQUEST_STATE_COMPLETED]
    assert retried, "no activity met the dead service"
    outcome.assert_each_once(wave)

