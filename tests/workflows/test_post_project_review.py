"""PostProjectReviewWorkflow on the Temporal dev server with a real worker, ProjectsService over gRPC and the
governance read model: the gate that closes a project starts it, the project's manager gets the review task,
completing it before the review is in ProjectsService opens it again, and once recorded the review closes
with the client's score."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowHandle
from temporalio.worker import Worker

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.support import GovernanceCaller, rid
from tests.workflows import recordings
from tests.workflows.test_phase_gate import SAM, Gates, decide, open_task, policy
from workflows import post_project_review as ppr
from workflows.activities.audits import AuditActivities
from workflows.activities.gates import GateActivities
from workflows.activities.governance import GovernanceActivities
from workflows.approvals import Actor, ApprovalHandlers, DecideInput
from workflows.escalation import EscalationWorkflow
from workflows.phase_gate import PhaseGateWorkflow
from workflows.post_project_review import PostProjectReviewWorkflow
from workflows.worker import CHECKING_SANDBOX

PETE = Actor("pete", ["pm"])


@pytest.fixture
async def closing(temporal_env, task_queue, service_calls, governance_pool, org):
    activities = [*GateActivities(service_calls).all(), *GovernanceActivities(governance_pool).all(),
                  *AuditActivities(service_calls).all()]
    async with Worker(temporal_env.client, task_queue=task_queue,
                      workflows=[PhaseGateWorkflow, EscalationWorkflow, PostProjectReviewWorkflow],
                      activities=activities, workflow_runner=CHECKING_SANDBOX):
        harness = Gates(temporal_env.client, task_queue, org)
        yield harness
        await harness.stop_all()


async def project_in_closing(projects_stub, as_role, authority, org) -> str:
    """A project managed by pete, moved by the governance service through every phase up to CLOSING."""
    project_id = "p-" + uuid.uuid4().hex[:8]
    created = await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, request_id=rid(), project=projects_pb.Project(
            code=project_id.upper(), display_name="Closing", methodology=projects_pb.METHODOLOGY_WATERFALL,
            project_manager="pete")))
    governance = GovernanceCaller(authority, "paula")
    for phase in (projects_pb.PHASE_PLANNING, projects_pb.PHASE_EXECUTION, projects_pb.PHASE_MONITORING,
                  projects_pb.PHASE_CLOSING):
        await governance(projects_stub.TransitionProjectPhase, projects_api.TransitionProjectPhaseRequest(
            name=created.name, phase=phase, reason="gate passed", request_id=rid()))
    return project_id


async def review_task(handle: WorkflowHandle, key: str):
    for _ in range(400):
        found = [t for t in await handle.query(ApprovalHandlers.tasks) if t.spec.key == key and t.is_open]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no open task {key}")


async def test_the_closing_gate_starts_the_review_which_closes_once_the_review_is_recorded(
        closing, temporal_env, projects_stub, as_role, authority, org, governance_pool):
    project = await project_in_closing(projects_stub, as_role, authority, org)
    gate = await closing.request(project, policy())
    await decide(gate, await open_task(gate, "gate-1"), SAM, "GO")
    passed = await gate.result()
    assert (passed.from_phase, passed.to_phase, passed.state) == ("CLOSING", "CLOSED", "PASSED")

    review = temporal_env.client.get_workflow_handle_for(PostProjectReviewWorkflow.run,
                                                         ppr.workflow_id_of(org, project))
    first = await review_task(review, "review-1")
    assert (first.spec.kind, first.pending_approvers(), first.spec.requester) == ("POST_PROJECT_REVIEW", ["pete"], "")
    # Completed before the review is in ProjectsService: asked again.
    await review.execute_update(PostProjectReviewWorkflow.decide, DecideInput(first.id, PETE, "COMPLETE"))
    second = await review_task(review, "review-2")
    assert "no review was recorded yet" in second.spec.summary

    await as_role("pm", "pete")(projects_stub.RecordPostProjectReview, projects_api.RecordPostProjectReviewRequest(
        parent=f"organizations/{org}/projects/{project}", request_id=rid(),
        post_project_review=projects_pb.PostProjectReview(satisfaction_score=5, client_comments="great"),
        lessons_learned=[projects_pb.LessonLearned(title="Involve the client in every demo")]))
    await review.execute_update(PostProjectReviewWorkflow.decide, DecideInput(second.id, PETE, "COMPLETE"))
    done = await review.result()
    assert (done.state, done.reviewer, done.satisfaction_score, done.lessons_learned, done.rounds) == (
        "CLOSED", "pete", 5, 1, 2)
    row = await governance_pool.fetchrow("SELECT state, open FROM processes WHERE org_id = $1 AND kind = $2",
                                         org, ppr.KIND)
    assert (row["state"], row["open"]) == ("CLOSED", False)
    events = await governance_pool.fetch("SELECT action FROM audit_events WHERE org_id = $1 AND resource = $2 "
                                         "ORDER BY seq", org, done.name)
    assert [e["action"] for e in events if e["action"].startswith("PostProjectReview")] == [
        "PostProjectReviewOpened", "PostProjectReviewReviewMissing", "PostProjectReviewClosed"]
    await recordings.record(gate, "phase_gate_closed_starts_review")
    await recordings.record(review, "post_project_review_missing_then_recorded")
