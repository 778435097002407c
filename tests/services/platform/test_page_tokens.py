"""A page token works only for the list it came from: given to another List method, even one with the
same parent and no filter, it is INVALID_ARGUMENT on page_token, never a wrong page. Real servers."""

from __future__ import annotations

import grpc

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.governance.v1 import governance_service_pb2 as governance_api
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from tests.services.billing.support import create_engagement
from tests.services.governance.builders import a_process
from tests.services.risks.builders import create_risk, make_project
from tests.support import date, fails, rid
from workflows.activities.governance import GovernanceActivities


def refused_as_another_list(failure) -> bool:
    return (failure.code == grpc.StatusCode.INVALID_ARGUMENT and set(failure.fields) == {"page_token"}
            and "belongs to another list" in failure.fields["page_token"])


async def _milestones(projects_stub, pm, project: str, n: int) -> None:
    for i in range(n):
        await pm(projects_stub.CreateMilestone, projects_api.CreateMilestoneRequest(
            parent=project, milestone_id=f"m{i}", request_id=rid(),
            milestone=projects_pb.Milestone(display_name=f"Milestone {i}", due_date=date(2031, 3, 1 + i))))


async def test_a_list_milestones_token_is_refused_by_list_assignments(projects_stub, as_role, org):
    project = await make_project(projects_stub, as_role("pmo"), org, "apollo")
    pm = as_role("pm")
    await _milestones(projects_stub, pm, project, 2)
    first = await pm(projects_stub.ListMilestones, projects_api.ListMilestonesRequest(parent=project, page_size=1))
    assert first.next_page_token
    failure = await fails(pm(projects_stub.ListAssignments, projects_api.ListAssignmentsRequest(
        parent=project, page_size=1, page_token=first.next_page_token)))
    assert refused_as_another_list(failure), failure


async def test_a_page_token_still_works_for_its_own_list(projects_stub, as_role, org):
    project = await make_project(projects_stub, as_role("pmo"), org, "apollo")
    pm = as_role("pm")
    await _milestones(projects_stub, pm, project, 3)
    seen, token = [], ""
    while True:
        page = await pm(projects_stub.ListMilestones, projects_api.ListMilestonesRequest(
            parent=project, page_size=2, page_token=token))
        seen += [m.name.rsplit("/", 1)[1] for m in page.milestones]
        token = page.next_page_token
        if not token:
            break
    assert seen == ["m0", "m1", "m2"]


async def test_a_list_risks_token_is_refused_by_list_issues(projects_stub, risks_stub, as_role, org):
    project = await make_project(projects_stub, as_role("pmo"), org, "apollo")
    pm = as_role("pm")
    for i in range(2):
        await create_risk(risks_stub, pm, project, f"r{i}")
    first = await pm(risks_stub.ListRisks, risks_api.ListRisksRequest(parent=project, page_size=1))
    assert first.next_page_token
    failure = await fails(pm(risks_stub.ListIssues, risks_api.ListIssuesRequest(
        parent=project, page_size=1, page_token=first.next_page_token)))
    assert refused_as_another_list(failure), failure
    second = await pm(risks_stub.ListRisks, risks_api.ListRisksRequest(
        parent=project, page_size=1, page_token=first.next_page_token))
    assert [r.name.rsplit("/", 1)[1] for r in second.risks] == ["r1"]


async def test_a_list_engagements_token_is_refused_by_list_rates(projects_stub, billing_stub, as_role, org):
    project = await make_project(projects_stub, as_role("pmo"), org, "apollo")
    finance = as_role("finance")
    for engagement_id in ("e1", "e2"):
        await create_engagement(billing_stub, finance, org, [project], engagement_id)
    parent = f"organizations/{org}"
    first = await finance(billing_stub.ListEngagements, billing_api.ListEngagementsRequest(parent=parent, page_size=1))
    assert first.next_page_token
    failure = await fails(finance(billing_stub.ListRates, billing_api.ListRatesRequest(
        parent=parent, page_size=1, page_token=first.next_page_token)))
    assert refused_as_another_list(failure), failure


async def test_a_list_change_requests_token_is_refused_by_list_tasks(governance_stub, governance_pool, as_role,
                                                                     org):
    activities = GovernanceActivities(governance_pool)
    for process_id in ("cr1", "cr2"):
        await activities.sync_process(a_process(org, process_id))
    pmo = as_role("pmo")
    parent = f"organizations/{org}"
    first = await pmo(governance_stub.ListChangeRequests, governance_api.ListChangeRequestsRequest(
        parent=parent, page_size=1))
    assert len(first.change_requests) == 1 and first.next_page_token
    failure = await fails(pmo(governance_stub.ListTasks, governance_api.ListTasksRequest(
        parent=parent, page_size=1, page_token=first.next_page_token)))
    assert refused_as_another_list(failure), failure
