"""ChangeRequestWorkflow with a real worker on the Temporal dev server (and the time-skipping server for the
SLA timers), the real ProjectsService and BillingService over gRPC, and the governance read model on the
real PostgreSQL: approved, rejected, changes requested, withdrawn, segregation of duties, STANDARD and
EMERGENCY changes, blackout windows, re-assessment and re-routing, idempotent apply, failure, what-if."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from google.type import date_pb2, money_pb2
from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.governance import store as governance_store
from services.platform.auth import ON_BEHALF_OF, SERVICE_SUBJECT
from tests.support import Caller, rid
from tests.workflows import recordings
from workflows import ids, worker
from workflows.activities.governance import GovernanceActivities
from workflows.activities.projects import ChangeActivities, what_if
from workflows.activities.services import ServiceCalls
from workflows.approvals import Actor, DecideInput, Delegator, Task, TimeoutAction
from workflows.calendar import BusinessCalendar, due_instant, elapsed
from workflows.change_request import (
    APPLY_CHANGE,
    ID_PREFIX,
    KIND,
    ApplyInput,
    ApplyResult,
    ChangeRequestInput,
    ChangeRequestView,
    ChangeRequestWorkflow,
    MilestoneChange,
    WithdrawInput,
)
from workflows.escalation import EscalationWorkflow
from workflows.policy import HOUR, MICROS, BlackoutWindow, GovernancePolicy, default_policy
from workflows.worker import CHECKING_SANDBOX

ALICE = Actor("alice", ["pm"])  # asks for the changes
BOB = Actor("bob", ["pmo"])  # decides minor changes (the default policy's first tier is the pmo's)
SUE = Actor("sue", ["sponsor"])
MALLORY = Actor("mallory", ["pm"])
START, END = dt.date(2027, 1, 1), dt.date(2027, 4, 10)  # Apollo's plan: 100 days, 100,000 EUR


def policy(**changes) -> GovernancePolicy:
    chosen = default_policy("TACTICAL")  # minor: <= 10,000 and 5 days, pmo, ANY; major: pmo then sponsor
    chosen.version = 7
    chosen.escalate_task_breaches = False  # see own_time_skipping_env; one test below turns it on
    for key, value in changes.items():
        setattr(chosen, key, value)
    return chosen


def _date(d: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=d.year, month=d.month, day=d.day)


def _eur(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


class Governance(Caller):
    """The governance service principal acting for a person: what changes a project's baseline outside a test."""

    def __init__(self, authority, person: str) -> None:
        self.sub, self.person = SERVICE_SUBJECT, person
        self.token = authority.issue_service_token(600)

    def metadata(self) -> tuple:
        return (*super().metadata(), (ON_BEHALF_OF, self.person))


# --- the harness: a worker, change requests submitted like the GovernanceService does ------------


@pytest.fixture
async def apollo(projects_stub, as_role, org) -> str:
    """A project of 100,000 EUR over 2027-01-01..2027-04-10 with milestones `design` (02-01) and `launch`
    (04-05), and dan assigned to its end."""
    pmo = as_role("pmo")
    project = await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo", project=pb.Project(
            code="APL-1", display_name="Apollo", methodology=pb.METHODOLOGY_WATERFALL, budget=_eur(100_000),
            planned_start_date=_date(START), planned_end_date=_date(END), percent_complete=40)))
    for mid, due in (("design", dt.date(2027, 2, 1)), ("launch", dt.date(2027, 4, 5))):
        await pmo(projects_stub.CreateMilestone, api.CreateMilestoneRequest(
            parent=project.name, milestone_id=mid, milestone=pb.Milestone(display_name=mid, due_date=_date(due))))
    await pmo(projects_stub.CreateAssignment, api.CreateAssignmentRequest(
        parent=project.name, assignment_id="dan", assignment=pb.Assignment(
            person=f"dan-{uuid.uuid4().hex[:6]}", role="developer", allocation_percent=50, start_date=_date(START),
            end_date=_date(END))))
    return project.name


@pytest.fixture
async def cr_worker(temporal_env, task_queue, governance_pool, service_calls):
    """The worker as `pmaas serve worker` builds it, on this test's task queue."""
    async with worker.build(temporal_env.client, task_queue, governance_pool, service_calls):
        yield


@pytest.fixture
async def changes(temporal_env, task_queue, org, cr_worker):
    submitted = Changes(temporal_env.client, task_queue, org)
    yield submitted
    await submitted.stop_all()


@pytest.fixture
async def projects_db(database_url):
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "projects,public"})
    yield conn
    await conn.close()


class Changes:
    """Submits change requests (update-with-start on `submitted`, as the GovernanceService does) and acts on them."""

    def __init__(self, client: Client, task_queue: str, org: str, plain_start: bool = False) -> None:
        self.client, self.task_queue, self.org = client, task_queue, org
        # The time-skipping server stops skipping time for good after an update-with-start: start plainly there.
        self.plain_start = plain_start
        self.handles: list[WorkflowHandle] = []

    def input(self, type_: str = "NORMAL", requester: Actor = ALICE, request_policy: GovernancePolicy | None = None,
              **change) -> ChangeRequestInput:
        cr_id = ids.resource_id(self.org, KIND, rid())
        change.setdefault("title", "Two more sprints")
        return ChangeRequestInput(org=self.org, project="apollo", id=cr_id, requester=requester,
                                  description="The integration took longer", type=type_,
                                  policy=request_policy or policy(), currency="EUR", **change)

    async def submit(self, type_: str = "NORMAL", **kw) -> WorkflowHandle:
        cr = self.input(type_, **kw)
        if self.plain_start:
            handle = await self.client.start_workflow(ChangeRequestWorkflow.run, cr, task_queue=self.task_queue,
                                                      id=ids.workflow_id(ID_PREFIX, self.org, cr.id))
            self.handles.append(handle)
            return handle
        start = WithStartWorkflowOperation(
            ChangeRequestWorkflow.run, cr, id=ids.workflow_id(ID_PREFIX, self.org, cr.id), task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
        view = await self.client.execute_update_with_start_workflow(ChangeRequestWorkflow.submitted,
                                                                    start_workflow_operation=start)
        assert (view.id, view.requester, view.policy_version) == (cr.id, cr.requester.subject, cr.policy.version)
        handle = await start.workflow_handle()
        self.handles.append(handle)
        return handle

    async def stop_all(self) -> None:
        for handle in self.handles:
            with contextlib.suppress(Exception):
                await handle.terminate("test over")


async def until(handle: WorkflowHandle, check, what: str, timeout_s: float = 20) -> ChangeRequestView:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        view = await handle.query(ChangeRequestWorkflow.view)
        if check(view):
            return view
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: still {view.state} ({view.outcome_reason})")
        await asyncio.sleep(0.05)


async def open_task(handle: WorkflowHandle, key: str = "approval", timeout_s: float = 20) -> Task:
    """The task opened for `key`, once it is open (approvers can act on it)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        found = [t for t in await handle.query(ChangeRequestWorkflow.tasks) if t.spec.key == key and t.is_open]
        if found:
            return found[0]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no open task {key}")
        await asyncio.sleep(0.05)


async def decide(handle: WorkflowHandle, actor: Actor, choice: str = "APPROVE", comment: str = "",
                 key: str = "approval") -> Task:
    task = await open_task(handle, key)
    return await handle.execute_update(ChangeRequestWorkflow.decide, DecideInput(task.id, actor, choice, comment))


async def refused(call) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await call
    assert isinstance(failed.value.cause, ApplicationError)
    return failed.value.cause.type


async def project(projects_stub, as_role, name: str) -> pb.Project:
    return await as_role("viewer")(projects_stub.GetProject, api.GetProjectRequest(name=name))


async def baselines(projects_stub, as_role, name: str) -> list[pb.Baseline]:
    page = await as_role("viewer")(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=name))
    return list(page.baselines)


async def record(handle: WorkflowHandle, scenario: str) -> None:
    await recordings.record(handle, f"change_request_{scenario}")


def events(view_or_rows) -> list[str]:
    return [e.kind for e in view_or_rows]


# --- approved, rejected, changes requested ---------------------------------------------------------


async def test_an_approved_change_becomes_the_projects_new_baseline(changes, apollo, projects_stub, as_role,
                                                                   projects_db, governance_pool, org):
    handle = await changes.submit(budget_delta_micros=5_000 * MICROS, schedule_delta_days=3,
                                  milestone_changes=[MilestoneChange("launch", "2027-04-12")])
    view = await until(handle, lambda v: v.state == "PENDING_APPROVAL", "routed")
    assert (view.route.tier, view.route.auto_approved, view.route.candidates.roles) == ("minor", False, ["pmo"])
    impact = view.impact
    assert (impact.new_budget_micros, impact.new_end_date, impact.schedule_delta_days) == \
        (105_000 * MICROS, "2027-04-13", 3)
    assert impact.affected_milestones == [f"{apollo}/milestones/launch"] and impact.affected_assignments == []
    assert impact.cpi_before == "" and impact.project_etag  # no engagement: no earned value
    task = await open_task(handle)
    assert task.spec.kind == "CHANGE_APPROVAL" and task.spec.requester == "alice"
    assert task.spec.evidence["budget"] == "100000.00 EUR -> 105000.00 EUR (+5000.00 EUR)"

    await decide(handle, BOB, comment="within the minor tier")
    done = await handle.result()

    assert (done.state, done.baseline_revision) == ("COMPLETED", 1)
    assert done.outcome_reason == "applied as baseline revision 1"
    assert done.tasks == [task.id]
    now = await project(projects_stub, as_role, apollo)
    assert (now.budget.units, now.planned_end_date.day, now.baseline_revision) == (105_000, 13, 1)
    [baseline] = await baselines(projects_stub, as_role, apollo)
    assert (baseline.revision, baseline.budget.units, baseline.creator) == (1, 105_000, SERVICE_SUBJECT)
    launch = await as_role("viewer")(projects_stub.GetMilestone,
                                     api.GetMilestoneRequest(name=f"{apollo}/milestones/launch"))
    assert (launch.due_date.month, launch.due_date.day) == (4, 12)
    # The services' audit reads "alice, via governance".
    audited = await projects_db.fetch("SELECT actor, on_behalf_of FROM audit_events WHERE org_id = $1 AND action = "
                                      "ANY($2) ORDER BY seq", org, ["CreateBaseline", "UpdateMilestone"])
    assert [tuple(r) for r in audited] == [(SERVICE_SUBJECT, "alice")] * 2
    # The read model holds the final view; the audit chain has every process event in order.
    async with governance_pool.acquire() as conn:
        row = await governance_store.get_process(conn, org, KIND, done.id)
        actions = [r["action"] for r in await conn.fetch(
            "SELECT action FROM audit_events WHERE org_id = $1 AND resource = $2 ORDER BY seq", org, done.name)]
    assert (row["state"], row["open"], json.loads(row["view"])["baseline_revision"]) == ("COMPLETED", False, 1)
    assert actions == ["ChangeRequestSubmitted", "ChangeRequestAssessed", "ChangeRequestRouted",
                       "ChangeRequestApproved", "ChangeRequestApplying", "ChangeRequestApplied",
                       "ChangeRequestCompleted"]
    await record(handle, "approved")


async def test_a_rejected_change_changes_nothing(changes, apollo, projects_stub, as_role):
    handle = await changes.submit(budget_delta_micros=2_000 * MICROS)
    await decide(handle, BOB, "REJECT", "no budget left this quarter")
    done = await handle.result()
    assert (done.state, done.outcome_reason) == ("REJECTED", "bob: no budget left this quarter")
    assert await baselines(projects_stub, as_role, apollo) == []
    assert (await project(projects_stub, as_role, apollo)).budget.units == 100_000
    await record(handle, "rejected")


async def test_approvers_may_ask_for_changes(changes, apollo):
    handle = await changes.submit(schedule_delta_days=4)
    await decide(handle, BOB, "REQUEST_CHANGES", "split it in two requests")
    done = await handle.result()
    assert (done.state, done.outcome_reason) == ("CHANGES_REQUESTED", "bob: split it in two requests")
    await record(handle, "changes_requested")


# --- who may act ------------------------------------------------------------------------------------


async def test_the_requester_withdraws_and_nobody_else_can(changes, apollo, projects_stub, as_role):
    handle = await changes.submit(schedule_delta_days=2)
    task = await open_task(handle)
    assert await refused(handle.execute_update(ChangeRequestWorkflow.withdraw,
                                               WithdrawInput(MALLORY, "not mine"))) == "NOT_ALLOWED"
    assert await refused(handle.execute_update(ChangeRequestWorkflow.withdraw,
                                               WithdrawInput(BOB, "I decide it"))) == "NOT_ALLOWED"

    view = await handle.execute_update(ChangeRequestWorkflow.withdraw, WithdrawInput(ALICE, "the risk went away"))

    assert (view.state, view.outcome_reason) == ("WITHDRAWN", "the risk went away")
    done = await handle.result()
    assert (done.state, done.tasks) == ("WITHDRAWN", [task.id])
    assert await baselines(projects_stub, as_role, apollo) == []
    [cancelled] = await handle.query(ChangeRequestWorkflow.tasks)
    assert (cancelled.id, cancelled.state, cancelled.outcome) == (task.id, "CANCELLED", "CANCELLED")
    await record(handle, "withdrawn")


async def test_the_requester_cannot_approve_their_own_change_directly_or_through_a_delegation(changes, apollo):
    pmo_alice = Actor("alice", ["pm", "pmo"])  # a candidate by role, but the requester
    handle = await changes.submit(requester=pmo_alice, schedule_delta_days=1)
    task = await open_task(handle)
    assert await refused(handle.execute_update(ChangeRequestWorkflow.decide, DecideInput(
        task.id, pmo_alice, "APPROVE"))) == "SELF_APPROVAL"
    # mallory holds alice's approvals for the week: never for alice's own request.
    delegate = Actor("mallory", ["pm"], [Delegator("alice", ["pm", "pmo"])])
    assert await refused(handle.execute_update(ChangeRequestWorkflow.decide, DecideInput(
        task.id, delegate, "APPROVE"))) == "SELF_APPROVAL"
    assert await refused(handle.execute_update(ChangeRequestWorkflow.decide, DecideInput(
        task.id, SUE, "APPROVE"))) == "NOT_A_CANDIDATE"
    # Refusals leave no trace in the history; a legitimate decision still goes through.
    await decide(handle, BOB)
    assert (await handle.result()).state == "COMPLETED"


# --- STANDARD and EMERGENCY, blackout windows, open requests -------------------------------------


async def test_a_standard_change_from_the_catalogue_is_auto_approved_and_recorded(changes, apollo, projects_stub,
                                                                                 as_role):
    handle = await changes.submit("STANDARD", catalogue_item="minor-date-shift", schedule_delta_days=2)
    done = await handle.result()
    assert (done.state, done.route.tier, done.route.auto_approved, done.tasks) == \
        ("COMPLETED", "standard", True, [])
    assert (await project(projects_stub, as_role, apollo)).planned_end_date.day == 12
    assert await handle.query(ChangeRequestWorkflow.tasks) == []
    await record(handle, "standard")


async def test_an_emergency_applies_inside_a_blackout_then_is_reviewed(changes, apollo, projects_stub, as_role):
    now = dt.datetime.now(dt.UTC)
    frozen = policy(blackout_windows=[BlackoutWindow("quarter-end", now - dt.timedelta(hours=1),
                                                     now + dt.timedelta(days=1), reason="quarter close")])
    handle = await changes.submit("EMERGENCY", request_policy=frozen, budget_delta_micros=50_000 * MICROS)
    view = await until(handle, lambda v: v.state == "PENDING_APPROVAL", "routed")
    assert view.route.tier == "emergency"
    [conflict] = view.conflicts
    assert (conflict.kind, conflict.blackout, conflict.blocking) == ("BLACKOUT_WINDOW", "quarter-end", False)

    await decide(handle, SUE, comment="production is down")
    view = await until(handle, lambda v: v.state == "POST_REVIEW", "under review")
    assert view.baseline_revision == 1
    assert (await project(projects_stub, as_role, apollo)).budget.units == 150_000
    review = await open_task(handle, "post-review")
    assert (review.spec.kind, review.spec.candidates.roles) == ("POST_IMPLEMENTATION_REVIEW", ["pmo"])
    assert await refused(handle.execute_update(ChangeRequestWorkflow.withdraw, WithdrawInput(
        ALICE, "too late"))) == "TASK_CLOSED"  # applied: withdrawing is over

    await decide(handle, BOB, comment="root cause documented", key="post-review")
    done = await handle.result()
    assert (done.state, done.post_review_outcome) == ("COMPLETED", "APPROVE")
    await record(handle, "emergency")


async def test_a_normal_change_waits_for_the_blackout_to_end(changes, apollo, projects_stub, as_role,
                                                            governance_pool, org):
    now = dt.datetime.now(dt.UTC)
    ends = now + dt.timedelta(seconds=6)
    frozen = policy(blackout_windows=[BlackoutWindow("release", now - dt.timedelta(hours=1), ends,
                                                     project="apollo")])
    handle = await changes.submit(request_policy=frozen, schedule_delta_days=2)
    view = await until(handle, lambda v: v.state == "PENDING_APPROVAL", "routed")
    assert [(c.blackout, c.blocking) for c in view.conflicts] == [("release", True)]

    await decide(handle, BOB)
    view = await until(handle, lambda v: v.apply_not_before is not None, "held")
    assert view.state == "APPROVED" and view.apply_not_before == ends
    assert await baselines(projects_stub, as_role, apollo) == []

    done = await handle.result()
    [baseline] = await baselines(projects_stub, as_role, apollo)
    assert done.state == "COMPLETED" and baseline.create_time.ToDatetime(dt.UTC) >= ends
    await record(handle, "blackout_wait")


async def test_other_open_change_requests_on_the_project_are_shown_to_the_approvers(changes, apollo):
    first = await changes.submit(schedule_delta_days=1, title="First")
    await open_task(first)
    second = await changes.submit(schedule_delta_days=2, title="Second")
    task = await open_task(second)
    first_view = await first.query(ChangeRequestWorkflow.view)
    [conflict] = (await second.query(ChangeRequestWorkflow.view)).conflicts
    assert (conflict.kind, conflict.change_request, conflict.blocking) == \
        ("OPEN_CHANGE_REQUEST", first_view.name, False)
    assert first_view.name in task.spec.evidence["conflicts"]


# --- the project changed before the change is applied ---------------------------------------------


async def test_a_change_is_reassessed_when_the_project_moved_since_the_assessment(changes, apollo, projects_stub,
                                                                                as_role, authority):
    handle = await changes.submit(budget_delta_micros=5_000 * MICROS)
    await open_task(handle)
    await Governance(authority, "sue")(projects_stub.CreateBaseline, api.CreateBaselineRequest(
        parent=apollo, start_date=_date(START), end_date=_date(END), budget=_eur(120_000),
        reason="Another approved change", request_id=rid()))

    await decide(handle, BOB)
    done = await handle.result()

    assert done.state == "COMPLETED" and done.route.tier == "minor"
    assert (done.impact.current_budget_micros, done.impact.new_budget_micros) == \
        (120_000 * MICROS, 125_000 * MICROS)
    assert [b.budget.units for b in await baselines(projects_stub, as_role, apollo)] == [120_000, 125_000]
    assert done.baseline_revision == 2
    await record(handle, "reassessed")


async def test_a_change_is_rerouted_when_its_tier_changed_since_the_assessment(changes, apollo, projects_stub,
                                                                             as_role, authority):
    # New end 2027-04-13: 3 days, minor. Then the plan's end moves to 03-25 and the same change is 19 days: major.
    handle = await changes.submit(new_end_date="2027-04-13")
    await open_task(handle)
    await Governance(authority, "sue")(projects_stub.CreateBaseline, api.CreateBaselineRequest(
        parent=apollo, start_date=_date(START), end_date=_date(dt.date(2027, 3, 25)), budget=_eur(100_000),
        reason="Scope cut", request_id=rid()))
    await decide(handle, BOB)

    second = await open_task(handle, "approval-2")
    view = await handle.query(ChangeRequestWorkflow.view)
    assert (view.state, view.route.tier, view.impact.schedule_delta_days) == ("PENDING_APPROVAL", "major", 19)
    await decide(handle, BOB, key="approval-2")  # major: the pmo tier, then the sponsor tier
    await decide(handle, SUE, key="approval-2")
    done = await handle.result()

    assert (done.state, done.baseline_revision) == ("COMPLETED", 2)
    assert len(done.tasks) == 2 and second.id in done.tasks
    assert (await project(projects_stub, as_role, apollo)).planned_end_date.day == 13
    await record(handle, "rerouted")


# --- idempotency, failure -------------------------------------------------------------------------


async def test_a_retried_apply_creates_one_baseline(temporal_env, task_queue, org, apollo, governance_pool,
                                                    service_calls, projects_stub, as_role):
    """The first attempt applies the change and 'loses' its answer; the retry sends the same request ids."""
    real = ChangeActivities(service_calls)
    attempts: list[int] = []

    @activity.defn(name=APPLY_CHANGE)
    async def apply_change_losing_first_answer(arg: ApplyInput) -> ApplyResult:
        attempts.append(activity.info().attempt)
        result = await real.apply_change(arg)
        if activity.info().attempt == 1:
            raise ApplicationError("connection lost after the write")
        return result

    activities = [real.assess_change, real.read_project_etag, apply_change_losing_first_answer,
                  *GovernanceActivities(governance_pool).all()]
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=[ChangeRequestWorkflow, EscalationWorkflow],
                      activities=activities, workflow_runner=CHECKING_SANDBOX):
        submitted = Changes(temporal_env.client, task_queue, org)
        handle = await submitted.submit(budget_delta_micros=3_000 * MICROS,
                                        milestone_changes=[MilestoneChange("launch", "2027-04-07")])
        await decide(handle, BOB)
        done = await handle.result()

    assert attempts == [1, 2]
    assert (done.state, done.baseline_revision) == ("COMPLETED", 1)
    [baseline] = await baselines(projects_stub, as_role, apollo)
    assert baseline.budget.units == 103_000
    launch = await as_role("viewer")(projects_stub.GetMilestone,
                                     api.GetMilestoneRequest(name=f"{apollo}/milestones/launch"))
    assert launch.due_date.day == 7
    await record(handle, "apply_retried")


async def test_a_change_that_does_not_fit_the_project_fails_with_the_reason(changes, apollo):
    handle = await changes.submit(milestone_changes=[MilestoneChange("nope", "2027-04-07")])
    done = await handle.result()
    assert done.state == "FAILED"
    assert done.outcome_reason == \
        f"INVALID_CHANGE: milestone_changes[0].milestone: {apollo} has no milestone 'nope'"
    await record(handle, "failed")


async def test_a_standard_change_beyond_its_catalogue_item_fails(changes, apollo):
    handle = await changes.submit("STANDARD", catalogue_item="minor-date-shift", schedule_delta_days=9)
    done = await handle.result()
    assert done.state == "FAILED" and done.outcome_reason.startswith("INVALID_CHANGE: catalogue_item: ")


# --- what-if (validate_only) ------------------------------------------------------------------------


async def test_what_if_assesses_with_the_callers_own_token_and_earned_value(
        service_calls, projects_stub, billing_stub, as_role, org):
    """A project in flight: day 50 of 100 today, 40% done, 30,000 EUR spent of 100,000."""
    today = dt.date.today()
    pmo, finance = as_role("pmo"), as_role("finance")
    running = await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo", project=pb.Project(
            code="APL-2", display_name="Apollo", methodology=pb.METHODOLOGY_AGILE, budget=_eur(100_000),
            planned_start_date=_date(today - dt.timedelta(days=49)),
            planned_end_date=_date(today + dt.timedelta(days=50)), percent_complete=40)))
    engagement = await finance(billing_stub.CreateEngagement, billing_api.CreateEngagementRequest(
        parent=f"organizations/{org}", engagement_id="main", engagement=billing_pb.Engagement(
            display_name="Apollo delivery", projects=[running.name], currency_code="EUR",
            billing_model=billing_pb.BILLING_MODEL_TIME_AND_MATERIALS, payment_terms_days=30), request_id=rid()))
    await as_role("pm")(billing_stub.CreateExpense, billing_api.CreateExpenseRequest(
        parent=engagement.name, expense=billing_pb.Expense(
            project=running.name, expense_date=_date(today - dt.timedelta(days=1)),
            category=billing_pb.EXPENSE_CATEGORY_TRAVEL, amount=_eur(30_000)), request_id=rid()))
    pm = as_role("pm", sub="alice")
    as_caller = ServiceCalls(projects=service_calls.projects, risks=service_calls.risks,
                                    billing=service_calls.billing, token=pm.token, timeout_s=10)
    cr = Changes(None, "", org).input(budget_delta_micros=10_000 * MICROS, schedule_delta_days=10)

    impact, conflicts, route = await what_if(as_caller, cr, open_change_requests=[f"organizations/{org}/"
                                                                                  "changeRequests/x"])

    # Before: PV 50,000, EV 40,000, AC 30,000. After: BAC 110,000 over 110 days: PV 50,000, EV 44,000.
    assert (impact.cpi_before, impact.spi_before, impact.eac_before_micros) == ("1.3333", "0.8000",
                                                                                 75_000 * MICROS)
    assert (impact.cpi_after, impact.spi_after, impact.eac_after_micros) == ("1.4667", "0.8800", 75_000 * MICROS)
    assert route.tier == "major" and [c.kind for c in conflicts] == ["OPEN_CHANGE_REQUEST"]
    with pytest.raises(ValueError, match="^new_end_date: 2020-01-01 is before the project's start"):
        await what_if(as_caller, Changes(None, "", org).input(new_end_date="2020-01-01"))


# --- SLA timers (time-skipping server) ------------------------------------------------------------


@pytest.fixture
async def skipping(time_skipping_env, task_queue, governance_pool, service_calls, org):
    async with worker.build(time_skipping_env.client, task_queue, governance_pool, service_calls):
        submitted = Changes(time_skipping_env.client, task_queue, org, plain_start=True)
        yield submitted
        await submitted.stop_all()


async def test_an_undecided_change_is_reminded_escalated_then_expires(skipping, apollo):
    handle = await skipping.submit(schedule_delta_days=1)  # minor: due in 2 days, reminders 1 day and 8 h before
    done = await handle.result()
    assert (done.state, done.outcome_reason) == ("REJECTED", "the approval task expired without a decision")
    [task] = await handle.query(ChangeRequestWorkflow.tasks)
    assert events(task.history) == ["OPENED", "REMINDED", "REMINDED", "ESCALATED", "CLOSED"]
    assert (task.state, task.outcome, task.escalated) == ("EXPIRED", "EXPIRED", True)
    assert task.current_candidates().roles == ["pmo", "sponsor"]
    await record(handle, "expired")


async def test_a_late_task_starts_an_escalation_that_its_closing_withdraws(own_time_skipping_env, task_queue,
                                                                          governance_pool, service_calls, org, apollo):
    env = own_time_skipping_env
    async with worker.build(env.client, task_queue, governance_pool, service_calls):
        changes = Changes(env.client, task_queue, org, plain_start=True)
        chasing = policy(escalate_task_breaches=True)
        handle = await changes.submit(request_policy=chasing, schedule_delta_days=1)
        done = await handle.result()
        assert done.state == "REJECTED"
        [task] = await handle.query(ChangeRequestWorkflow.tasks)
        assert events(task.history) == ["OPENED", "REMINDED", "REMINDED", "BREACH_ESCALATED", "ESCALATED", "CLOSED"]
        # The first breach started an escalation chasing the late task; the task's closing withdrew it.
        chase = await env.client.get_workflow_handle_for(EscalationWorkflow.run, task.breach_escalation).result()
        assert (chase.source, chase.subject, chase.severity) == (
            "TASK_BREACH", f"organizations/{org}/tasks/{task.id}", "HIGH")
        assert (chase.state, chase.resolution) == ("WITHDRAWN", "the overdue task closed: EXPIRED")
        assert chase.title == f"Overdue: {task.spec.title}"
        await changes.stop_all()


async def test_a_tier_that_auto_rejects_at_its_timeout(skipping, apollo):
    strict = policy()
    strict.change_tiers[0].on_timeout = TimeoutAction.AUTO_REJECT
    strict.change_tiers[0].due_s = 4 * HOUR
    strict.change_tiers[0].reminders_before_s = [HOUR]
    strict.change_tiers[0].business_time = False  # four hours around the clock
    handle = await skipping.submit(request_policy=strict, schedule_delta_days=1)
    done = await handle.result()
    assert (done.state, done.outcome_reason) == ("REJECTED", "REJECT: auto-rejected at timeout")
    [task] = await handle.query(ChangeRequestWorkflow.tasks)
    assert events(task.history) == ["OPENED", "REMINDED", "CLOSED"]
    assert task.outcome == "REJECT"
    assert dt.timedelta(hours=4) <= task.closed - task.created < dt.timedelta(hours=4, minutes=1)
    await record(handle, "auto_rejected")


async def test_a_business_time_sla_runs_only_in_the_calendars_working_hours(skipping, apollo):
    # One working hour a day, Mondays only, in Berlin: 2 business hours with a reminder at 1 hour take
    # two weeks of wall-clock time whatever day the test server's clock starts on.
    strict = policy(calendar=BusinessCalendar(time_zone="Europe/Berlin", working_days=[0], day_start_min=9 * 60,
                                              day_end_min=10 * 60))
    tier = strict.change_tiers[0]
    tier.on_timeout, tier.due_s, tier.reminders_before_s, tier.business_time = \
        TimeoutAction.AUTO_REJECT, 2 * HOUR, [HOUR], True
    handle = await skipping.submit(request_policy=strict, schedule_delta_days=1)
    done = await handle.result()
    assert done.outcome_reason == "REJECT: auto-rejected at timeout"
    [task] = await handle.query(ChangeRequestWorkflow.tasks)
    berlin = ZoneInfo("Europe/Berlin")
    assert task.due_time == due_instant(strict.calendar, task.created, 2 * HOUR, True)
    assert task.due_time.astimezone(berlin).weekday() == 0 and task.due_time.astimezone(berlin).hour == 10
    assert dt.timedelta(days=7) < task.due_time - task.created <= dt.timedelta(days=14)
    [reminded] = [e for e in task.history if e.kind == "REMINDED"]
    assert elapsed(strict.calendar, task.created, reminded.time, True) == pytest.approx(HOUR, abs=1)
    assert task.closed >= task.due_time and elapsed(strict.calendar, task.created, task.closed, True) \
        == pytest.approx(2 * HOUR, abs=1)
