"""CorrectiveActionWorkflow: one finding of a quality audit corrected (CAPA), then verified.

    OPEN (task action-N for the owner) → AWAITING_VERIFICATION (task check-N for the auditor)
        → CLOSED (EFFECTIVE) | OPEN again with a new due date (NOT_EFFECTIVE, round N+1)

- Started by QualityAuditWorkflow as a child, one per finding, with an id derived from the audit and
  the finding, so nothing starts twice.
- The owner (the project's pm unless the auditor named someone) completes the action with a note, on an
  ordinary inbox task (TASK_KIND_CORRECTIVE_ACTION): claimable, reassignable, delegable. It is due after
  the policy's SLA for the finding's severity in business time (workflows/calendar.py); reminders at the
  policy's warning share; when the SLA runs out the engine's breach mechanism starts an EscalationWorkflow
  that chases the task until it closes (approvals.ApprovalBook on_breach, as phase gates do), and the task
  is offered to the policy's escalation candidates too. A task that expires even then is opened again:
  the action stays owed until it is done.
- The auditor then checks effectiveness (TASK_KIND_EFFECTIVENESS_CHECK): EFFECTIVE closes the action;
  NOT_EFFECTIVE (with a reason) opens it again with a fresh due date.
- Every change is published to the governance read model (sync_process) before an update returns.
"""

from dataclasses import dataclass, field
from datetime import datetime

from temporalio import workflow

from workflows import breaches, escalation, ids
from workflows.approvals import (
    ACTIVITY_RETRY,
    ACTIVITY_TIMEOUT,
    ApprovalHandlers,
    ApprovalRule,
    Candidates,
    ProcessJournal,
    ProcessRef,
    RuleKind,
    Task,
    TaskSpec,
    TimeoutAction,
)

with workflow.unsafe.imports_passed_through():
    # As in escalation.py: the policy carries plain `datetime`s and is pure and deterministic.
    import workflows.policy as policy  # noqa: F401  (the module form is what the passthrough needs)
    from workflows.policy import WORKDAY, GovernancePolicy, action_sla_s

KIND = "corrective_action"
ID_PREFIX = "corrective-action"
COMPLETE = "COMPLETE"
EFFECTIVE, NOT_EFFECTIVE = "EFFECTIVE", "NOT_EFFECTIVE"
LAPSED = "LAPSED"  # the negative outcome no one chooses: a task that ran out of time
CHECK_SLA_S = 5 * WORKDAY  # the auditor's effectiveness check


@dataclass
class Finding:
    """A finding of an audit, as the auditor recorded it."""

    id: str
    severity: str  # MINOR MAJOR CRITICAL
    description: str
    evidence: str = ""
    item_id: str = ""  # the checklist item it is about, if any
    owner: str = ""  # who corrects it; "" for the project's pm


@dataclass
class CorrectiveActionInput:
    org: str
    project: str  # project id
    id: str  # derived from the audit and the finding (action_id)
    audit_id: str
    finding: Finding
    owner: str
    auditor: str  # who recorded the finding and checks the action's effectiveness ("" : the auditor role)
    policy: GovernancePolicy

    @property
    def audit_name(self) -> str:
        return f"organizations/{self.org}/projects/{self.project}/qualityAudits/{self.audit_id}"

    @property
    def name(self) -> str:
        return f"{self.audit_name}/correctiveActions/{self.id}"


@dataclass
class CorrectiveActionView:
    name: str
    org: str
    project: str
    id: str
    audit: str  # the audit's resource name
    finding_id: str
    severity: str
    description: str
    owner: str
    auditor: str
    state: str  # OPEN AWAITING_VERIFICATION CLOSED
    policy_version: int
    workflow_id: str
    round: int = 0  # 1 for the first attempt; +1 each time it is reopened
    due_time: datetime | None = None  # of the open action task
    completion_note: str = ""  # the owner's, for the latest completion
    completed_by: str = ""
    verdict: str = ""  # EFFECTIVE or NOT_EFFECTIVE, the auditor's latest
    verdict_comment: str = ""
    escalations: list[str] = field(default_factory=list)  # workflow ids of the breach escalations
    tasks: list[str] = field(default_factory=list)
    create_time: datetime | None = None
    update_time: datetime | None = None
    close_time: datetime | None = None


@dataclass
class ActionOutcome:
    """What the audit learns when the action ends (plain strings: the parent decodes it in its sandbox)."""

    name: str
    state: str
    rounds: int


def action_id(org: str, audit_id: str, finding_id: str) -> str:
    return ids.resource_id(org, KIND, f"{audit_id}/{finding_id}")


def workflow_id_of(org: str, action: str) -> str:
    return ids.workflow_id(ID_PREFIX, org, action)


def task_requester(one: str, other: str) -> str:
    """Who a task is asked by, for segregation of duties: `other` unless it is the candidate `one` too."""
    return other if other != one else ""


@workflow.defn
class CorrectiveActionWorkflow(ApprovalHandlers):
    @workflow.init
    def __init__(self, input: CorrectiveActionInput) -> None:
        self.approvals = breaches.approval_book(input.policy)
        self.input = input
        info = workflow.info()
        now = workflow.now()
        f = input.finding
        self._view = CorrectiveActionView(
            name=input.name, org=input.org, project=input.project, id=input.id, audit=input.audit_name,
            finding_id=f.id, severity=f.severity, description=f.description, owner=input.owner,
            auditor=input.auditor, state="OPEN", policy_version=input.policy.version, workflow_id=info.workflow_id,
            create_time=now, update_time=now)
        self._ref = ProcessRef(org=input.org, project=input.project, process=input.name,
                               workflow_id=info.workflow_id, policy_version=input.policy.version)
        self._journal = ProcessJournal(KIND, self._ref, input.id, input.auditor)

    @workflow.run
    async def run(self, input: CorrectiveActionInput) -> ActionOutcome:
        self._event("OPENED", actor=input.auditor, detail=f"{input.finding.severity}: {input.finding.description}")
        while True:
            self._view.round += 1
            done = await self._until_done()
            v = self._view
            v.state, v.due_time = "AWAITING_VERIFICATION", None
            vote = done.votes[-1]
            v.completion_note, v.completed_by = vote.comment, vote.voter
            self._event("COMPLETED", actor=vote.actor, on_behalf_of=vote.on_behalf_of, comment=vote.comment)
            check = await self._until_checked()
            verdict = check.votes[-1]
            v.verdict, v.verdict_comment = check.outcome, verdict.comment
            if check.outcome == EFFECTIVE:
                v.state, v.close_time = "CLOSED", workflow.now()
                self._event("CLOSED", actor=verdict.actor, on_behalf_of=verdict.on_behalf_of, detail=EFFECTIVE,
                            comment=verdict.comment)
                await self._publish()
                break
            v.state = "OPEN"
            self._event("REOPENED", actor=verdict.actor, on_behalf_of=verdict.on_behalf_of, detail=NOT_EFFECTIVE,
                        comment=verdict.comment)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return ActionOutcome(name=input.name, state=self._view.state, rounds=self._view.round)

    async def _until_done(self) -> Task:
        """The owner's task, opened again (a new due date) each time one runs out unanswered."""
        inp, pol = self.input, self.input.policy
        attempt = 0
        while True:
            attempt += 1
            due_s = action_sla_s(pol, inp.finding.severity)
            key = f"action-{self._view.round}" + (f"-{attempt}" if attempt > 1 else "")
            spec = TaskSpec(
                key=key, kind="CORRECTIVE_ACTION", title=f"Corrective action ({inp.finding.severity}): "
                f"{inp.finding.description}", requester=task_requester(inp.owner, inp.auditor),
                candidates=Candidates(people=[inp.owner]), rule=ApprovalRule(kind=RuleKind.ANY), due_after_s=due_s,
                reminders_before_s=escalation.warning_before_s(due_s, pol.sla_warning_percent),
                on_timeout=TimeoutAction.ESCALATE, escalate_to=pol.quality.escalate_to,
                summary=f"Finding {inp.finding.id} of {inp.audit_name}; complete it with a note on what was done",
                evidence={"finding": inp.finding.description, "severity": inp.finding.severity,
                          "evidence": inp.finding.evidence, "item": inp.finding.item_id},
                choices=[COMPLETE], positive=[COMPLETE], negative=[LAPSED], comment_required=[COMPLETE],
                business_time=True, calendar=pol.calendar)
            task = await self._ask(spec)
            if task.outcome == COMPLETE:
                return task
            self._event("OVERDUE", detail=f"{key} {task.outcome.lower()} unanswered; opened again")

    async def _until_checked(self) -> Task:
        inp, pol = self.input, self.input.policy
        attempt = 0
        while True:
            attempt += 1
            key = f"check-{self._view.round}" + (f"-{attempt}" if attempt > 1 else "")
            spec = TaskSpec(
                key=key, kind="EFFECTIVENESS_CHECK", title=f"Check the corrective action: {inp.finding.description}",
                requester=task_requester(inp.auditor, self._view.completed_by),
                candidates=Candidates(people=[inp.auditor]) if inp.auditor else pol.quality.auditors,
                rule=ApprovalRule(kind=RuleKind.ANY), due_after_s=CHECK_SLA_S,
                reminders_before_s=escalation.warning_before_s(CHECK_SLA_S, pol.sla_warning_percent),
                on_timeout=TimeoutAction.ESCALATE, escalate_to=pol.quality.escalate_to,
                summary=f"{self._view.completed_by} completed it: {self._view.completion_note}",
                evidence={"finding": inp.finding.description, "note": self._view.completion_note},
                choices=[EFFECTIVE, NOT_EFFECTIVE], positive=[EFFECTIVE], negative=[NOT_EFFECTIVE, LAPSED],
                comment_required=[NOT_EFFECTIVE], business_time=True, calendar=pol.calendar)
            task = await self._ask(spec)
            if task.outcome in (EFFECTIVE, NOT_EFFECTIVE):
                return task
            self._event("CHECK_OVERDUE", detail=f"{key} {task.outcome.lower()} unanswered; asked again")

    async def _ask(self, spec: TaskSpec) -> Task:
        task_id = ids.task_id(self._ref.workflow_id, spec.key)
        self._view.tasks.append(task_id)
        if spec.kind == "CORRECTIVE_ACTION":
            self._view.due_time = spec.deadlines(workflow.now())[0]
        await self._publish()
        task = await self.approvals.run(spec, self._ref)
        if task.breach_escalation and task.breach_escalation not in self._view.escalations:
            self._view.escalations.append(task.breach_escalation)
            self._event("ESCALATED", detail=task.breach_escalation)
        return task

    def _event(self, kind: str, actor: str = "", on_behalf_of: str = "", detail: str = "", comment: str = "") -> None:
        self._journal.record(kind, actor=actor, on_behalf_of=on_behalf_of, detail=detail, comment=comment)

    async def _publish(self) -> None:
        await self._journal.publish(self._view, timeout=ACTIVITY_TIMEOUT, retry=ACTIVITY_RETRY)

    @workflow.query
    def view(self) -> CorrectiveActionView:
        return self._view
