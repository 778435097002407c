"""ChangeRequestWorkflow: a request to change a project's budget, schedule or scope, from submit to its end.

    ASSESSING -> PENDING_APPROVAL -> APPROVED -> APPLYING -> APPLIED -> [POST_REVIEW] -> COMPLETED
    ... or, before APPLYING, -> REJECTED | CHANGES_REQUESTED | WITHDRAWN; FAILED from any state

1. Assess (activity assess_change): new end date and budget, affected milestones and assignments,
   CPI/SPI/EAC before and after, the project's etag.
2. Conflicts: the policy's blackout windows now, other open change requests of the project (shown only).
3. Route (policy.route): STANDARD from the catalogue is auto-approved (no task, still recorded);
   NORMAL goes to the tier its impact fits; EMERGENCY to the expedited tier.
4. Approval task (approvals.ApprovalBook.run): APPROVE continues; REJECT or expiry -> REJECTED;
   REQUEST_CHANGES -> CHANGES_REQUESTED; a withdrawal cancels it -> WITHDRAWN.
5. Before applying: a non-emergency change waits out blackout windows; if the project changed since
   the assessment (etag), assess again, and when the tier changes ask again (task "approval-2", ...).
6. Apply (activity apply_change): a new baseline and milestone dates, as the governance principal for
   the requester, each call with a request id from ids.request_id(workflow id, step).
7. EMERGENCY: a post-implementation review task (POST_REVIEW). Then notify and complete.

Messages: updates `submitted` (the first published view, for update-with-start) and `withdraw` (the
requester, until applying), the task updates of approvals.ApprovalHandlers; queries `view` and `tasks`.
Every state change is published to the read model with its new events for the audit chain (SYNC_PROCESS).
An error a retry cannot fix (non-retryable) ends the process FAILED with the reason.
"""

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

from workflows import breaches, ids
from workflows.approvals import (
    NOTIFY,
    OPEN_PROCESSES,
    Actor,
    ApprovalHandlers,
    ApprovalRule,
    Candidates,
    Notification,
    OpenProcessesQuery,
    ProcessJournal,
    ProcessRef,
    Refusal,
    Task,
    TaskSpec,
    refuse,
    write_read_model,
)

with workflow.unsafe.imports_passed_through():
    # The policy's blackout windows have plain `datetime` fields, which the payload converter cannot decode
    # against the sandbox's restricted `datetime` class (it can against the real one). The module is pure
    # dataclasses and functions, so the host's copy is as deterministic as a sandboxed one.
    import workflows.policy as policy
    from workflows.policy import GovernancePolicy

KIND = "change_request"
ID_PREFIX = "change-request"


@dataclass
class MilestoneChange:
    milestone: str  # milestone id within the project
    new_due_date: str  # ISO date


@dataclass
class ChangeRequestInput:
    org: str
    project: str  # project id
    id: str  # change request id (derived from the submitter's request id)
    requester: Actor  # verified by the GovernanceService
    title: str
    description: str
    type: str  # STANDARD, NORMAL, EMERGENCY
    policy: GovernancePolicy  # the version current at submit; kept to the end
    currency: str = ""  # the project's currency (budget_delta_micros is in it)
    catalogue_item: str = ""
    budget_delta_micros: int = 0
    schedule_delta_days: int = 0
    new_end_date: str = ""  # ISO date; an alternative to schedule_delta_days
    scope_change: str = ""
    milestone_changes: list[MilestoneChange] = field(default_factory=list)
    linked_risk: str = ""
    linked_issue: str = ""

    @property
    def name(self) -> str:
        return f"organizations/{self.org}/changeRequests/{self.id}"


@dataclass
class ChangeSummary:
    """The change as submitted, as the view shows it: the input without the policy, which is most of the
    input's size and which the view (published on every state change) names by version only."""

    currency: str = ""
    catalogue_item: str = ""
    budget_delta_micros: int = 0
    schedule_delta_days: int = 0
    new_end_date: str = ""
    scope_change: str = ""
    milestone_changes: list[MilestoneChange] = field(default_factory=list)
    linked_risk: str = ""
    linked_issue: str = ""

    @classmethod
    def of(cls, input: ChangeRequestInput) -> "ChangeSummary":
        return cls(**{f.name: getattr(input, f.name) for f in dataclasses.fields(cls)})


@dataclass
class Impact:
    current_end_date: str  # ISO dates
    new_end_date: str
    currency: str
    current_budget_micros: int
    new_budget_micros: int
    budget_delta_micros: int
    schedule_delta_days: int
    affected_milestones: list[str]  # milestone resource names
    affected_assignments: list[str]  # assignment resource names
    cpi_before: str  # 4-decimal strings, "" when not computable (no actuals yet)
    cpi_after: str
    spi_before: str
    spi_after: str
    eac_before_micros: int
    eac_after_micros: int
    project_etag: str
    assess_time: datetime | None = None
    current_start_date: str = ""  # the baseline the change creates keeps the project's start


@dataclass
class Conflict:
    kind: str  # BLACKOUT_WINDOW, OPEN_CHANGE_REQUEST
    description: str
    blackout: str = ""
    change_request: str = ""
    blocking: bool = False  # a blackout holds the implementation of a non-emergency change until it ends


@dataclass
class Route:
    tier: str  # policy tier id, "standard" or "emergency"
    auto_approved: bool
    due_s: float = 0
    candidates: Candidates = field(default_factory=Candidates)  # empty when auto-approved
    rule: ApprovalRule = field(default_factory=ApprovalRule)


@dataclass
class ChangeRequestView:
    """What GetChangeRequest shows; published to the read model on every state change."""

    name: str
    org: str
    project: str
    id: str
    title: str
    description: str
    type: str
    requester: str
    state: str  # ASSESSING PENDING_APPROVAL APPROVED APPLYING APPLIED POST_REVIEW COMPLETED REJECTED
    #             CHANGES_REQUESTED WITHDRAWN FAILED
    policy_version: int
    workflow_id: str
    input: ChangeSummary | None = None
    impact: Impact | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    route: Route | None = None
    tasks: list[str] = field(default_factory=list)  # task ids
    outcome_reason: str = ""
    baseline_revision: int = 0  # the baseline the applied change created
    create_time: datetime | None = None
    update_time: datetime | None = None
    apply_not_before: datetime | None = None  # set while an approved change waits out a blackout window
    post_review_outcome: str = ""  # EMERGENCY: the post-implementation review's outcome


@dataclass
class WithdrawInput:
    actor: Actor
    reason: str = ""


# --- what the activities receive and return (workflows/activities/projects.py) ----------------

ASSESS_CHANGE = "assess_change"
READ_PROJECT_ETAG = "read_project_etag"
APPLY_CHANGE = "apply_change"


@dataclass
class AssessInput:
    """The change as the impact assessment needs it (the policy stays out of activity payloads)."""

    org: str
    project: str  # project id
    requester: str  # subject acted for
    currency: str
    budget_delta_micros: int
    schedule_delta_days: int
    new_end_date: str
    scope_change: str
    milestone_changes: list[MilestoneChange] = field(default_factory=list)

    @property
    def project_name(self) -> str:
        return f"organizations/{self.org}/projects/{self.project}"

    @classmethod
    def of(cls, input: ChangeRequestInput) -> "AssessInput":
        return cls(org=input.org, project=input.project, requester=input.requester.subject, currency=input.currency,
                   budget_delta_micros=input.budget_delta_micros, schedule_delta_days=input.schedule_delta_days,
                   new_end_date=input.new_end_date, scope_change=input.scope_change,
                   milestone_changes=list(input.milestone_changes))


@dataclass
class ProjectRead:
    project: str  # resource name
    requester: str


@dataclass
class MilestoneUpdate:
    name: str  # milestone resource name
    new_due_date: str
    request_id: str


@dataclass
class ApplyInput:
    project: str  # resource name
    requester: str
    start_date: str
    end_date: str
    budget_micros: int
    currency: str
    reason: str
    request_id: str  # of CreateBaseline
    milestones: list[MilestoneUpdate] = field(default_factory=list)


@dataclass
class ApplyResult:
    baseline: str  # resource name
    baseline_revision: int
    milestones: list[str] = field(default_factory=list)


# --- pure steps, shared with the GovernanceService's what-if (activities.projects.what_if) ----


def route_of(input: ChangeRequestInput, impact: Impact) -> Route:
    """Who decides, from the policy the process started with. ValueError("field: reason") when a STANDARD
    change is not in the catalogue or exceeds what its item pre-approves."""
    tier = policy.route(input.policy, input.type, policy.ChangeImpact(
        impact.budget_delta_micros, impact.schedule_delta_days, bool(input.scope_change.strip())),
        input.catalogue_item)
    if tier is None:
        return Route(tier="standard", auto_approved=True)
    return Route(tier=tier.id, auto_approved=False, due_s=tier.due_s, candidates=tier.candidates, rule=tier.rule)


def blackout_conflicts(input: ChangeRequestInput, now: datetime) -> list[Conflict]:
    """Change freezes covering `now`: they hold a non-emergency change until they end."""
    return [Conflict(kind="BLACKOUT_WINDOW", blackout=w.id, blocking=input.type != "EMERGENCY",
                     description=f"change freeze {w.id} until {w.end.isoformat()}" + (f": {w.reason}" if w.reason
                                                                                      else ""))
            for w in policy.blackouts_at(input.policy, input.project, now)]


def open_request_conflicts(others: list[str]) -> list[Conflict]:
    """Other open change requests (names) on the same project: shown to the approvers, never blocking."""
    return [Conflict(kind="OPEN_CHANGE_REQUEST", change_request=name, blocking=False,
                     description=f"{name} on the same project is still open") for name in others]


def format_money(micros: int, currency: str) -> str:
    """e.g. 1234500000 EUR -> "1234.50 EUR": at least two decimals, no float on the way."""
    whole, rest = divmod(abs(micros), 1_000_000)
    decimals = f"{rest:06d}".rstrip("0").ljust(2, "0")
    return f"{'-' if micros < 0 else ''}{whole}.{decimals} {currency}".rstrip()


def evidence_of(impact: Impact, conflicts: list[Conflict], route: Route) -> dict[str, str]:
    """What the approvers see beside the request: the impact and conflicts as text."""
    money = lambda m: format_money(m, impact.currency)  # noqa: E731
    evidence = {
        "budget": f"{money(impact.current_budget_micros)} -> {money(impact.new_budget_micros)} "
                  f"({'+' if impact.budget_delta_micros >= 0 else ''}{money(impact.budget_delta_micros)})",
        "end_date": f"{impact.current_end_date or 'none'} -> {impact.new_end_date or 'none'} "
                    f"({impact.schedule_delta_days:+d} days)",
        "affected_milestones": ", ".join(impact.affected_milestones) or "none",
        "affected_assignments": ", ".join(impact.affected_assignments) or "none",
        "tier": route.tier,
    }
    if impact.cpi_before or impact.eac_before_micros:
        evidence["cpi"] = f"{impact.cpi_before or 'n/a'} -> {impact.cpi_after or 'n/a'}"
        evidence["spi"] = f"{impact.spi_before or 'n/a'} -> {impact.spi_after or 'n/a'}"
        evidence["eac"] = f"{money(impact.eac_before_micros)} -> {money(impact.eac_after_micros)}"
    else:
        evidence["evm"] = "not available: the project has no engagement"
    evidence["conflicts"] = "; ".join(
        f"{'BLOCKING ' if c.blocking else ''}{c.kind}: {c.description}" for c in conflicts) or "none"
    return evidence


# --- the workflow -----------------------------------------------------------------------------

CLOSED_STATES = frozenset({"COMPLETED", "REJECTED", "CHANGES_REQUESTED", "WITHDRAWN", "FAILED"})
WITHDRAWABLE_STATES = frozenset({"ASSESSING", "PENDING_APPROVAL", "APPROVED"})  # not once applying

ORG = SearchAttributeKey.for_keyword("PmaasOrg")
PROJECT = SearchAttributeKey.for_keyword("PmaasProject")
PROCESS_KIND = SearchAttributeKey.for_keyword("PmaasKind")

# Retried until the services answer (the apply for at most ids.MUTATION_RETRY_HORIZON, well inside the time the
# services keep its request ids): only errors a retry cannot fix (non-retryable) end the process FAILED.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                    maximum_interval=timedelta(seconds=30))
READ_TIMEOUT = timedelta(seconds=30)
ASSESS_TIMEOUT = timedelta(seconds=60)
APPLY_TIMEOUT = timedelta(seconds=120)


@workflow.defn
class ChangeRequestWorkflow(ApprovalHandlers):
    """One change request, from submission to its end state; `view` is what GetChangeRequest shows."""

    @workflow.init
    def __init__(self, input: ChangeRequestInput) -> None:
        self.approvals = breaches.approval_book(input.policy)
        self.input = input
        now = workflow.now()
        self._view = ChangeRequestView(
            name=input.name, org=input.org, project=input.project, id=input.id, title=input.title,
            description=input.description, type=input.type, requester=input.requester.subject, state="ASSESSING",
            policy_version=input.policy.version, workflow_id=workflow.info().workflow_id,
            input=ChangeSummary.of(input),
            create_time=now, update_time=now)
        self.ref = ProcessRef(org=input.org, project=input.project, process=input.name,
                              workflow_id=workflow.info().workflow_id, policy_version=input.policy.version)
        self.journal = ProcessJournal(KIND, self.ref, input.id, input.requester.subject)
        self.journal.record("SUBMITTED", actor=input.requester.subject, detail=f"{input.type} change: {input.title}")
        self._approval_key = ""  # the approval task now open (the one a withdrawal cancels)
        self._approval_count = 0

    @property
    def closed(self) -> bool:
        return self._view.state in CLOSED_STATES

    @workflow.run
    async def run(self, input: ChangeRequestInput) -> ChangeRequestView:
        workflow.upsert_search_attributes([ORG.value_set(input.org), PROJECT.value_set(input.project),
                                           PROCESS_KIND.value_set(KIND)])
        try:
            await self._process()
        except (ActivityError, ApplicationError) as err:
            await self._end("FAILED", _reason(err))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view

    async def _process(self) -> None:
        await self._publish()
        await self._assess()
        if self.closed:
            return
        others = await workflow.execute_activity(
            OPEN_PROCESSES, OpenProcessesQuery(org=self.input.org, kind=KIND, project=self.input.project,
                                               exclude_id=self.input.id),
            result_type=list[str], start_to_close_timeout=READ_TIMEOUT, retry_policy=RETRY)
        self._view.conflicts = blackout_conflicts(self.input, workflow.now()) + open_request_conflicts(others)
        if self._view.conflicts:
            self._event("CONFLICTS", "; ".join(c.description for c in self._view.conflicts))
        if self.closed or not await self._approve():
            return
        # Approved. Hold for change freezes, and re-assess (and re-route) if the project moved meanwhile.
        while True:
            if not await self._wait_out_blackouts():
                return
            etag = await workflow.execute_activity(
                READ_PROJECT_ETAG, ProjectRead(_project_name(self.input), self.input.requester.subject),
                result_type=str, start_to_close_timeout=READ_TIMEOUT, retry_policy=RETRY)
            if self.closed:
                return
            if etag == self._view.impact.project_etag:
                break
            if not await self._reassess():
                return
        await self._apply()
        if self.input.type == "EMERGENCY":
            await self._post_review()
        await self._end("COMPLETED", f"applied as baseline revision {self._view.baseline_revision}")

    # -- steps --

    async def _assess(self) -> None:
        self._view.impact = await workflow.execute_activity(
            ASSESS_CHANGE, AssessInput.of(self.input), result_type=Impact,
            start_to_close_timeout=ASSESS_TIMEOUT, retry_policy=RETRY)
        i = self._view.impact
        self._event("ASSESSED", f"budget {format_money(i.current_budget_micros, i.currency)} -> "
                                f"{format_money(i.new_budget_micros, i.currency)}, end date {i.current_end_date} -> "
                                f"{i.new_end_date}, {len(i.affected_milestones)} milestones and "
                                f"{len(i.affected_assignments)} assignments affected")

    def _route(self) -> Route:
        try:
            return route_of(self.input, self._view.impact)
        except ValueError as err:  # the GovernanceService checks this at submit; a policy may still refuse
            raise ApplicationError(str(err), type="INVALID_CHANGE", non_retryable=True) from None

    async def _approve(self) -> bool:
        """Route by policy, then auto-approve (STANDARD) or run an approval task; True when approved."""
        route = self._view.route = self._route()
        if route.auto_approved:
            self._view.state = "APPROVED"
            self._event("AUTO_APPROVED", f"standard change {self.input.catalogue_item} from the catalogue")
            await self._publish()
            return True
        tier = self.input.policy.emergency if self.input.type == "EMERGENCY" else \
            next(t for t in self.input.policy.change_tiers if t.id == route.tier)
        self._approval_count += 1
        key = "approval" if self._approval_count == 1 else f"approval-{self._approval_count}"
        self._view.state = "PENDING_APPROVAL"
        self._event("ROUTED", f"tier {tier.id}: {', '.join(tier.candidates.pending_labels())} by {tier.rule.kind}")
        await self._publish()
        if self.closed:  # withdrawn meanwhile
            return False
        self._approval_key = key
        spec = TaskSpec(
            key=key, kind="CHANGE_APPROVAL", title=f"Change request: {self.input.title}",
            requester=self.input.requester.subject, candidates=tier.candidates, rule=tier.rule,
            due_after_s=tier.due_s, reminders_before_s=list(tier.reminders_before_s), on_timeout=tier.on_timeout,
            escalate_to=tier.escalate_to, summary=self.input.description,
            evidence=evidence_of(self._view.impact, self._view.conflicts, route),
            business_time=tier.business_time, calendar=self.input.policy.calendar)
        task = await self.approvals.run(spec, self.ref)
        self._approval_key = ""
        if self.closed:
            return False
        if task.outcome == "APPROVE":
            self._view.state = "APPROVED"
            self._event("APPROVED", _votes(task, "APPROVE"))
            await self._publish()
            return True
        if task.outcome == "REQUEST_CHANGES":
            await self._end("CHANGES_REQUESTED", _votes(task, "REQUEST_CHANGES"))
        elif task.outcome == "CANCELLED":
            await self._end("WITHDRAWN", "withdrawn by the requester")
        elif task.outcome == "EXPIRED":
            await self._end("REJECTED", "the approval task expired without a decision")
        else:
            await self._end("REJECTED", _votes(task, task.outcome) or _last_detail(task))
        return False

    async def _wait_out_blackouts(self) -> bool:
        """A non-emergency change waits until no change freeze covers now; False when withdrawn meanwhile."""
        while windows := policy.blackouts_at(self.input.policy, self.input.project, workflow.now()):
            if self.input.type == "EMERGENCY":
                self._event("BLACKOUT_OVERRIDDEN", "emergency change applied inside " +
                            ", ".join(w.id for w in windows))
                return True
            until = max(w.end for w in windows)
            known = {c.blackout for c in self._view.conflicts}
            self._view.conflicts += [c for c in blackout_conflicts(self.input, workflow.now())
                                     if c.blackout not in known]
            self._view.apply_not_before = until
            self._event("WAITING_FOR_BLACKOUT", f"applies after {until.isoformat()}")
            await self._publish()
            try:
                await workflow.wait_condition(lambda: self.closed, timeout=until - workflow.now())
            except TimeoutError:
                pass
            if self.closed:
                return False
        return not self.closed

    async def _reassess(self) -> bool:
        """The project changed since the assessment: assess again and, when the tier changes, ask again."""
        before = self._view.impact.project_etag
        tier = self._view.route.tier
        await self._assess()
        self._event("REASSESSED", f"the project changed since the assessment (etag {before} -> "
                                  f"{self._view.impact.project_etag})")
        route = self._route()
        if route.tier == tier:
            await self._publish()
            return not self.closed
        self._event("REROUTED", f"tier {tier} -> {route.tier}")
        return await self._approve()

    async def _apply(self) -> None:
        i, wf = self._view.impact, self.ref.workflow_id
        project = _project_name(self.input)
        self._view.state = "APPLYING"
        self._event("APPLYING", f"new baseline: {format_money(i.new_budget_micros, i.currency)}, "
                                f"{i.current_start_date} .. {i.new_end_date}")
        await self._publish()
        result = await workflow.execute_activity(
            APPLY_CHANGE, ApplyInput(
                project=project, requester=self.input.requester.subject, start_date=i.current_start_date,
                end_date=i.new_end_date, budget_micros=i.new_budget_micros,
                currency=i.currency, reason=f"{self.input.name}: {self.input.title}"[:2000],
                request_id=ids.request_id(wf, "apply/baseline"),
                milestones=[MilestoneUpdate(f"{project}/milestones/{m.milestone.rsplit('/', 1)[-1]}", m.new_due_date,
                                            ids.request_id(wf, f"apply/milestone/{m.milestone.rsplit('/', 1)[-1]}"))
                            for m in self.input.milestone_changes]),
            result_type=ApplyResult, start_to_close_timeout=APPLY_TIMEOUT, retry_policy=RETRY,
            schedule_to_close_timeout=ids.MUTATION_RETRY_HORIZON)
        self._view.baseline_revision = result.baseline_revision
        self._view.state = "APPLIED"
        self._event("APPLIED", f"{result.baseline} (revision {result.baseline_revision})"
                    + (f"; milestones moved: {', '.join(result.milestones)}" if result.milestones else ""))
        await self._publish()

    async def _post_review(self) -> None:
        review = self.input.policy.post_review
        self._view.state = "POST_REVIEW"
        self._event("POST_REVIEW", "post-implementation review of an emergency change")
        await self._publish()
        task = await self.approvals.run(TaskSpec(
            key="post-review", kind="POST_IMPLEMENTATION_REVIEW",
            title=f"Post-implementation review: {self.input.title}", requester=self.input.requester.subject,
            candidates=review.candidates, rule=review.rule, due_after_s=review.due_s,
            reminders_before_s=list(review.reminders_before_s), on_timeout=review.on_timeout,
            escalate_to=review.escalate_to, summary=self.input.description,
            evidence=evidence_of(self._view.impact, self._view.conflicts, self._view.route),
            business_time=review.business_time, calendar=self.input.policy.calendar), self.ref)
        self._view.post_review_outcome = task.outcome
        self._event("POST_REVIEWED", f"{task.outcome}: {_votes(task, task.outcome)}".rstrip(": "))

    # -- the end, publication, notification --

    async def _end(self, state: str, reason: str, actor: str = "") -> None:
        """Close the process once (the first caller wins: `run` or the withdraw handler)."""
        if self.closed:
            return
        self._view.state = state
        self._view.outcome_reason = reason
        self._event(state, reason, actor)
        await self._publish()
        recipients = sorted({self.input.requester.subject, *(v.voter for t in self.approvals.tasks.values()
                                                              for v in t.votes)})
        await write_read_model(NOTIFY, Notification(
            org=self.input.org, kind=f"CHANGE_REQUEST_{state}", subject=self.input.name, recipients=recipients,
            message=f"{self.input.title}: {state.lower().replace('_', ' ')}" + (f" ({reason})" if reason else ""),
            idempotency_key=f"{self.ref.workflow_id}/end"), timeout=READ_TIMEOUT, retry=RETRY)

    def _event(self, kind: str, detail: str, actor: str = "") -> None:
        self.journal.record(kind, actor=actor, detail=detail)

    async def _publish(self) -> None:
        """The view and its new events to the read model and audit chain (SYNC_PROCESS), in order."""
        self._view.tasks = list(self.approvals.tasks)
        await self.journal.publish(self._view, timeout=READ_TIMEOUT, retry=RETRY)

    # -- messages --

    @workflow.query
    def view(self) -> ChangeRequestView:
        return self._view

    @workflow.update
    async def submitted(self) -> ChangeRequestView:
        """For update-with-start: returns once the first view is published (the read model has the request)."""
        await workflow.wait_condition(lambda: self.journal.published > 0)
        return self._view

    @workflow.update
    async def withdraw(self, arg: WithdrawInput) -> ChangeRequestView:
        self._check_withdrawal(arg)  # again: `run` may have moved on since the validator ran
        reason = arg.reason.strip() or "withdrawn by the requester"
        if self._approval_key:
            await self.approvals.cancel(self._approval_key, reason)
        await self._end("WITHDRAWN", reason, actor=arg.actor.subject)
        return self._view

    @withdraw.validator
    def _validate_withdraw(self, arg: WithdrawInput) -> None:
        self._check_withdrawal(arg)

    def _check_withdrawal(self, arg: WithdrawInput) -> None:
        if arg.actor.subject != self.input.requester.subject:
            raise refuse(Refusal.NOT_ALLOWED, f"only the requester ({self.input.requester.subject}) can withdraw "
                                              "this change request")
        if self._view.state not in WITHDRAWABLE_STATES:
            raise refuse(Refusal.TASK_CLOSED, f"change request is {self._view.state.lower()}: it can be withdrawn "
                                              "only until it is applied")


def _project_name(input: ChangeRequestInput) -> str:
    return f"organizations/{input.org}/projects/{input.project}"


def _votes(task: Task, choice: str) -> str:
    """The comments of the votes that decided, e.g. "pmo-1: too expensive"."""
    return "; ".join(f"{v.voter}: {v.comment}" if v.comment else v.voter for v in task.votes if v.choice == choice)


def _last_detail(task: Task) -> str:
    return task.history[-1].detail if task.history else ""


def _reason(err: ActivityError | ApplicationError) -> str:
    cause = err.cause if isinstance(err, ActivityError) and isinstance(err.cause, ApplicationError) else err
    kind = cause.type if isinstance(cause, ApplicationError) and cause.type else ""
    return f"{kind}: {cause.message}" if kind else cause.message
