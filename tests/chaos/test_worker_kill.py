"""Durable means proven: SIGKILL the worker (`pmaas serve worker`, its own process) while a wave of decisions on
change requests is mid-flight, start it again, and count that every change request completes and none is applied
twice (exactly one new baseline per project, one decision per task, audit chains intact). At scale N the decisions
go in N waves, and the worker is killed in each."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tests.chaos.changes import Outcome, Wave, activity_attempts, governance, kill, stop, worker
from workflows import change_request

COUNT = 40  # change requests at scale 1


@pytest.fixture
def crash_settings(governance_settings):
    """The session's governance settings with a task queue only this test's worker polls."""
    return governance_settings.model_copy(update={"temporal_task_queue": "crash-" + uuid.uuid4().hex[:10]})


async def test_sigkill_worker_mid_flight_then_restart_applies_each_change_once(
        crash_settings, runtime_database_url, database_url, authority, temporal_env, projects_stub, as_role, org,
        tmp_path, chaos, chaos_report):
    count, kills = chaos.count(COUNT), chaos.count(1)
    async with governance(crash_settings, runtime_database_url, authority, temporal_env) as gov:
        wave = await Wave.submit(gov, projects_stub, as_role("pmo", sub="crash-pmo"), as_role("pm", sub="crash-pm"),
                                 org, count, "c")
        process = worker(crash_settings, runtime_database_url, temporal_env, tmp_path)
        try:
            await wave.open_tasks()
            unanswered_total, retries, in_flight_at_kills = 0, 0, []
            for k in range(kills):
                part = range(k * count // kills, (k + 1) * count // kills)
                in_flight = [asyncio.create_task(wave.decide(wave.tasks[i])) for i in part]
                # Kill as soon as the first decision of the wave is answered: the others are in flight.
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                kill(process)
                killed_at = time.monotonic()
                in_flight_at_kills.append(len(part) - await wave.applied(part))
                results = await asyncio.gather(*in_flight, return_exceptions=True)
                unanswered = [wave.tasks[i] for i, r in zip(part, results, strict=True) if isinstance(r, Exception)]
                unanswered_total += len(unanswered)
                process = worker(crash_settings, runtime_database_url, temporal_env, tmp_path)
                # A client whose call died with the worker retries with the same request id: nothing twice.
                retries += sum(await asyncio.gather(*(wave.decide_until_answered(t) for t in unanswered)))
            applied = await wave.until_applied()
            recovery_s = time.monotonic() - killed_at  # from the last kill to every change applied
        finally:
            await stop(process)
        outcome = await Outcome.of(wave, projects_stub, database_url)
        # What the killed workers held: Temporal sees them gone only when each activity's start-to-close passes.
        lost = [kind for kind, attrs in await activity_attempts(temporal_env.client, wave.workflow_ids())
                if attrs.last_failure.HasField("timeout_failure_info")]

    chaos_report.add(change_requests=count, decisions_sent=count, unanswered_and_retried=unanswered_total,
                     decision_retries=retries,
                     worker_kills=kills, in_flight_at_kills=sum(in_flight_at_kills),
                     activities_lost_with_worker=len(lost),
                     apply_activities_lost=lost.count(change_request.APPLY_CHANGE),
                     recovery_s=round(recovery_s, 1), applied=applied,
                     **outcome.counts())
    assert all(in_flight_at_kills), f"a kill came after its wave had finished: {in_flight_at_kills} in flight"
    outcome.assert_each_once(wave)
