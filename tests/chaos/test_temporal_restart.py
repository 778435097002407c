"""The Temporal server restarted, its data kept: a worker (`pmaas serve worker`, its own process) and a
GovernanceService (its own Temporal client, connected as production connects it) run against a Temporal dev server
of the test's own while change requests are mid-process: all waiting on their approval task, some of them being
applied. The server is SIGKILLed (no shutdown at all; its sqlite file stays) and started again on the same port N
times; decisions sent while it is down are UNAVAILABLE, and retried after. The worker reaches ProjectsService
through a loopback proxy that holds its answers back while a group is decided, so each kill finds that group's
changes in APPLYING, their apply under way (not a race against how fast they apply). Neither the worker nor the
service is restarted: they reconnect by themselves, every process resumes where it was and completes exactly once."""

from __future__ import annotations

import asyncio
import signal
import uuid

import grpc
import pytest

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import resources_pb2 as gpb
from services.governance import server as governance_server
from services.platform.settings import Settings
from tests.chaos.changes import Outcome, Wave, serve, stop
from tests.chaos.proxy import Proxy
from tests.chaos.servers import OwnTemporal
from tests.support import fails

COUNT = 9  # change requests at scale 1
RESTARTS = 2  # at scale 1
DOWN_S = 1.0  # how long the server stays down each time (the first time: until a call gives up, see below)
# A call to the GovernanceService while Temporal is down: its Temporal client retries (temporalio's RetryConfig:
# up to 10 s) and then gives up UNAVAILABLE; the caller allows it longer than that.
PROBE_DEADLINE_S = 30.0
HOLD_S = 3.0  # ProjectsService's answers held back while a group's changes apply (under the 5 s call timeout)
APPLYING = frozenset({gpb.CHANGE_REQUEST_STATE_APPLYING})


@pytest.fixture
def own_temporal(tmp_path):
    server = OwnTemporal(tmp_path / "temporal")
    server.start()
    yield server
    server.close()


@pytest.fixture
def restart_settings(governance_settings, own_temporal) -> Settings:
    """The session's data services, the test's own Temporal and a task queue only this test's worker polls."""
    return governance_settings.model_copy(update={"temporal_address": own_temporal.address,
                                                  "temporal_task_queue": "restart-" + uuid.uuid4().hex[:10]})


@pytest.fixture
async def gov(restart_settings, runtime_database_url, authority):
    """A GovernanceService that connects its own client to the test's Temporal (services/governance/temporal.py)."""
    from pmaas.governance.v1 import governance_service_pb2_grpc

    running = await governance_server.start(restart_settings, runtime_database_url, "127.0.0.1:0", authority)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            yield governance_service_pb2_grpc.GovernanceServiceStub(channel)
    finally:
        await running.stop()


async def test_temporal_restarted_mid_process_resumes_every_process_exactly_once(
        own_temporal, restart_settings, gov, runtime_database_url, database_url, projects_stub, as_role, org,
        tmp_path, chaos, chaos_report):
    count, restarts = chaos.count(COUNT), chaos.count(RESTARTS)
    wave = await Wave.submit(gov, projects_stub, as_role("pmo", sub="restart-pmo"), as_role("pm", sub="restart-pm"),
                             org, count, "t")
    async with Proxy(restart_settings.target_of("projects")) as proxy:
        worker = serve("worker", restart_settings, runtime_database_url, tmp_path / "worker",
                       PMAAS_TEMPORAL_ADDRESS=own_temporal.address, PMAAS_PROJECTS_TARGET=proxy.target)
        unavailable_while_down, in_flight_at_restarts, retried = [], [], 0
        try:
            await wave.open_tasks()
            # One group of decisions before each restart (applying when the server dies), the last group after them.
            size = count // (restarts + 1)
            groups = [range(g * size, count if g == restarts else (g + 1) * size) for g in range(restarts + 1)]
            for part, following in zip(groups, groups[1:], strict=False):
                proxy.delay_s = HOLD_S
                in_flight = [asyncio.create_task(wave.decide(wave.tasks[i])) for i in part]
                await wave.until_applied(part, at_least=1, states=APPLYING)
                await asyncio.to_thread(own_temporal.stop, signal.SIGKILL)
                in_flight_at_restarts.append(len(part) - await wave.applied(part))
                proxy.delay_s = 0.0
                results = await asyncio.gather(*in_flight, return_exceptions=True)
                unanswered = [wave.tasks[i] for i, r in zip(part, results, strict=True) if isinstance(r, Exception)]
                if not unavailable_while_down:
                    # Once, the server stays down past the client's retries: a decision then is refused as retryable.
                    unavailable_while_down.append(await fails(wave.gov.DecideTask(gapi.DecideTaskRequest(
                        name=wave.tasks[following[0]], choice="APPROVE", comment="go",
                        request_id=wave.decisions[wave.tasks[following[0]]]),
                        metadata=wave.pmo.metadata(), timeout=PROBE_DEADLINE_S)))
                await asyncio.sleep(DOWN_S)
                await asyncio.to_thread(own_temporal.start_again)
                # Callers whose calls died with the server retry with the same request id: nothing twice.
                retried += len(unanswered)
                await asyncio.gather(*(wave.decide(t) for t in unanswered))
            for i in groups[-1]:
                await wave.decide(wave.tasks[i])
            completed = await wave.until_completed()
        finally:
            await stop(worker)
    outcome = await Outcome.of(wave, projects_stub, database_url)

    chaos_report.add(change_requests=count, temporal_restarts=own_temporal.restarts, signal="SIGKILL",
                     in_flight_at_restarts=sum(in_flight_at_restarts), decisions_retried=retried,
                     unavailable_while_down=len(unavailable_while_down),
                     completed=sum(c.state == gpb.CHANGE_REQUEST_STATE_COMPLETED for c in completed),
                     **outcome.counts())
    assert worker.poll() is not None and worker.returncode == 0, "the worker did not run through to a clean stop"
    assert [(f.code, f.reason) for f in unavailable_while_down] == \
        [(grpc.StatusCode.UNAVAILABLE, "PROCESS_ENGINE_UNAVAILABLE")]
    assert sum(in_flight_at_restarts) > 0, "every restart came after its decisions were applied: none was mid-flight"
    assert all(c.state == gpb.CHANGE_REQUEST_STATE_COMPLETED for c in completed)
    outcome.assert_each_once(wave)
