"""PhaseGateWorkflow: a project asks to pass its next gate. Criteria from policy are evaluated
by activities (open HIGH/CRITICAL risks, budget variance from EVM, milestones, status-report
freshness, latest quality-audit score) and shown to the gatekeepers, who decide by quorum:
GO; CONDITIONAL_GO (conditions with owners and due dates, each tracked as a task until met or
escalated); HOLD (waits for a resume, then asks again); RECYCLE (back to rework, may be
requested again); KILL (the project is cancelled). Only GO and CONDITIONAL_GO move the phase.

    EVALUATING → AWAITING_DECISION (task gate-1) → PASSED | CONDITIONS_OPEN → PASSED
                                                  | ON_HOLD → (resume) EVALUATING → gate-2 ...
                                                  | RECYCLED | KILLED
    any step → FAILED (a refused request, a non-retryable service error), with the reason.

- The phase moves (and a killed project is cancelled) as the governance service principal on behalf
  of the gatekeeper whose vote decided the task (the requester only when a timeout decided), so the
  projects audit log reads "sam, via svc-governance"; request ids derive from the workflow id.
- A gate task that expires unanswered (after its escalation) puts the gate ON_HOLD: the requester,
  a pmo or an admin may resume it, which re-evaluates the criteria and asks again.
- CONDITIONAL_GO conditions become GATE_CONDITION tasks for their owners (the requester when none
  is named), due at the end of their due date, escalated once to the policy's gate escalation
  candidates, then recorded unmet; the gate is PASSED when they are all closed, with the unmet ones
  listed in the view.
- One gate at a time per project: a second one still open fails the new request.
- Every state change is published to the governance read model (sync_process, version-ordered)
  before an update returns; `submitted` lets RequestPhaseGate return once the first one is there.
"""

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from workflows import breaches, ids
from workflows.approvals import (
    ACTIVITY_RETRY,
    ACTIVITY_TIMEOUT,
    GATE_CHOICES,
    OPEN_PROCESSES,
    Actor,
    ApprovalHandlers,
    ApprovalRule,
    Candidates,
    Condition,
    OpenProcessesQuery,
    ProcessJournal,
    ProcessRef,
    Refusal,
    RuleKind,
    Task,
    TaskSpec,
    TimeoutAction,
    Vote,
    refuse,
)

with workflow.unsafe.imports_passed_through():
    # As in change_request.py: the policy's blackout windows have plain `datetime` fields, which the payload
    # converter cannot decode against the sandbox's restricted `datetime`; the module is pure and deterministic.
    import workflows.policy as policy  # noqa: F401  (the module form is what the passthrough needs)
    from workflows.policy import HOUR, PHASES, GateCriterion, GovernancePolicy, gate_criteria_for

KIND = "phase_gate"
ID_PREFIX = "phase-gate"


@dataclass
class PhaseGateInput:
    org: str
    project: str  # project id
    id: str  # phase gate id (derived from the submitter's request id)
    requester: Actor
    policy: GovernancePolicy
    to_phase: str = ""  # e.g. "EXECUTION"; empty: the phase after the current one

    @property
    def name(self) -> str:
        return f"organizations/{self.org}/projects/{self.project}/phaseGates/{self.id}"


@dataclass
class CriterionResult:
    criterion: str
    description: str
    passed: bool
    required: bool
    evidence: str
    evidence_values: dict[str, str] = field(default_factory=dict)


@dataclass
class PhaseGateView:
    name: str
    org: str
    project: str
    id: str
    requester: str
    from_phase: str  # e.g. "PLANNING"
    to_phase: str
    state: str  # EVALUATING AWAITING_DECISION ON_HOLD CONDITIONS_OPEN PASSED RECYCLED KILLED FAILED
    policy_version: int
    workflow_id: str
    criteria: list[CriterionResult] = field(default_factory=list)
    decision: str = ""  # GO CONDITIONAL_GO HOLD RECYCLE KILL
    conditions: list[Condition] = field(default_factory=list)
    reasons: str = ""
    tasks: list[str] = field(default_factory=list)
    create_time: datetime | None = None
    update_time: datetime | None = None
    # Added with the workflow (the fields above are the GovernanceService's contract):
    acted_for: str = ""  # the person the governance principal moved the phase / cancelled the project for
    condition_tasks: list[str] = field(default_factory=list)  # task id of each condition, in order
    unmet_conditions: list[str] = field(default_factory=list)  # conditions that expired unmet after escalation


@dataclass
class ResumeInput:
    actor: Actor
    comment: str = ""


# --- activity contracts (the activities live in workflows/activities/gates.py) ----------------

PROJECT_SNAPSHOT = "project_snapshot"
EVALUATE_GATE_CRITERIA = "evaluate_gate_criteria"
TRANSITION_PHASE = "transition_phase"
CANCEL_PROJECT = "cancel_project"
LATEST_AUDIT_SCORE = "latest_audit_score"  # workflows/activities/governance.py (the read model)
# Gates evaluated before audits existed replay without reading a score.
AUDIT_SCORE_PATCH = "gate-reads-audit-score"
# Gates to CLOSED that passed before post-project reviews replay without starting one.
POST_PROJECT_REVIEW_PATCH = "gate-starts-post-project-review"


@dataclass
class ProjectRequest:
    org: str
    project: str  # project id
    on_behalf_of: str  # the person the governance principal reads for

    @property
    def name(self) -> str:
        return f"organizations/{self.org}/projects/{self.project}"


@dataclass
class ProjectSnapshot:
    name: str
    display_name: str
    phase: str  # INITIATION ... CLOSED (the enum value without its PHASE_ prefix)
    methodology: str  # WATERFALL AGILE PRINCE2 HYBRID, "" when unset
    status: str  # PROPOSED ACTIVE ON_HOLD COMPLETED CANCELLED
    etag: str = ""


@dataclass
class AuditScoreQuery:
    org: str
    project: str  # project id


@dataclass
class AuditScore:
    """The project's latest CLOSED quality audit (workflows/quality_audit.py); audit "" when there is none."""

    audit: str = ""  # its resource name
    score: str = ""  # e.g. "0.8500"
    close_time: str = ""  # ISO


@dataclass
class CriteriaRequest:
    org: str
    project: str
    criteria: list[GateCriterion]
    as_of: datetime  # the workflow's clock, so evidence is dated like the process
    on_behalf_of: str
    audit: AuditScore | None = None  # read from the governance read model first (None: histories before it)


@dataclass
class CriteriaEvaluation:
    results: list[CriterionResult]


@dataclass
class TransitionRequest:
    org: str
    project: str
    to_phase: str  # e.g. "EXECUTION"
    reason: str
    request_id: str  # ids.request_id(workflow_id, "transition")
    on_behalf_of: str  # the gatekeeper whose decision moves the phase


@dataclass
class CancelRequest:
    org: str
    project: str
    reason: str
    request_id: str  # ids.request_id(workflow_id, "cancel")
    on_behalf_of: str


READ_TIMEOUT = timedelta(seconds=30)
EVALUATE_TIMEOUT = timedelta(minutes=2)  # a few paginated reads over three services
WRITE_TIMEOUT = timedelta(seconds=30)
# Transient failures (UNAVAILABLE, DEADLINE_EXCEEDED, ...) retry until the services are back: a gate may
# wait days anyway; the writes (transition, cancel) for at most ids.MUTATION_RETRY_HORIZON, well inside the time
# the services keep their request ids. What a retry cannot fix is a non-retryable ApplicationError and ends the
# gate FAILED.
SERVICE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                            maximum_interval=timedelta(minutes=1), maximum_attempts=0)


# --- pure rules -------------------------------------------------------------------------------

GATE_PHASES = PHASES  # INITIATION PLANNING EXECUTION MONITORING CLOSING CLOSED
FINISHED_STATUSES = ("COMPLETED", "CANCELLED")
RESUMING_ROLES = frozenset({"pmo", "admin"})


def next_phase(phase: str) -> str:
    """The phase after `phase`; "" for CLOSED or an unknown phase."""
    if phase not in GATE_PHASES or phase == GATE_PHASES[-1]:
        return ""
    return GATE_PHASES[GATE_PHASES.index(phase) + 1]


def gate_target(project: ProjectSnapshot, requested: str) -> tuple[str, str]:
    """(to_phase, "") for a gate the project may ask for, or ("", why not). A gate moves one phase on:
    skipping a gate, going back (that is RECYCLE's job) and gates of closed or finished projects are refused."""
    if project.status in FINISHED_STATUSES:
        return "", f"{project.name} is {project.status}: a finished project passes no more gates"
    if project.phase == "CLOSED":
        return "", f"{project.name} is CLOSED: its phase no longer changes"
    following = next_phase(project.phase)
    if not following:
        return "", f"{project.name} is in an unknown phase {project.phase!r}"
    if not requested or requested == following:
        return following, ""
    if requested not in GATE_PHASES:
        return "", f"to_phase {requested!r} is not a phase; from {project.phase} the next gate leads to {following}"
    if GATE_PHASES.index(requested) <= GATE_PHASES.index(project.phase):
        return "", (f"{project.name} is in {project.phase}: a gate moves forward to {following}, not back to "
                    f"{requested}")
    return "", (f"{project.name} is in {project.phase}: its next gate leads to {following}; skipping to "
                f"{requested} is refused, every gate must be passed")


def criteria_summary(results: list[CriterionResult]) -> str:
    passed = sum(r.passed for r in results)
    blocking = [r.criterion for r in results if r.required and not r.passed]
    text = f"{passed} of {len(results)} criteria met"
    return text + (f"; required and not met: {', '.join(blocking)}" if blocking else "")


def criteria_evidence(results: list[CriterionResult]) -> dict[str, str]:
    """What the gatekeepers see on the task, one line per criterion."""
    return {r.criterion: f"{'MET' if r.passed else 'NOT MET'}{' (required)' if r.required else ''}: {r.evidence}"
            for r in results}


def deciding_vote(task: Task) -> Vote | None:
    """The vote that decided the task: the last one cast for its outcome (None when a timeout decided)."""
    return next((v for v in reversed(task.votes) if v.choice == task.outcome), None)


def reasons_of(task: Task) -> str:
    """The comments of the votes for the task's outcome, each with its gatekeeper."""
    parts = [f"{v.voter}: {v.comment.strip()}" for v in task.votes if v.choice == task.outcome and v.comment.strip()]
    return "; ".join(parts)


def conditions_of(task: Task) -> list[tuple[Condition, str]]:
    """The conditions of the CONDITIONAL_GO votes, each with the gatekeeper who set it (repeats dropped)."""
    out: list[tuple[Condition, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for vote in task.votes:
        if vote.choice != "CONDITIONAL_GO":
            continue
        for c in vote.conditions:
            key = (c.description.strip(), c.owner, c.due_date)
            if key not in seen:
                seen.add(key)
                out.append((Condition(description=c.description.strip(), owner=c.owner, due_date=c.due_date),
                            vote.voter))
    return out


MIN_CONDITION_S = HOUR


def condition_due_after_s(now: datetime, due_date: str, fallback_s: float) -> float:
    """Seconds from `now` to the end of the condition's due date (UTC); at least MIN_CONDITION_S, so a
    condition set already late is escalated soon rather than at once; `fallback_s` without a valid date."""
    try:
        day = date.fromisoformat(due_date)
    except (TypeError, ValueError):
        return fallback_s
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    return max((end - now).total_seconds(), MIN_CONDITION_S)


def condition_requester(owner: str, set_by: str, gate_requester: str) -> str:
    """Who asked for a condition task, for segregation of duties: the gatekeeper who set it; when they also
    own it, the gate's requester; nobody when they are the owner too."""
    for who in (set_by, gate_requester):
        if who and who != owner:
            return who
    return ""


# --- the workflow -----------------------------------------------------------------------------


@workflow.defn(name="PhaseGateWorkflow")
class PhaseGateWorkflow(ApprovalHandlers):
    """One phase gate of one project, from the request to PASSED, RECYCLED, KILLED or FAILED."""

    @workflow.init
    def __init__(self, input: PhaseGateInput) -> None:
        self.approvals = breaches.approval_book(input.policy)
        self.input = input
        info = workflow.info()
        now = workflow.now()
        self._view = PhaseGateView(
            name=input.name, org=input.org, project=input.project, id=input.id, requester=input.requester.subject,
            from_phase="", to_phase=input.to_phase, state="EVALUATING", policy_version=input.policy.version,
            workflow_id=info.workflow_id, create_time=now, update_time=now)
        self._ref = ProcessRef(org=input.org, project=input.project, process=input.name,
                               workflow_id=info.workflow_id, policy_version=input.policy.version)
        self._journal = ProcessJournal(KIND, self._ref, input.id, input.requester.subject)
        self._rounds = 0  # gate tasks opened
        self._resumes = 0  # resumes accepted
        self._methodology = ""

    # -- run --

    @workflow.run
    async def run(self, input: PhaseGateInput) -> PhaseGateView:
        try:
            await self._gate()
        except (ActivityError, ApplicationError) as exc:
            await self._fail(failure_reason(exc))
        # Let a resume or decision still publishing finish before the result is returned.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view

    async def _gate(self) -> None:
        inp = self.input
        self._event("REQUESTED", actor=inp.requester.subject, detail=f"to {inp.to_phase or 'the next phase'}")
        await self._publish()
        # One gate at a time per project (checked after our own row is written, so of two racing requests
        # at least one sees the other).
        others = await workflow.execute_activity(
            OPEN_PROCESSES, OpenProcessesQuery(inp.org, KIND, inp.project, exclude_id=inp.id), result_type=list[str],
            start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY)
        if others:
            await self._fail(f"{', '.join(others)} is still open for this project: one phase gate at a time")
            return
        project = await workflow.execute_activity(
            PROJECT_SNAPSHOT, ProjectRequest(inp.org, inp.project, inp.requester.subject),
            result_type=ProjectSnapshot, start_to_close_timeout=READ_TIMEOUT, retry_policy=SERVICE_RETRY)
        self._view.from_phase = project.phase
        self._methodology = project.methodology
        to_phase, refusal = gate_target(project, inp.to_phase)
        if refusal:
            await self._fail(refusal)
            return
        self._view.to_phase = to_phase
        while True:
            await self._evaluate()
            task = await self._ask_gatekeepers()
            outcome = task.outcome
            if outcome in ("GO", "CONDITIONAL_GO"):
                await self._transition(task)
                if outcome == "CONDITIONAL_GO":
                    await self._track_conditions(task)
                await self._finish("PASSED", "PASSED", self._passed_detail())
                if self._view.to_phase == "CLOSED" and workflow.patched(POST_PROJECT_REVIEW_PATCH):
                    await self._start_post_project_review()
                return
            if outcome == "RECYCLE":
                await self._finish("RECYCLED", "RECYCLED", self._view.reasons)
                return
            if outcome == "KILL":
                await self._kill(task)
                return
            # HOLD, or no decision in time (expired after escalation, auto-rejected): wait for a resume.
            resumes = self._resumes
            self._view.state = "ON_HOLD"
            self._event("ON_HOLD", detail=self._view.reasons or outcome)
            await self._publish()
            await workflow.wait_condition(lambda seen=resumes: self._resumes > seen)

    async def _evaluate(self) -> None:
        inp = self.input
        if self._view.state != "EVALUATING":
            self._view.state = "EVALUATING"
            await self._publish()
        criteria = gate_criteria_for(inp.policy, self._methodology, self._view.from_phase)
        audit = None
        if any(c.id == "quality_audit_score" for c in criteria) and workflow.patched(AUDIT_SCORE_PATCH):
            audit = await workflow.execute_activity(
                LATEST_AUDIT_SCORE, AuditScoreQuery(inp.org, inp.project), result_type=AuditScore,
                start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY)
        evaluation = await workflow.execute_activity(
            EVALUATE_GATE_CRITERIA,
            CriteriaRequest(inp.org, inp.project, list(criteria), workflow.now(), inp.requester.subject, audit),
            result_type=CriteriaEvaluation, start_to_close_timeout=EVALUATE_TIMEOUT, retry_policy=SERVICE_RETRY)
        self._view.criteria = evaluation.results
        self._event("CRITERIA_EVALUATED", detail=criteria_summary(evaluation.results))

    async def _ask_gatekeepers(self) -> Task:
        inp, gate = self.input, self.input.policy.gate_approval
        self._rounds += 1
        key = f"gate-{self._rounds}"
        view = self._view
        spec = TaskSpec(
            key=key, kind="PHASE_GATE", title=f"Phase gate {view.from_phase} → {view.to_phase}: {inp.project}",
            requester=inp.requester.subject, candidates=gate.candidates, rule=gate.rule, due_after_s=gate.due_s,
            reminders_before_s=list(gate.reminders_before_s), on_timeout=gate.on_timeout,
            escalate_to=gate.escalate_to,
            summary=f"{inp.requester.subject} asks to move {inp.project} from {view.from_phase} to {view.to_phase}; "
                    f"{criteria_summary(view.criteria)}",
            evidence=criteria_evidence(view.criteria), choices=list(GATE_CHOICES),
            positive=["GO", "CONDITIONAL_GO"], negative=["HOLD", "RECYCLE", "KILL"],
            business_time=gate.business_time, calendar=inp.policy.calendar)
        view.tasks.append(ids.task_id(self._ref.workflow_id, key))
        view.state = "AWAITING_DECISION"
        view.decision = ""
        view.reasons = ""
        self._event("GATE_OPENED", detail=f"{key}: {spec.title}")
        await self._publish()
        task = await self.approvals.run(spec, self._ref)
        if task.outcome in GATE_CHOICES:
            view.decision = task.outcome
            view.reasons = reasons_of(task)
        else:
            view.reasons = (f"the gatekeepers did not decide by {task.due_time.isoformat()} "
                            f"({task.outcome.lower()}{' after escalation' if task.escalated else ''})")
        vote = deciding_vote(task)
        self._event("DECIDED", actor=vote.actor if vote else "", on_behalf_of=vote.on_behalf_of if vote else "",
                    detail=task.outcome, comment=view.reasons)
        return task

    async def _transition(self, task: Task) -> None:
        inp, view = self.input, self._view
        person = self._acting_for(task)
        project = await workflow.execute_activity(
            TRANSITION_PHASE,
            TransitionRequest(inp.org, inp.project, view.to_phase,
                              f"Phase gate {inp.id}: {task.outcome} by {person}", self._request_id("transition"),
                              person),
            result_type=ProjectSnapshot, start_to_close_timeout=WRITE_TIMEOUT, retry_policy=SERVICE_RETRY,
            schedule_to_close_timeout=ids.MUTATION_RETRY_HORIZON)
        view.acted_for = person
        self._event("PHASE_TRANSITIONED", on_behalf_of=person,
                    detail=f"{view.from_phase} → {project.phase}")

    async def _track_conditions(self, task: Task) -> None:
        inp, view = self.input, self._view
        conditions = conditions_of(task)
        view.conditions = [c for c, _ in conditions]
        keys = [f"gate-{self._rounds}-condition-{i + 1}" for i in range(len(conditions))]
        view.condition_tasks = [ids.task_id(self._ref.workflow_id, k) for k in keys]
        view.tasks.extend(view.condition_tasks)
        view.state = "CONDITIONS_OPEN"
        self._event("CONDITIONS_OPEN", detail=f"{len(conditions)} condition(s) to meet")
        await self._publish()
        gate = inp.policy.gate_approval
        now = workflow.now()

        async def track(i: int, condition: Condition, set_by: str) -> None:
            owner = condition.owner or inp.requester.subject
            spec = TaskSpec(
                key=keys[i], kind="GATE_CONDITION", title=f"Gate condition {i + 1}: {condition.description}",
                requester=condition_requester(owner, set_by, inp.requester.subject),
                candidates=Candidates(people=[owner]), rule=ApprovalRule(kind=RuleKind.ANY),
                due_after_s=condition_due_after_s(now, condition.due_date, inp.policy.task_sla_s),
                reminders_before_s=list(gate.reminders_before_s), on_timeout=TimeoutAction.ESCALATE,
                escalate_to=gate.escalate_to,
                summary=f"Set by {set_by} with the CONDITIONAL_GO of {inp.project} ({view.from_phase} → "
                        f"{view.to_phase}); due {condition.due_date or 'within the task SLA'}",
                evidence={"condition": condition.description, "set_by": set_by, "owner": owner,
                          "due_date": condition.due_date},
                choices=["MET"], positive=["MET"], negative=["NOT_MET"])
            done = await self.approvals.run(spec, self._ref)
            if done.outcome == "MET":
                condition.met = True
                condition.met_time = done.closed
                vote = deciding_vote(done)
                self._event("CONDITION_MET", actor=vote.actor if vote else "",
                            on_behalf_of=vote.on_behalf_of if vote else "", detail=condition.description)
            else:
                view.unmet_conditions.append(condition.description)
                self._event("CONDITION_UNMET", detail=f"{condition.description}: {done.outcome.lower()}"
                            f"{' after escalation' if done.escalated else ''}")
            await self._publish()

        await asyncio.gather(*(track(i, c, who) for i, (c, who) in enumerate(conditions)))

    async def _kill(self, task: Task) -> None:
        inp = self.input
        person = self._acting_for(task)
        await workflow.execute_activity(
            CANCEL_PROJECT,
            CancelRequest(inp.org, inp.project, f"Phase gate {inp.id}: KILL by {person}", self._request_id("cancel"),
                          person),
            result_type=ProjectSnapshot, start_to_close_timeout=WRITE_TIMEOUT, retry_policy=SERVICE_RETRY,
            schedule_to_close_timeout=ids.MUTATION_RETRY_HORIZON)
        self._view.acted_for = person
        self._event("PROJECT_CANCELLED", on_behalf_of=person, detail=self._view.reasons)
        await self._finish("KILLED", "KILLED", self._view.reasons)

    async def _start_post_project_review(self) -> None:
        """At closure the project's manager reviews it with the client (workflows/post_project_review.py): started
        once per project (the id derives from it) and abandoned, so it outlives the gate. Imported here, as
        breaches.py imports escalation.py: only a closing gate needs it."""
        from workflows import post_project_review as ppr

        inp = self.input
        try:
            await workflow.start_child_workflow(
                "PostProjectReviewWorkflow", ppr.PostProjectReviewInput(
                    org=inp.org, project=inp.project, requester=inp.requester.subject, policy=inp.policy),
                id=ppr.workflow_id_of(inp.org, inp.project), parent_close_policy=ParentClosePolicy.ABANDON)
        except WorkflowAlreadyStartedError:
            return
        self._event("POST_PROJECT_REVIEW_STARTED", detail=ppr.workflow_id_of(inp.org, inp.project))
        await self._publish()

    # -- helpers --

    def _acting_for(self, task: Task) -> str:
        """The gatekeeper whose vote decided; the requester when a timeout decided (auto-approval)."""
        vote = deciding_vote(task)
        return vote.voter if vote else self.input.requester.subject

    def _request_id(self, step: str) -> str:
        return ids.request_id(self._ref.workflow_id, step)

    def _passed_detail(self) -> str:
        unmet = self._view.unmet_conditions
        return f"{self._view.to_phase}" + (f"; conditions not met: {'; '.join(unmet)}" if unmet else "")

    def _event(self, kind: str, actor: str = "", on_behalf_of: str = "", detail: str = "", comment: str = "") -> None:
        self._journal.record(kind, actor=actor, on_behalf_of=on_behalf_of, detail=detail, comment=comment)

    async def _finish(self, state: str, event: str, detail: str) -> None:
        self._view.state = state
        self._event(event, detail=detail)
        await self._publish()

    async def _fail(self, reason: str) -> None:
        for task in self.approvals.detail():
            if task.is_open:
                await self.approvals.cancel(task.spec.key, f"the phase gate failed: {reason}")
        self._view.reasons = reason
        await self._finish("FAILED", "FAILED", reason)

    async def _publish(self) -> None:
        """Write the view and the new process events to the read model (audited there), in version order."""
        await self._journal.publish(self._view, timeout=ACTIVITY_TIMEOUT, retry=ACTIVITY_RETRY)

    # -- messages --

    @workflow.query
    def view(self) -> PhaseGateView:
        return self._view

    @workflow.update
    async def submitted(self) -> PhaseGateView:
        """A no-op for update-with-start: returns once the gate's first view is in the read model."""
        await workflow.wait_condition(lambda: self._journal.published > 0)
        return self._view

    @workflow.update
    async def resume(self, arg: ResumeInput) -> PhaseGateView:
        self._check_resume(arg)  # again: another resume may have been accepted since validation
        self._resumes += 1
        self._view.state = "EVALUATING"
        self._event("RESUMED", actor=arg.actor.subject, comment=arg.comment)
        # The answer is the gate as this resume left it: `run` re-evaluates while the view is published.
        answer = copy.deepcopy(self._view)
        await self._publish()
        return answer

    @resume.validator
    def _validate_resume(self, arg: ResumeInput) -> None:
        self._check_resume(arg)

    def _check_resume(self, arg: ResumeInput) -> None:
        if self._view.state != "ON_HOLD":
            raise refuse(Refusal.NOT_ALLOWED, f"only a gate ON_HOLD can be resumed; this one is {self._view.state}")
        if arg.actor.subject != self.input.requester.subject and not RESUMING_ROLES & set(arg.actor.roles):
            raise refuse(Refusal.NOT_ALLOWED, "only the gate's requester, a pmo or an admin can resume it")


def failure_reason(exc: BaseException) -> str:
    """The message a person can act on: the ApplicationError behind an activity failure."""
    cause: BaseException | None = exc
    while isinstance(cause, ActivityError) and cause.cause is not None:
        cause = cause.cause
    return str(cause.message if isinstance(cause, FailureError) else cause)
