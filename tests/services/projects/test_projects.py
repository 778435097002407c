"""Projects: create (every field, defaults, every bad input), get, list, update, delete, roles."""

import base64
import json
import uuid

import grpc
from google.protobuf import field_mask_pb2
from google.type import date_pb2, money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import Caller, fails, rid


def _eur(units: int, nanos: int = 0, currency: str = "EUR") -> money_pb2.Money:
    return money_pb2.Money(currency_code=currency, units=units, nanos=nanos)


def _date(y: int, m: int, d: int) -> date_pb2.Date:
    return date_pb2.Date(year=y, month=m, day=d)


def _minimal(code="P-1", **kw) -> pb.Project:
    return pb.Project(code=code, display_name=f"Project {code}", methodology=pb.METHODOLOGY_AGILE, **kw)


async def _create(stub, caller, org, project: pb.Project, project_id: str = "", **kw) -> pb.Project:
    return await caller(stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, project=project, request_id=rid(), **kw))


async def _get(stub, caller, name) -> pb.Project:
    return await caller(stub.GetProject, api.GetProjectRequest(name=name))


def _mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


# --- CreateProject: happy paths -------------------------------------------------------

async def test_create_project_round_trips_every_field(projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="core", portfolio=pb.Portfolio(display_name="Core")))
    sent = pb.Project(
        code="ERP-2027", display_name="ERP rollout", objectives=["One ledger", "Close in 3 days"],
        scope_statement="Finance and procurement modules", methodology=pb.METHODOLOGY_PRINCE2,
        status=pb.PROJECT_STATUS_ACTIVE,
        health=pb.Health(schedule=pb.RAG_AMBER, scope=pb.RAG_GREEN, cost=pb.RAG_RED, resources=pb.RAG_AMBER),
        budget=_eur(1_250_000, 500_000_000), actual_cost=_eur(310_000, 120_000_000),
        planned_start_date=_date(2027, 1, 4), planned_end_date=_date(2027, 12, 17), percent_complete=12,
        sponsor="cfo", project_manager="alice", portfolio=portfolio.name)
    created = await _create(projects_stub, pmo, org, sent, "erp")
    assert created.name == f"organizations/{org}/projects/erp"
    assert created.HasField("create_time") and created.HasField("update_time") and created.etag
    got = await _get(projects_stub, as_role("viewer"), created.name)
    assert got == created
    # Everything sent comes back as sent; the server adds only the name, the phase and output-only fields.
    expected = pb.Project()
    expected.CopyFrom(sent)
    expected.name, expected.phase = created.name, pb.PHASE_INITIATION
    for output_only in ("create_time", "update_time", "etag"):
        got.ClearField(output_only)
    assert got == expected
    assert got.baseline_revision == 0


async def test_create_project_money_keeps_the_finest_minor_unit(projects_stub, as_role, org):
    # CLF has four decimals, the finest minor unit in ISO 4217.
    created = await _create(projects_stub, as_role("pmo"), org, _minimal(
        budget=_eur(0, 100_000, currency="CLF"), actual_cost=_eur(0, 999_900_000, currency="CLF")))
    assert (created.budget.units, created.budget.nanos) == (0, 100_000)
    assert (created.actual_cost.units, created.actual_cost.nanos) == (0, 999_900_000)


async def test_create_project_defaults(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, _minimal())
    assert created.phase == pb.PHASE_INITIATION
    assert created.status == pb.PROJECT_STATUS_PROPOSED
    assert created.health == pb.Health(schedule=pb.RAG_GREEN, scope=pb.RAG_GREEN, cost=pb.RAG_GREEN,
                                       resources=pb.RAG_GREEN)
    assert created.budget == _eur(0)  # the organization's default currency
    assert created.actual_cost == _eur(0)
    assert created.percent_complete == 0 and created.portfolio == "" and created.baseline_revision == 0
    assert not created.HasField("planned_start_date") and not created.HasField("planned_end_date")
    assert created.name.startswith(f"organizations/{org}/projects/")  # a generated id


async def test_create_project_budget_may_use_another_currency_than_the_org_default(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, _minimal(budget=_eur(10, currency="USD"),
                                                                          actual_cost=_eur(2, currency="USD")))
    assert created.budget == _eur(10, currency="USD")
    assert created.actual_cost == _eur(2, currency="USD")


async def test_create_project_with_only_an_actual_cost_in_the_org_currency(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, _minimal(actual_cost=_eur(75)))
    assert created.actual_cost == _eur(75)
    assert created.budget == _eur(0)


async def test_create_project_health_may_be_partly_given(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, _minimal(health=pb.Health(cost=pb.RAG_RED)))
    assert created.health == pb.Health(schedule=pb.RAG_GREEN, scope=pb.RAG_GREEN, cost=pb.RAG_RED,
                                       resources=pb.RAG_GREEN)


# --- CreateProject: bad input -------------------------------------------------------------

async def test_create_project_reports_every_bad_field_at_once(projects_stub, as_role, org):
    failure = await fails(_create(projects_stub, as_role("pmo"), org, pb.Project(
        code="", display_name="d" * 201, methodology=99, status=42, objectives=[""],
        health=pb.Health(schedule=7), percent_complete=101, budget=_eur(-5),
        planned_start_date=_date(2027, 2, 30), sponsor="s" * 129), project_id="Not_An_Id"))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "INVALID_ARGUMENT"
    assert set(failure.fields) == {
        "project_id", "project.code", "project.display_name", "project.methodology", "project.status",
        "project.objectives[0]", "project.health.schedule", "project.percent_complete", "project.budget",
        "project.planned_start_date", "project.sponsor"}
    assert "99" in failure.fields["project.methodology"]


async def test_create_project_requires_code_display_name_and_methodology(projects_stub, as_role, org):
    failure = await fails(_create(projects_stub, as_role("pmo"), org, pb.Project()))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.code", "project.display_name", "project.methodology"}


async def test_create_project_refuses_a_malformed_code(projects_stub, as_role, org):
    for code in ("-lead", "has space", "x" * 33, "émoji"):
        failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(code=code)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, code
        assert set(failure.fields) == {"project.code"}, code


async def test_create_project_refuses_too_long_texts(projects_stub, as_role, org):
    failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(
        scope_statement="s" * 10_001, objectives=["o"] * 101, project_manager="p" * 129)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.scope_statement", "project.objectives", "project.project_manager"}


async def test_create_project_with_a_duplicate_code_is_already_exists(projects_stub, as_role, org):
    pmo = as_role("pmo")
    await _create(projects_stub, pmo, org, _minimal(code="DUP-1"))
    failure = await fails(_create(projects_stub, pmo, org, _minimal(code="DUP-1")))
    assert failure.code == grpc.StatusCode.ALREADY_EXISTS
    assert failure.metadata.get("field") == "project.code"


async def test_create_project_same_code_in_another_org_is_fine(projects_stub, authority, as_role, org):
    other = "org-" + uuid.uuid4().hex[:12]
    admin = Caller(authority, "root", {other: ["admin"]})
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=other, organization=pb.Organization(display_name="Other", pmo_type=pb.PMO_TYPE_PROJECT)))
    await _create(projects_stub, as_role("pmo"), org, _minimal(code="SHARED"), "shared")
    await _create(projects_stub, admin, other, _minimal(code="SHARED"), "shared")


async def test_create_project_with_a_duplicate_id_is_already_exists(projects_stub, as_role, org):
    pmo = as_role("pmo")
    await _create(projects_stub, pmo, org, _minimal(code="A"), "same")
    failure = await fails(_create(projects_stub, pmo, org, _minimal(code="B"), "same"))
    assert failure.code == grpc.StatusCode.ALREADY_EXISTS
    assert failure.metadata.get("resource") == f"organizations/{org}/projects/same"


async def test_create_project_actual_cost_must_be_in_the_budget_currency(projects_stub, as_role, org):
    failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(
        budget=_eur(100), actual_cost=_eur(10, currency="USD"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.actual_cost.currency_code"}


async def test_create_project_actual_cost_without_budget_must_be_in_the_org_currency(projects_stub, as_role, org):
    failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(actual_cost=_eur(10, currency="GBP"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.actual_cost.currency_code"}


async def test_create_project_refuses_malformed_money(projects_stub, as_role, org):
    failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(
        budget=_eur(1, 1), actual_cost=_eur(1, 0, currency="eur"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.budget.nanos", "project.actual_cost.currency_code"}
    failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(budget=_eur(1, -500_000_000))))
    assert set(failure.fields) == {"project.budget.nanos"}


async def test_create_project_planned_end_before_start_is_invalid(projects_stub, as_role, org):
    failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(
        planned_start_date=_date(2027, 6, 1), planned_end_date=_date(2027, 5, 31))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.planned_end_date"}


async def test_create_project_same_start_and_end_day_is_fine(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, _minimal(
        planned_start_date=_date(2027, 6, 1), planned_end_date=_date(2027, 6, 1)))
    assert created.planned_end_date == _date(2027, 6, 1)


async def test_create_project_refuses_impossible_dates(projects_stub, as_role, org):
    failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(
        planned_start_date=_date(2027, 2, 30), planned_end_date=_date(2027, 13, 1))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.planned_start_date", "project.planned_end_date"}
    assert "2027-02-30" in failure.fields["project.planned_start_date"]


async def test_create_project_percent_complete_must_be_0_to_100(projects_stub, as_role, org):
    for bad in (101, -1):
        failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(percent_complete=bad)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, bad
        assert set(failure.fields) == {"project.percent_complete"}, bad
    created = await _create(projects_stub, as_role("pmo"), org, _minimal(percent_complete=100))
    assert created.percent_complete == 100


async def test_create_project_refuses_a_portfolio_of_another_org(projects_stub, authority, as_role, org):
    other = "org-" + uuid.uuid4().hex[:12]
    admin = Caller(authority, "root", {other: ["admin"]})
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=other, organization=pb.Organization(display_name="Other", pmo_type=pb.PMO_TYPE_PROJECT)))
    theirs = await admin(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{other}", portfolio_id="theirs", portfolio=pb.Portfolio(display_name="Theirs")))
    failure = await fails(_create(projects_stub, as_role("pmo"), org, _minimal(portfolio=theirs.name)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.portfolio"}


async def test_create_project_refuses_a_missing_or_malformed_portfolio(projects_stub, as_role, org):
    pmo = as_role("pmo")
    for portfolio in (f"organizations/{org}/portfolios/nope", "portfolios/nope", f"organizations/{org}/projects/x"):
        failure = await fails(_create(projects_stub, pmo, org, _minimal(portfolio=portfolio)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, portfolio
        assert set(failure.fields) == {"project.portfolio"}, portfolio


async def test_create_project_in_a_missing_org_is_not_found(projects_stub, authority):
    org_id = "org-" + uuid.uuid4().hex[:12]
    failure = await fails(_create(projects_stub, Caller(authority, "p", {org_id: ["pmo"]}), org_id, _minimal()))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert failure.metadata.get("resource") == f"organizations/{org_id}"


async def test_create_project_with_a_budget_in_a_missing_org_is_not_found(projects_stub, authority):
    # With its currency given the organization is not read first: the insert's foreign key finds it missing.
    org_id = "org-" + uuid.uuid4().hex[:12]
    caller = Caller(authority, "p", {org_id: ["pmo"]})
    for validate_only in (False, True):
        failure = await fails(_create(projects_stub, caller, org_id, _minimal(budget=_eur(100)),
                                      validate_only=validate_only))
        assert failure.code == grpc.StatusCode.NOT_FOUND, validate_only
        assert failure.metadata.get("resource") == f"organizations/{org_id}", validate_only


async def test_create_project_with_a_malformed_parent_is_invalid(projects_stub, as_role, org):
    for parent in ("", f"organization/{org}", f"organizations/{org}/projects"):
        failure = await fails(as_role("pmo")(projects_stub.CreateProject, api.CreateProjectRequest(
            parent=parent, project=_minimal())))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, parent
        assert set(failure.fields) == {"parent"}, parent


async def test_create_project_validate_only_creates_nothing(projects_stub, as_role, org):
    pmo = as_role("pmo")
    checked = await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="dry", project=_minimal(code="DRY"), validate_only=True))
    assert checked.name == f"organizations/{org}/projects/dry"
    assert checked.phase == pb.PHASE_INITIATION
    failure = await fails(_get(projects_stub, pmo, checked.name))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    listed = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=f"organizations/{org}"))
    assert list(listed.projects) == []
    # The code is still free.
    await _create(projects_stub, pmo, org, _minimal(code="DRY"), "dry")


async def test_create_project_validate_only_reports_what_the_real_call_would(projects_stub, as_role, org):
    pmo = as_role("pmo")
    await _create(projects_stub, pmo, org, _minimal(code="TAKEN"))
    failure = await fails(pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project=_minimal(code="TAKEN"), validate_only=True)))
    assert failure.code == grpc.StatusCode.ALREADY_EXISTS
    failure = await fails(pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project=_minimal(percent_complete=500), validate_only=True)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_create_project_retry_with_same_request_id_creates_one(projects_stub, as_role, org):
    pmo = as_role("pmo")
    request = api.CreateProjectRequest(parent=f"organizations/{org}", project=_minimal(), request_id=rid())
    first = await pmo(projects_stub.CreateProject, request)
    again = await pmo(projects_stub.CreateProject, request)
    assert again == first
    listed = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=f"organizations/{org}"))
    assert [p.name for p in listed.projects] == [first.name]


async def test_create_project_request_id_reused_for_another_request_is_refused(projects_stub, as_role, org):
    pmo = as_role("pmo")
    request_id = rid()
    await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project=_minimal(code="A"), request_id=request_id))
    failure = await fails(pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project=_minimal(code="B"), request_id=request_id)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "REQUEST_ID_REUSED"
    listed = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=f"organizations/{org}",
                                                                          filter='code = "B"'))
    assert list(listed.projects) == []


# --- GetProject --------------------------------------------------------------------------

async def test_get_project_that_does_not_exist_is_not_found(projects_stub, as_role, org):
    failure = await fails(_get(projects_stub, as_role("viewer"), f"organizations/{org}/projects/ghost"))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert failure.reason == "RESOURCE_NOT_FOUND"


async def test_get_project_with_a_malformed_name_is_invalid(projects_stub, as_role, org):
    for name in ("", "projects/x", f"organizations/{org}/projects/", f"organizations/{org}/projects/A_B",
                 f"organizations/{org}/projects/x/milestones/y"):
        failure = await fails(_get(projects_stub, as_role("viewer"), name))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, name
        assert set(failure.fields) == {"name"}, name


async def test_projects_of_another_org_are_permission_denied_whether_or_not_they_exist(
        projects_stub, authority, as_role, org):
    project = await _create(projects_stub, as_role("pmo"), org, _minimal(), "secret")
    outsider = Caller(authority, "outsider", {"org-" + uuid.uuid4().hex[:12]: ["admin"]})
    for name in (project.name, f"organizations/{org}/projects/no-such"):
        failure = await fails(_get(projects_stub, outsider, name))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, name
    calls = [
        (projects_stub.ListProjects, api.ListProjectsRequest(parent=f"organizations/{org}")),
        (projects_stub.CreateProject, api.CreateProjectRequest(parent=f"organizations/{org}", project=_minimal())),
        (projects_stub.UpdateProject, api.UpdateProjectRequest(project=pb.Project(name=project.name,
                                                                                  display_name="Mine"))),
        (projects_stub.DeleteProject, api.DeleteProjectRequest(name=project.name)),
    ]
    for method, request in calls:
        failure = await fails(outsider(method, request))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, request
    assert await _get(projects_stub, as_role("viewer"), project.name) == project


# --- ListProjects ------------------------------------------------------------------------

async def test_list_projects_filters_on_status_phase_and_code(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    active = await _create(projects_stub, pmo, org, _minimal(code="ACT-1", status=pb.PROJECT_STATUS_ACTIVE,
                                                              percent_complete=60))
    proposed = await _create(projects_stub, pmo, org, _minimal(code="PRO-1"))
    planning = await _create(projects_stub, pmo, org, _minimal(code="PLN-1", status=pb.PROJECT_STATUS_ACTIVE))
    await governance(projects_stub.TransitionProjectPhase, api.TransitionProjectPhaseRequest(
        name=planning.name, phase=pb.PHASE_PLANNING, reason="gate 1 passed"))
    parent = f"organizations/{org}"

    async def names(filter_text):
        listed = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=parent, filter=filter_text))
        return [p.name for p in listed.projects]

    assert await names("status = PROJECT_STATUS_ACTIVE") == [active.name, planning.name]
    assert await names("status != PROJECT_STATUS_ACTIVE") == [proposed.name]
    assert await names("phase = PHASE_PLANNING") == [planning.name]
    assert await names("phase = PHASE_INITIATION AND status = PROJECT_STATUS_ACTIVE") == [active.name]
    assert await names('code = "PRO-1"') == [proposed.name]
    assert await names("code = PRO-1") == [proposed.name]
    assert await names("percent_complete >= 50") == [active.name]
    assert await names('code = "NONE"') == []


async def test_list_projects_filters_on_portfolio_and_end_date(projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="core", portfolio=pb.Portfolio(display_name="Core")))
    inside = await _create(projects_stub, pmo, org, _minimal(code="IN", portfolio=portfolio.name,
                                                              planned_start_date=_date(2027, 1, 1),
                                                              planned_end_date=_date(2027, 3, 1)))
    await _create(projects_stub, pmo, org, _minimal(code="OUT", planned_start_date=_date(2027, 1, 1),
                                                     planned_end_date=_date(2028, 1, 1)))
    parent = f"organizations/{org}"
    listed = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=parent, filter="portfolio = core"))
    assert [p.name for p in listed.projects] == [inside.name]
    listed = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(
        parent=parent, filter='planned_end_date < "2027-12-31"'))
    assert [p.name for p in listed.projects] == [inside.name]


async def test_list_projects_pages_through_seven_projects_in_three_pages(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = [(await _create(projects_stub, pmo, org, _minimal(code=f"P-{i}"))).name for i in range(7)]
    parent = f"organizations/{org}"
    pages, token = [], ""
    while True:
        page = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=parent, page_size=3,
                                                                            page_token=token))
        pages.append([p.name for p in page.projects])
        token = page.next_page_token
        if not token:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    flat = [n for p in pages for n in p]
    assert flat == created  # creation order, nothing twice, nothing missed
    # The order is stable: the same query gives the same first page again.
    again = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=parent, page_size=3))
    assert [p.name for p in again.projects] == pages[0]


async def test_list_projects_pagination_is_not_disturbed_by_new_projects(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = [(await _create(projects_stub, pmo, org, _minimal(code=f"P-{i}"))).name for i in range(4)]
    parent = f"organizations/{org}"
    first = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=parent, page_size=2))
    late = await _create(projects_stub, pmo, org, _minimal(code="LATE"))
    second = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(
        parent=parent, page_size=10, page_token=first.next_page_token))
    assert [p.name for p in first.projects] + [p.name for p in second.projects] == created + [late.name]


async def test_list_projects_page_token_with_a_different_filter_is_invalid(projects_stub, as_role, org):
    pmo = as_role("pmo")
    for i in range(3):
        await _create(projects_stub, pmo, org, _minimal(code=f"P-{i}"))
    parent = f"organizations/{org}"
    page = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=parent, page_size=1))
    assert page.next_page_token
    failure = await fails(pmo(projects_stub.ListProjects, api.ListProjectsRequest(
        parent=parent, page_size=1, page_token=page.next_page_token, filter="status = PROJECT_STATUS_ACTIVE")))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"page_token"}


async def test_list_projects_refuses_bad_page_tokens_sizes_and_filters(projects_stub, as_role, org):
    viewer = as_role("viewer")
    parent = f"organizations/{org}"
    bad_requests = {
        "page_token": [api.ListProjectsRequest(parent=parent, page_token=t)
                       for t in ("nope", "eyJzIjoiYSIsInEiOiJiIn0", "e30")],
        "page_size": [api.ListProjectsRequest(parent=parent, page_size=-1)],
        "filter": [api.ListProjectsRequest(parent=parent, filter=f) for f in (
            "status = ACTIVE", "status = PROJECT_STATUS_UNSPECIFIED", "budget > 5", "phase ==",
            'planned_end_date < "2027-02-30"', "percent_complete > x", 'code = "unterminated')],
        "parent": [api.ListProjectsRequest(parent="")],
    }
    for field, requests in bad_requests.items():
        for request in requests:
            failure = await fails(viewer(projects_stub.ListProjects, request))
            assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, request
            assert set(failure.fields) == {field}, request


async def test_list_projects_refuses_a_tampered_page_token_with_a_huge_position(projects_stub, as_role, org):
    pmo = as_role("pmo")
    for i in range(2):
        await _create(projects_stub, pmo, org, _minimal(code=f"P-{i}"))
    parent = f"organizations/{org}"
    page = await pmo(projects_stub.ListProjects, api.ListProjectsRequest(parent=parent, page_size=1))
    token = page.next_page_token
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    data["s"] = 10**30
    tampered = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    failure = await fails(pmo(projects_stub.ListProjects, api.ListProjectsRequest(
        parent=parent, page_size=1, page_token=tampered)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"page_token"}


async def test_list_projects_of_a_missing_org_is_not_found(projects_stub, authority):
    org_id = "org-" + uuid.uuid4().hex[:12]
    failure = await fails(Caller(authority, "v", {org_id: ["viewer"]})(
        projects_stub.ListProjects, api.ListProjectsRequest(parent=f"organizations/{org_id}")))
    assert failure.code == grpc.StatusCode.NOT_FOUND


# --- UpdateProject -----------------------------------------------------------------------

async def test_update_project_with_a_mask_changes_only_those_fields(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal(scope_statement="Keep", budget=_eur(100)))
    updated = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, display_name="Renamed", scope_statement="ignored",
                           health=pb.Health(schedule=pb.RAG_RED, scope=pb.RAG_GREEN, cost=pb.RAG_GREEN,
                                            resources=pb.RAG_GREEN),
                           etag=created.etag),
        update_mask=_mask("display_name", "health"), request_id=rid()))
    assert updated.display_name == "Renamed"
    assert updated.health.schedule == pb.RAG_RED
    assert updated.scope_statement == "Keep"
    assert updated.budget == _eur(100)
    assert updated.etag != created.etag
    assert updated.create_time == created.create_time
    assert await _get(projects_stub, pmo, created.name) == updated


async def test_update_project_with_an_empty_mask_changes_the_fields_set(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal(scope_statement="Keep", percent_complete=10,
                                                              sponsor="cfo"))
    updated = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(project=pb.Project(
        name=created.name, percent_complete=40, status=pb.PROJECT_STATUS_ACTIVE)))
    assert (updated.percent_complete, updated.status) == (40, pb.PROJECT_STATUS_ACTIVE)
    assert (updated.scope_statement, updated.sponsor, updated.code) == ("Keep", "cfo", created.code)


async def test_update_project_with_star_mask_replaces_every_updatable_field(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal(scope_statement="Old", sponsor="cfo",
                                                              objectives=["Old"], percent_complete=30))
    updated = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, code="NEW-1", display_name="New", methodology=pb.METHODOLOGY_HYBRID),
        update_mask=_mask("*")))
    assert (updated.code, updated.display_name, updated.methodology) == ("NEW-1", "New", pb.METHODOLOGY_HYBRID)
    # Everything not sent is reset to its default.
    assert (updated.scope_statement, updated.sponsor, list(updated.objectives), updated.percent_complete) == (
        "", "", [], 0)
    assert updated.phase == created.phase  # output only: `*` does not touch it


async def test_update_project_star_mask_still_requires_the_required_fields(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal())
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, display_name="Only this"), update_mask=_mask("*"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.code", "project.methodology"}
    assert await _get(projects_stub, pmo, created.name) == created


async def test_update_project_refuses_phase_and_other_output_only_paths(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal())
    for path in ("phase", "baseline_revision", "name", "etag", "create_time", "health.cost", "bogus"):
        failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
            project=pb.Project(name=created.name, phase=pb.PHASE_EXECUTION, baseline_revision=3),
            update_mask=_mask(path))))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, path
        assert set(failure.fields) == {"update_mask"}, path
    assert (await _get(projects_stub, pmo, created.name)).phase == pb.PHASE_INITIATION


async def test_update_project_with_an_empty_mask_ignores_the_phase(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal())
    updated = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, phase=pb.PHASE_CLOSED, percent_complete=5)))
    assert updated.phase == pb.PHASE_INITIATION
    assert updated.percent_complete == 5


async def test_update_project_with_a_stale_etag_is_aborted(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal())
    await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, percent_complete=10, etag=created.etag)))
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, percent_complete=20, etag=created.etag))))
    assert failure.code == grpc.StatusCode.ABORTED
    assert failure.reason == "ETAG_MISMATCH"
    assert (await _get(projects_stub, pmo, created.name)).percent_complete == 10


async def test_update_project_that_changes_nothing_keeps_the_etag(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = _minimal(percent_complete=7)
    project.display_name = "Same"
    created = await _create(projects_stub, pmo, org, project)
    same = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, display_name="Same", percent_complete=7, etag=created.etag)))
    assert same == created
    assert (await _get(projects_stub, pmo, created.name)).etag == created.etag


async def test_update_project_validates_the_merged_project(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal(
        budget=_eur(100), planned_start_date=_date(2027, 6, 1), planned_end_date=_date(2027, 9, 1)))
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, planned_end_date=_date(2027, 5, 1), percent_complete=101,
                           actual_cost=_eur(5, currency="USD"), status=77))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.planned_end_date", "project.percent_complete",
                                   "project.actual_cost.currency_code", "project.status"}
    assert await _get(projects_stub, pmo, created.name) == created


async def test_update_project_to_a_taken_code_is_already_exists(projects_stub, as_role, org):
    pmo = as_role("pmo")
    await _create(projects_stub, pmo, org, _minimal(code="FIRST"))
    second = await _create(projects_stub, pmo, org, _minimal(code="SECOND"))
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=second.name, code="FIRST"))))
    assert failure.code == grpc.StatusCode.ALREADY_EXISTS


async def test_update_project_moves_it_into_a_portfolio_that_must_exist(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal())
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, portfolio=f"organizations/{org}/portfolios/ghost"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.portfolio"}
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="real", portfolio=pb.Portfolio(display_name="Real")))
    moved = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, portfolio=portfolio.name)))
    assert moved.portfolio == portfolio.name


async def test_update_project_that_does_not_exist_is_not_found(projects_stub, as_role, org):
    failure = await fails(as_role("pmo")(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=f"organizations/{org}/projects/ghost", display_name="Boo"))))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_update_project_with_a_malformed_name_is_invalid(projects_stub, as_role, org):
    failure = await fails(as_role("pmo")(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name="ghost", display_name="Boo"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"project.name"}


async def test_update_project_retry_with_same_request_id_applies_once(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal())
    request = api.UpdateProjectRequest(project=pb.Project(name=created.name, percent_complete=50,
                                                          etag=created.etag), request_id=rid())
    first = await pmo(projects_stub.UpdateProject, request)
    assert await pmo(projects_stub.UpdateProject, request) == first
    assert (await _get(projects_stub, pmo, created.name)).etag == first.etag
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, percent_complete=60), request_id=request.request_id)))
    assert failure.reason == "REQUEST_ID_REUSED"


# --- DeleteProject -----------------------------------------------------------------------

async def test_delete_active_project_is_refused(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal(status=pb.PROJECT_STATUS_ACTIVE))
    failure = await fails(pmo(projects_stub.DeleteProject, api.DeleteProjectRequest(name=created.name)))
    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "PROJECT_NOT_DELETABLE"
    assert await _get(projects_stub, pmo, created.name) == created


async def test_delete_proposed_project_then_it_is_gone(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal(code="GONE"))
    await pmo(projects_stub.DeleteProject, api.DeleteProjectRequest(name=created.name, etag=created.etag,
                                                                    request_id=rid()))
    failure = await fails(_get(projects_stub, pmo, created.name))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    failure = await fails(pmo(projects_stub.DeleteProject, api.DeleteProjectRequest(name=created.name)))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    await _create(projects_stub, pmo, org, _minimal(code="GONE"))  # the code is free again


async def test_delete_cancelled_project_is_allowed(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal(status=pb.PROJECT_STATUS_ACTIVE))
    cancelled = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, status=pb.PROJECT_STATUS_CANCELLED)))
    await pmo(projects_stub.DeleteProject, api.DeleteProjectRequest(name=created.name, etag=cancelled.etag))
    assert (await fails(_get(projects_stub, pmo, created.name))).code == grpc.StatusCode.NOT_FOUND


async def test_delete_project_with_a_stale_etag_is_aborted(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal())
    await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, percent_complete=1)))
    failure = await fails(pmo(projects_stub.DeleteProject, api.DeleteProjectRequest(name=created.name,
                                                                                    etag=created.etag)))
    assert failure.code == grpc.StatusCode.ABORTED
    assert failure.reason == "ETAG_MISMATCH"
    await _get(projects_stub, pmo, created.name)


async def test_delete_project_retry_with_same_request_id_succeeds_again(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal())
    request = api.DeleteProjectRequest(name=created.name, request_id=rid())
    await pmo(projects_stub.DeleteProject, request)
    await pmo(projects_stub.DeleteProject, request)


# --- roles -------------------------------------------------------------------------------

async def test_viewer_cannot_create_update_or_delete_projects(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, _minimal())
    viewer = as_role("viewer")
    failure = await fails(_create(projects_stub, viewer, org, _minimal(code="V")))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    failure = await fails(viewer(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, percent_complete=99))))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    failure = await fails(viewer(projects_stub.DeleteProject, api.DeleteProjectRequest(name=created.name)))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    assert await _get(projects_stub, viewer, created.name) == created


async def test_pm_can_update_but_not_create_or_delete(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, _minimal())
    pm = as_role("pm")
    failure = await fails(_create(projects_stub, pm, org, _minimal(code="PM")))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    updated = await pm(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, percent_complete=35)))
    assert updated.percent_complete == 35
    failure = await fails(pm(projects_stub.DeleteProject, api.DeleteProjectRequest(name=created.name)))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


async def test_roles_combine_across_a_callers_role_list(projects_stub, as_role, org):
    both = as_role("viewer,pmo", sub="carol")
    created = await _create(projects_stub, both, org, _minimal())
    assert created.name


async def test_admin_can_create_projects(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("admin"), org, _minimal())
    assert created.phase == pb.PHASE_INITIATION


async def test_update_project_cannot_change_its_currency(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, _minimal(budget=_eur(100), actual_cost=_eur(10)))
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, budget=_eur(100, currency="USD"), actual_cost=_eur(10, currency="USD")),
        update_mask=_mask("budget", "actual_cost"), request_id=rid())))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "project.budget.currency_code" in failure.fields
    assert await _get(projects_stub, pmo, created.name) == created
