"""QualityAuditWorkflow: a project is audited against the organization's standards, findings are
corrected, and the score is kept where phase gates read it.

    OPEN (task "audit" for the auditor: record results, several times, until complete)
      → ACTIONS_OPEN (one CorrectiveActionWorkflow child per finding) → CLOSED
      (MAJOR/CRITICAL findings: once their actions close, a re-audit of the project starts first)
    EXPIRED: the fieldwork task ran out even after its escalation; FAILED: the project cannot be read;
    SKIPPED: a scheduled run for a project already COMPLETED or CANCELLED.

- Started ad hoc (StartAudit), by the project's Temporal Schedule (ScheduleAudits: the policy's cadence),
  or as the re-audit of an earlier one. The checklist is the org's for the project's methodology and
  phase (policy.quality.checklists, most specific first), read when the audit opens.
- The fieldwork is one approval task (TASK_KIND_AUDIT) offered to the named auditor, else the policy's
  auditors (role auditor): in their inbox, claimable, reassignable, delegable. The project's pm is its
  requester, so nobody audits their own project. Results arrive by the `record_result` update, whose
  validator refuses anyone who may not decide the task, items not on the checklist, results without the
  evidence their item requires and unknown severities; `complete` closes the fieldwork (the task is
  decided COMPLETE through the engine, as DecideTask would).
- Score = sum(weight of passed items) / sum(weights), four decimals; passed when it reaches the policy's
  threshold. The read model keeps it; phase gates read the latest CLOSED audit's score.
- Every change is published to the governance read model (sync_process) before an update returns.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

from workflows import corrective_action as ca
from workflows import escalation, ids
from workflows.approvals import (
    ACTIVITY_RETRY,
    ACTIVITY_TIMEOUT,
    Actor,
    ApprovalBook,
    ApprovalHandlers,
    ApprovalRule,
    Candidates,
    DecideInput,
    ProcessJournal,
    ProcessRef,
    Refusal,
    RuleKind,
    Task,
    TaskSpec,
    TimeoutAction,
    refuse,
    resolve_voter,
)
from workflows.corrective_action import ActionOutcome, CorrectiveActionInput, CorrectiveActionWorkflow, Finding
from workflows.issue_feed import CURRENT_POLICY
from workflows.phase_gate import failure_reason

with workflow.unsafe.imports_passed_through():
    # As in escalation.py: the policy carries plain `datetime`s and is pure and deterministic.
    import workflows.policy as policy  # noqa: F401  (the module form is what the passthrough needs)
    from workflows.policy import FINDING_SEVERITIES, ChecklistItem, GovernancePolicy, audit_checklist

KIND = "quality_audit"
ID_PREFIX = "quality-audit"
TRIGGERS = ("AD_HOC", "SCHEDULED", "RE_AUDIT")
COMPLETE = "COMPLETE"
LAPSED = "LAPSED"
RE_AUDIT_SEVERITIES = frozenset({"MAJOR", "CRITICAL"})
FINISHED_STATUSES = ("COMPLETED", "CANCELLED")
TEXT_MAX = 4000


@dataclass
class QualityAuditInput:
    org: str
    project: str  # project id
    id: str  # audit id; "" for a scheduled run (derived from its workflow id, which the schedule makes unique)
    trigger: str = "AD_HOC"  # one of TRIGGERS
    requested_by: str = ""  # who started it ("" : the schedule)
    auditor: str = ""  # the auditor named for the fieldwork; "": the policy's auditors (role auditor)
    policy: GovernancePolicy | None = None  # None: the organization's current policy when the audit opens
    checklist: list[ChecklistItem] = field(default_factory=list)  # empty: the policy's for the project
    re_audit_of: str = ""  # resource name of the audit this one follows up


@dataclass
class ItemResult:
    item_id: str
    passed: bool
    evidence: str = ""
    note: str = ""


@dataclass
class ActionSummary:
    finding_id: str
    name: str  # the corrective action's resource name
    owner: str
    state: str  # OPEN CLOSED


@dataclass
class QualityAuditView:
    name: str
    org: str
    project: str
    id: str
    state: str  # OPEN ACTIONS_OPEN CLOSED EXPIRED FAILED SKIPPED
    trigger: str
    requested_by: str
    auditor: str
    policy_version: int
    workflow_id: str
    re_audit_of: str = ""
    methodology: str = ""
    phase: str = ""
    checklist: list[ChecklistItem] = field(default_factory=list)
    results: list[ItemResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    recorded_by: list[str] = field(default_factory=list)
    score: str = ""  # "0.8500" once the fieldwork is complete
    pass_threshold: str = ""
    passed: bool = False
    corrective_actions: list[ActionSummary] = field(default_factory=list)
    re_audit: str = ""  # resource name of the re-audit it started
    reason: str = ""
    tasks: list[str] = field(default_factory=list)
    create_time: datetime | None = None
    update_time: datetime | None = None
    complete_time: datetime | None = None
    close_time: datetime | None = None


@dataclass
class RecordInput:
    actor: Actor
    results: list[ItemResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    complete: bool = False
    comment: str = ""


# --- activity contract (workflows/activities/audits.py) ---------------------------------------

AUDITED_PROJECT = "audited_project"
READ_TIMEOUT = timedelta(seconds=30)
SERVICE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                            maximum_interval=timedelta(minutes=1), maximum_attempts=0)


@dataclass
class ProjectQuery:
    org: str
    project: str
    on_behalf_of: str


@dataclass
class AuditedProject:
    methodology: str  # WATERFALL AGILE PRINCE2 HYBRID, "" when unset
    phase: str
    status: str
    project_manager: str


# --- pure rules -------------------------------------------------------------------------------

FOUR_PLACES = Decimal("0.0001")


def score(checklist: list[ChecklistItem], results: list[ItemResult]) -> Decimal:
    """Sum of the weights of the passed items over the sum of all weights (items without a result count as
    not passed), rounded half to even to four decimals; 0 for an empty checklist."""
    total = sum(item.weight for item in checklist)
    if total <= 0:
        return Decimal(0).quantize(FOUR_PLACES)
    passed = {r.item_id for r in results if r.passed}
    earned = sum(item.weight for item in checklist if item.id in passed)
    return (Decimal(earned) / Decimal(total)).quantize(FOUR_PLACES, rounding=ROUND_HALF_EVEN)


def passes(value: Decimal, threshold: str) -> bool:
    return value >= Decimal(threshold or "0")


def merge_results(old: list[ItemResult], new: list[ItemResult]) -> list[ItemResult]:
    """The latest result per item, in checklist-recording order (a later recording replaces an earlier one)."""
    out = {r.item_id: r for r in old}
    for r in new:
        out[r.item_id] = r
    return list(out.values())


def merge_findings(old: list[Finding], new: list[Finding]) -> list[Finding]:
    out = {f.id: f for f in old}
    for f in new:
        out[f.id] = f
    return list(out.values())


def result_problems(checklist: list[ChecklistItem], recorded: list[ItemResult], arg: RecordInput) -> list[str]:
    """Why a recording cannot be accepted ("field: reason"), empty when it can."""
    items = {i.id: i for i in checklist}
    out: list[str] = []
    seen: set[str] = set()
    for n, r in enumerate(arg.results):
        at = f"results[{n}]"
        item = items.get(r.item_id)
        if item is None:
            out.append(f"{at}.item_id: {r.item_id!r} is not on the audit's checklist")
            continue
        if r.item_id in seen:
            out.append(f"{at}.item_id: {r.item_id!r} is given twice")
        seen.add(r.item_id)
        if item.evidence_required and not r.evidence.strip():
            out.append(f"{at}.evidence: item {r.item_id!r} requires evidence")
        if len(r.evidence) > TEXT_MAX or len(r.note) > TEXT_MAX:
            out.append(f"{at}: evidence and note are at most {TEXT_MAX} characters")
    ids_seen: set[str] = set()
    for n, f in enumerate(arg.findings):
        at = f"findings[{n}]"
        if not f.id.strip() or len(f.id) > 100:
            out.append(f"{at}.id: must be 1-100 characters")
        elif f.id in ids_seen:
            out.append(f"{at}.id: {f.id!r} is given twice")
        ids_seen.add(f.id)
        if f.severity not in FINDING_SEVERITIES:
            out.append(f"{at}.severity: must be one of {', '.join(FINDING_SEVERITIES)}")
        if not f.description.strip() or len(f.description) > TEXT_MAX:
            out.append(f"{at}.description: is required (at most {TEXT_MAX} characters)")
        if f.item_id and f.item_id not in items:
            out.append(f"{at}.item_id: {f.item_id!r} is not on the audit's checklist")
    if arg.complete:
        missing = [i.id for i in checklist if i.id not in {r.item_id for r in merge_results(recorded, arg.results)}]
        if missing:
            out.append(f"results: no result yet for {', '.join(missing)}; every item needs one to complete")
    return out


def needs_re_audit(findings: list[Finding]) -> bool:
    return any(f.severity in RE_AUDIT_SEVERITIES for f in findings)


def audit_name(org: str, project: str, audit_id: str) -> str:
    return f"organizations/{org}/projects/{project}/qualityAudits/{audit_id}"


def re_audit_id(org: str, audit_id: str) -> str:
    return ids.resource_id(org, KIND, f"{audit_id}/re-audit")


def scheduled_audit_id(org: str, workflow_id: str) -> str:
    return ids.resource_id(org, KIND, workflow_id)


ORG_ATTRIBUTE = SearchAttributeKey.for_keyword("PmaasOrg")
PROJECT_ATTRIBUTE = SearchAttributeKey.for_keyword("PmaasProject")
KIND_ATTRIBUTE = SearchAttributeKey.for_keyword("PmaasKind")


def search_attributes(org: str, project: str, kind: str) -> TypedSearchAttributes:
    return TypedSearchAttributes([SearchAttributePair(ORG_ATTRIBUTE, org), SearchAttributePair(PROJECT_ATTRIBUTE,
                                  project), SearchAttributePair(KIND_ATTRIBUTE, kind)])


def first_view(inp: QualityAuditInput, audit_id: str, workflow_id: str, policy_version: int,
               now: datetime) -> QualityAuditView:
    """The audit as it opens: the workflow's own state, and the row StartAudit writes before starting it."""
    return QualityAuditView(
        name=audit_name(inp.org, inp.project, audit_id), org=inp.org, project=inp.project, id=audit_id,
        state="OPEN", trigger=inp.trigger, requested_by=inp.requested_by, auditor=inp.auditor,
        policy_version=policy_version, workflow_id=workflow_id, re_audit_of=inp.re_audit_of,
        checklist=list(inp.checklist), create_time=now, update_time=now)


# --- the workflow -----------------------------------------------------------------------------


class FieldworkBook(ApprovalBook):
    """The audit's tasks: the fieldwork task is completed only by record_result (which checks that every
    item has a result), never by a bare decision (DecideTask)."""

    fieldwork_task = ""

    def validate_decide(self, arg: DecideInput) -> None:
        if arg.task_id and arg.task_id == self.fieldwork_task:
            raise refuse(Refusal.INVALID_CHOICE, "the fieldwork is completed with RecordAuditResult (complete), "
                         "which checks that every checklist item has a result")
        super().validate_decide(arg)



@workflow.defn
class QualityAuditWorkflow(ApprovalHandlers):
    @workflow.init
    def __init__(self, input: QualityAuditInput) -> None:
        self.input = input
        self._policy: GovernancePolicy | None = input.policy
        # The policy may be read first (scheduled runs): the breach hook looks it up when a task breaches.
        self.approvals = FieldworkBook(on_breach=self._on_breach)
        info = workflow.info()
        self._id = input.id or scheduled_audit_id(input.org, info.workflow_id)
        version = input.policy.version if input.policy is not None else 0
        self._view = first_view(input, self._id, info.workflow_id, version, workflow.now())
        self._ref = ProcessRef(org=input.org, project=input.project, process=self._view.name,
                               workflow_id=info.workflow_id, policy_version=version)
        self._journal = ProcessJournal(KIND, self._ref, self._id, input.requested_by)
        self._task_id = self.approvals.fieldwork_task = ids.task_id(info.workflow_id, "audit")
        self._lock = asyncio.Lock()

    async def _on_breach(self, task: Task) -> str:
        return await escalation.start_for_breach(task, self._policy)

    @workflow.run
    async def run(self, input: QualityAuditInput) -> QualityAuditView:
        try:
            await self._audit()
        except (ActivityError, ApplicationError) as exc:
            await self._fail(failure_reason(exc))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view

    async def _audit(self) -> None:
        inp, v = self.input, self._view
        if self._policy is None:
            self._policy = await workflow.execute_activity(
                CURRENT_POLICY, inp.org, result_type=GovernancePolicy, start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY)
            v.policy_version = self._ref.policy_version = self._policy.version
        pol = self._policy
        if not pol.escalate_task_breaches:
            self.approvals.on_breach = None
        project = await workflow.execute_activity(
            AUDITED_PROJECT, ProjectQuery(inp.org, inp.project, inp.requested_by), result_type=AuditedProject,
            start_to_close_timeout=READ_TIMEOUT, retry_policy=SERVICE_RETRY)
        v.methodology, v.phase = project.methodology, project.phase
        if inp.trigger == "SCHEDULED" and project.status in FINISHED_STATUSES:
            await self._finish("SKIPPED", f"the project is {project.status}: pause or delete its audit schedule")
            return
        if not v.checklist:
            v.checklist = list(audit_checklist(pol, project.methodology, project.phase))
        v.pass_threshold = pol.quality.pass_threshold
        self._event("OPENED", actor=inp.requested_by, detail=f"{inp.trigger}"
                    + (f", re-audit of {inp.re_audit_of}" if inp.re_audit_of else "")
                    + f": {len(v.checklist)} checklist items ({v.methodology or 'any'} / {v.phase or 'any'})")
        task = await self._fieldwork(project.project_manager)
        if task.outcome != COMPLETE:
            await self._finish("EXPIRED", f"the fieldwork was not completed by {task.due_time.isoformat()}")
            return
        value = score(v.checklist, v.results)
        v.score, v.passed, v.complete_time = f"{value}", passes(value, v.pass_threshold), workflow.now()
        self._event("SCORED", actor=task.votes[-1].actor, detail=f"{v.score} (threshold {v.pass_threshold}: "
                    f"{'passed' if v.passed else 'not passed'})")
        if v.findings:
            await self._correct(project.project_manager)
            if needs_re_audit(v.findings):
                await self._re_audit()
        await self._finish("CLOSED", f"score {v.score}")

    async def _fieldwork(self, project_manager: str) -> Task:
        inp, pol, v = self.input, self._policy, self._view
        candidates = Candidates(people=[inp.auditor]) if inp.auditor else pol.quality.auditors
        spec = TaskSpec(
            key="audit", kind="AUDIT", title=f"Quality audit of {inp.project}", requester=project_manager,
            candidates=candidates, rule=ApprovalRule(kind=RuleKind.ANY), due_after_s=pol.task_sla_s,
            reminders_before_s=escalation.warning_before_s(pol.task_sla_s, pol.sla_warning_percent),
            on_timeout=TimeoutAction.ESCALATE, escalate_to=pol.quality.escalate_to,
            summary=f"Record a result for each of the {len(v.checklist)} checklist items and any findings, then "
                    f"complete the fieldwork (RecordAuditResult)",
            evidence={i.id: f"{i.text} (weight {i.weight}{', evidence required' if i.evidence_required else ''})"
                      for i in v.checklist},
            choices=[COMPLETE], positive=[COMPLETE], negative=[LAPSED], business_time=True, calendar=pol.calendar)
        v.tasks.append(self._task_id)
        await self._publish()
        return await self.approvals.run(spec, self._ref)

    async def _correct(self, project_manager: str) -> None:
        inp, v = self.input, self._view
        pending: list[tuple[ActionSummary, workflow.ChildWorkflowHandle]] = []
        for f in v.findings:
            action = ca.action_id(inp.org, self._id, f.id)
            owner = f.owner or project_manager or inp.requested_by
            child = CorrectiveActionInput(org=inp.org, project=inp.project, id=action, audit_id=self._id, finding=f,
                                          owner=owner, auditor=self._auditor(), policy=self._policy)
            handle = await workflow.start_child_workflow(
                CorrectiveActionWorkflow.run, child, id=ca.workflow_id_of(inp.org, action),
                search_attributes=search_attributes(inp.org, inp.project, ca.KIND))
            summary = ActionSummary(finding_id=f.id, name=child.name, owner=owner, state="OPEN")
            v.corrective_actions.append(summary)
            self._event("ACTION_OPENED", detail=f"{child.name} for {f.id} ({f.severity}), owner {owner}")
            pending.append((summary, handle))
        v.state = "ACTIONS_OPEN"
        await self._publish()

        async def closed(summary: ActionSummary, handle) -> None:
            outcome: ActionOutcome = await handle
            summary.state = outcome.state
            self._event("ACTION_CLOSED", detail=f"{outcome.name} after {outcome.rounds} round(s)")
            await self._publish()

        await asyncio.gather(*(closed(s, h) for s, h in pending))

    async def _re_audit(self) -> None:
        inp, v = self.input, self._view
        follow_up = re_audit_id(inp.org, self._id)
        workflow_id = ids.workflow_id(ID_PREFIX, inp.org, follow_up)
        # Abandoned: it lives on after this audit closes; it audits under this audit's policy version.
        await workflow.start_child_workflow(
            QualityAuditWorkflow.run, QualityAuditInput(
                org=inp.org, project=inp.project, id=follow_up, trigger="RE_AUDIT", requested_by=inp.requested_by,
                auditor=inp.auditor, policy=self._policy, re_audit_of=v.name),
            id=workflow_id, parent_close_policy=ParentClosePolicy.ABANDON,
            search_attributes=search_attributes(inp.org, inp.project, KIND))
        v.re_audit = audit_name(inp.org, inp.project, follow_up)
        self._event("RE_AUDIT_SCHEDULED", detail=v.re_audit)

    def _auditor(self) -> str:
        """Who checks the actions' effectiveness: the named auditor, else who recorded the fieldwork."""
        if self.input.auditor:
            return self.input.auditor
        task = self.approvals.tasks.get(self._task_id)
        return task.votes[-1].voter if task is not None and task.votes else ""

    async def _finish(self, state: str, detail: str) -> None:
        v = self._view
        v.state, v.close_time = state, workflow.now()
        self._event(state, detail=detail)
        await self._publish()

    async def _fail(self, reason: str) -> None:
        task = self.approvals.tasks.get(self._task_id)
        if task is not None and task.is_open:
            await self.approvals.cancel("audit", f"the audit failed: {reason}")
        self._view.reason = reason
        await self._finish("FAILED", reason)

    def _event(self, kind: str, actor: str = "", on_behalf_of: str = "", detail: str = "", comment: str = "") -> None:
        self._journal.record(kind, actor=actor, on_behalf_of=on_behalf_of, detail=detail, comment=comment)

    async def _publish(self) -> None:
        await self._journal.publish(self._view, timeout=ACTIVITY_TIMEOUT, retry=ACTIVITY_RETRY)

    # -- messages --

    @workflow.query
    def view(self) -> QualityAuditView:
        return self._view

    @workflow.update
    async def record_result(self, arg: RecordInput) -> QualityAuditView:
        async with self._lock:
            self._check_record(arg)  # again: a completion may have been accepted since validation
            v = self._view
            v.results = merge_results(v.results, arg.results)
            v.findings = merge_findings(v.findings, arg.findings)
            if arg.actor.subject not in v.recorded_by:
                v.recorded_by.append(arg.actor.subject)
            self._event("RESULT_RECORDED", actor=arg.actor.subject,
                        detail=f"{len(arg.results)} result(s), {len(arg.findings)} finding(s)"
                        + ("; fieldwork complete" if arg.complete else ""), comment=arg.comment)
            await self._publish()
            if arg.complete:
                await self.approvals.decide(DecideInput(task_id=self._task_id, actor=arg.actor, choice=COMPLETE,
                                                        comment=arg.comment))
            return v

    @record_result.validator
    def _validate_record(self, arg: RecordInput) -> None:
        self._check_record(arg)

    def _check_record(self, arg: RecordInput) -> None:
        task = self.approvals.tasks.get(self._task_id)
        if task is None:
            raise refuse(Refusal.NOT_ALLOWED, "the audit's fieldwork has not opened yet; retry shortly")
        resolve_voter(task, arg.actor)  # closed task, not a candidate, the project's own pm, claimed by another
        problems = result_problems(self._view.checklist, self._view.results, arg)
        if problems:
            raise refuse(Refusal.INVALID_ARGUMENT, "; ".join(problems))
