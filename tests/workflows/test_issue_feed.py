"""IssueFeedWorkflow against the real RisksService feed, Temporal dev server and governance read model:
HIGH/CRITICAL issues start escalations once, re-grades are noted, an issue resolved in RisksService
ends its escalation, an escalation resolved by its owners resolves the issue, and a worker restart
neither loses nor repeats an event."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from google.protobuf import field_mask_pb2
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from tests.support import rid
from tests.workflows import recordings
from workflows import ids
from workflows.activities.escalations import EscalationActivities
from workflows.activities.governance import GovernanceActivities
from workflows.approvals import Actor, DecideInput
from workflows.escalation import ID_PREFIX as ESCALATION_PREFIX
from workflows.escalation import EscalationView, EscalationWorkflow
from workflows.issue_feed import FeedInput, IssueFeedWorkflow, escalation_id, workflow_id
from workflows.worker import CHECKING_SANDBOX, ensure_issue_feeds

OLGA = Actor("olga", ["pmo"])


@contextlib.asynccontextmanager
async def feed_worker(client: Client, task_queue: str, service_calls, governance_pool):
    activities = [*GovernanceActivities(governance_pool).all(), *EscalationActivities(service_calls).all()]
    async with Worker(client, task_queue=task_queue, workflows=[IssueFeedWorkflow, EscalationWorkflow],
                      activities=activities, workflow_runner=CHECKING_SANDBOX):
        yield


async def start_feed(client: Client, task_queue: str, org: str) -> WorkflowHandle:
    return await client.start_workflow(IssueFeedWorkflow.run, FeedInput(org=org, poll_s=0.2), id=workflow_id(org),
                                       task_queue=task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)


async def eventually(probe, what: str, timeout_s: float = 30):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def make_project(projects_stub, as_role, org) -> str:
    project_id = "p-" + uuid.uuid4().hex[:8]
    await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, request_id=rid(), project=projects_pb.Project(
            code=project_id.upper(), display_name="Fed", methodology=projects_pb.METHODOLOGY_AGILE)))
    return f"organizations/{org}/projects/{project_id}"


async def raise_issue(risks_stub, caller, project: str, severity: int, title: str = "Vendor API down"):
    return await caller(risks_stub.CreateIssue, risks_api.CreateIssueRequest(
        parent=project, issue_id="i-" + uuid.uuid4().hex[:8], request_id=rid(),
        issue=risks_pb.Issue(title=title, severity=severity, owner="pete")))


async def update_issue(risks_stub, caller, issue: str, **fields) -> risks_pb.Issue:
    return await caller(risks_stub.UpdateIssue, risks_api.UpdateIssueRequest(
        issue=risks_pb.Issue(name=issue, **fields), update_mask=field_mask_pb2.FieldMask(paths=list(fields)),
        request_id=rid()))


def escalation_of(client: Client, feed: FeedInput, issue: str) -> WorkflowHandle:
    return client.get_workflow_handle_for(EscalationWorkflow.run, feed.open[issue])


async def view_when(handle: WorkflowHandle, check, what: str) -> EscalationView:
    async def probe():
        view = await handle.query(EscalationWorkflow.view, result_type=EscalationView)
        return view if check(view) else None
    return await eventually(probe, what)


async def position_when(feed: WorkflowHandle, check, what: str) -> FeedInput:
    async def probe():
        state = await feed.query(IssueFeedWorkflow.position)
        return state if check(state) else None
    return await eventually(probe, what)


async def test_issues_escalate_once_regrades_are_noted_and_each_side_ends_the_other(
        temporal_env, task_queue, service_calls, governance_pool, risks_stub, projects_stub, as_role, org):
    pm, pmo = as_role("pm"), as_role("pmo")
    project = await make_project(projects_stub, as_role, org)
    async with feed_worker(temporal_env.client, task_queue, service_calls, governance_pool):
        feed = await start_feed(temporal_env.client, task_queue, org)
        outage = await raise_issue(risks_stub, pm, project, risks_pb.ISSUE_SEVERITY_HIGH)
        await raise_issue(risks_stub, pm, project, risks_pb.ISSUE_SEVERITY_MEDIUM, "Typo")  # not escalated
        state = await position_when(feed, lambda s: outage.name in s.open, "the outage's escalation")
        escalation = escalation_of(temporal_env.client, state, outage.name)
        view = await view_when(escalation, lambda v: v.state == "OPEN", "the escalation to open")
        assert (view.source, view.subject, view.severity, view.raised_by) == ("ISSUE", outage.name, "HIGH", pm.sub)

        await update_issue(risks_stub, pm, outage.name, severity=risks_pb.ISSUE_SEVERITY_CRITICAL)
        view = await view_when(escalation, lambda v: v.notes, "the re-grade note")
        assert "re-graded to CRITICAL" in view.notes[0].text

        # The escalation's owners resolve it: the issue is resolved in RisksService, for the resolver.
        [task] = [t for t in await escalation.query(EscalationWorkflow.tasks) if t.is_open]
        await escalation.execute_update(EscalationWorkflow.decide, DecideInput(
            task_id=task.id, actor=OLGA, choice="RESOLVE", comment="failover to the second vendor"))
        done = await escalation.result()
        assert (done.state, done.resolved_by) == ("RESOLVED", "olga")
        issue = await pm(risks_stub.GetIssue, risks_api.GetIssueRequest(name=outage.name))
        assert (issue.status, issue.resolution) == (risks_pb.ISSUE_STATUS_RESOLVED, "failover to the second vendor")
        # Its ENDED event reaches the feed, which only forgets the issue: nothing loops back.
        await position_when(feed, lambda s: outage.name not in s.open, "the feed to drop the resolved issue")
        assert (await escalation.query(EscalationWorkflow.view, result_type=EscalationView)).state == "RESOLVED"
        await recordings.record(escalation, "escalation_issue_resolved")

        # Resolved in RisksService first: the escalation is withdrawn.
        breach = await raise_issue(risks_stub, pm, project, risks_pb.ISSUE_SEVERITY_CRITICAL, "Data breach")
        state = await position_when(feed, lambda s: breach.name in s.open, "the breach's escalation")
        second = escalation_of(temporal_env.client, state, breach.name)
        await view_when(second, lambda v: v.state == "OPEN", "the second escalation to open")
        await update_issue(risks_stub, pmo, breach.name, status=risks_pb.ISSUE_STATUS_RESOLVED, resolution="contained")
        ended = await second.result()
        assert ended.state == "WITHDRAWN" and "RisksService" in ended.resolution
        [cancelled] = await second.query(EscalationWorkflow.tasks)
        assert cancelled.state == "CANCELLED"
        await recordings.record(second, "escalation_issue_ended")
        await feed.terminate("test over")
        await recordings.record(feed, "issue_feed_escalations")


async def test_a_worker_restart_neither_loses_nor_repeats_an_event(
        temporal_env, task_queue, service_calls, governance_pool, risks_stub, projects_stub, as_role, org):
    pm = as_role("pm")
    project = await make_project(projects_stub, as_role, org)
    first = await raise_issue(risks_stub, pm, project, risks_pb.ISSUE_SEVERITY_HIGH, "first")
    async with feed_worker(temporal_env.client, task_queue, service_calls, governance_pool):
        feed = await start_feed(temporal_env.client, task_queue, org)
        await position_when(feed, lambda s: s.events_handled == 1, "the first event")
    # No worker: events pile up in RisksService.
    later = [await raise_issue(risks_stub, pm, project, risks_pb.ISSUE_SEVERITY_CRITICAL, f"later {i}")
             for i in range(3)]
    async with feed_worker(temporal_env.client, task_queue, service_calls, governance_pool):
        state = await position_when(feed, lambda s: s.events_handled == 4, "the events raised while down")
        await asyncio.sleep(1)  # a few more polls: nothing more arrives
        state = await feed.query(IssueFeedWorkflow.position)
        assert state.events_handled == 4
        assert set(state.open) == {first.name, *(i.name for i in later)}
        events = (await pm(risks_stub.ListIssueEvents, risks_api.ListIssueEventsRequest(
            parent=f"organizations/{org}"))).events
        expected = {ids.workflow_id(ESCALATION_PREFIX, org, escalation_id(org, e)) for e in events}
        assert set(state.open.values()) == expected  # one escalation per event, ids derived from it
        await feed.terminate("test over")
        await recordings.record(feed, "issue_feed_restart")


async def test_the_worker_starts_one_feed_per_organization(temporal_env, task_queue, service_calls, org):
    orgs = await ensure_issue_feeds(temporal_env.client, service_calls, task_queue)
    assert org in orgs
    again = await ensure_issue_feeds(temporal_env.client, service_calls, task_queue)  # idempotent
    assert again == orgs
    handle = temporal_env.client.get_workflow_handle(workflow_id(org))
    assert (await handle.describe()).id == workflow_id(org)
    for o in orgs:
        with contextlib.suppress(Exception):
            await temporal_env.client.get_workflow_handle(workflow_id(o)).terminate("test over")
