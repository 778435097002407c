"""The phase gate's clocks on Temporal's time-skipping server (real worker, services and read model):
the gate task's reminder, escalation and expiry, and a condition that is already late."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import timedelta

import pytest

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.support import rid
from tests.workflows.test_phase_gate import (
    PAULA,
    SAM,
    Gates,
    decide,
    gate_worker,
    kinds,
    open_task,
    policy,
    record,
    until,
)
from workflows.approvals import ApprovalRule, Candidates, Condition, RuleKind
from workflows.phase_gate import PhaseGateWorkflow, ResumeInput
from workflows.policy import DAY, HOUR, GateApproval


@pytest.fixture
async def time_skipping_env(own_time_skipping_env):
    """A test server per test: the shared one has timed out its unlock-with-sleep here after earlier tests
    (temporalio/sdk-java#1618 family), failing these sleeps with 'Timeout expired'."""
    return own_time_skipping_env


@pytest.fixture
async def skipping_gates(time_skipping_env, task_queue, service_calls, governance_pool, org):
    async with gate_worker(time_skipping_env.client, task_queue, service_calls, governance_pool):
        harness = Gates(time_skipping_env.client, task_queue, org)
        yield harness
        await harness.stop_all()


async def make_project(projects_stub, as_role, org) -> str:
    project_id = "p-" + uuid.uuid4().hex[:8]
    await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, request_id=rid(), project=projects_pb.Project(
            code=project_id.upper(), display_name="Timed", methodology=projects_pb.METHODOLOGY_AGILE)))
    return project_id


async def test_an_undecided_gate_is_reminded_escalated_then_expires_on_hold(skipping_gates, time_skipping_env,
                                                                            projects_stub, as_role, org):
    sponsors = GateApproval(Candidates(roles=["sponsor"]), ApprovalRule(kind=RuleKind.ANY), DAY, [12 * HOUR],
                            "ESCALATE", Candidates(roles=["admin"]))
    handle = await skipping_gates.request(await make_project(projects_stub, as_role, org), policy(sponsors))
    gate = await open_task(handle, "gate-1")
    assert gate.pending_approvers() == ["role:sponsor"]

    await time_skipping_env.sleep(timedelta(hours=13))
    reminded = await open_task(handle, "gate-1", until_event="REMINDED")
    assert kinds(reminded) == ["OPENED", "REMINDED"] and reminded.sla_state(reminded.due_time) == "BREACHED"

    await time_skipping_env.sleep(timedelta(hours=12))
    escalated = await open_task(handle, "gate-1", until_event="ESCALATED")
    assert kinds(escalated)[-1] == "ESCALATED" and escalated.escalated
    assert escalated.pending_approvers() == ["role:admin", "role:sponsor"]
    assert escalated.due_time > gate.due_time  # the SLA restarts once for the escalation

    await time_skipping_env.sleep(timedelta(days=1, hours=1))
    view = await until(handle, lambda v: v.state == "ON_HOLD", "the expired gate to wait on hold")
    assert view.decision == "" and "did not decide" in view.reasons and "after escalation" in view.reasons
    expired = (await handle.query(PhaseGateWorkflow.tasks))[0]
    assert (expired.state, expired.outcome) == ("EXPIRED", "EXPIRED")

    await handle.execute_update(PhaseGateWorkflow.resume, ResumeInput(PAULA, "sponsors are back"))
    await decide(handle, await open_task(handle, "gate-2"), SAM, "GO")
    result = await handle.result()
    assert (result.state, result.decision, len(result.tasks)) == ("PASSED", "GO", 2)
    await record(handle, "escalation_expiry")


async def test_a_condition_past_its_due_date_escalates_then_is_recorded_unmet(skipping_gates, time_skipping_env,
                                                                              projects_stub, as_role, org):
    handle = await skipping_gates.request(await make_project(projects_stub, as_role, org))
    gate = await open_task(handle, "gate-1")
    today = (await handle.query(PhaseGateWorkflow.view)).create_time.astimezone(dt.UTC).date()
    await decide(handle, gate, SAM, "CONDITIONAL_GO", conditions=[
        Condition("Close the audit findings", owner="quinn", due_date=(today - dt.timedelta(days=1)).isoformat()),
        Condition("Staff the test team", owner="paula", due_date=(today + dt.timedelta(days=10)).isoformat())])
    late = await open_task(handle, "gate-1-condition-1")
    await decide(handle, await open_task(handle, "gate-1-condition-2"), PAULA, "MET")
    await until(handle, lambda v: v.conditions[1].met, "the second condition to be met")

    # Already late, it is due in an hour; escalated, an hour more; then it expires unmet. (A handle from
    # update-with-start does not skip time while awaiting its result: skip explicitly.)
    await time_skipping_env.sleep(timedelta(hours=3))
    result = await handle.result()
    assert result.state == "PASSED" and result.decision == "CONDITIONAL_GO"
    assert result.unmet_conditions == ["Close the audit findings"]
    assert [c.met for c in result.conditions] == [False, True]
    closed = next(t for t in await handle.query(PhaseGateWorkflow.tasks) if t.id == late.id)
    assert kinds(closed) == ["OPENED", "ESCALATED", "CLOSED"] and closed.state == "EXPIRED"
    waited = closed.history[1].time - closed.history[0].time  # already late: due within the hour, not at once
    assert timedelta(hours=1) <= waited < timedelta(hours=1, minutes=1)
    await record(handle, "condition_overdue")
