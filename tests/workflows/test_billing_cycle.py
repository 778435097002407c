"""BillingCycleWorkflow on Temporal's time-skipping server with a real worker, the real Projects and Billing
services and the governance read model: a period closes end to end (lock, invoices, finance approval, issue,
report, actual cost written back), an undecided approval is reminded and rejected at its SLA, one failing
engagement is isolated, a re-run duplicates nothing, and the locked period refuses time."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import date

import grpc
import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.worker import Worker

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.services.billing.support import EUR, D, approve, create_engagement, create_rate, generate, log_time
from tests.support import fails, rid
from tests.workflows import recordings
from workflows import billing_cycle as bc
from workflows.activities.billing_cycle import BillingCycleActivities
from workflows.activities.governance import GovernanceActivities
from workflows.approvals import Actor, DecideInput, Task
from workflows.billing_cycle import BillingCycleInput, BillingCycleView, BillingCycleWorkflow
from workflows.calendar import BusinessCalendar
from workflows.policy import HOUR, MICROS, GovernancePolicy, default_policy
from workflows.worker import CHECKING_SANDBOX

FAY = Actor("fay", ["finance"])
AROUND_THE_CLOCK = BusinessCalendar(working_days=list(range(7)), day_start_min=0, day_end_min=24 * 60)
JANUARY = ("2027-01-01", "2027-01-31")


def policy() -> GovernancePolicy:
    """Invoices above 1,000 EUR need finance, who have 8 hours (reminded at 75 %)."""
    chosen = default_policy("TACTICAL")
    chosen.version = 3
    chosen.calendar = AROUND_THE_CLOCK
    chosen.billing.approval_threshold_micros = 1_000 * MICROS
    chosen.billing.approval_currency = "EUR"
    chosen.billing.approval_due_s = 8 * HOUR
    return chosen


class Cycles:
    """The organization's projects and engagements, and its billing cycles on the test's worker."""

    def __init__(self, client: Client, task_queue: str, org: str, projects_stub, billing_stub, as_role) -> None:
        self.client, self.task_queue, self.org = client, task_queue, org
        self.projects_stub, self.billing, self.as_role = projects_stub, billing_stub, as_role
        self.handles: list[WorkflowHandle] = []

    async def engagement(self, key: str, hours: str) -> tuple[str, str]:
        """A project and a T&M engagement on it with `hours` of approved consultant time in January 2027."""
        project = await self.as_role("pmo")(self.projects_stub.CreateProject, projects_api.CreateProjectRequest(
            parent=f"organizations/{self.org}", project_id=f"p-{key}", project=projects_pb.Project(
                code=f"P-{key}", display_name=f"Project {key}", methodology=projects_pb.METHODOLOGY_AGILE,
                budget=EUR(100_000), planned_start_date=D(2027, 1, 1), planned_end_date=D(2027, 12, 31),
                percent_complete=10)))
        finance = self.as_role("finance")
        engagement = await create_engagement(self.billing, finance, self.org, [project.name], engagement_id=f"e-{key}")
        if hours:
            member = self.as_role("member", sub=f"ann-{key}")  # each their own day: at most 24 h a day
            entry = await log_time(self.billing, member, engagement.name, project.name, day=D(2027, 1, 12),
                                   hours=hours)
            await approve(self.billing, self.as_role("pm", sub="pat"), entry)
        return engagement.name, project.name

    async def start(self, run: int = 1, period: tuple[str, str] = JANUARY, requested_by: str = "rita",
                    chosen: GovernancePolicy | None = None) -> WorkflowHandle:
        start, end = period
        cid = bc.cycle_id(date.fromisoformat(start), date.fromisoformat(end)) if start else ""
        handle = await self.client.start_workflow(
            BillingCycleWorkflow.run, BillingCycleInput(org=self.org, period_start=start, period_end=end,
                                                        policy=chosen or policy(), requested_by=requested_by,
                                                        run=run),
            id=bc.workflow_id(self.org, cid) if cid else f"{bc.schedule_id(self.org)}-{uuid.uuid4().hex[:6]}",
            task_queue=self.task_queue, id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        self.handles.append(handle)
        return handle

    async def invoices(self, engagement: str) -> list[billing_pb.Invoice]:
        listed = await self.as_role("viewer")(self.billing.ListInvoices, billing_api.ListInvoicesRequest(
            parent=engagement))
        return list(listed.invoices)

    async def stop_all(self) -> None:
        for handle in self.handles:
            with contextlib.suppress(Exception):
                await handle.terminate("test over")


@contextlib.asynccontextmanager
async def running_cycles(env, task_queue, governance_pool, service_calls, org, projects_stub, billing_stub, as_role):
    await create_rate(billing_stub, as_role("finance"), org)  # 100 EUR/h for consultants
    async with Worker(env.client, task_queue=task_queue, workflows=[BillingCycleWorkflow],
                      activities=[*GovernanceActivities(governance_pool).all(),
                                  *BillingCycleActivities(service_calls).all()], workflow_runner=CHECKING_SANDBOX):
        harness = Cycles(env.client, task_queue, org, projects_stub, billing_stub, as_role)
        yield harness
        await harness.stop_all()


@pytest.fixture
async def cycles(time_skipping_env, task_queue, governance_pool, service_calls, org, projects_stub, billing_stub,
                 as_role):
    async with running_cycles(time_skipping_env, task_queue, governance_pool, service_calls, org, projects_stub,
                              billing_stub, as_role) as harness:
        yield harness


@pytest.fixture
async def own_cycles(own_time_skipping_env, task_queue, governance_pool, service_calls, org, projects_stub,
                     billing_stub, as_role):
    """On a time-skipping server of the test's own: the scheduled run starts a child, after which the shared
    server stopped skipping time for later tests (sdk-java#1618)."""
    async with running_cycles(own_time_skipping_env, task_queue, governance_pool, service_calls, org, projects_stub,
                              billing_stub, as_role) as harness:
        yield harness


async def until(handle: WorkflowHandle, check, what: str, timeout_s: float = 20) -> BillingCycleView:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        view = await handle.query(BillingCycleWorkflow.view)
        if view is not None and check(view):
            return view
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {view}")
        await asyncio.sleep(0.05)


async def approval_task(handle: WorkflowHandle) -> Task:
    view = await until(handle, lambda v: any(e.task for e in v.engagements), "the approval task")
    task_id = next(e.task for e in view.engagements if e.task)
    return next(t for t in await handle.query(BillingCycleWorkflow.tasks) if t.id == task_id)


def by_engagement(view: BillingCycleView) -> dict[str, bc.EngagementResult]:
    return {e.engagement: e for e in view.engagements}


async def record(handle: WorkflowHandle, scenario: str) -> None:
    await recordings.record(handle, f"billing_cycle_{scenario}")


async def test_a_period_closes_end_to_end_with_a_finance_approval(cycles, governance_pool, projects_stub, org):
    small, small_project = await cycles.engagement("small", "8")  # 800 EUR: issued at once
    large, large_project = await cycles.engagement("large", "20")  # 2,000 EUR: finance approves first
    handle = await cycles.start()
    task = await approval_task(handle)
    assert (task.spec.kind, task.pending_approvers()) == ("INVOICE_APPROVAL", ["role:finance"])
    assert task.spec.evidence["total"] == "2,000.00 EUR" and task.spec.requester == "rita"
    waiting = await until(handle, lambda v: by_engagement(v)[small].state == "ISSUED", "the small invoice issued")
    assert waiting.state == "AWAITING_APPROVAL" and by_engagement(waiting)[large].state == "AWAITING_APPROVAL"
    await handle.execute_update(BillingCycleWorkflow.decide, DecideInput(task_id=task.id, actor=FAY,
                                                                         choice="APPROVE"))
    assert await handle.result() == "COMPLETED"
    view = await handle.query(BillingCycleWorkflow.view)
    assert {e.engagement: (e.state, e.total_micros) for e in view.engagements} == {
        small: ("ISSUED", 800 * MICROS), large: ("ISSUED", 2_000 * MICROS)}
    assert view.period_lock == f"organizations/{org}/billingPeriodLocks/p20270101-20270131"
    for engagement in (small, large):
        (invoice,) = await cycles.invoices(engagement)
        assert invoice.state == billing_pb.INVOICE_STATE_ISSUED
    # The period's report is kept with the cycle, and each project's actual cost is billing's now.
    costs = {p.project: p for p in view.projects}
    assert costs[large_project].actual_cost_micros == 2_000 * MICROS and costs[large_project].error == ""
    assert costs[large_project].budget_micros == 100_000 * MICROS
    project = await cycles.as_role("viewer")(projects_stub.GetProject, projects_api.GetProjectRequest(
        name=small_project))
    assert (project.actual_cost.units, project.actual_cost.currency_code) == (800, "EUR")
    row = await governance_pool.fetchrow("SELECT state, kind, open FROM processes WHERE name = $1", view.name)
    assert (row["state"], row["kind"], row["open"]) == ("COMPLETED", "billing_cycle", False)
    kinds = [r["action"] for r in await governance_pool.fetch(
        "SELECT action FROM audit_events WHERE org_id = $1 AND resource = $2 ORDER BY seq", org, view.name)]
    assert kinds[0] == "BillingCycleStarted" and kinds[-1] == "BillingCycleCompleted"
    assert kinds.count("BillingCycleInvoiceIssued") == 2 and "BillingCycleInvoiceApprovalRequested" in kinds
    notified = await governance_pool.fetchval(
        "SELECT recipients FROM notifications WHERE org_id = $1 AND kind = 'BILLING_CYCLE_COMPLETED'", org)
    assert set(notified) == {"role:finance", "role:sponsor"}
    await record(handle, "approved")


async def test_an_undecided_invoice_is_reminded_then_rejected_at_its_sla(cycles, governance_pool, org):
    large, _ = await cycles.engagement("large", "20")
    handle = await cycles.start()
    task = await approval_task(handle)
    assert await handle.result() == "COMPLETED"  # time skips through the reminder to the SLA
    view = await handle.query(BillingCycleWorkflow.view)
    result = by_engagement(view)[large]
    assert result.state == "REJECTED" and "not approved in time" in result.error
    (decided,) = [t for t in await handle.query(BillingCycleWorkflow.tasks) if t.id == task.id]
    assert [e.kind for e in decided.history] == ["OPENED", "REMINDED", "CLOSED"] and decided.outcome == "REJECT"
    (invoice,) = await cycles.invoices(large)
    assert invoice.state == billing_pb.INVOICE_STATE_DRAFT  # left for finance to issue by hand
    kinds = await governance_pool.fetch("SELECT kind FROM notifications WHERE org_id = $1 AND subject = $2",
                                        org, view.name)
    assert "TASK_REMINDER" in {r["kind"] for r in kinds}
    await record(handle, "approval_expired")


async def test_a_failing_engagement_is_isolated_and_a_rerun_completes_it(cycles, billing_stub, as_role):
    good, _ = await cycles.engagement("good", "8")
    bad, _ = await cycles.engagement("bad", "4")
    finance = as_role("finance")
    # An invoice already covers half of January and February: generating January's is refused (PERIOD_OVERLAP).
    blocking = await generate(billing_stub, finance, bad, D(2027, 1, 16), D(2027, 2, 15))
    handle = await cycles.start()
    assert await handle.result() == "COMPLETED_WITH_ERRORS"
    view = await handle.query(BillingCycleWorkflow.view)
    results = by_engagement(view)
    assert results[good].state == "ISSUED"
    assert results[bad].state == "FAILED" and "PERIOD_OVERLAP" in results[bad].error
    await record(handle, "engagement_failed")
    # Fixed by hand, the period runs again: only what is missing is made.
    await finance(billing_stub.VoidInvoice, billing_api.VoidInvoiceRequest(name=blocking.name, reason="wrong period",
                                                                           request_id=rid()))
    again = await cycles.start(run=2)
    assert await again.result() == "COMPLETED"
    rerun = by_engagement(await again.query(BillingCycleWorkflow.view))
    assert (rerun[good].state, rerun[good].invoice) == ("ISSUED", results[good].invoice)
    assert rerun[bad].state == "ISSUED"
    assert len(await cycles.invoices(good)) == 1
    assert [i.state for i in await cycles.invoices(bad)] == [billing_pb.INVOICE_STATE_VOID,
                                                             billing_pb.INVOICE_STATE_ISSUED]
    await record(again, "rerun")


async def test_a_cycle_run_twice_yields_no_duplicate_invoice(cycles, governance_pool):
    engagements = [(await cycles.engagement(k, "6"))[0] for k in ("one", "two")]
    first = await cycles.start()
    assert await first.result() == "COMPLETED"
    second = await cycles.start(run=2, requested_by="fay")
    assert await second.result() == "COMPLETED"
    for engagement in engagements:
        (invoice,) = await cycles.invoices(engagement)
        assert invoice.state == billing_pb.INVOICE_STATE_ISSUED
    view = await second.query(BillingCycleWorkflow.view)
    row = await governance_pool.fetchrow("SELECT view FROM processes WHERE name = $1", view.name)
    assert '"run":2' in row["view"].replace(" ", "")  # the re-run's view replaced the first run's


async def test_the_closed_period_refuses_time_entries(cycles, billing_stub, as_role):
    engagement, project = await cycles.engagement("locked", "")
    handle = await cycles.start()
    assert await handle.result() == "COMPLETED"
    view = await handle.query(BillingCycleWorkflow.view)
    assert by_engagement(view)[engagement].state == "NOTHING_TO_BILL"
    refused = await fails(log_time(billing_stub, as_role("member", sub="ann"), engagement, project,
                                   day=D(2027, 1, 20)))
    assert (refused.code, refused.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PERIOD_LOCKED")
    await log_time(billing_stub, as_role("member", sub="ann"), engagement, project, day=D(2027, 2, 1))


async def test_a_scheduled_run_closes_the_previous_month_once(own_cycles):
    cycles = own_cycles
    scheduled = await cycles.start(period=("", ""), requested_by=bc.SCHEDULE)
    outcome = await scheduled.result()
    assert outcome.startswith("STARTED ")
    child = cycles.client.get_workflow_handle(outcome.removeprefix("STARTED "))
    assert await child.result() in ("COMPLETED", "COMPLETED_WITH_ERRORS")
    view = await child.query(BillingCycleWorkflow.view)
    assert view.requested_by == "schedule" and view.period_start.endswith("-01")
    again = await cycles.start(period=("", ""), requested_by=bc.SCHEDULE)
    assert await again.result() == f"ALREADY_RUN {child.id}"  # the schedule closes a period once
    await record(scheduled, "scheduled")
    await record(child, "scheduled_period")
