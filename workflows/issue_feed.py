"""IssueFeedWorkflow: one long-lived workflow per organization that follows RisksService's issue events
feed (ListIssueEvents) with a durable cursor and turns each event into escalation work.

    RAISED / REGRADED (first time at HIGH or CRITICAL) → start an EscalationWorkflow child
    REGRADED while escalated                             → the escalation notes the new severity
    ENDED (resolved, closed, deleted, below HIGH)        → the escalation is withdrawn: the issue's truth wins

- The cursor (the feed's page token) and the open escalations per issue live in workflow state, so a
  worker restart resumes exactly where the last completed activity left off: no event lost, none
  handled twice. Child ids derive from the event (organization, issue, sequence number), so even a
  replayed start cannot create a second escalation.
- Children are abandoned on continue-as-new (ParentClosePolicy.ABANDON): they outlive the run that
  started them. The run continues as new after EVENTS_PER_RUN events or MAX_IDLE_POLLS empty polls,
  carrying the cursor and the open escalations, so its history stays short.
- An escalation resolved by its owners resolves the issue in RisksService (EscalationWorkflow); the
  ENDED event that follows finds the escalation already closed and changes nothing: no loop.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from workflows import ids
from workflows.approvals import Actor
from workflows.escalation import ID_PREFIX as ESCALATION_PREFIX
from workflows.escalation import KIND as ESCALATION_KIND
from workflows.escalation import EscalationInput, EscalationWorkflow, IssueChange

with workflow.unsafe.imports_passed_through():
    import workflows.policy as policy  # noqa: F401  (the module form is what the passthrough needs)
    from workflows.policy import GovernancePolicy

ID_PREFIX = "issue-feed"
READ_ISSUE_EVENTS = "read_issue_events"
CURRENT_POLICY = "current_policy"
PAGE_SIZE = 100
EVENTS_PER_RUN = 500
MAX_IDLE_POLLS = 500
READ_TIMEOUT = timedelta(seconds=30)
# The services may be down for a while; the feed waits for them rather than fail.
READ_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                         maximum_interval=timedelta(minutes=1), maximum_attempts=0)


def workflow_id(org: str) -> str:
    return ids.workflow_id(ID_PREFIX, org, "issues")


@dataclass
class IssueEvent:
    sequence: int
    issue: str  # organizations/{org}/projects/{project}/issues/{issue}
    trigger: str  # RAISED REGRADED ENDED
    severity: str  # LOW MEDIUM HIGH CRITICAL
    previous_severity: str  # "" when raised
    title: str
    actor: str


@dataclass
class FeedRead:
    org: str
    page_token: str
    page_size: int = PAGE_SIZE


@dataclass
class FeedPage:
    events: list[IssueEvent]
    next_page_token: str


@dataclass
class FeedInput:
    org: str
    page_token: str = ""  # "" before the first event ever
    open: dict[str, str] = field(default_factory=dict)  # issue name -> workflow id of its open escalation
    poll_s: float = 10.0
    events_handled: int = 0  # over all runs, for operators


def escalation_id(org: str, event: IssueEvent) -> str:
    return ids.resource_id(org, ESCALATION_KIND, f"{event.issue}#event-{event.sequence}")


def project_of(issue: str) -> str:
    parts = issue.split("/")
    return parts[3] if len(parts) == 6 and parts[2] == "projects" else ""


@workflow.defn
class IssueFeedWorkflow:
    @workflow.init
    def __init__(self, input: FeedInput) -> None:
        self.state = input

    @workflow.run
    async def run(self, input: FeedInput) -> None:
        handled = idle = 0
        while True:
            page = await workflow.execute_activity(
                READ_ISSUE_EVENTS, FeedRead(input.org, self.state.page_token), result_type=FeedPage,
                start_to_close_timeout=READ_TIMEOUT, retry_policy=READ_RETRY)
            for event in page.events:
                await self._handle(event)
                handled += 1
                self.state.events_handled += 1
            self.state.page_token = page.next_page_token
            if not page.events:
                idle += 1
                if idle >= MAX_IDLE_POLLS or handled >= EVENTS_PER_RUN or \
                        workflow.info().is_continue_as_new_suggested():
                    workflow.continue_as_new(self.state)
                await workflow.sleep(self.state.poll_s)
            elif handled >= EVENTS_PER_RUN:
                workflow.continue_as_new(self.state)

    async def _handle(self, event: IssueEvent) -> None:
        escalating = self.state.open.get(event.issue)
        if event.trigger == "ENDED":
            if escalating:
                del self.state.open[event.issue]
                await self._tell(escalating, IssueChange("ENDED", event.severity, event.actor))
            return
        if escalating:  # re-graded while escalated (HIGH -> CRITICAL)
            await self._tell(escalating, IssueChange("REGRADED", event.severity, event.actor))
            return
        child = escalation_id(self.state.org, event)
        child_workflow = ids.workflow_id(ESCALATION_PREFIX, self.state.org, child)
        current = await workflow.execute_activity(CURRENT_POLICY, self.state.org, result_type=GovernancePolicy,
                                                  start_to_close_timeout=READ_TIMEOUT, retry_policy=READ_RETRY)
        try:
            # By name: the feed never reads the child's result (whose datetimes the sandbox could not decode here).
            await workflow.start_child_workflow(
                "EscalationWorkflow", EscalationInput(
                    org=self.state.org, project=project_of(event.issue), id=child, severity=event.severity,
                    title=event.title, source="ISSUE", subject=event.issue, raised_by=Actor(event.actor, []),
                    policy=current, description=f"issue {event.trigger.lower()} at {event.severity}"),
                id=child_workflow, parent_close_policy=ParentClosePolicy.ABANDON)
        except WorkflowAlreadyStartedError as exc:  # started before (a reset run): it is the same escalation
            workflow.logger.info("escalation already started", extra={"workflow_id": child_workflow,
                                                                       "error": str(exc)})
        self.state.open[event.issue] = child_workflow

    async def _tell(self, escalation_workflow_id: str, change: IssueChange) -> None:
        try:
            await workflow.get_external_workflow_handle(escalation_workflow_id).signal(
                EscalationWorkflow.issue_changed, change)
        except FailureError as exc:  # the escalation has ended meanwhile: nothing to tell it
            workflow.logger.info("escalation already closed", extra={"workflow_id": escalation_workflow_id,
                                                                     "error": str(exc)})

    @workflow.query
    def position(self) -> FeedInput:
        return self.state
