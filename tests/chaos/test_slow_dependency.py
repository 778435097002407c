"""Slow dependencies: ProjectsService answers, but after its callers' deadline. The worker (its own process) reaches
it only through a loopback proxy (tests/chaos/proxy.py) and gives each call PMAAS_CALL_TIMEOUT_S. A wave of change
requests is decided; from the moment the first apply's CreateBaseline goes through, the proxy holds every answer back
twice that deadline, for a window (a few seconds, times the scale). The activities time out with DEADLINE_EXCEEDED
and are retried with backoff (the workflow's RETRY policy); no workflow fails, the change requests wait (approved or
applying). Once the delay is removed, every change request completes, each applied exactly once.

The proxy's server carries out a held call anyway: the CreateBaseline whose answer reached the worker too late has
written its baseline, so the apply activity's retry meets its own request id and gets the first attempt's baseline
back instead of writing a second one. That is the idempotency proven here (two baselines and two apply audit events
per project, the plan and the change).

Timeouts are explicit everywhere: every call whose answer the proxy held back past its caller's deadline was reset
(RST_STREAM) by that caller; none was left hanging."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from tests.chaos.changes import WAIT_S, Outcome, Wave, activity_attempts, governance, stop, worker
from tests.chaos.proxy import Proxy
from workflows import change_request

COUNT = 10  # change requests at scale 1
CALL_TIMEOUT_S = 1.0  # the worker's deadline for each call
DELAY_S = 2 * CALL_TIMEOUT_S  # a held answer comes after the deadline of the call it answers, whenever it came
WINDOW_S = 3  # how long answers come late, at scale 1
WAITING = frozenset({gpb.CHANGE_REQUEST_STATE_APPROVED, gpb.CHANGE_REQUEST_STATE_APPLYING})
APPLYING_MARK = b"/changeRequests/"  # in CreateBaseline's reason (the change request's name): an apply is on its way


@pytest.fixture
def slow_settings(governance_settings):
    return governance_settings.model_copy(update={"temporal_task_queue": "slow-" + uuid.uuid4().hex[:10]})


def most_attempts(slow_s: float) -> int:
    """The most tries change_request.RETRY lets one activity make when each try fails after CALL_TIMEOUT_S for
    `slow_s` seconds, counting the one that succeeds after (retrying at once would make slow_s / CALL_TIMEOUT_S)."""
    retry = change_request.RETRY
    started, interval, tries = 0.0, retry.initial_interval.total_seconds(), 1
    while (started := started + CALL_TIMEOUT_S + interval) <= slow_s:
        tries += 1
        interval = min(interval * retry.backoff_coefficient, retry.maximum_interval.total_seconds())
    return tries + 1


async def test_answers_after_the_deadline_make_activities_retry_with_backoff_and_changes_wait_then_apply_once(
        slow_settings, runtime_database_url, database_url, authority, temporal_env, projects_stub, as_role, org,
        tmp_path, chaos, chaos_report):
    count, slow_window_s = chaos.count(COUNT), chaos.count(WINDOW_S)
    async with Proxy(slow_settings.target_of("projects")) as proxy:
        # The worker's activities reach ProjectsService only through the proxy; the GovernanceService (in-process)
        # and the test reach it directly.
        process = worker(slow_settings, runtime_database_url, temporal_env, tmp_path,
                         PMAAS_PROJECTS_TARGET=proxy.target, PMAAS_CALL_TIMEOUT_S=str(CALL_TIMEOUT_S))
        try:
            async with governance(slow_settings, runtime_database_url, authority, temporal_env) as gov:
                wave = await Wave.submit(gov, projects_stub, as_role("pmo", sub="slow-pmo"),
                                         as_role("pm", sub="slow-pm"), org, count, "s")
                await wave.open_tasks()
                slow = asyncio.Event()

                def first_apply_slows_everything(data: bytes) -> None:
                    # Set before the request is forwarded: its answer, and every answer after it, comes late.
                    if not slow.is_set() and APPLYING_MARK in data:
                        proxy.delay_s = DELAY_S
                        slow.set()

                proxy.on_request = first_apply_slows_everything
                await asyncio.gather(*(wave.decide(task) for task in wave.tasks))
                await asyncio.wait_for(slow.wait(), WAIT_S)
                await asyncio.sleep(slow_window_s)
                during = [await wave.get(name) for name in wave.change_requests]
                # Applies the service carried out whose answer the worker has not had in time.
                unanswered = [c.project for c in during if c.state == gpb.CHANGE_REQUEST_STATE_APPLYING
                              and len((await wave.pmo(projects_stub.ListBaselines, papi.ListBaselinesRequest(
                                  parent=c.project))).baselines) == 2]
                proxy.delay_s = 0.0
                closed = await wave.until_completed()
                outcome = await Outcome.of(wave, projects_stub, database_url)
        finally:
            await stop(process)
        calls = proxy.calls
    retried = [(kind, attrs) for kind, attrs in await activity_attempts(temporal_env.client, wave.workflow_ids())
               if attrs.attempt > 1]
    failures = Counter(attrs.last_failure.application_failure_info.type for _, attrs in retried)
    allowed = most_attempts(CALL_TIMEOUT_S + slow_window_s + DELAY_S)  # first held try .. last held answer

    completed = sum(c.state == gpb.CHANGE_REQUEST_STATE_COMPLETED for c in closed)
    chaos_report.add(change_requests=count, slow_window_s=slow_window_s, call_timeout_s=CALL_TIMEOUT_S,
                     delay_s=DELAY_S, calls=len(calls.opened), calls_held=len(calls.held),
                     calls_reset_by_caller=len(calls.held & calls.reset),
                     calls_never_reset=len(calls.held - calls.reset),
                     waiting_in_window=sum(c.state in WAITING for c in during),
                     applied_but_unanswered=len(unanswered), activities_retried=len(retried),
                     retries=sum(a.attempt - 1 for _, a in retried),
                     apply_retries=sum(a.attempt - 1 for k, a in retried if k == change_request.APPLY_CHANGE),
                     most_attempts=max((a.attempt for _, a in retried), default=1), attempts_allowed=allowed,
                     completed=completed, failed=count - completed, **outcome.counts())
    assert all(c.state in WAITING for c in during), \
        [gpb.ChangeRequest.State.Name(c.state) for c in during if c.state not in WAITING]
    assert calls.held, "no answer was held back"
    assert calls.held <= calls.reset, f"held past their deadline and never reset: {sorted(calls.held - calls.reset)}"
    assert retried and set(failures) == {"DEADLINE_EXCEEDED"}, failures
    assert any(k == change_request.APPLY_CHANGE for k, _ in retried), "no apply met its own request id again"
    assert unanswered, "no apply was carried out while its answer came late"
    assert max(a.attempt for _, a in retried) <= allowed, "retried faster than RETRY's backoff"
    assert completed == count, [c.outcome_reason for c in closed if c.state != gpb.CHANGE_REQUEST_STATE_COMPLETED]
    outcome.assert_each_once(wave)
