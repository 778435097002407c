"""PhaseGateWorkflow on the Temporal dev server, with a real worker, real Projects, Risks and Billing
services over gRPC, and the governance read model on the real PostgreSQL: every decision a
gatekeeper can take, quorum, the criteria's evidence, and the refusals around the gate."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import uuid

import asyncpg
import grpc
import pytest
from google.type import date_pb2, money_pb2
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError
from temporalio.worker import Worker

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from tests.support import fails, rid
from tests.workflows import recordings
from workflows import ids
from workflows.activities.gates import GateActivities
from workflows.activities.governance import GovernanceActivities
from workflows.approvals import Actor, ApprovalRule, Candidates, Condition, DecideInput, RuleKind, Task
from workflows.escalation import EscalationWorkflow
from workflows.phase_gate import ID_PREFIX, KIND, PhaseGateInput, PhaseGateView, PhaseGateWorkflow, ResumeInput
from workflows.policy import (
    DAY,
    METHODOLOGIES,
    PHASES,
    GateApproval,
    GateCriteria,
    GateCriterion,
    GovernancePolicy,
    default_policy,
)
from workflows.worker import CHECKING_SANDBOX

PAULA = Actor("paula", ["pm"])  # asks for the gates
SAM = Actor("sam", ["sponsor"])  # a gatekeeper (the default policy offers gates to pmo and sponsor)
PAT = Actor("pat", ["pmo"])
QUINN = Actor("quinn", ["member"])
MALLORY = Actor("mallory", ["member"])

ALL_CRITERIA = [GateCriterion("no_open_high_risks"),
                GateCriterion("budget_variance_within_tolerance", threshold="0.10"),
                GateCriterion("milestones_complete"),
                GateCriterion("status_report_fresh", threshold="14"),
                GateCriterion("quality_audit_score", required=False, threshold="0.80")]


def policy(gate: GateApproval | None = None, criteria: list[GateCriterion] | None = None) -> GovernancePolicy:
    """The default policy (version 3) with every criterion on every gate, and optionally other gatekeepers."""
    chosen = default_policy("TACTICAL")
    chosen.version = 3
    chosen.escalate_task_breaches = False  # on the shared time-skipping server: see own_time_skipping_env
    chosen.gate_criteria = [GateCriteria(m, p, list(criteria or ALL_CRITERIA)) for m in METHODOLOGIES
                            for p in PHASES[:5]]
    if gate is not None:
        chosen.gate_approval = gate
    return chosen


# --- the harness: a worker, gates requested like the GovernanceService does, people acting ------------


@contextlib.asynccontextmanager
async def gate_worker(client: Client, task_queue: str, service_calls, governance_pool):
    activities = [*GateActivities(service_calls).all(), *GovernanceActivities(governance_pool).all()]
    async with Worker(client, task_queue=task_queue, workflows=[PhaseGateWorkflow, EscalationWorkflow],
                      activities=activities, workflow_runner=CHECKING_SANDBOX):
        yield


class Gates:
    """Requests phase gates (update-with-start on `submitted`, as the GovernanceService does) and acts on them."""

    def __init__(self, client: Client, task_queue: str, org: str) -> None:
        self.client, self.task_queue, self.org = client, task_queue, org
        self.handles: list[WorkflowHandle] = []

    async def request(self, project: str, gate_policy: GovernancePolicy | None = None, requester: Actor = PAULA,
                      to_phase: str = "", request_id: str | None = None) -> WorkflowHandle:
        gate_id = ids.resource_id(self.org, KIND, request_id or rid())
        start = WithStartWorkflowOperation(
            PhaseGateWorkflow.run,
            PhaseGateInput(org=self.org, project=project, id=gate_id, requester=requester,
                           policy=gate_policy or policy(), to_phase=to_phase),
            id=ids.workflow_id(ID_PREFIX, self.org, gate_id), task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
        view = await self.client.execute_update_with_start_workflow(PhaseGateWorkflow.submitted,
                                                                    start_workflow_operation=start)
        assert view.id == gate_id and view.requester == requester.subject
        handle = await start.workflow_handle()
        self.handles.append(handle)
        return handle

    async def stop_all(self) -> None:
        for handle in self.handles:
            with contextlib.suppress(Exception):
                await handle.terminate("test over")


async def until(handle: WorkflowHandle, check, what: str, timeout_s: float = 20) -> PhaseGateView:
    """The gate's view once `check(view)` holds."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        view = await handle.query(PhaseGateWorkflow.view)
        if check(view):
            return view
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the gate is {view.state}: {view}")
        await asyncio.sleep(0.05)


async def open_task(handle: WorkflowHandle, key: str, timeout_s: float = 20, until_event: str = "") -> Task:
    """The open task `key` (once its history has `until_event`: a fired timer is handled a moment later)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        tasks = await handle.query(PhaseGateWorkflow.tasks)
        found = [t for t in tasks if t.spec.key == key and t.state in ("OPEN", "CLAIMED")
                 and (not until_event or until_event in [e.kind for e in t.history])]
        if found:
            return found[0]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no open task {key}: {[(t.spec.key, t.state) for t in tasks]}")
        await asyncio.sleep(0.05)


async def decide(handle: WorkflowHandle, task: Task, who: Actor, choice: str, comment: str = "",
                 conditions: list[Condition] | None = None) -> Task:
    return await handle.execute_update(PhaseGateWorkflow.decide, DecideInput(
        task_id=task.id, actor=who, choice=choice, comment=comment, conditions=conditions or []))


async def record(handle: WorkflowHandle, scenario: str) -> None:
    await recordings.record(handle, f"phase_gate_{scenario}")


def kinds(task: Task) -> list[str]:
    return [e.kind for e in task.history]


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
async def gates(temporal_env, task_queue, service_calls, governance_pool, org):
    async with gate_worker(temporal_env.client, task_queue, service_calls, governance_pool):
        harness = Gates(temporal_env.client, task_queue, org)
        yield harness
        await harness.stop_all()


@pytest.fixture
async def projects_db(database_url):
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "projects,public"})
    yield conn
    await conn.close()


@pytest.fixture
async def governance_db(database_url):
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "governance,public"})
    yield conn
    await conn.close()


def _date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _eur(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


@pytest.fixture
def new_project(projects_stub, as_role, org):
    """new_project(**fields) -> the id of a fresh WATERFALL project of `org` (created by a pmo, INITIATION)."""
    async def make(**fields) -> str:
        project_id = "p-" + uuid.uuid4().hex[:8]
        fields.setdefault("methodology", projects_pb.METHODOLOGY_WATERFALL)
        await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
            parent=f"organizations/{org}", project_id=project_id, request_id=rid(), project=projects_pb.Project(
                code=project_id.upper(), display_name=f"Project {project_id}", **fields)))
        return project_id
    return make


async def get_project(projects_stub, as_role, org, project_id) -> projects_pb.Project:
    return await as_role("viewer")(projects_stub.GetProject,
                                   projects_api.GetProjectRequest(name=f"organizations/{org}/projects/{project_id}"))


# --- GO ---------------------------------------------------------------------------------------------


async def test_go_moves_the_phase_as_governance_for_the_gatekeeper(gates, new_project, projects_stub, as_role, org,
                                                                    projects_db, governance_db):
    project = await new_project()
    request_id = rid()
    handle = await gates.request(project, request_id=request_id)
    again = await gates.request(project, request_id=request_id)  # a retried RequestPhaseGate joins the same gate
    assert again.id == handle.id

    task = await open_task(handle, "gate-1")
    assert task.spec.kind == "PHASE_GATE" and task.spec.requester == "paula"
    assert set(task.spec.evidence) == {c.id for c in ALL_CRITERIA}
    view = await handle.query(PhaseGateWorkflow.view)
    assert (view.state, view.from_phase, view.to_phase, view.policy_version) == (
        "AWAITING_DECISION", "INITIATION", "PLANNING", 3)
    assert view.tasks == [task.id]

    with pytest.raises(WorkflowUpdateFailedError):  # the requester cannot decide their own gate
        await decide(handle, task, PAULA, "GO")
    await decide(handle, task, SAM, "GO", "business case holds")
    result = await handle.result()

    assert (result.state, result.decision, result.acted_for) == ("PASSED", "GO", "sam")
    moved = await get_project(projects_stub, as_role, org, project)
    assert moved.phase == projects_pb.PHASE_PLANNING
    event = await projects_db.fetchrow(
        "SELECT * FROM audit_events WHERE org_id = $1 AND action = 'TransitionProjectPhase' AND resource = $2",
        org, f"organizations/{org}/projects/{project}")
    assert (event["actor"], event["on_behalf_of"]) == ("svc-governance", "sam")
    assert event["request_id"] == ids.request_id(handle.id, "transition")
    row = await governance_db.fetchrow("SELECT * FROM processes WHERE org_id = $1 AND id = $2", org, result.id)
    assert (row["kind"], row["state"], row["open"]) == ("phase_gate", "PASSED", False)
    actions = [r["action"] for r in await governance_db.fetch(
        "SELECT action FROM audit_events WHERE org_id = $1 AND resource = $2 ORDER BY seq", org, result.name)]
    assert actions == ["PhaseGateRequested", "PhaseGateCriteriaEvaluated", "PhaseGateGateOpened",
                       "PhaseGateDecided", "PhaseGatePhaseTransitioned", "PhaseGatePassed"]
    await record(handle, "go")


# --- CONDITIONAL_GO ------------------------------------------------------------------------------------


async def test_conditional_go_moves_the_phase_and_tracks_each_condition_until_met(gates, new_project, projects_stub,
                                                                                   as_role, org):
    project = await new_project()
    handle = await gates.request(project)
    gate = await open_task(handle, "gate-1")
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    with pytest.raises(WorkflowUpdateFailedError):  # a CONDITIONAL_GO names its conditions
        await decide(handle, gate, SAM, "CONDITIONAL_GO")
    await decide(handle, gate, SAM, "CONDITIONAL_GO", "go once the team is staffed", conditions=[
        Condition("Staff the test team", owner="paula", due_date=soon),
        Condition("Sign the vendor contract", owner="quinn", due_date=soon)])

    view = await until(handle, lambda v: v.state == "CONDITIONS_OPEN", "conditions to open")
    assert view.decision == "CONDITIONAL_GO" and view.acted_for == "sam"
    assert (await get_project(projects_stub, as_role, org, project)).phase == projects_pb.PHASE_PLANNING
    first = await open_task(handle, "gate-1-condition-1")
    second = await open_task(handle, "gate-1-condition-2")
    assert (first.spec.kind, first.spec.choices, first.pending_approvers()) == ("GATE_CONDITION", ["MET"], ["paula"])
    assert first.spec.requester == "sam"  # so paula, who asked for the gate, may confirm her own condition
    assert view.condition_tasks == [first.id, second.id] and view.tasks[1:] == [first.id, second.id]

    with pytest.raises(WorkflowUpdateFailedError):  # not quinn's condition to confirm
        await decide(handle, second, PAULA, "MET")
    await decide(handle, first, PAULA, "MET", "two testers start Monday")
    view = await until(handle, lambda v: v.conditions[0].met, "the first condition to be met")
    assert view.state == "CONDITIONS_OPEN" and not view.conditions[1].met
    await decide(handle, second, QUINN, "MET", "signed")
    result = await handle.result()

    assert result.state == "PASSED" and result.unmet_conditions == []
    assert [(c.description, c.owner, c.met) for c in result.conditions] == [
        ("Staff the test team", "paula", True), ("Sign the vendor contract", "quinn", True)]
    assert all(c.met_time is not None for c in result.conditions)
    await record(handle, "conditional_go")


# --- HOLD, resume, GO ------------------------------------------------------------------------------------


async def test_hold_waits_for_a_resume_which_re_evaluates_and_asks_again(gates, new_project, projects_stub, as_role,
                                                                         org):
    project = await new_project()
    handle = await gates.request(project)
    gate = await open_task(handle, "gate-1")
    await decide(handle, gate, PAT, "HOLD", "wait for the steering committee")
    view = await until(handle, lambda v: v.state == "ON_HOLD", "the hold")
    assert (view.decision, view.reasons) == ("HOLD", "pat: wait for the steering committee")
    assert (await get_project(projects_stub, as_role, org, project)).phase == projects_pb.PHASE_INITIATION

    with pytest.raises(WorkflowUpdateFailedError) as refused:  # neither the requester, a pmo nor an admin
        await handle.execute_update(PhaseGateWorkflow.resume, ResumeInput(MALLORY, "let's go"))
    assert refused.value.cause.type == "NOT_ALLOWED"
    resumed = await handle.execute_update(PhaseGateWorkflow.resume, ResumeInput(PAULA, "committee agreed"))
    assert resumed.state == "EVALUATING"
    with pytest.raises(WorkflowUpdateFailedError):  # only once: it is no longer on hold
        await handle.execute_update(PhaseGateWorkflow.resume, ResumeInput(PAT, "again"))

    second = await open_task(handle, "gate-2")
    view = await handle.query(PhaseGateWorkflow.view)
    assert view.state == "AWAITING_DECISION" and view.tasks == [gate.id, second.id] and view.decision == ""
    await decide(handle, second, SAM, "GO")
    result = await handle.result()
    assert (result.state, result.decision) == ("PASSED", "GO")
    assert (await get_project(projects_stub, as_role, org, project)).phase == projects_pb.PHASE_PLANNING
    await record(handle, "hold_resume_go")


# --- RECYCLE ------------------------------------------------------------------------------------------


async def test_recycle_sends_the_project_back_with_reasons_and_may_be_requested_again(gates, new_project,
                                                                                       projects_stub, as_role, org):
    project = await new_project()
    handle = await gates.request(project)
    gate = await open_task(handle, "gate-1")
    await decide(handle, gate, SAM, "RECYCLE", "benefits are not quantified")
    result = await handle.result()
    assert (result.state, result.decision, result.reasons) == ("RECYCLED", "RECYCLE",
                                                                "sam: benefits are not quantified")
    assert (await get_project(projects_stub, as_role, org, project)).phase == projects_pb.PHASE_INITIATION
    with pytest.raises(RPCError, match="already completed"):  # a recycled gate is over; it is not resumed
        await handle.execute_update(PhaseGateWorkflow.resume, ResumeInput(PAULA))
    await record(handle, "recycle")

    again = await gates.request(project)  # a new gate, once the rework is done
    assert again.id != handle.id
    await decide(again, await open_task(again, "gate-1"), SAM, "GO")
    assert (await again.result()).state == "PASSED"


# --- KILL -----------------------------------------------------------------------------------------------


async def test_kill_cancels_the_project_as_governance_for_the_gatekeeper(gates, new_project, projects_stub, as_role,
                                                                         org, projects_db):
    project = await new_project()
    handle = await gates.request(project)
    gate = await open_task(handle, "gate-1")
    await decide(handle, gate, PAT, "KILL", "no longer strategic")
    result = await handle.result()
    assert (result.state, result.decision, result.acted_for) == ("KILLED", "KILL", "pat")
    cancelled = await get_project(projects_stub, as_role, org, project)
    assert cancelled.status == projects_pb.PROJECT_STATUS_CANCELLED
    assert cancelled.phase == projects_pb.PHASE_INITIATION  # only GO and CONDITIONAL_GO move the phase
    event = await projects_db.fetchrow(
        "SELECT * FROM audit_events WHERE org_id = $1 AND action = 'UpdateProject' ORDER BY seq DESC LIMIT 1", org)
    assert (event["actor"], event["on_behalf_of"]) == ("svc-governance", "pat")
    await record(handle, "kill")

    refused = await gates.request(project)  # a cancelled project passes no more gates
    failed = await refused.result()
    assert failed.state == "FAILED" and "CANCELLED" in failed.reasons


# --- quorum ---------------------------------------------------------------------------------------------


async def test_two_of_three_gatekeepers_decide(gates, new_project, projects_stub, as_role, org):
    board = GateApproval(Candidates(people=["gk-1", "gk-2", "gk-3"]), ApprovalRule(kind=RuleKind.N_OF_M, required=2),
                         5 * DAY, [DAY], "ESCALATE", Candidates(roles=["admin"]))
    project = await new_project()
    handle = await gates.request(project, policy(board))
    gate = await open_task(handle, "gate-1")
    after_one = await decide(handle, gate, Actor("gk-1", ["member"]), "GO")
    assert after_one.state == "OPEN" and after_one.pending_approvers() == ["gk-2", "gk-3"]
    after_two = await decide(handle, gate, Actor("gk-2", ["member"]), "HOLD", "not yet")
    assert after_two.state == "OPEN"  # 1 GO, 1 HOLD: two GOs are still possible
    with pytest.raises(WorkflowUpdateFailedError):  # one vote each
        await decide(handle, gate, Actor("gk-1", ["member"]), "GO")
    await decide(handle, gate, Actor("gk-3", ["member"]), "GO")
    result = await handle.result()
    assert (result.state, result.decision, result.acted_for) == ("PASSED", "GO", "gk-3")
    assert (await get_project(projects_stub, as_role, org, project)).phase == projects_pb.PHASE_PLANNING
    await record(handle, "quorum")


# --- criteria evidence ------------------------------------------------------------------------------------


async def test_criteria_carry_evidence_from_the_services(gates, new_project, projects_stub, risks_stub, billing_stub,
                                                         as_role, org):
    today = dt.date.today()
    project = await new_project(budget=_eur(10_000), percent_complete=10, planned_start_date=_date(today - dt.timedelta(
        days=60)), planned_end_date=_date(today + dt.timedelta(days=60)))
    name = f"organizations/{org}/projects/{project}"
    pm = as_role("pm")
    risk = await pm(risks_stub.CreateRisk, risks_api.CreateRiskRequest(
        parent=name, request_id=rid(), risk=risks_pb.Risk(title="Key supplier may fail", probability=5, impact=5)))
    await pm(risks_stub.CreateRisk, risks_api.CreateRiskRequest(
        parent=name, request_id=rid(), risk=risks_pb.Risk(title="Minor delay", probability=1, impact=2)))
    await pm(projects_stub.CreateStatusReport, projects_api.CreateStatusReportRequest(
        parent=name, request_id=rid(), status_report=projects_pb.StatusReport(
            report_date=_date(today - dt.timedelta(days=30)), summary="on track",
            health=projects_pb.Health(schedule=1, scope=1, cost=1, resources=1))))
    late = await pm(projects_stub.CreateMilestone, projects_api.CreateMilestoneRequest(
        parent=name, request_id=rid(), milestone=projects_pb.Milestone(
            display_name="Design sign-off", due_date=_date(today - dt.timedelta(days=5)),
            state=projects_pb.MILESTONE_STATE_IN_PROGRESS)))
    engagement = await as_role("finance")(billing_stub.CreateEngagement, billing_api.CreateEngagementRequest(
        parent=f"organizations/{org}", engagement_id="main", request_id=rid(), engagement=billing_pb.Engagement(
            display_name="Delivery", projects=[name], billing_model=billing_pb.BILLING_MODEL_TIME_AND_MATERIALS,
            currency_code="EUR", payment_terms_days=30)))
    await as_role("member")(billing_stub.CreateExpense, billing_api.CreateExpenseRequest(
        parent=engagement.name, request_id=rid(), expense=billing_pb.Expense(
            project=name, expense_date=_date(today - dt.timedelta(days=10)),
            category=billing_pb.EXPENSE_CATEGORY_TRAVEL, amount=_eur(2_000))))

    handle = await gates.request(project)
    await open_task(handle, "gate-1")
    view = await handle.query(PhaseGateWorkflow.view)
    results = {r.criterion: r for r in view.criteria}
    assert list(results) == [c.id for c in ALL_CRITERIA]
    assert not any(r.passed for r in results.values())

    risks = results["no_open_high_risks"]
    assert risks.required and "Key supplier may fail" in risks.evidence and "Minor delay" not in risks.evidence
    assert risks.evidence_values["risks"] == risk.name
    budget = results["budget_variance_within_tolerance"]  # EV 1,000 (10 % of 10,000) for 2,000 spent
    assert budget.evidence_values["cpi"] == "0.5000" and budget.evidence.startswith("CPI 0.5000 is below 0.90")
    assert budget.evidence_values["engagements"] == engagement.name
    milestones = results["milestones_complete"]
    assert milestones.evidence_values["late"] == late.name and "Design sign-off" in milestones.evidence
    fresh = results["status_report_fresh"]
    assert fresh.evidence_values["age_days"] == "30" and "older than 14 days" in fresh.evidence
    audit = results["quality_audit_score"]
    assert (audit.passed, audit.required, audit.evidence) == (False, False, "no quality audit recorded yet")

    task = (await handle.query(PhaseGateWorkflow.tasks))[0]  # what the gatekeepers are shown
    assert task.spec.evidence["no_open_high_risks"].startswith("NOT MET (required): 1 open HIGH/CRITICAL risk")
    assert "required and not met: no_open_high_risks, budget_variance_within_tolerance" in task.spec.summary


async def test_a_healthy_project_meets_its_criteria(gates, new_project, projects_stub, as_role, org):
    project = await new_project()
    name = f"organizations/{org}/projects/{project}"
    await as_role("pm")(projects_stub.CreateStatusReport, projects_api.CreateStatusReportRequest(
        parent=name, request_id=rid(), status_report=projects_pb.StatusReport(
            report_date=_date(dt.date.today()), summary="green",
            health=projects_pb.Health(schedule=1, scope=1, cost=1, resources=1))))
    handle = await gates.request(project)
    await open_task(handle, "gate-1")
    view = await handle.query(PhaseGateWorkflow.view)
    results = {r.criterion: r for r in view.criteria}
    assert [c for c, r in results.items() if not r.passed] == ["quality_audit_score"]
    assert results["budget_variance_within_tolerance"].evidence.startswith("no engagement bills this project")
    assert results["status_report_fresh"].evidence_values["age_days"] == "0"
    assert results["no_open_high_risks"].evidence == "no open HIGH or CRITICAL risks (0 open risks of lower level)"


# --- refusals -----------------------------------------------------------------------------------------------


async def test_skipping_a_gate_fails_the_request_with_the_reason(gates, new_project):
    project = await new_project()
    handle = await gates.request(project, to_phase="EXECUTION")
    result = await handle.result()
    assert result.state == "FAILED" and result.tasks == []
    assert "its next gate leads to PLANNING; skipping to EXECUTION is refused" in result.reasons
    await record(handle, "failed")


async def test_one_gate_at_a_time_per_project(gates, new_project):
    project = await new_project()
    first = await gates.request(project)
    await open_task(first, "gate-1")
    second = await (await gates.request(project)).result()
    assert second.state == "FAILED" and first.id.rsplit("/", 1)[-1] in second.reasons
    assert (await first.query(PhaseGateWorkflow.view)).state == "AWAITING_DECISION"


async def test_a_person_may_not_transition_a_phase_directly(projects_stub, as_role, new_project, org):
    project = await new_project()
    request = projects_api.TransitionProjectPhaseRequest(
        name=f"organizations/{org}/projects/{project}", phase=projects_pb.PHASE_PLANNING, reason="skip the gate",
        request_id=rid())
    refused = await fails(as_role("pmo")(projects_stub.TransitionProjectPhase, request))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED


def test_the_view_keeps_the_contract_fields():
    names = {f.name for f in dataclasses.fields(PhaseGateView)}
    assert {"name", "org", "project", "id", "requester", "from_phase", "to_phase", "state", "policy_version",
            "workflow_id", "criteria", "decision", "conditions", "reasons", "tasks", "create_time",
            "update_time"} <= names


async def test_a_policy_with_blackout_windows_starts_a_gate(gates, new_project):
    """Blackout windows carry plain datetimes; the gate's input must still decode inside the sandbox."""
    from workflows.policy import BlackoutWindow

    chosen = policy()
    now = dt.datetime.now(dt.UTC)
    chosen.blackout_windows = [BlackoutWindow("year-end", now - dt.timedelta(days=1), now + dt.timedelta(days=1))]
    handle = await gates.request(await new_project(), gate_policy=chosen)
    view = await until(handle, lambda v: v.state == "AWAITING_DECISION", "the gate task to open")
    assert view.to_phase == "PLANNING"
