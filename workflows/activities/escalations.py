"""Activities of the escalation processes that reach RisksService: reading the issue events feed for
IssueFeedWorkflow, and resolving an issue whose escalation was resolved (as the governance principal,
for the person who resolved it)."""

from __future__ import annotations

from google.protobuf import field_mask_pb2
from temporalio import activity

from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from workflows.activities.services import ServiceCalls
from workflows.escalation import RESOLVE_ISSUE, ResolveIssue
from workflows.issue_feed import READ_ISSUE_EVENTS, FeedPage, FeedRead, IssueEvent


def _severity(number: int) -> str:
    return risks_pb.IssueSeverity.Name(number).removeprefix("ISSUE_SEVERITY_") if number else ""


class EscalationActivities:
    def __init__(self, calls: ServiceCalls) -> None:
        self.calls = calls

    @activity.defn(name=READ_ISSUE_EVENTS)
    async def read_issue_events(self, read: FeedRead) -> FeedPage:
        response = await self.calls.call(self.calls.risks.ListIssueEvents, risks_api.ListIssueEventsRequest(
            parent=f"organizations/{read.org}", page_size=read.page_size, page_token=read.page_token))
        return FeedPage(events=[IssueEvent(
            sequence=e.sequence, issue=e.issue,
            trigger=risks_pb.EscalationTrigger.Name(e.trigger).removeprefix("ESCALATION_TRIGGER_"),
            severity=_severity(e.severity), previous_severity=_severity(e.previous_severity), title=e.title,
            actor=e.actor) for e in response.events], next_page_token=response.next_page_token)

    @activity.defn(name=RESOLVE_ISSUE)
    async def resolve_issue(self, request: ResolveIssue) -> None:
        """Mark the issue RESOLVED with the escalation's resolution (a retry changes nothing: request id)."""
        await self.calls.call(self.calls.risks.UpdateIssue, risks_api.UpdateIssueRequest(
            issue=risks_pb.Issue(name=request.issue, status=risks_pb.ISSUE_STATUS_RESOLVED,
                                 resolution=request.resolution[:2000]),
            update_mask=field_mask_pb2.FieldMask(paths=["status", "resolution"]), request_id=request.request_id),
            on_behalf_of=request.on_behalf_of)

    def all(self) -> list:
        return [self.read_issue_events, self.resolve_issue]
