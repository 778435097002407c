"""Change-request activities over ProjectsService and BillingService (thin gRPC calls).

The worker calls as the governance service principal for the requester (ServiceCalls with
on_behalf_of), so the services' audit logs read "alice, via governance". The arithmetic of
the assessment is pure (workflows/impact.py); here the facts are read and the change written:

- assess_change: GetProject, ListMilestones, ListAssignments, and the project's
  GetFinancialReport when an engagement holds it → Impact.
- read_project_etag: has the project changed since the assessment?
- apply_change: CreateBaseline with the new budget and dates, then UpdateMilestone per
  milestone change; each call carries a request id the workflow derived from its id and
  the step, so a retried activity changes nothing.

`what_if` is the same assessment for the GovernanceService's validate_only, run outside a
worker with the caller's own token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

from google.protobuf import field_mask_pb2
from google.type import date_pb2, money_pb2
from temporalio import activity
from temporalio.exceptions import ApplicationError

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from workflows.activities.services import ServiceCalls
from workflows.change_request import (
    APPLY_CHANGE,
    ASSESS_CHANGE,
    READ_PROJECT_ETAG,
    ApplyInput,
    ApplyResult,
    AssessInput,
    ChangeRequestInput,
    Conflict,
    Impact,
    MilestoneUpdate,
    ProjectRead,
    Route,
    blackout_conflicts,
    open_request_conflicts,
    route_of,
)
from workflows.impact import Actuals, Dated, ProjectFacts, compute_impact

PAGE = 1000
CLOSED_MILESTONES = (pb.MILESTONE_STATE_ACHIEVED, pb.MILESTONE_STATE_CANCELLED)


class ChangeActivities:
    def __init__(self, calls: ServiceCalls) -> None:
        self.calls = calls

    def all(self) -> list:
        return [self.assess_change, self.read_project_etag, self.apply_change]

    @activity.defn(name=ASSESS_CHANGE)
    async def assess_change(self, arg: AssessInput) -> Impact:
        try:
            return await assess(self.calls, arg, on_behalf_of=arg.requester)
        except ValueError as err:  # the change does not fit the project: a retry cannot fix that
            raise ApplicationError(str(err), type="INVALID_CHANGE", non_retryable=True) from None

    @activity.defn(name=READ_PROJECT_ETAG)
    async def read_project_etag(self, arg: ProjectRead) -> str:
        project = await self.calls.call(self.calls.projects.GetProject, api.GetProjectRequest(name=arg.project),
                                        on_behalf_of=arg.requester)
        return project.etag

    @activity.defn(name=APPLY_CHANGE)
    async def apply_change(self, arg: ApplyInput) -> ApplyResult:
        calls = self.calls
        baseline = await calls.call(calls.projects.CreateBaseline, api.CreateBaselineRequest(
            parent=arg.project, start_date=_to_date(arg.start_date), end_date=_to_date(arg.end_date),
            budget=_to_money(arg.budget_micros, arg.currency), reason=arg.reason, request_id=arg.request_id),
            on_behalf_of=arg.requester)
        for milestone in arg.milestones:
            await self._move_milestone(milestone, arg.requester)
        return ApplyResult(baseline=baseline.name, baseline_revision=baseline.revision,
                           milestones=[m.name for m in arg.milestones])

    async def _move_milestone(self, change: MilestoneUpdate, requester: str) -> None:
        """UpdateMilestone against the etag just read. Already at the date: done (an earlier attempt, or
        someone else). A stale etag (ABORTED) is retried by the activity with a fresh read; the request id
        already used by an earlier attempt (REQUEST_ID_REUSED, the etag differs now) means it was applied."""
        calls = self.calls
        current = await calls.call(calls.projects.GetMilestone, api.GetMilestoneRequest(name=change.name),
                                   on_behalf_of=requester)
        if _iso(current.due_date) == change.new_due_date:
            return
        try:
            await calls.call(calls.projects.UpdateMilestone, api.UpdateMilestoneRequest(
                milestone=pb.Milestone(name=change.name, due_date=_to_date(change.new_due_date), etag=current.etag),
                update_mask=field_mask_pb2.FieldMask(paths=["due_date"]), request_id=change.request_id),
                on_behalf_of=requester)
        except ApplicationError as err:
            if err.type != "REQUEST_ID_REUSED":
                raise


async def assess(calls: ServiceCalls, arg: AssessInput, on_behalf_of: str = "",
                 now: dt.datetime | None = None) -> Impact:
    """Read the facts and compute the impact; ValueError("field: reason") when the change does not fit."""
    name = arg.project_name
    project, milestones, assignments = await asyncio.gather(
        calls.call(calls.projects.GetProject, api.GetProjectRequest(name=name), on_behalf_of=on_behalf_of),
        _list_all(calls, calls.projects.ListMilestones, api.ListMilestonesRequest, name, "milestones", on_behalf_of),
        _list_all(calls, calls.projects.ListAssignments, api.ListAssignmentsRequest, name, "assignments",
                  on_behalf_of))
    actuals = await _actuals(calls, project, on_behalf_of)
    facts = ProjectFacts(name=project.name, etag=project.etag, currency=project.budget.currency_code,
                         budget_micros=_micros(project.budget), start_date=_iso(project.planned_start_date),
                         end_date=_iso(project.planned_end_date), percent_complete=project.percent_complete)
    return compute_impact(
        arg, facts,
        [Dated(m.name, _iso(m.due_date), open=m.state not in CLOSED_MILESTONES) for m in milestones],
        [Dated(a.name, _iso(a.end_date)) for a in assignments],
        actuals, assess_time=now or dt.datetime.now(dt.UTC))


async def what_if(calls: ServiceCalls, input: ChangeRequestInput, *, now: dt.datetime | None = None,
                  open_change_requests: Sequence[str] = ()) -> tuple[Impact, list[Conflict], Route]:
    """validate_only: the impact, conflicts and approval route of a change without starting anything.

    Runs with the caller's own token (`calls`); `open_change_requests` are the other open change requests
    of the project (names), from the GovernanceService's read model. Raises ValueError("field: reason") when the
    change does not fit the project or the policy, ApplicationError when a service refuses.
    """
    now = now or dt.datetime.now(dt.UTC)
    impact = await assess(calls, AssessInput.of(input), now=now)
    conflicts = blackout_conflicts(input, now) + open_request_conflicts(list(open_change_requests))
    return impact, conflicts, route_of(input, impact)


async def _actuals(calls: ServiceCalls, project: pb.Project, on_behalf_of: str) -> Actuals | None:
    """Earned value of the project from BillingService; None when no engagement holds the project (or its
    figures cannot be computed, e.g. a rate is missing): the assessment then shows no EVM."""
    org = project.name.split("/")[1]
    token = ""
    while True:
        page = await calls.call(calls.billing.ListEngagements, billing_api.ListEngagementsRequest(
            parent=f"organizations/{org}", page_size=PAGE, page_token=token), on_behalf_of=on_behalf_of)
        if any(project.name in e.projects for e in page.engagements):
            break
        token = page.next_page_token
        if not token:
            return None
    try:
        report: billing_pb.FinancialReport = await calls.call(
            calls.billing.GetFinancialReport, billing_api.GetFinancialReportRequest(
                name=f"{project.name}/financialReport"), on_behalf_of=on_behalf_of)
    except ApplicationError as err:
        if err.details and err.details[0] == "FAILED_PRECONDITION":
            return None
        raise
    ev = report.earned_value
    return Actuals(as_of=_iso(report.as_of), ac_micros=_micros(ev.ac), cpi=ev.cpi, spi=ev.spi,
                   eac_micros=_micros(ev.eac))


async def _list_all(calls: ServiceCalls, method, request_type, parent: str, field: str, on_behalf_of: str) -> list:
    items, token = [], ""
    while True:
        page = await calls.call(method, request_type(parent=parent, page_size=PAGE, page_token=token),
                                on_behalf_of=on_behalf_of)
        items.extend(getattr(page, field))
        token = page.next_page_token
        if not token:
            return items


def _iso(d: date_pb2.Date) -> str:
    return dt.date(d.year, d.month, d.day).isoformat() if d.year else ""


def _to_date(text: str) -> date_pb2.Date:
    d = dt.date.fromisoformat(text)
    return date_pb2.Date(year=d.year, month=d.month, day=d.day)


def _micros(m: money_pb2.Money) -> int:
    return m.units * 1_000_000 + m.nanos // 1000


def _to_money(micros: int, currency: str) -> money_pb2.Money:
    units, rest = divmod(abs(micros), 1_000_000)
    sign = -1 if micros < 0 else 1
    return money_pb2.Money(currency_code=currency, units=sign * units, nanos=sign * rest * 1000)
