"""QualityAuditWorkflow and CorrectiveActionWorkflow on a time-skipping server of their own (children and
signals: own_time_skipping_env), with a real worker, ProjectsService over gRPC and the governance read
model: fieldwork recorded by the auditor only, a MAJOR finding's corrective action reminded, escalated
when overdue, completed, checked (not effective, then effective), the re-audit started once the action
closed, and a clean audit closing with its score where phase gates read it."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta

import pytest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.worker import Worker

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from services.governance import store
from tests.support import rid
from tests.workflows import recordings
from workflows import corrective_action as ca
from workflows import ids
from workflows.activities.audits import AuditActivities
from workflows.activities.governance import GovernanceActivities
from workflows.approvals import Actor, ApprovalHandlers, DecideInput, Task
from workflows.calendar import BusinessCalendar
from workflows.corrective_action import CorrectiveActionWorkflow, Finding
from workflows.escalation import EscalationWorkflow
from workflows.policy import HOUR, ActionSla, ChecklistItem, GovernancePolicy, default_policy
from workflows.quality_audit import (
    ID_PREFIX,
    KIND,
    ItemResult,
    QualityAuditInput,
    QualityAuditView,
    QualityAuditWorkflow,
    RecordInput,
    re_audit_id,
    scheduled_audit_id,
)
from workflows.worker import CHECKING_SANDBOX

ANN = Actor("ann", ["auditor"])  # the auditor
PETE = Actor("pete", ["pm"])  # the project's manager: owns the actions, may not audit his own project
OLGA = Actor("olga", ["pmo"])  # asked for the audit
AROUND_THE_CLOCK = BusinessCalendar(working_days=list(range(7)), day_start_min=0, day_end_min=24 * 60)
CHECKLIST = [ChecklistItem("plan", "Plan baselined", 3, True), ChecklistItem("risks", "Risks reviewed", 2),
             ChecklistItem("lessons", "Lessons recorded", 1)]


def policy() -> GovernancePolicy:
    """MAJOR findings corrected within 4 hours (warned at 75 %), around the clock."""
    chosen = default_policy("TACTICAL")
    chosen.version = 7
    chosen.calendar = AROUND_THE_CLOCK
    chosen.quality.action_slas = [ActionSla("MAJOR", 4 * HOUR), ActionSla("MINOR", 8 * HOUR)]
    return chosen


class Audits:
    def __init__(self, client: Client, task_queue: str, org: str) -> None:
        self.client, self.task_queue, self.org = client, task_queue, org
        self.handles: list[WorkflowHandle] = []

    async def start(self, project: str, checklist: list[ChecklistItem] | None = None) -> WorkflowHandle:
        audit_id = ids.resource_id(self.org, KIND, rid())
        handle = await self.client.start_workflow(
            QualityAuditWorkflow.run, QualityAuditInput(
                org=self.org, project=project, id=audit_id, requested_by=OLGA.subject, auditor=ANN.subject,
                policy=policy(), checklist=list(CHECKLIST if checklist is None else checklist)),
            id=ids.workflow_id(ID_PREFIX, self.org, audit_id), task_queue=self.task_queue)
        self.handles.append(handle)
        return handle

    def handle(self, workflow_id: str) -> WorkflowHandle:
        handle = self.client.get_workflow_handle(workflow_id)
        self.handles.append(handle)
        return handle

    async def stop_all(self) -> None:
        for handle in self.handles:
            with contextlib.suppress(Exception):
                await handle.terminate("test over")


@pytest.fixture
async def audits(own_time_skipping_env, task_queue, service_calls, governance_pool, org):
    activities = [*GovernanceActivities(governance_pool).all(), *AuditActivities(service_calls).all()]
    async with Worker(own_time_skipping_env.client, task_queue=task_queue,
                      workflows=[QualityAuditWorkflow, CorrectiveActionWorkflow, EscalationWorkflow],
                      activities=activities, workflow_runner=CHECKING_SANDBOX):
        harness = Audits(own_time_skipping_env.client, task_queue, org)
        yield harness
        await harness.stop_all()


@pytest.fixture
async def project(projects_stub, as_role, org) -> str:
    project_id = "p-" + uuid.uuid4().hex[:8]
    await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, request_id=rid(), project=projects_pb.Project(
            code=project_id.upper(), display_name="Audited", methodology=projects_pb.METHODOLOGY_AGILE,
            project_manager=PETE.subject)))
    return project_id


async def until(handle: WorkflowHandle, query, check, what: str, timeout_s: float = 20):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await handle.query(query)
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {value}")
        await asyncio.sleep(0.05)


async def open_task(handle: WorkflowHandle, key: str, until_event: str = "") -> Task:
    tasks = await until(handle, ApprovalHandlers.tasks, lambda ts: any(
        t.spec.key == key and t.is_open and (not until_event or until_event in [e.kind for e in t.history])
        for t in ts), f"open task {key} {until_event}")
    return next(t for t in tasks if t.spec.key == key and t.is_open)


async def refused(call) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await call
    return f"{failed.value.cause.type}: {failed.value.cause.message}"


def record_input(who: Actor, *, complete: bool, findings: list[Finding] | None = None,
                 results: list[ItemResult] | None = None) -> RecordInput:
    return RecordInput(actor=who, complete=complete, findings=findings or [], results=results if results is not None
                       else [ItemResult("plan", True, "baseline r2 signed"), ItemResult("risks", False),
                             ItemResult("lessons", True)])


async def test_a_major_finding_is_corrected_escalated_when_overdue_checked_and_re_audited(
        audits, own_time_skipping_env, governance_pool, org, project):
    env = own_time_skipping_env
    handle = await audits.start(project)
    fieldwork = await open_task(handle, "audit")
    assert (fieldwork.spec.kind, fieldwork.pending_approvers(), fieldwork.spec.requester) == ("AUDIT", ["ann"], "pete")
    # The pm may not audit his own project; evidence is required where the item says so.
    assert "SELF_APPROVAL" in await refused(handle.execute_update(
        QualityAuditWorkflow.record_result, record_input(Actor("pete", ["pm", "auditor"]), complete=False)))
    assert "NOT_A_CANDIDATE" in await refused(handle.execute_update(
        QualityAuditWorkflow.record_result, record_input(Actor("al", ["auditor"]), complete=False)))
    assert "requires evidence" in await refused(handle.execute_update(QualityAuditWorkflow.record_result, record_input(
        ANN, complete=False, results=[ItemResult("plan", True)])))
    assert "INVALID_CHOICE" in await refused(handle.execute_update(QualityAuditWorkflow.decide, DecideInput(
        task_id=fieldwork.id, actor=ANN, choice="COMPLETE")))  # only RecordAuditResult completes the fieldwork
    # Recorded in two goes: results first, then the finding with the completion.
    partial = await handle.execute_update(QualityAuditWorkflow.record_result, record_input(ANN, complete=False))
    assert partial.state == "OPEN" and partial.score == ""
    finding = Finding("f1", "MAJOR", "Risks have no owners", evidence="register export 2027-03-01", item_id="risks")
    await handle.execute_update(QualityAuditWorkflow.record_result, record_input(
        ANN, complete=True, results=[], findings=[finding]))
    view = await until(handle, QualityAuditWorkflow.view, lambda v: v.state == "ACTIONS_OPEN", "actions open")
    assert (view.score, view.passed, view.pass_threshold) == ("0.6667", False, "0.80")
    assert [(a.finding_id, a.owner, a.state) for a in view.corrective_actions] == [("f1", "pete", "OPEN")]

    action = audits.handle(ca.workflow_id_of(org, ca.action_id(org, view.id, "f1")))
    task = await open_task(action, "action-1")
    assert (task.spec.kind, task.pending_approvers(), task.spec.requester) == ("CORRECTIVE_ACTION", ["pete"], "ann")
    await env.sleep(timedelta(hours=3, minutes=1))  # 75 % of the MAJOR SLA of 4 hours
    await open_task(action, "action-1", until_event="REMINDED")
    await env.sleep(timedelta(hours=1))  # overdue: the engine escalates it and starts an escalation that chases it
    late = await open_task(action, "action-1", until_event="ESCALATED")
    assert late.breach_escalation and late.pending_approvers() == ["pete", "role:pmo"]
    chasing = audits.handle(late.breach_escalation)
    assert (await chasing.describe()).status == WorkflowExecutionStatus.RUNNING

    assert "INVALID_ARGUMENT" in await refused(action.execute_update(CorrectiveActionWorkflow.decide, DecideInput(
        task_id=late.id, actor=PETE, choice="COMPLETE")))  # a note is required
    await action.execute_update(CorrectiveActionWorkflow.decide, DecideInput(
        task_id=late.id, actor=PETE, choice="COMPLETE", comment="owners assigned in the register"))
    check = await open_task(action, "check-1")
    assert (check.spec.kind, check.pending_approvers()) == ("EFFECTIVENESS_CHECK", ["ann"])
    await action.execute_update(CorrectiveActionWorkflow.decide, DecideInput(
        task_id=check.id, actor=ANN, choice="NOT_EFFECTIVE", comment="two risks still without owner"))
    again = await open_task(action, "action-2")  # reopened with a new due date
    assert again.due_time > late.due_time
    await action.execute_update(CorrectiveActionWorkflow.decide, DecideInput(
        task_id=again.id, actor=PETE, choice="COMPLETE", comment="all risks owned now"))
    await action.execute_update(CorrectiveActionWorkflow.decide, DecideInput(
        task_id=(await open_task(action, "check-2")).id, actor=ANN, choice="EFFECTIVE"))

    closed = await handle.result()
    assert (closed.state, closed.score) == ("CLOSED", "0.6667")
    assert [a.state for a in closed.corrective_actions] == ["CLOSED"]
    follow_up = re_audit_id(org, closed.id)
    assert closed.re_audit.endswith(f"/qualityAudits/{follow_up}")
    re_audit = audits.handle(ids.workflow_id(ID_PREFIX, org, follow_up))
    started: QualityAuditView = await until(re_audit, QualityAuditWorkflow.view, lambda v: v.phase != "", "re-audit")
    assert (started.trigger, started.re_audit_of, started.state) == ("RE_AUDIT", closed.name, "OPEN")
    events = await governance_pool.fetch(
        "SELECT action FROM audit_events WHERE org_id = $1 AND resource = $2 ORDER BY seq", org, closed.name)
    assert [e["action"] for e in events if e["action"].startswith("QualityAudit")] == [
        "QualityAuditOpened", "QualityAuditResultRecorded", "QualityAuditResultRecorded", "QualityAuditScored",
        "QualityAuditActionOpened", "QualityAuditActionClosed", "QualityAuditReAuditScheduled", "QualityAuditClosed"]
    escalated = await chasing.result()  # the late task closed: its escalation has nothing left to chase
    assert escalated["state"] == "WITHDRAWN"
    outcome = await action.result()
    assert (outcome["state"], outcome["rounds"]) == ("CLOSED", 2)
    await recordings.record(handle, "quality_audit_major_finding")
    await recordings.record(action, "corrective_action_escalated_reopened")


async def test_a_clean_audit_closes_with_its_score_where_gates_read_it(audits, governance_pool, org, project):
    handle = await audits.start(project)
    await open_task(handle, "audit")
    await handle.execute_update(QualityAuditWorkflow.record_result, record_input(ANN, complete=True, results=[
        ItemResult("plan", True, "baseline r2 signed"), ItemResult("risks", True), ItemResult("lessons", False)]))
    closed = await handle.result()
    assert (closed.state, closed.score, closed.passed, closed.re_audit) == ("CLOSED", "0.8333", True, "")
    assert closed.corrective_actions == [] and closed.methodology == "AGILE"
    async with governance_pool.acquire() as conn:
        latest = await store.latest_closed_audit(conn, org, project)
    assert (latest["name"], latest["score"]) == (closed.name, "0.8333")
    await recordings.record(handle, "quality_audit_clean")


async def test_the_checklist_comes_from_the_policy_for_the_projects_methodology_and_phase(audits, project):
    handle = await audits.start(project, checklist=[])
    await open_task(handle, "audit")
    view = await handle.query(QualityAuditWorkflow.view)
    assert (view.methodology, view.phase) == ("AGILE", "INITIATION")
    assert [i.id for i in view.checklist] == [i.id for i in default_policy().quality.checklists[0].items]


async def test_a_scheduled_run_skips_a_finished_project(audits, own_time_skipping_env, projects_stub, as_role, org,
                                                        project):
    await as_role("pmo")(projects_stub.UpdateProject, projects_api.UpdateProjectRequest(
        project=projects_pb.Project(name=f"organizations/{org}/projects/{project}",
                                    status=projects_pb.PROJECT_STATUS_CANCELLED),
        update_mask={"paths": ["status"]}, request_id=rid()))
    handle = await own_time_skipping_env.client.start_workflow(
        QualityAuditWorkflow.run, QualityAuditInput(org=org, project=project, id="", trigger="SCHEDULED"),
        id=f"{ID_PREFIX}/{org}/scheduled-{project}-2027-01-01T09:00:00Z", task_queue=audits.task_queue)
    skipped = await handle.result()
    assert (skipped.state, skipped.tasks, skipped.policy_version) == ("SKIPPED", [], 0)
    assert skipped.id == scheduled_audit_id(org, handle.id)
