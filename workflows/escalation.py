"""EscalationWorkflow: an issue (or a breached task, or a person's concern) climbs the organization's
escalation path until someone owns and resolves it.

    OPEN (level 1: acknowledge task) → ACKNOWLEDGED (level 1: resolve task) → RESOLVED
    a breach of either SLA at a level → ESCALATED to the next level, whose owners get a new task;
    a breach at the top level is recorded and the top level is asked again with fresh SLAs;
    WITHDRAWN when the escalated issue is closed elsewhere (RisksService) or by a pmo/admin.

- The path comes from the policy's escalation matrix for the severity (workflows/policy.py): each level
  names its owners and how long they have to acknowledge and to resolve, in business time on the
  policy's calendar (workflows/calendar.py). Both clocks start when the level is reached.
- Acknowledging and resolving are decisions on approval tasks (workflows/approvals.py), so they are
  in the owners' inbox, can be claimed, reassigned by a pmo and decided through a delegation, and a
  refused attempt is audited like any other. Each task is offered to the owners of the current level
  *and every level above it*: only they may act. RESOLVE needs a resolution (the comment) and may be
  chosen on the acknowledge task too (acknowledged and resolved at once).
- Reminders fire when the policy's warning share of an SLA is used; a breach is recorded, notified and
  moves the escalation up. Both clocks can be paused while waiting on the client, and resume where
  they stopped.
- Every change is published to the governance read model (sync_process) before an update returns.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from workflows import ids
from workflows.approvals import (
    ACTIVITY_RETRY,
    ACTIVITY_TIMEOUT,
    NOTIFY,
    Actor,
    ApprovalBook,
    ApprovalHandlers,
    ApprovalRule,
    Candidates,
    Notification,
    ProcessJournal,
    ProcessRef,
    Refusal,
    RuleKind,
    Task,
    TaskSpec,
    TimeoutAction,
    refuse,
    write_read_model,
)
from workflows.calendar import Sla, SlaClock

with workflow.unsafe.imports_passed_through():
    # As in change_request.py: the policy carries plain `datetime`s and is pure and deterministic.
    import workflows.policy as policy  # noqa: F401  (the module form is what the passthrough needs)
    from workflows.policy import EscalationLevel, EscalationPath, GovernancePolicy, escalation_path

KIND = "escalation"
ID_PREFIX = "escalation"
SOURCES = ("ISSUE", "TASK_BREACH", "MANUAL")
ACKNOWLEDGE, RESOLVE, BREACHED = "ACKNOWLEDGE", "RESOLVE", "BREACHED"
WITHDRAWING_ROLES = frozenset({"pmo", "admin"})
OPEN_STATES = ("OPEN", "ACKNOWLEDGED")


@dataclass
class EscalationInput:
    org: str
    project: str  # project id
    id: str  # escalation id (derived from the issue event, the breached task, or the raiser's request id)
    severity: str  # LOW MEDIUM HIGH CRITICAL
    title: str
    source: str  # one of SOURCES
    subject: str  # resource name of what is escalated (an issue, a task); "" when raised by hand about nothing else
    raised_by: Actor
    policy: GovernancePolicy
    description: str = ""

    @property
    def name(self) -> str:
        return f"organizations/{self.org}/projects/{self.project}/escalations/{self.id}"


@dataclass
class Breach:
    level: int  # 1-based
    clock: str  # ACKNOWLEDGE or RESOLVE
    time: datetime


@dataclass
class Note:
    author: str
    text: str
    time: datetime


@dataclass
class EscalationView:
    name: str
    org: str
    project: str
    id: str
    severity: str
    title: str
    description: str
    source: str
    subject: str
    raised_by: str
    state: str  # OPEN ACKNOWLEDGED RESOLVED WITHDRAWN
    level: int  # 1-based
    level_name: str
    levels: int  # how many the path has
    owners: list[str]  # who may act now: the current level's owners and those above ("role:pmo", "alice")
    policy_version: int
    workflow_id: str
    acknowledged_by: str = ""
    acknowledge_due: datetime | None = None  # None once acknowledged, or while paused
    resolve_due: datetime | None = None  # None while paused
    paused: bool = False
    breaches: list[Breach] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    resolution: str = ""
    resolved_by: str = ""
    tasks: list[str] = field(default_factory=list)
    create_time: datetime | None = None
    update_time: datetime | None = None
    close_time: datetime | None = None


@dataclass
class IssueChange:
    """What IssueFeedWorkflow tells an escalation about its issue (a signal: the issue's truth wins)."""

    kind: str  # REGRADED or ENDED
    severity: str
    actor: str
    detail: str = ""  # why it ended, when not the issue in RisksService (e.g. the overdue task closed)


# --- activity contract (workflows/activities/escalations.py) -----------------------------------

RESOLVE_ISSUE = "resolve_issue"
SERVICE_TIMEOUT = timedelta(seconds=30)
SERVICE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                            maximum_interval=timedelta(minutes=1), maximum_attempts=0)


@dataclass
class ResolveIssue:
    issue: str  # resource name
    resolution: str
    on_behalf_of: str  # who resolved the escalation
    request_id: str  # ids.request_id(workflow_id, "resolve-issue")


@dataclass
class NoteInput:
    actor: Actor
    text: str


@dataclass
class ClockInput:
    actor: Actor
    reason: str


# --- pure rules -------------------------------------------------------------------------------


def owners_from(path: EscalationPath, level: int) -> Candidates:
    """Who may act at `level` (0-based): its owners and the owners of every level above it."""
    above = path.levels[level:]
    return Candidates(roles=sorted({r for lv in above for r in lv.owners.roles}),
                      people=sorted({p for lv in above for p in lv.owners.people}))


def may_act(path: EscalationPath, level: int, actor: Actor) -> bool:
    return owners_from(path, level).offers(actor.subject, actor.roles)


def warning_before_s(duration_s: float, warning_percent: int) -> list[float]:
    """The reminder offset (before the due time) at which `warning_percent` of an SLA is used."""
    if not 0 < warning_percent < 100:
        return []
    return [duration_s * (100 - warning_percent) / 100]


def first_view(raised: EscalationInput, workflow_id: str, now: datetime) -> EscalationView:
    """The escalation as it starts (level 1 of its path): the workflow's own state, and the read-model row
    the GovernanceService writes before starting it."""
    path = escalation_path(raised.policy, raised.severity)
    return EscalationView(
        name=raised.name, org=raised.org, project=raised.project, id=raised.id, severity=raised.severity,
        title=raised.title, description=raised.description, source=raised.source, subject=raised.subject,
        raised_by=raised.raised_by.subject, state="OPEN", level=1, level_name=path.levels[0].name,
        levels=len(path.levels), owners=owners_from(path, 0).pending_labels(),
        policy_version=raised.policy.version, workflow_id=workflow_id, create_time=now, update_time=now)


# --- the workflow -----------------------------------------------------------------------------


@workflow.defn
class EscalationWorkflow(ApprovalHandlers):
    @workflow.init
    def __init__(self, input: EscalationInput) -> None:
        self.approvals = ApprovalBook()
        self.input = input
        self.path = escalation_path(input.policy, input.severity)
        info = workflow.info()
        self._view = first_view(input, info.workflow_id, workflow.now())
        self._ref = ProcessRef(org=input.org, project=input.project, process=input.name,
                               workflow_id=info.workflow_id, policy_version=input.policy.version)
        self._journal = ProcessJournal(KIND, self._ref, input.id, input.raised_by.subject)
        self._level = 0
        self._round = 0  # tasks opened so far (task keys stay unique across levels and top-level repeats)
        self._task_key = ""  # the open task
        self._resolve_clock: SlaClock | None = None
        self._ended = False

    # -- run --

    @workflow.run
    async def run(self, input: EscalationInput) -> EscalationView:
        self._event("RAISED", actor=input.raised_by.subject,
                    detail=f"{input.severity} via {input.source}" + (f": {input.subject}" if input.subject else ""))
        await self._publish()
        await self._notify("ESCALATION_RAISED", f"escalated to you ({self._view.level_name}): {input.title}",
                           "raised")
        while not self._ended:
            outcome = await self._work_level()
            if outcome != BREACHED or self._ended:
                break
            if self._level + 1 < len(self.path.levels):
                self._level += 1
                self._event("ESCALATED", detail=f"to {self.path.levels[self._level].name}")
            else:
                self._event("TOP_LEVEL_BREACHED", detail=f"{self._current.name} asked again")
            # Published with the next level's task (its owners hear of it as TASK_OPENED): a breach costs the
            # closing and the opening of a task, one view and one notice to the owners who missed it.
            self._enter_level()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view

    @property
    def _current(self) -> EscalationLevel:
        return self.path.levels[self._level]

    def _enter_level(self) -> None:
        v = self._view
        v.level, v.level_name = self._level + 1, self._current.name
        v.owners = owners_from(self.path, self._level).pending_labels()
        v.state, v.acknowledged_by = "OPEN", ""
        self._resolve_clock = None

    async def _work_level(self) -> str:
        """Acknowledge, then resolve, at the current level: RESOLVE, BREACHED or CANCELLED (withdrawn)."""
        level, pol = self._current, self.input.policy
        now = workflow.now()
        self._resolve_clock = SlaClock(Sla(level.resolve_s, business=True), running_since=now,
                                       warn_percent=pol.sla_warning_percent)
        ack = await self._ask(ACKNOWLEDGE, level.acknowledge_s,
                              f"Acknowledge escalation ({level.name}): {self.input.title}")
        if ack.outcome == ACKNOWLEDGE:
            self._view.state, self._view.acknowledged_by = "ACKNOWLEDGED", ack.votes[-1].voter
            self._event("ACKNOWLEDGED", actor=ack.votes[-1].actor, on_behalf_of=ack.votes[-1].on_behalf_of,
                        comment=ack.votes[-1].comment)
            await self._publish()
            remaining = level.resolve_s - self._resolve_clock.used(pol.calendar, workflow.now())
            if remaining <= 0:
                return await self._breach(RESOLVE)
            done = await self._ask(RESOLVE, remaining, f"Resolve escalation ({level.name}): {self.input.title}")
        else:
            done = ack
        if done.outcome == RESOLVE:
            vote = done.votes[-1]
            await self._end("RESOLVED", vote.comment, vote.voter, on_behalf_of=vote.on_behalf_of, actor=vote.actor)
            if self.input.source == "ISSUE" and self.input.subject:
                await self._resolve_issue(vote.comment, vote.voter)
            return RESOLVE
        if done.outcome == BREACHED:
            return await self._breach(ACKNOWLEDGE if done.spec.choices[0] == ACKNOWLEDGE else RESOLVE)
        return "CANCELLED"

    async def _ask(self, step: str, due_s: float, title: str):
        self._round += 1
        self._task_key = f"L{self._level + 1}-{step.lower()}-{self._round}"
        pol = self.input.policy
        choices = [ACKNOWLEDGE, RESOLVE] if step == ACKNOWLEDGE else [RESOLVE]
        spec = TaskSpec(
            key=self._task_key, kind="ESCALATION", title=title,
            requester="",  # not a request for oneself: whoever raised it may own a level too
            candidates=owners_from(self.path, self._level), rule=ApprovalRule(kind=RuleKind.ANY),
            due_after_s=due_s, reminders_before_s=warning_before_s(due_s, pol.sla_warning_percent),
            on_timeout=TimeoutAction.AUTO_REJECT, summary=self.input.description or self.input.title,
            evidence={"severity": self.input.severity, "source": self.input.source, "subject": self.input.subject,
                      "level": self._current.name},
            choices=choices, positive=choices, negative=[BREACHED], comment_required=[RESOLVE],
            business_time=True, calendar=pol.calendar)
        task_id = self._task_id(self._task_key)
        running = asyncio.create_task(self.approvals.run(spec, self._ref))
        await workflow.wait_condition(lambda: task_id in self.approvals.tasks)
        await self._publish()  # the view names the new task and its due times
        task = await running
        self._task_key = ""
        return task

    def _task_id(self, key: str) -> str:
        return ids.task_id(self._ref.workflow_id, key)

    async def _breach(self, clock: str) -> str:
        now = workflow.now()
        self._view.breaches.append(Breach(level=self._level + 1, clock=clock, time=now))
        self._event("BREACHED", detail=f"{self._current.name}: not {clock.lower()}d in time")
        await self._notify("ESCALATION_BREACHED", f"SLA breached ({self._current.name}, {clock.lower()}): "
                           f"{self.input.title}", f"breach-{len(self._view.breaches)}")
        return BREACHED

    async def _resolve_issue(self, resolution: str, resolver: str) -> None:
        """One truth: the issue is resolved too, as the governance principal for the resolver."""
        try:
            await workflow.execute_activity(RESOLVE_ISSUE, ResolveIssue(
                issue=self.input.subject, resolution=resolution, on_behalf_of=resolver,
                request_id=ids.request_id(self._ref.workflow_id, "resolve-issue")),
                start_to_close_timeout=SERVICE_TIMEOUT, retry_policy=SERVICE_RETRY)
            self._event("ISSUE_RESOLVED", actor=resolver, detail=self.input.subject)
        except ActivityError as exc:  # e.g. deleted meanwhile: the escalation stays resolved, the reason is kept
            self._event("ISSUE_NOT_RESOLVED", detail=f"{self.input.subject}: {exc.cause or exc}")
        await self._publish()

    async def _end(self, state: str, resolution: str, by: str, *, on_behalf_of: str = "", actor: str = "") -> None:
        if self._ended:
            return
        self._ended = True
        v = self._view
        v.state, v.resolution, v.resolved_by = state, resolution, by
        v.close_time = workflow.now()
        self._event(state, actor=actor or by, on_behalf_of=on_behalf_of, comment=resolution)
        await self._publish()
        await self._notify(f"ESCALATION_{state}", f"{self.input.title}: {state.lower()}",
                           "end", recipients=[self.input.raised_by.subject])

    # -- publication and notification --

    def _event(self, kind: str, actor: str = "", on_behalf_of: str = "", detail: str = "", comment: str = "") -> None:
        self._journal.record(kind, actor=actor, on_behalf_of=on_behalf_of, detail=detail, comment=comment)

    async def _publish(self) -> None:
        """The view, with due times as the clocks stand now, to the read model (SYNC_PROCESS), in order."""
        v, cal = self._view, self.input.policy.calendar
        v.tasks = list(self.approvals.tasks)
        open_task = self.approvals.tasks.get(self._task_id(self._task_key)) if self._task_key else None
        clock = self._resolve_clock
        v.paused = clock is not None and clock.paused
        v.resolve_due = clock.due(cal) if clock is not None and not self._ended else None
        acknowledging = open_task is not None and open_task.is_open and open_task.spec.choices[0] == ACKNOWLEDGE
        v.acknowledge_due = open_task.due_time if acknowledging and not v.paused else None
        await self._journal.publish(v, timeout=ACTIVITY_TIMEOUT, retry=ACTIVITY_RETRY)

    async def _notify(self, kind: str, message: str, step: str, recipients: list[str] | None = None) -> None:
        await write_read_model(NOTIFY, Notification(
            org=self.input.org, kind=kind, subject=self.input.name,
            recipients=recipients if recipients is not None else list(self._view.owners), message=message,
            idempotency_key=f"{self._ref.workflow_id}/{step}"))

    # -- messages --

    @workflow.query
    def view(self) -> EscalationView:
        return self._view

    def _check_owner(self, actor: Actor) -> None:
        if self._ended:
            raise refuse(Refusal.TASK_CLOSED, f"the escalation is {self._view.state.lower()}")
        if not may_act(self.path, self._level, actor):
            raise refuse(Refusal.NOT_A_CANDIDATE, f"only {', '.join(self._view.owners)} act on this escalation "
                         f"now ({self._current.name} and above)")

    @workflow.signal
    async def issue_changed(self, change: IssueChange) -> None:
        """The escalated issue was re-graded (noted) or ended in RisksService (the escalation is withdrawn)."""
        if self._ended:
            return
        if change.kind == "ENDED":
            key = self._task_key
            reason = change.detail or (f"the issue was resolved, closed or de-escalated in RisksService "
                                       f"by {change.actor}")
            await self._end("WITHDRAWN", reason, change.actor)
            if key:
                await self.approvals.cancel(key, reason)
            return
        text = f"the issue was re-graded to {change.severity} by {change.actor}"
        self._view.notes.append(Note(author=change.actor, text=text, time=workflow.now()))
        self._event("REGRADED", actor=change.actor, detail=change.severity)
        await self._publish()

    @workflow.update
    async def add_note(self, arg: NoteInput) -> EscalationView:
        self._view.notes.append(Note(author=arg.actor.subject, text=arg.text.strip(), time=workflow.now()))
        self._event("NOTE", actor=arg.actor.subject, comment=arg.text.strip())
        await self._publish()
        return self._view

    @add_note.validator
    def _validate_note(self, arg: NoteInput) -> None:
        if arg.actor.subject != self.input.raised_by.subject:
            self._check_owner(arg.actor)
        elif self._ended:
            raise refuse(Refusal.TASK_CLOSED, f"the escalation is {self._view.state.lower()}")
        if not arg.text.strip():
            raise refuse(Refusal.INVALID_ARGUMENT, "a note needs text")

    @workflow.update
    async def pause(self, arg: ClockInput) -> EscalationView:
        """Stop both SLA clocks of the level, e.g. while waiting on the client."""
        if self._resolve_clock is not None and not self._resolve_clock.paused:
            self._resolve_clock.pause(self.input.policy.calendar, workflow.now())
            self._event("PAUSED", actor=arg.actor.subject, comment=arg.reason)
            if self._task_key:
                await self.approvals.pause(self._task_key, arg.actor.subject, arg.reason)
            await self._publish()
        return self._view

    @pause.validator
    def _validate_pause(self, arg: ClockInput) -> None:
        self._check_owner(arg.actor)
        if not arg.reason.strip():
            raise refuse(Refusal.INVALID_ARGUMENT, "say why the clock stops (e.g. waiting on the client)")

    @workflow.update
    async def resume(self, arg: ClockInput) -> EscalationView:
        if self._resolve_clock is not None and self._resolve_clock.paused:
            self._resolve_clock.resume(workflow.now())
            self._event("RESUMED", actor=arg.actor.subject, comment=arg.reason)
            if self._task_key:
                await self.approvals.resume(self._task_key, arg.actor.subject, arg.reason)
            await self._publish()
        return self._view

    @resume.validator
    def _validate_resume(self, arg: ClockInput) -> None:
        self._check_owner(arg.actor)

    @workflow.update
    async def withdraw(self, arg: ClockInput) -> EscalationView:
        """The escalated issue was closed elsewhere (RisksService), or a pmo/admin ends the escalation."""
        if not self._ended:
            key = self._task_key
            await self._end("WITHDRAWN", arg.reason.strip(), arg.actor.subject)
            if key:
                await self.approvals.cancel(key, f"escalation withdrawn: {arg.reason.strip()}")
        return self._view

    @withdraw.validator
    def _validate_withdraw(self, arg: ClockInput) -> None:
        if self._ended:
            raise refuse(Refusal.TASK_CLOSED, f"the escalation is {self._view.state.lower()}")
        if not (WITHDRAWING_ROLES & set(arg.actor.roles) or "governance" in arg.actor.roles):
            raise refuse(Refusal.NOT_ALLOWED, "only a pmo or an admin withdraws an escalation")
        if not arg.reason.strip():
            raise refuse(Refusal.INVALID_ARGUMENT, "a withdrawal needs a reason")



# --- escalations of late tasks (started by the process that owns the task) --------------------

BREACH_SEVERITY = "HIGH"


def breach_escalation_id(org: str, task_id: str) -> str:
    return ids.resource_id(org, KIND, f"task-{task_id}#breach")


async def start_for_breach(task: Task, policy: GovernancePolicy) -> str:
    """Start the escalation of a task whose SLA ran out (once: the id derives from the task), abandoned by
    the process so it lives on; its workflow id. The process signals it when the task closes."""
    ref = task.ref
    esc_id = breach_escalation_id(ref.org, task.id)
    workflow_id = ids.workflow_id(ID_PREFIX, ref.org, esc_id)
    try:
        # By name: the process never reads the escalation's result (whose datetimes its sandbox cannot decode).
        await workflow.start_child_workflow("EscalationWorkflow", EscalationInput(
            org=ref.org, project=ref.project, id=esc_id, severity=BREACH_SEVERITY, title=f"Overdue: {task.spec.title}",
            source="TASK_BREACH", subject=f"organizations/{ref.org}/tasks/{task.id}",
            raised_by=Actor(task.spec.requester, []), policy=policy,
            description=f"{task.spec.title} was due {task.due_time.isoformat()} and is still open"),
            id=workflow_id, parent_close_policy=ParentClosePolicy.ABANDON)
    except WorkflowAlreadyStartedError:
        pass  # a reset run: it is the same escalation
    return workflow_id
