"""The one approval-task mechanism every governance process uses.

A process asks people for a decision by running a task:

    task = await self.approvals.run(TaskSpec(...))   # inside the workflow's run()

The task is offered to candidates (roles in the org and/or named people) and is
decided by a rule (ANY, ALL, N_OF_M, PERCENT, sequential TIERS, plus mandatory
approvers). Decisions, claims, releases and reassignments arrive as Temporal
Updates on the workflow (`ApprovalHandlers`); their validators refuse, leaving
nothing in history, when the caller is not a candidate, is the requester
(segregation of duties, also through a delegation), has already voted, or the
task is closed. Identities come only from the GovernanceService, which verified
the caller's token (`Actor`).

The workflow is the single source of truth. Every change of a task is published
before the update returns: the `sync_task` local activity (`write_read_model`)
upserts the governance read model and appends the new events to the audit
chain, and the workflow's search attributes mirror pending approvers and the
earliest due time. Timers (reminders, due time) live in `run`, never in update
handlers.

Pure rules (`evaluate`, `resolve_voter`, ...) are module functions with no
Temporal calls, so they are unit-tested directly.
"""

import asyncio
import dataclasses
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError, FailureError

from workflows import calendar, ids
from workflows.calendar import BusinessCalendar, Sla, SlaClock


class RuleKind(enum.StrEnum):
    ANY = "ANY"  # the first decisive vote decides
    ALL = "ALL"  # every counted voter approves; one negative decides
    N_OF_M = "N_OF_M"  # `required` approvals; negative once they can no longer be reached
    PERCENT = "PERCENT"  # `percent` of the counted voters who did not abstain
    TIERS = "TIERS"  # each tier in turn, by its own rule


class TaskState(enum.StrEnum):
    OPEN = "OPEN"
    CLAIMED = "CLAIMED"
    DECIDED = "DECIDED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


OPEN_STATES = frozenset({TaskState.OPEN, TaskState.CLAIMED})


class TimeoutAction(enum.StrEnum):
    ESCALATE = "ESCALATE"  # offer to `escalate_to` as well and restart the SLA once; then expire
    AUTO_REJECT = "AUTO_REJECT"
    AUTO_APPROVE = "AUTO_APPROVE"  # only where policy allows it (policy.validate checks)


ABSTAIN = "ABSTAIN"
APPROVAL_CHOICES = ("APPROVE", "REJECT", "REQUEST_CHANGES", ABSTAIN)
GATE_CHOICES = ("GO", "CONDITIONAL_GO", "HOLD", "RECYCLE", "KILL", ABSTAIN)
# Roles that may reassign any task of their organization.
REASSIGNING_ROLES = frozenset({"pmo", "admin"})


class Refusal(enum.StrEnum):
    """Why a validator refused an update; the GovernanceService maps each to a gRPC status."""

    TASK_NOT_FOUND = "TASK_NOT_FOUND"
    TASK_CLOSED = "TASK_CLOSED"
    NOT_A_CANDIDATE = "NOT_A_CANDIDATE"
    SELF_APPROVAL = "SELF_APPROVAL"  # segregation of duties, directly or through a delegation
    ALREADY_DECIDED = "ALREADY_DECIDED"
    INVALID_CHOICE = "INVALID_CHOICE"
    CLAIMED_BY_OTHER = "CLAIMED_BY_OTHER"
    NOT_CLAIMABLE = "NOT_CLAIMABLE"
    NOT_CLAIMANT = "NOT_CLAIMANT"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"


def refuse(reason: Refusal, message: str) -> ApplicationError:
    return ApplicationError(message, type=str(reason), non_retryable=True)


@dataclass
class Candidates:
    roles: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)

    def offers(self, subject: str, roles: list[str]) -> bool:
        return subject in self.people or any(r in self.roles for r in roles)

    def pending_labels(self) -> list[str]:
        return [*self.people, *(f"role:{r}" for r in self.roles)]


@dataclass
class ApprovalTier:
    candidates: Candidates = field(default_factory=Candidates)
    kind: str = RuleKind.ANY
    required: int = 1  # N_OF_M
    percent: int = 0  # PERCENT, 1..100
    seats: int = 0  # how many voters the role candidates count as (ALL, N_OF_M, PERCENT); 0: default


@dataclass
class ApprovalRule:
    kind: str = RuleKind.ANY
    required: int = 1
    percent: int = 0
    seats: int = 0
    tiers: list[ApprovalTier] = field(default_factory=list)  # TIERS only
    mandatory: list[str] = field(default_factory=list)  # people who must approve, whatever the rule


@dataclass
class Delegator:
    """Someone who handed their approvals to the actor for now (resolved by the GovernanceService)."""

    subject: str
    roles: list[str] = field(default_factory=list)


@dataclass
class Actor:
    """A verified caller: subject and roles from their token, delegations from the governance store."""

    subject: str
    roles: list[str] = field(default_factory=list)
    delegators: list[Delegator] = field(default_factory=list)


@dataclass
class Condition:
    """A condition of a CONDITIONAL_GO, tracked by the phase gate until met."""

    description: str
    owner: str = ""
    due_date: str = ""  # ISO date
    met: bool = False
    met_time: datetime | None = None


@dataclass
class Vote:
    voter: str  # whose vote it is
    actor: str  # who cast it (differs through a delegation)
    on_behalf_of: str
    choice: str
    comment: str
    time: datetime
    tier: int = 0
    conditions: list[Condition] = field(default_factory=list)


@dataclass
class TaskEvent:
    time: datetime
    kind: str  # OPENED CLAIMED RELEASED REASSIGNED DECIDED REMINDED ESCALATED EXPIRED CLOSED CANCELLED
    actor: str = ""
    on_behalf_of: str = ""
    detail: str = ""
    comment: str = ""


@dataclass
class TaskSpec:
    """What a process asks: who decides, by which rule, by when, and what a timeout does."""

    key: str  # unique within the process, e.g. "approval", "post-review", "gate-1"
    kind: str  # CHANGE_APPROVAL, POST_IMPLEMENTATION_REVIEW, PHASE_GATE
    title: str
    requester: str
    candidates: Candidates
    rule: ApprovalRule
    due_after_s: float  # SLA from opening
    reminders_before_s: list[float] = field(default_factory=list)
    on_timeout: str = TimeoutAction.ESCALATE
    escalate_to: Candidates = field(default_factory=Candidates)
    summary: str = ""
    evidence: dict[str, str] = field(default_factory=dict)  # shown to deciders (impact, criteria results)
    choices: list[str] = field(default_factory=lambda: list(APPROVAL_CHOICES))
    positive: list[str] = field(default_factory=lambda: ["APPROVE"])  # least to most restrictive
    negative: list[str] = field(default_factory=lambda: ["REJECT", "REQUEST_CHANGES"])  # first wins ties
    business_time: bool = False  # due_after_s and reminders count `calendar`'s working hours only
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    comment_required: list[str] = field(default_factory=list)  # choices refused without a comment

    def deadlines(self, start: datetime) -> tuple[datetime, list[datetime]]:
        """The due instant and the reminder instants of this task's SLA counted from `start`."""
        due = calendar.due_instant(self.calendar, start, self.due_after_s, self.business_time)
        reminders = sorted(calendar.due_instant(self.calendar, start, self.due_after_s - s, self.business_time)
                           for s in self.reminders_before_s if 0 < s < self.due_after_s)
        return due, reminders


@dataclass
class ProcessRef:
    """The process a book's tasks belong to (for the read model and search attributes)."""

    org: str
    project: str  # project id
    process: str  # resource name of the change request or phase gate
    workflow_id: str
    policy_version: int


@dataclass
class Task:
    id: str
    spec: TaskSpec
    ref: ProcessRef
    created: datetime
    due_time: datetime
    reminder_times: list[datetime]
    state: str = TaskState.OPEN
    outcome: str = ""  # the deciding choice (e.g. APPROVE, REJECT, GO) or EXPIRED/CANCELLED
    claimant: str = ""
    assignee: str = ""
    tier: int = 0
    escalated: bool = False
    votes: list[Vote] = field(default_factory=list)
    history: list[TaskEvent] = field(default_factory=list)
    reminders_sent: int = 0
    quorum_met: bool = False  # the rule is met and only mandatory approvers are awaited
    version: int = 0
    closed: datetime | None = None
    # The SLA clock of the task (None for tasks opened before clocks could pause: they never do).
    clock: SlaClock | None = None
    breach_escalation: str = ""  # workflow id of the escalation its SLA breach started, if any

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def tier_rule(self) -> ApprovalTier:
        rule = self.spec.rule
        if rule.kind == RuleKind.TIERS:
            return rule.tiers[self.tier]
        return ApprovalTier(self.spec.candidates, rule.kind, rule.required, rule.percent, rule.seats)

    def current_candidates(self) -> Candidates:
        """Who the task is offered to now: the assignee after a reassignment, else the tier's candidates
        (plus the escalation candidates once escalated)."""
        if self.assignee:
            base = Candidates(people=[self.assignee])
        else:
            base = self.tier_rule().candidates
        if self.escalated:
            esc = self.spec.escalate_to
            base = Candidates(roles=sorted({*base.roles, *esc.roles}), people=sorted({*base.people, *esc.people}))
        return base

    def pending_approvers(self) -> list[str]:
        if not self.is_open:
            return []
        voted = {v.voter for v in self.votes}
        mandatory = [p for p in self.spec.rule.mandatory if p not in voted]
        if self.quorum_met:
            return sorted(mandatory)
        if self.claimant:
            return sorted({self.claimant, *mandatory})
        labels = [p for p in self.current_candidates().pending_labels() if p not in voted]
        return sorted({*labels, *mandatory})

    @property
    def paused(self) -> bool:
        return self.clock is not None and self.clock.paused

    def sla_state(self, now: datetime) -> str:
        if self.paused:
            return "PAUSED"
        if now >= self.due_time:
            return "BREACHED"
        if self.reminder_times and now >= min(self.reminder_times):
            return "WARNING"
        return "ON_TRACK"


# --- pure rules -------------------------------------------------------------------------------


def counted_voters(tier: ApprovalTier) -> int:
    """M: named people plus the seats role candidates count as (default: enough to reach the rule)."""
    people = len(tier.candidates.people)
    if not tier.candidates.roles:
        return people
    seats = tier.seats or max(tier.required if tier.kind == RuleKind.N_OF_M else 1, len(tier.candidates.roles))
    return people + seats


def evaluate(tier: ApprovalTier, votes: list[Vote], positive: list[str], negative: list[str]) -> bool | None:
    """True (passed), False (failed) or None (undecided) for one tier's votes, in the order cast."""
    pos = sum(v.choice in positive for v in votes)
    neg = sum(v.choice in negative for v in votes)
    abstain = sum(v.choice == ABSTAIN for v in votes)
    m = counted_voters(tier)
    undecided = max(m - pos - neg - abstain, 0)
    if tier.kind == RuleKind.ANY:
        for v in votes:
            if v.choice in positive:
                return True
            if v.choice in negative:
                return False
        return False if m and abstain >= m else None
    if tier.kind == RuleKind.ALL:
        if neg:
            return False
        if m - abstain <= 0:
            return False  # everyone abstained: nobody approved
        return True if pos >= m - abstain else None
    if tier.kind == RuleKind.N_OF_M:
        if pos >= tier.required:
            return True
        return False if pos + undecided < tier.required else None
    if tier.kind == RuleKind.PERCENT:
        denominator = m - abstain
        if denominator <= 0:
            return False
        if pos * 100 >= tier.percent * denominator:
            return True
        # Approving is never worse for the ratio than abstaining, so the best case is all undecided approve.
        return False if (pos + undecided) * 100 < tier.percent * denominator else None
    raise ValueError(f"unknown rule kind {tier.kind!r}")


def outcome_of(passed: bool, votes: list[Vote], positive: list[str], negative: list[str]) -> str:
    """The choice a resolved task stands for: the most restrictive positive one cast (CONDITIONAL_GO over GO),
    or the most-voted negative one (ties: the first in `negative`, the least drastic)."""
    if passed:
        cast = [positive.index(v.choice) for v in votes if v.choice in positive]
        return positive[max(cast)] if cast else positive[0]
    counts = {c: sum(v.choice == c for v in votes) for c in negative}
    best = max(counts.values(), default=0)
    return next((c for c in negative if counts[c] == best and best), negative[0])


def resolve_voter(task: Task, actor: Actor) -> tuple[str, str]:
    """Whose vote the actor would cast: (voter, on_behalf_of). Refuses like the validators do."""
    if not task.is_open:
        raise refuse(Refusal.TASK_CLOSED, f"task {task.id} is {task.state.lower()}")
    requester = task.spec.requester
    if actor.subject == requester:
        raise refuse(Refusal.SELF_APPROVAL, "the requester cannot decide their own request (segregation of duties)")
    acted = {v.actor for v in task.votes} | {v.voter for v in task.votes}
    if actor.subject in acted:
        raise refuse(Refusal.ALREADY_DECIDED, f"{actor.subject} has already decided this task")
    if _may_decide(task, actor.subject, actor.roles, actor.subject):
        return actor.subject, ""
    self_delegation = False
    for d in actor.delegators:
        if d.subject == requester:
            self_delegation = True
            continue
        if d.subject in acted:
            continue
        if _may_decide(task, d.subject, d.roles, actor.subject):
            return d.subject, d.subject
    if self_delegation:
        raise refuse(Refusal.SELF_APPROVAL, "a delegation never lets anyone decide the delegator's own request")
    if task.claimant and task.claimant != actor.subject:
        raise refuse(Refusal.CLAIMED_BY_OTHER, f"task is claimed by {task.claimant}")
    raise refuse(Refusal.NOT_A_CANDIDATE, f"{actor.subject} is not among the task's candidates")


def _may_decide(task: Task, subject: str, roles: list[str], acting: str) -> bool:
    if subject in task.spec.rule.mandatory:
        return True
    candidates = task.current_candidates()
    if subject in candidates.people:
        return True
    if task.claimant:  # a claimed role task is the claimant's (or their delegate's)
        return subject == task.claimant
    return any(r in candidates.roles for r in roles)


def check_choice(task: Task, choice: str, conditions: list[Condition], comment: str = "") -> None:
    if choice not in task.spec.choices:
        raise refuse(Refusal.INVALID_CHOICE, f"choice must be one of {', '.join(task.spec.choices)}")
    if choice in task.spec.comment_required and not comment.strip():
        raise refuse(Refusal.INVALID_ARGUMENT, f"{choice} needs a comment")
    if conditions and choice != "CONDITIONAL_GO":
        raise refuse(Refusal.INVALID_ARGUMENT, "conditions are given only with CONDITIONAL_GO")
    if choice == "CONDITIONAL_GO" and not conditions:
        raise refuse(Refusal.INVALID_ARGUMENT, "CONDITIONAL_GO needs at least one condition")
    for c in conditions:
        if not c.description.strip():
            raise refuse(Refusal.INVALID_ARGUMENT, "every condition needs a description")


# --- update inputs ----------------------------------------------------------------------------


@dataclass
class DecideInput:
    task_id: str
    actor: Actor
    choice: str
    comment: str = ""
    conditions: list[Condition] = field(default_factory=list)


@dataclass
class TaskActionInput:
    """Claim, release or reassign."""

    task_id: str
    actor: Actor
    assignee: str = ""  # reassign only
    reason: str = ""


@dataclass
class TaskSync:
    """What the `sync_task` activity writes: the task as it is now, and the events not yet audited."""

    task: Task
    new_events: list[TaskEvent]
    pending_approvers: list[str]
    sla_state: str


BREACH_ESCALATION_PATCH = "task-breach-escalation"
BREACH_ENDED_SIGNAL = "issue_changed"  # EscalationWorkflow.issue_changed

SYNC_TASK = "sync_task"
NOTIFY = "notify"
ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
LOCAL_WRITES_PATCH = "read-model-writes-local"


async def write_read_model(name: str, arg: object, *, timeout: timedelta = ACTIVITY_TIMEOUT,
                           retry: RetryPolicy = ACTIVITY_RETRY, local: bool = True) -> object:
    """Run one of the worker's own short writes (SYNC_TASK, SYNC_PROCESS, NOTIFY: the read model, the audit
    chain, the outbox) as a local activity: the worker runs it within the workflow task, one round trip to
    Temporal instead of three (schedule, start, complete and the next workflow task), and a marker in history
    instead of three events. The same at-least-once guarantee (each write is guarded by its version or
    idempotency key). Runs from before keep the regular activity (workflow.patched).

    A local activity holds its workflow task open, and with it the answer of an update handled in that task
    (the SDK cannot complete the task early: temporalio/features#424). `local=False` where the write should
    not hold an answer back: scheduling a regular activity ends the workflow task."""
    if workflow.patched(LOCAL_WRITES_PATCH) and local:
        return await workflow.execute_local_activity(name, arg, start_to_close_timeout=timeout, retry_policy=retry)
    return await workflow.execute_activity(name, arg, start_to_close_timeout=timeout, retry_policy=retry)

PENDING_APPROVERS = SearchAttributeKey.for_keyword_list("PmaasPendingApprovers")
DUE_TIME = SearchAttributeKey.for_datetime("PmaasDueTime")


@dataclass
class Notification:
    org: str
    kind: str  # TASK_OPENED, TASK_REMINDER, TASK_ESCALATED, TASK_CLOSED, PROCESS_...
    subject: str  # resource name
    recipients: list[str]
    message: str
    idempotency_key: str


class ApprovalBook:
    """The tasks of one workflow run. Create it in the workflow's __init__ (handlers may run before run())."""

    def __init__(self, on_breach: Callable[[Task], Awaitable[str]] | None = None) -> None:
        """`on_breach(task)` starts the escalation of a task whose SLA ran out and returns its workflow id;
        the escalation is told when the task closes."""
        self.tasks: dict[str, Task] = {}
        self.ref: ProcessRef | None = None
        self.on_breach = on_breach
        self._lock = asyncio.Lock()
        self._published: dict[str, int] = {}  # task id -> number of history events already audited
        self._rearmed = 0  # bumped when a task's clock pauses or resumes: the running wait starts over
        self._closed_by_vote: set[str] = set()  # tasks a decision closed: `run` notifies, once it was answered

    # -- run side (timers live here) --

    async def run(self, spec: TaskSpec, ref: ProcessRef) -> Task:
        """Open a task and wait until it is decided, expires or is cancelled; reminders and timeout on the way."""
        self.ref = ref
        task_id = ids.task_id(ref.workflow_id, spec.key)
        now = workflow.now()
        due, reminders = spec.deadlines(now)
        task = Task(id=task_id, spec=spec, ref=ref, created=now, due_time=due, reminder_times=reminders,
                    clock=SlaClock(Sla(spec.due_after_s, spec.business_time), running_since=now))
        task.history.append(TaskEvent(now, "OPENED", detail=spec.title))
        async with self._lock:
            self.tasks[task_id] = task
            await self._publish(task)
        await self._notify(task, "TASK_OPENED", f"{spec.title}: your decision is requested", "opened")
        if spec.rule.kind == RuleKind.ANY and not task.current_candidates().pending_labels() \
                and not spec.rule.mandatory:
            raise ApplicationError(f"task {spec.key} has no candidates", non_retryable=True)
        while task.is_open:
            if task.paused:
                await workflow.wait_condition(lambda: not task.is_open or not task.paused)
                continue
            wake, rearmed = self._next_wake(task), self._rearmed
            try:
                await workflow.wait_condition(lambda seen=rearmed: not task.is_open or self._rearmed != seen,
                                              timeout=max((wake - workflow.now()).total_seconds(), 0.001))
            except TimeoutError:
                await self._on_timer(task)
        # The handler that closed the task is still publishing: let it finish first.
        await workflow.wait_condition(workflow.all_handlers_finished)
        # A regular activity: the decision is answered before it runs and before the process's next writes
        # (when there is nobody to notify, the answer waits for those local writes too).
        if task.id in self._closed_by_vote:
            await self._notify_closed(task, local=False)
        if task.breach_escalation:
            await self._end_breach_escalation(task)
        return task

    async def _start_breach_escalation(self, task: Task) -> None:
        # Histories recorded before breaches escalated replay without it.
        if self.on_breach is None or task.breach_escalation or not workflow.patched(BREACH_ESCALATION_PATCH):
            return
        task.breach_escalation = await self.on_breach(task)
        task.history.append(TaskEvent(workflow.now(), "BREACH_ESCALATED", detail=task.breach_escalation))

    async def _end_breach_escalation(self, task: Task) -> None:
        """The late task is closed: its escalation has nothing left to chase (a signal; it may have ended)."""
        try:
            await workflow.get_external_workflow_handle(task.breach_escalation).signal(
                BREACH_ENDED_SIGNAL, {"kind": "ENDED", "severity": "", "actor": "",
                                      "detail": f"the overdue task closed: {task.outcome}"})
        except FailureError:
            pass

    def _next_wake(self, task: Task) -> datetime:
        if task.reminders_sent < len(task.reminder_times):
            return min(task.reminder_times[task.reminders_sent], task.due_time)
        return task.due_time

    async def _on_timer(self, task: Task) -> None:
        now = workflow.now()
        if not task.is_open:
            return
        if now < task.due_time:
            task.reminders_sent += 1
            async with self._lock:
                task.history.append(TaskEvent(now, "REMINDED", detail=f"due {task.due_time.isoformat()}"))
                await self._publish(task)
            await self._notify(task, "TASK_REMINDER", f"reminder: {task.spec.title} is due "
                               f"{task.due_time.isoformat()}", f"reminder-{task.reminders_sent}")
            return
        action = task.spec.on_timeout
        async with self._lock:
            if not task.is_open:
                return
            if action == TimeoutAction.ESCALATE and not task.escalated:  # the first breach: chase the late task
                await self._start_breach_escalation(task)
            if action == TimeoutAction.ESCALATE and not task.escalated:
                task.escalated = True
                task.claimant = ""
                task.due_time = task.spec.deadlines(now)[0]
                if task.clock is not None:
                    task.clock = SlaClock(task.clock.sla, running_since=now)
                task.reminder_times = []
                task.reminders_sent = 0
                if task.state == TaskState.CLAIMED:
                    task.state = TaskState.OPEN
                task.history.append(TaskEvent(now, "ESCALATED", detail="SLA breached; offered to "
                                              + ", ".join(task.spec.escalate_to.pending_labels())))
                await self._publish(task)
                escalated = True
            else:
                escalated = False
                if action == TimeoutAction.AUTO_APPROVE:
                    self._close(task, TaskState.DECIDED, task.spec.positive[0], now, "auto-approved at timeout")
                elif action == TimeoutAction.AUTO_REJECT:
                    self._close(task, TaskState.DECIDED, task.spec.negative[0], now, "auto-rejected at timeout")
                else:
                    self._close(task, TaskState.EXPIRED, "EXPIRED", now, "expired after escalation")
                await self._publish(task)
        if escalated:
            await self._notify(task, "TASK_ESCALATED", f"escalated: {task.spec.title}", "escalated")
        else:
            await self._notify_closed(task)

    async def cancel(self, key: str, reason: str) -> None:
        """Close the open task opened for `key` (the process was withdrawn)."""
        for task in self.tasks.values():
            if task.spec.key == key and task.is_open:
                async with self._lock:
                    self._close(task, TaskState.CANCELLED, "CANCELLED", workflow.now(), reason)
                    await self._publish(task)

    async def pause(self, key: str, actor: str, reason: str) -> None:
        """Stop the SLA clock of the open task for `key` (e.g. while waiting on the client)."""
        task = self._open(key)
        if task is None or task.clock is None or task.paused:
            return
        async with self._lock:
            now = workflow.now()
            task.clock.pause(task.spec.calendar, now)
            task.history.append(TaskEvent(now, "PAUSED", actor=actor, comment=reason))
            self._rearmed += 1
            await self._publish(task)

    async def resume(self, key: str, actor: str, reason: str) -> None:
        """Restart the clock where it stopped: due and reminder times move by the SLA time it was paused."""
        task = self._open(key)
        if task is None or not task.paused:
            return
        async with self._lock:
            now = workflow.now()
            clock, cal, spec = task.clock, task.spec.calendar, task.spec
            clock.resume(now)
            task.due_time = clock.due(cal)
            task.reminder_times = sorted(clock.instant_at(cal, clock.sla.duration_s - s)
                                         for s in spec.reminders_before_s if 0 < s < clock.sla.duration_s)
            task.history.append(TaskEvent(now, "RESUMED", actor=actor, comment=reason,
                                          detail=f"due {task.due_time.isoformat()}"))
            self._rearmed += 1
            await self._publish(task)

    def _open(self, key: str) -> Task | None:
        return next((t for t in self.tasks.values() if t.spec.key == key and t.is_open), None)

    # -- update side (validators are pure reads; handlers change state then publish) --

    def get(self, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            raise refuse(Refusal.TASK_NOT_FOUND, f"no task {task_id} in this process")
        return task

    def validate_decide(self, arg: DecideInput) -> None:
        task = self.get(arg.task_id)
        check_choice(task, arg.choice, arg.conditions, arg.comment)
        resolve_voter(task, arg.actor)

    async def decide(self, arg: DecideInput) -> Task:
        async with self._lock:
            task = self.get(arg.task_id)
            # Re-check under the lock: another decision may have closed the task since validation.
            voter, on_behalf_of = resolve_voter(task, arg.actor)
            now = workflow.now()
            task.votes.append(Vote(voter=voter, actor=arg.actor.subject, on_behalf_of=on_behalf_of,
                                   choice=arg.choice, comment=arg.comment, time=now, tier=task.tier,
                                   conditions=list(arg.conditions)))
            task.history.append(TaskEvent(now, "DECIDED", actor=arg.actor.subject, on_behalf_of=on_behalf_of,
                                          detail=arg.choice, comment=arg.comment))
            self._advance(task, now)
            await self._publish(task)
        if not task.is_open:
            if workflow.patched(LOCAL_WRITES_PATCH):  # `run` notifies, once the decision is answered
                self._closed_by_vote.add(task.id)
            else:
                await self._notify_closed(task)
        return task

    def _advance(self, task: Task, now: datetime) -> None:
        spec = task.spec
        mandatory = spec.rule.mandatory
        tier = task.tier_rule()
        # A mandatory approver's vote counts in the tier only when they are named there: their approval is
        # required separately, so it must not also make up the tier's quorum.
        tier_votes = [v for v in task.votes if v.tier == task.tier
                      and (v.voter not in mandatory or v.voter in tier.candidates.people)]
        passed = evaluate(tier, tier_votes, spec.positive, spec.negative)
        voted = {v.voter: v.choice for v in task.votes}
        if any(voted.get(p) in (*spec.negative, ABSTAIN) for p in mandatory):
            passed = False  # a mandatory approver who did not approve can never approve now: no wait
        if passed is None:
            return
        if passed and spec.rule.kind == RuleKind.TIERS and task.tier + 1 < len(spec.rule.tiers):
            task.tier += 1
            task.claimant = ""
            task.assignee = ""
            task.state = TaskState.OPEN
            task.history.append(TaskEvent(now, "TIER_PASSED", detail=f"tier {task.tier} of {len(spec.rule.tiers)}"))
            return
        if passed and any(voted.get(p) not in spec.positive for p in mandatory):
            task.quorum_met = True  # the rule is met; the mandatory approvers still have to approve
            return
        deciding = task.votes if passed else [v for v in task.votes if v.choice in spec.negative]
        self._close(task, TaskState.DECIDED, outcome_of(passed, deciding, spec.positive, spec.negative), now, "")

    def _close(self, task: Task, state: str, outcome: str, now: datetime, detail: str) -> None:
        task.state = state
        task.outcome = outcome
        task.closed = now
        task.history.append(TaskEvent(now, "CLOSED", detail=f"{outcome}{': ' + detail if detail else ''}"))

    def validate_claim(self, arg: TaskActionInput) -> None:
        task = self.get(arg.task_id)
        if not task.is_open:
            raise refuse(Refusal.TASK_CLOSED, f"task {task.id} is {task.state.lower()}")
        if task.claimant:
            raise refuse(Refusal.CLAIMED_BY_OTHER if task.claimant != arg.actor.subject else Refusal.NOT_ALLOWED,
                         f"task is already claimed by {task.claimant}")
        if not task.current_candidates().roles or task.assignee:
            raise refuse(Refusal.NOT_CLAIMABLE, "only tasks offered to a role can be claimed")
        resolve_voter(task, arg.actor)

    async def claim(self, arg: TaskActionInput) -> Task:
        async with self._lock:
            self.validate_claim(arg)
            task = self.get(arg.task_id)
            task.claimant = arg.actor.subject
            task.state = TaskState.CLAIMED
            task.history.append(TaskEvent(workflow.now(), "CLAIMED", actor=arg.actor.subject))
            await self._publish(task)
            return task

    def validate_release(self, arg: TaskActionInput) -> None:
        task = self.get(arg.task_id)
        if not task.is_open:
            raise refuse(Refusal.TASK_CLOSED, f"task {task.id} is {task.state.lower()}")
        if not task.claimant:
            raise refuse(Refusal.NOT_CLAIMANT, "task is not claimed")
        if task.claimant != arg.actor.subject and not REASSIGNING_ROLES & set(arg.actor.roles):
            raise refuse(Refusal.NOT_CLAIMANT, f"only {task.claimant} (or a pmo) can release this task")

    async def release(self, arg: TaskActionInput) -> Task:
        async with self._lock:
            self.validate_release(arg)
            task = self.get(arg.task_id)
            task.history.append(TaskEvent(workflow.now(), "RELEASED", actor=arg.actor.subject,
                                          detail=f"released by {arg.actor.subject}", comment=arg.reason))
            task.claimant = ""
            task.state = TaskState.OPEN
            await self._publish(task)
            return task

    def validate_reassign(self, arg: TaskActionInput) -> None:
        task = self.get(arg.task_id)
        if not task.is_open:
            raise refuse(Refusal.TASK_CLOSED, f"task {task.id} is {task.state.lower()}")
        if not REASSIGNING_ROLES & set(arg.actor.roles):
            raise refuse(Refusal.NOT_ALLOWED, "only a pmo can reassign a task")
        if not arg.assignee.strip():
            raise refuse(Refusal.INVALID_ARGUMENT, "assignee is required")
        if arg.assignee == task.spec.requester:
            raise refuse(Refusal.SELF_APPROVAL, "a task cannot be reassigned to its requester (segregation of duties)")
        if arg.assignee in {v.voter for v in task.votes}:
            raise refuse(Refusal.ALREADY_DECIDED, f"{arg.assignee} has already decided this task")

    async def reassign(self, arg: TaskActionInput) -> Task:
        async with self._lock:
            self.validate_reassign(arg)
            task = self.get(arg.task_id)
            task.assignee = arg.assignee
            task.claimant = ""
            task.state = TaskState.OPEN
            task.history.append(TaskEvent(workflow.now(), "REASSIGNED", actor=arg.actor.subject,
                                          detail=f"to {arg.assignee}", comment=arg.reason))
            await self._publish(task)
        await self._notify(task, "TASK_REASSIGNED", f"{task.spec.title} was reassigned to you",
                           f"reassigned-{len(task.history)}")
        return task

    # -- publishing --

    async def _publish(self, task: Task) -> None:
        """Read model + audit (activity) and search attributes, before any handler returns."""
        task.version += 1
        done = self._published.get(task.id, 0)
        now = workflow.now()
        sync = TaskSync(task=task, new_events=task.history[done:], pending_approvers=task.pending_approvers(),
                        sla_state=task.sla_state(now))
        await write_read_model(SYNC_TASK, sync)
        self._published[task.id] = len(task.history)
        open_tasks = [t for t in self.tasks.values() if t.is_open]
        pending = sorted({p for t in open_tasks for p in t.pending_approvers()})
        due = DUE_TIME.value_set(min(t.due_time for t in open_tasks)) if open_tasks else DUE_TIME.value_unset()
        workflow.upsert_search_attributes([PENDING_APPROVERS.value_set(pending), due])

    async def _notify(self, task: Task, kind: str, message: str, step: str, *, local: bool = True) -> None:
        recipients = task.pending_approvers() if task.is_open else [r for r in [task.spec.requester] if r]
        if not recipients:  # e.g. an escalation's task closing: nobody asked for it
            return
        note = Notification(org=task.ref.org, kind=kind, subject=task.ref.process, recipients=recipients,
                            message=message, idempotency_key=f"{task.ref.workflow_id}/{task.id}/{step}")
        await write_read_model(NOTIFY, note, local=local)

    async def _notify_closed(self, task: Task, *, local: bool = True) -> None:
        await self._notify(task, "TASK_CLOSED", f"{task.spec.title}: {task.outcome}", "closed", local=local)

    def detail(self) -> list[Task]:
        return list(self.tasks.values())


class ApprovalHandlers:
    """Mixin giving a workflow the task updates and query. The workflow sets `self.approvals = ApprovalBook()`
    in `__init__` and calls `await self.approvals.run(spec, ref)` from `run`."""

    approvals: ApprovalBook

    @workflow.update
    async def decide(self, arg: DecideInput) -> Task:
        return await self.approvals.decide(arg)

    @decide.validator
    def _validate_decide(self, arg: DecideInput) -> None:
        self.approvals.validate_decide(arg)

    @workflow.update
    async def claim(self, arg: TaskActionInput) -> Task:
        return await self.approvals.claim(arg)

    @claim.validator
    def _validate_claim(self, arg: TaskActionInput) -> None:
        self.approvals.validate_claim(arg)

    @workflow.update
    async def release(self, arg: TaskActionInput) -> Task:
        return await self.approvals.release(arg)

    @release.validator
    def _validate_release(self, arg: TaskActionInput) -> None:
        self.approvals.validate_release(arg)

    @workflow.update
    async def reassign(self, arg: TaskActionInput) -> Task:
        return await self.approvals.reassign(arg)

    @reassign.validator
    def _validate_reassign(self, arg: TaskActionInput) -> None:
        self.approvals.validate_reassign(arg)

    @workflow.query
    def tasks(self) -> list[Task]:
        return self.approvals.detail()


# --- the process read model (one row per change request / phase gate) -------------------------

SYNC_PROCESS = "sync_process"
OPEN_PROCESSES = "open_processes"


@dataclass
class ProcessSync:
    """What the `sync_process` activity writes: a process's current view (its module's view dataclass,
    as a dict), and the process events not yet appended to the audit chain. `version` only grows, so an
    older write arriving late (a retried activity) never overwrites a newer one."""

    kind: str  # "change_request" or "phase_gate"
    org: str
    project: str  # project id
    id: str  # the process's resource id
    name: str  # its resource name
    workflow_id: str
    state: str
    requester: str
    policy_version: int
    version: int
    view: dict
    new_events: list[TaskEvent] = field(default_factory=list)


@dataclass
class OpenProcessesQuery:
    org: str
    kind: str
    project: str
    exclude_id: str = ""


class ProcessJournal:
    """A process's own events and the publication of its view, the same way for every process: `publish`
    sends the view (its module's view dataclass) and the events not yet audited to the read model
    (SYNC_PROCESS), one publication at a time, so versions arrive in order."""

    def __init__(self, kind: str, ref: ProcessRef, process_id: str, requester: str) -> None:
        self.kind, self.ref, self.process_id, self.requester = kind, ref, process_id, requester
        self.events: list[TaskEvent] = []
        self.published = 0  # versions of the view published so far
        self._audited = 0  # events already sent to the audit chain
        self._lock = asyncio.Lock()

    def record(self, kind: str, actor: str = "", on_behalf_of: str = "", detail: str = "", comment: str = "") -> None:
        self.events.append(TaskEvent(workflow.now(), kind, actor=actor, on_behalf_of=on_behalf_of, detail=detail,
                                     comment=comment))

    async def publish(self, view, *, timeout: timedelta = ACTIVITY_TIMEOUT,
                      retry: RetryPolicy = ACTIVITY_RETRY) -> None:
        async with self._lock:
            view.update_time = workflow.now()
            version, upto = self.published + 1, len(self.events)
            ref = self.ref
            await write_read_model(SYNC_PROCESS, ProcessSync(
                kind=self.kind, org=ref.org, project=ref.project, id=self.process_id, name=ref.process,
                workflow_id=ref.workflow_id, state=view.state, requester=self.requester,
                policy_version=ref.policy_version, version=version, view=dataclasses.asdict(view),
                new_events=self.events[self._audited:upto]), timeout=timeout, retry=retry)
            self._audited, self.published = upto, version
