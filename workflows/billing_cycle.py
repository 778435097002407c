"""BillingCycleWorkflow: closes one billing period of an organization.

    RUNNING (lock the period; every engagement: generate its invoice, ask finance when it is above the
    threshold, issue it) → AWAITING_APPROVAL while finance decides → report and write back each project's
    actual cost → COMPLETED, or COMPLETED_WITH_ERRORS when an engagement (or a project's figures) failed;
    FAILED when the period could not be locked (nothing was invoiced).

- Started by RunBillingCycle for a period, or by the organization's Temporal Schedule with no period: the
  scheduled run computes the previous period from workflow.now() in the policy calendar's time zone and
  starts the period's own workflow (its id derives from org and period, so a period never runs twice at
  once), then ends. A period closed once runs again only when a person asks (RunBillingCycle reuses the id
  after the run closed: ALLOW_DUPLICATE), and the re-run makes only what is missing: BillingService keeps one
  invoice per engagement and period (GenerateInvoice returns the one that exists, with its state), an
  issued invoice is not issued again, and the lock is idempotent.
- Every service call is an activity through ServiceCalls, as the governance principal for the person who ran
  the cycle ("schedule" for the schedule), or for the finance approver when it issues an approved invoice.
  Request ids derive from the run (workflow id and run start), so a retried activity changes nothing.
- One engagement's failure (its activity retried a bounded number of times) is recorded on it, with the
  reason, and the others go on. Approval tasks are the one approval mechanism's (workflows/approvals.py): in
  finance's inbox, claimable, delegable; an undecided one is rejected at its SLA and the invoice stays DRAFT.
- Every change is published to the governance read model (sync_process, kind `billing_cycle`); journal
  events STARTED, PERIOD_LOCKED, INVOICE_GENERATED, INVOICE_APPROVAL_REQUESTED, INVOICE_ISSUED (turned into the
  outbound "invoice issued" event), INVOICE_REJECTED, ENGAGEMENT_FAILED, REPORTED, COMPLETED (or FAILED).
"""

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from workflows import ids
from workflows.approvals import (
    ACTIVITY_RETRY,
    ACTIVITY_TIMEOUT,
    NOTIFY,
    ApprovalBook,
    ApprovalHandlers,
    ApprovalRule,
    Candidates,
    Notification,
    ProcessJournal,
    ProcessRef,
    RuleKind,
    TaskSpec,
    TimeoutAction,
    write_read_model,
)
from workflows.escalation import warning_before_s
from workflows.issue_feed import CURRENT_POLICY

with workflow.unsafe.imports_passed_through():
    # As in change_request.py: the policy and the calendar are pure and deterministic.
    import workflows.calendar as calendar
    import workflows.policy as policy  # noqa: F401  (the module form is what the passthrough needs)
    from workflows.policy import BillingPolicy, GovernancePolicy

KIND = "billing_cycle"
ID_PREFIX = "billing-cycle"
SCHEDULE = "schedule"  # who a scheduled cycle runs for
WORKFLOW = "BillingCycleWorkflow"
MAX_PARALLEL = 8  # engagements billed at once
# A run's publications are numbered from its run number times this, so a re-run's views are newer than every
# view of the runs before it (the read model keeps the newest version of a process); RunBillingCycle enters a
# run in the read model as version run x this, before the run's own first publication.
VERSIONS_PER_RUN = 1_000_000_000
ISSUED_STATES = ("ISSUED", "PAID")
CLOSED_STATES = ("COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED")


def cycle_id(start: date, end: date) -> str:
    """The period is the cycle's id (as it is the id of BillingService's lock of it)."""
    return f"p{start:%Y%m%d}-{end:%Y%m%d}"


def cycle_name(org: str, cid: str) -> str:
    return f"organizations/{org}/billingCycles/{cid}"


def workflow_id(org: str, cid: str) -> str:
    return ids.workflow_id(ID_PREFIX, org, cid)


def schedule_id(org: str) -> str:
    return f"{ID_PREFIX}-schedule/{org}"


@dataclass
class BillingCycleInput:
    org: str
    period_start: str = ""  # ISO dates, inclusive; both empty: the previous period when it runs (the schedule)
    period_end: str = ""
    policy: GovernancePolicy | None = None  # the version current when requested; None: read when it runs
    requested_by: str = SCHEDULE
    run: int = 1  # how many times the period has been run, this one included


@dataclass
class EngagementResult:
    engagement: str  # resource name
    state: str = "PENDING"  # PENDING GENERATED AWAITING_APPROVAL ISSUED REJECTED NOTHING_TO_BILL FAILED
    invoice: str = ""
    total_micros: int = 0
    currency: str = ""
    task: str = ""
    error: str = ""


@dataclass
class ProjectCost:
    project: str  # resource name
    currency: str = ""
    budget_micros: int = 0
    actual_cost_micros: int = 0
    remaining_micros: int = 0
    forecast_micros: int = 0
    savings_micros: int = 0
    percent_complete: int = 0
    error: str = ""


@dataclass
class BillingCycleView:
    name: str
    org: str
    id: str
    period_start: str
    period_end: str
    state: str  # RUNNING AWAITING_APPROVAL COMPLETED COMPLETED_WITH_ERRORS FAILED
    requested_by: str
    run: int
    policy_version: int
    workflow_id: str
    period_lock: str = ""
    engagements: list[EngagementResult] = field(default_factory=list)
    projects: list[ProjectCost] = field(default_factory=list)
    error: str = ""
    tasks: list[str] = field(default_factory=list)
    create_time: datetime | None = None
    update_time: datetime | None = None
    close_time: datetime | None = None


# --- activity contract (workflows/activities/billing_cycle.py) --------------------------------

LOCK_BILLING_PERIOD = "lock_billing_period"
LIST_ENGAGEMENTS = "list_billing_engagements"
GENERATE_INVOICE = "generate_invoice"
ISSUE_INVOICE = "issue_invoice"
PROJECT_REPORT = "project_financial_report"
WRITE_ACTUAL_COST = "write_actual_cost"
SERVICE_TIMEOUT = timedelta(seconds=30)
# Bounded: a failing engagement is retried a few times, then recorded as failed while the others go on.
BOUNDED_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                            maximum_interval=timedelta(seconds=30), maximum_attempts=3)
PAGE_SIZE = 100


@dataclass
class LockPeriod:
    org: str
    period_start: str
    period_end: str
    on_behalf_of: str
    request_id: str


@dataclass
class EngagementsPage:
    org: str
    period_end: str  # engagements created after it are not billed for the period
    page_token: str = ""


@dataclass
class EngagementRef:
    name: str
    projects: list[str]


@dataclass
class EngagementList:
    engagements: list[EngagementRef]
    next_page_token: str = ""


@dataclass
class GenerateInvoice:
    engagement: str
    period_start: str
    period_end: str
    on_behalf_of: str
    request_id: str


@dataclass
class InvoiceRef:
    name: str
    state: str  # DRAFT ISSUED PAID VOID
    total_micros: int
    currency: str
    lines: int


@dataclass
class IssueInvoice:
    invoice: str
    issue_date: str
    on_behalf_of: str
    request_id: str


@dataclass
class ProjectReport:
    project: str
    as_of: str


@dataclass
class WriteActualCost:
    project: str
    micros: int
    currency: str
    on_behalf_of: str
    request_id: str


# --- pure rules -------------------------------------------------------------------------------


def needs_approval(billing: BillingPolicy, total_micros: int, currency: str) -> bool:
    """Above the threshold, or in another currency than the threshold's (it cannot be compared)."""
    if billing.approval_currency and currency != billing.approval_currency:
        return True
    return total_micros > billing.approval_threshold_micros


def amount_text(micros: int, currency: str) -> str:
    return f"{micros / 1_000_000:,.2f} {currency}".strip()


def cycle_state(view: BillingCycleView) -> str:
    """The state of a cycle still at work."""
    return "AWAITING_APPROVAL" if any(e.state == "AWAITING_APPROVAL" for e in view.engagements) else "RUNNING"


def outcome(view: BillingCycleView) -> str:
    failed = any(e.state == "FAILED" for e in view.engagements) or any(p.error for p in view.projects)
    return "COMPLETED_WITH_ERRORS" if failed else "COMPLETED"


def first_view(input: BillingCycleInput, policy_version: int, wf_id: str, now: datetime) -> BillingCycleView:
    start, end = date.fromisoformat(input.period_start), date.fromisoformat(input.period_end)
    cid = cycle_id(start, end)
    return BillingCycleView(
        name=cycle_name(input.org, cid), org=input.org, id=cid, period_start=input.period_start,
        period_end=input.period_end, state="RUNNING", requested_by=input.requested_by, run=input.run,
        policy_version=policy_version, workflow_id=wf_id, create_time=now, update_time=now)


# --- the workflow -----------------------------------------------------------------------------


@workflow.defn
class BillingCycleWorkflow(ApprovalHandlers):
    @workflow.init
    def __init__(self, input: BillingCycleInput) -> None:
        self.approvals = ApprovalBook()
        self.input = input
        self._view: BillingCycleView | None = None

    @workflow.run
    async def run(self, input: BillingCycleInput) -> str:
        chosen = input.policy or await workflow.execute_activity(
            CURRENT_POLICY, input.org, result_type=GovernancePolicy, start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY)
        if not input.period_start:
            return await self._start_period(input, chosen)
        self.policy = chosen
        info = workflow.info()
        self._view = first_view(input, chosen.version, info.workflow_id, workflow.now())
        self._run_key = f"{info.workflow_id}@{int(info.workflow_start_time.timestamp())}"
        self._ref = ProcessRef(org=input.org, project="", process=self._view.name, workflow_id=info.workflow_id,
                               policy_version=chosen.version)
        self._journal = ProcessJournal(KIND, self._ref, self._view.id, input.requested_by)
        self._journal.published = input.run * VERSIONS_PER_RUN
        self._event("STARTED", actor=input.requested_by,
                    detail=f"{input.period_start}..{input.period_end}, run {input.run}")
        await self._publish()
        engagements = await self._prepare()
        if engagements is not None:
            parallel = asyncio.Semaphore(MAX_PARALLEL)

            async def bill(result: EngagementResult) -> None:
                async with parallel:
                    await self._bill(result)

            await asyncio.gather(*(bill(r) for r in self._view.engagements))
            await self._report(engagements)
            await self._finish(outcome(self._view))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view.state

    async def _start_period(self, input: BillingCycleInput, chosen: GovernancePolicy) -> str:
        """A scheduled run: start the previous period's own workflow (once) and end."""
        start, end = calendar.previous_month(chosen.calendar, workflow.now())
        child = workflow_id(input.org, cycle_id(start, end))
        try:
            # By name and abandoned: the period's cycle outlives this run; a period that ran already (or runs
            # now, started by a person) is not run again by the schedule.
            await workflow.start_child_workflow(WORKFLOW, BillingCycleInput(
                org=input.org, period_start=start.isoformat(), period_end=end.isoformat(), policy=chosen,
                requested_by=input.requested_by), id=child, parent_close_policy=ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
        except WorkflowAlreadyStartedError:
            return f"ALREADY_RUN {child}"
        return f"STARTED {child}"

    def _rid(self, step: str) -> str:
        # With the run number: a re-run can start within the second its run before it did (the start time in
        # the run key is whole seconds), and its calls, for another person, must not reuse that run's ids.
        return ids.request_id(f"{self._run_key}/run-{self.input.run}", step)

    async def _service(self, activity: str, arg, result_type: type | None = None):
        return await workflow.execute_activity(activity, arg, result_type=result_type,
                                               start_to_close_timeout=SERVICE_TIMEOUT, retry_policy=BOUNDED_RETRY)

    async def _prepare(self) -> list[EngagementRef] | None:
        """Lock the period and list its engagements; None when either failed (the cycle has FAILED)."""
        v, input = self._view, self.input
        try:
            v.period_lock = await self._service(LOCK_BILLING_PERIOD, LockPeriod(
                org=input.org, period_start=v.period_start, period_end=v.period_end,
                on_behalf_of=input.requested_by, request_id=self._rid("lock")), str)
            self._event("PERIOD_LOCKED", detail=v.period_lock)
            engagements: list[EngagementRef] = []
            token = ""
            while True:
                page = await self._service(LIST_ENGAGEMENTS, EngagementsPage(
                    org=input.org, period_end=v.period_end, page_token=token), EngagementList)
                engagements += page.engagements
                token = page.next_page_token
                if not token:
                    break
        except ActivityError as exc:
            v.error = _why(exc)
            await self._finish("FAILED")
            return None
        v.engagements = [EngagementResult(engagement=e.name) for e in engagements]
        await self._publish()
        return engagements

    async def _bill(self, result: EngagementResult) -> None:
        v, input = self._view, self.input
        eng_id = result.engagement.rsplit("/", 1)[-1]
        try:
            invoice = await self._service(GENERATE_INVOICE, GenerateInvoice(
                engagement=result.engagement, period_start=v.period_start, period_end=v.period_end,
                on_behalf_of=input.requested_by, request_id=self._rid(f"generate/{eng_id}")), InvoiceRef)
        except ActivityError as exc:
            return await self._fail(result, "generating the invoice", exc)
        result.invoice, result.total_micros, result.currency = invoice.name, invoice.total_micros, invoice.currency
        if invoice.state in ISSUED_STATES:  # an earlier run issued it
            result.state = "ISSUED"
            return await self._publish()
        if not invoice.lines:
            result.state = "NOTHING_TO_BILL"
            self._event("NOTHING_TO_BILL", detail=invoice.name)
            return await self._publish()
        result.state = "GENERATED"
        self._event("INVOICE_GENERATED", detail=invoice.name)
        issuer = input.requested_by
        if needs_approval(self.policy.billing, invoice.total_micros, invoice.currency):
            task = await self._ask(result, eng_id)
            vote = task.votes[-1] if task.votes else None
            if task.outcome != "APPROVE":
                result.state = "REJECTED"
                result.error = (f"rejected by {vote.voter}: {vote.comment}" if vote is not None
                                else "not approved in time: the invoice stays DRAFT")
                self._event("INVOICE_REJECTED", actor=vote.actor if vote else "", detail=invoice.name,
                            comment=vote.comment if vote else "")
                return await self._publish()
            issuer = vote.voter
        try:
            await self._service(ISSUE_INVOICE, IssueInvoice(
                invoice=invoice.name, issue_date=calendar.local_date(self.policy.calendar, workflow.now()).isoformat(),
                on_behalf_of=issuer, request_id=self._rid(f"issue/{eng_id}")), InvoiceRef)
        except ActivityError as exc:
            return await self._fail(result, "issuing the invoice", exc)
        result.state = "ISSUED"
        self._event("INVOICE_ISSUED", actor=issuer, detail=invoice.name)
        await self._publish()

    async def _ask(self, result: EngagementResult, eng_id: str):
        """Finance approves the invoice (one task, in their inbox) before it is issued."""
        billing, pol = self.policy.billing, self.policy
        total = amount_text(result.total_micros, result.currency)
        key = f"invoice-{eng_id}-{self._run_key.rsplit('@', 1)[1]}"  # unique per run: a re-run asks again
        requester = "" if self.input.requested_by == SCHEDULE else self.input.requested_by
        spec = TaskSpec(
            key=key, kind="INVOICE_APPROVAL", title=f"Approve invoice of {total} for {result.engagement}",
            requester=requester,  # whoever ran the cycle does not approve its invoices (four eyes)
            candidates=Candidates(roles=["finance"]), rule=ApprovalRule(kind=RuleKind.ANY),
            due_after_s=billing.approval_due_s,
            reminders_before_s=warning_before_s(billing.approval_due_s, pol.sla_warning_percent),
            on_timeout=TimeoutAction.AUTO_REJECT,
            summary=f"{result.invoice}: {total} for {self._view.period_start}..{self._view.period_end}",
            evidence={"invoice": result.invoice, "engagement": result.engagement, "total": total,
                      "threshold": amount_text(billing.approval_threshold_micros, billing.approval_currency)},
            choices=["APPROVE", "REJECT"], positive=["APPROVE"], negative=["REJECT"], comment_required=["REJECT"],
            business_time=True, calendar=pol.calendar)
        task_id = ids.task_id(self._ref.workflow_id, key)
        running = asyncio.create_task(self.approvals.run(spec, self._ref))
        await workflow.wait_condition(lambda: task_id in self.approvals.tasks)
        result.state, result.task = "AWAITING_APPROVAL", task_id
        self._event("INVOICE_APPROVAL_REQUESTED", detail=f"{result.invoice} ({total})")
        await self._publish()
        return await running

    async def _fail(self, result: EngagementResult, step: str, exc: ActivityError) -> None:
        result.state, result.error = "FAILED", f"{step}: {_why(exc)}"
        self._event("ENGAGEMENT_FAILED", detail=f"{result.engagement}: {result.error}")
        await self._publish()

    async def _report(self, engagements: list[EngagementRef]) -> None:
        """The period's figures per project, and each project's actual cost written back to ProjectsService."""
        v, input = self._view, self.input
        projects = list(dict.fromkeys(p for e in engagements for p in e.projects))
        v.projects = [ProjectCost(project=p) for p in projects]

        parallel = asyncio.Semaphore(MAX_PARALLEL)

        async def one(i: int, project: str) -> None:
            async with parallel:
                try:
                    v.projects[i] = figures = await self._service(
                        PROJECT_REPORT, ProjectReport(project=project, as_of=v.period_end), ProjectCost)
                    await self._service(WRITE_ACTUAL_COST, WriteActualCost(
                        project=project, micros=figures.actual_cost_micros, currency=figures.currency,
                        on_behalf_of=input.requested_by, request_id=self._rid(f"actual-cost/{project}")))
                except ActivityError as exc:
                    v.projects[i].error = _why(exc)

        await asyncio.gather(*(one(i, p) for i, p in enumerate(projects)))
        self._event("REPORTED", detail=f"{len(v.projects)} projects")

    async def _finish(self, state: str) -> None:
        v = self._view
        v.state, v.close_time = state, workflow.now()
        counts = {s: sum(e.state == s for e in v.engagements) for s in ("ISSUED", "REJECTED", "FAILED")}
        summary = ", ".join(f"{n} {s.lower()}" for s, n in counts.items() if n) or "nothing invoiced"
        self._event("COMPLETED" if state != "FAILED" else "FAILED", detail=v.error or summary)
        await self._publish()
        await write_read_model(NOTIFY, Notification(
            org=self.input.org, kind=f"BILLING_CYCLE_{state}", subject=v.name,
            recipients=["role:finance", "role:sponsor"],
            message=f"billing period {v.period_start}..{v.period_end} closed ({state.lower()}): {summary}",
            idempotency_key=f"{self._run_key}/run-{self.input.run}/closed"))

    # -- publication --

    def _event(self, kind: str, actor: str = "", on_behalf_of: str = "", detail: str = "", comment: str = "") -> None:
        self._journal.record(kind, actor=actor, on_behalf_of=on_behalf_of, detail=detail, comment=comment)

    async def _publish(self) -> None:
        v = self._view
        v.tasks = list(self.approvals.tasks)
        if v.state not in CLOSED_STATES:
            v.state = cycle_state(v)
        await self._journal.publish(v, timeout=ACTIVITY_TIMEOUT, retry=ACTIVITY_RETRY)

    @workflow.query
    def view(self) -> BillingCycleView | None:
        return self._view


def _why(exc: ActivityError) -> str:
    return str(exc.cause or exc)
