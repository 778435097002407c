"""PostProjectReviewWorkflow: at a project's closure its manager collects the client's feedback and the lessons
learned into ProjectsService (RecordPostProjectReview), from an inbox task.

    OPEN (task review-N for the project's manager) → CLOSED (the review is in ProjectsService)
    a task completed while ProjectsService has no review yet: opened again, saying so; EXPIRED when a task
    runs out even after its escalation.

- Started by the phase gate that moves a project to CLOSED (workflows/phase_gate.py), as an abandoned child
  with an id derived from the project, so a project has one.
- The task (TASK_KIND_POST_PROJECT_REVIEW) is offered to the project's manager (the gate's requester when
  the project names none), due after the policy's task SLA in business time, reminded and escalated like
  every task. The review itself is data of ProjectsService: the workflow checks it is there (an activity)
  once the task is completed, and keeps the score it found in its view.
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
    TaskSpec,
    TimeoutAction,
)
from workflows.quality_audit import AUDITED_PROJECT, READ_TIMEOUT, SERVICE_RETRY, AuditedProject, ProjectQuery

with workflow.unsafe.imports_passed_through():
    # As in escalation.py: the policy carries plain `datetime`s and is pure and deterministic.
    import workflows.policy as policy  # noqa: F401  (the module form is what the passthrough needs)
    from workflows.policy import GovernancePolicy

KIND = "post_project_review"
ID_PREFIX = "post-project-review"
COMPLETE = "COMPLETE"
MAX_ROUNDS = 10  # a manager who keeps completing without a review is escalated by the SLA long before this


@dataclass
class PostProjectReviewInput:
    org: str
    project: str  # project id
    requester: str  # who closed the project (the gate's requester)
    policy: GovernancePolicy

    @property
    def name(self) -> str:
        return f"organizations/{self.org}/projects/{self.project}/postProjectReview"


@dataclass
class PostProjectReviewView:
    name: str  # the review's resource name in ProjectsService
    org: str
    project: str
    state: str  # OPEN CLOSED EXPIRED
    reviewer: str  # who the task is for
    policy_version: int
    workflow_id: str
    satisfaction_score: int = 0  # as ProjectsService has it once closed
    lessons_learned: int = 0
    rounds: int = 0
    tasks: list[str] = field(default_factory=list)
    create_time: datetime | None = None
    update_time: datetime | None = None
    close_time: datetime | None = None


# --- activity contract (workflows/activities/audits.py) ---------------------------------------

RECORDED_REVIEW = "recorded_post_project_review"


@dataclass
class RecordedReview:
    satisfaction_score: int = 0  # 0: ProjectsService has no review of the project
    lessons_learned: int = 0


def review_id(org: str, project: str) -> str:
    return ids.resource_id(org, KIND, project)


def workflow_id_of(org: str, project: str) -> str:
    return ids.workflow_id(ID_PREFIX, org, review_id(org, project))


@workflow.defn
class PostProjectReviewWorkflow(ApprovalHandlers):
    @workflow.init
    def __init__(self, input: PostProjectReviewInput) -> None:
        self.approvals = breaches.approval_book(input.policy)
        self.input = input
        info = workflow.info()
        now = workflow.now()
        self._view = PostProjectReviewView(
            name=input.name, org=input.org, project=input.project, state="OPEN", reviewer="",
            policy_version=input.policy.version, workflow_id=info.workflow_id, create_time=now, update_time=now)
        self._ref = ProcessRef(org=input.org, project=input.project, process=input.name,
                               workflow_id=info.workflow_id, policy_version=input.policy.version)
        self._journal = ProcessJournal(KIND, self._ref, review_id(input.org, input.project), input.requester)

    @workflow.run
    async def run(self, input: PostProjectReviewInput) -> PostProjectReviewView:
        project = await workflow.execute_activity(
            AUDITED_PROJECT, ProjectQuery(input.org, input.project, input.requester), result_type=AuditedProject,
            start_to_close_timeout=READ_TIMEOUT, retry_policy=SERVICE_RETRY)
        v = self._view
        v.reviewer = project.project_manager or input.requester
        self._event("OPENED", actor=input.requester, detail=f"for {v.reviewer}")
        pol = input.policy
        while v.rounds < MAX_ROUNDS:
            v.rounds += 1
            key = f"review-{v.rounds}"
            spec = TaskSpec(
                key=key, kind="POST_PROJECT_REVIEW", title=f"Post-project review of {input.project}",
                requester="", candidates=Candidates(people=[v.reviewer]), rule=ApprovalRule(kind=RuleKind.ANY),
                due_after_s=pol.task_sla_s,
                reminders_before_s=escalation.warning_before_s(pol.task_sla_s, pol.sla_warning_percent),
                on_timeout=TimeoutAction.ESCALATE, escalate_to=pol.quality.escalate_to,
                summary=("Record the client's satisfaction and comments and the lessons learned "
                         f"(ProjectsService RecordPostProjectReview on {input.name.rsplit('/', 1)[0]}), then "
                         "complete this task" + (" (no review was recorded yet)" if v.rounds > 1 else "")),
                choices=[COMPLETE], positive=[COMPLETE], negative=["LAPSED"], business_time=True,
                calendar=pol.calendar)
            v.tasks.append(ids.task_id(self._ref.workflow_id, key))
            await self._publish()
            task = await self.approvals.run(spec, self._ref)
            if task.outcome != COMPLETE:
                await self._finish("EXPIRED", f"{key} {task.outcome.lower()}")
                break
            found = await workflow.execute_activity(
                RECORDED_REVIEW, ProjectQuery(input.org, input.project, task.votes[-1].voter),
                result_type=RecordedReview, start_to_close_timeout=READ_TIMEOUT, retry_policy=SERVICE_RETRY)
            if found.satisfaction_score:
                v.satisfaction_score, v.lessons_learned = found.satisfaction_score, found.lessons_learned
                await self._finish("CLOSED", f"satisfaction {found.satisfaction_score}, "
                                   f"{found.lessons_learned} lesson(s) learned")
                break
            self._event("REVIEW_MISSING", actor=task.votes[-1].actor, detail=f"{key} completed without a review")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view

    async def _finish(self, state: str, detail: str) -> None:
        self._view.state, self._view.close_time = state, workflow.now()
        self._event(state, detail=detail)
        await self._publish()

    def _event(self, kind: str, actor: str = "", detail: str = "") -> None:
        self._journal.record(kind, actor=actor, detail=detail)

    async def _publish(self) -> None:
        await self._journal.publish(self._view, timeout=ACTIVITY_TIMEOUT, retry=ACTIVITY_RETRY)

    @workflow.query
    def view(self) -> PostProjectReviewView:
        return self._view

