"""Bounds of the Projects service: a ratio that outgrows its 32-bit field is clamped, never an error, and
dates stay within the documented range (resources.MIN_DATE..MAX_DATE)."""

from __future__ import annotations

import grpc
from google.type import date_pb2, money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.projects.rules import MAX_BASIS_POINTS
from tests.support import fails, rid

INT32_MAX = 2**31 - 1


def EUR(units: int, nanos: int = 0) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units, nanos=nanos)


async def new_project(stub, caller, org: str, project_id: str, **fields) -> pb.Project:
    return await caller(stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, project=pb.Project(
            code=project_id.upper(), display_name=f"Project {project_id}", methodology=pb.METHODOLOGY_HYBRID,
            **fields), request_id=rid()))


async def new_portfolio(stub, caller, org: str) -> pb.Portfolio:
    return await caller(stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="bounds", portfolio=pb.Portfolio(display_name="Bounds"),
        request_id=rid()))


async def test_a_project_a_million_times_over_budget_is_clamped_and_the_summary_still_works(
        projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await new_portfolio(projects_stub, pmo, org)
    await new_project(projects_stub, pmo, org, "sane", portfolio=portfolio.name, budget=EUR(100),
                      actual_cost=EUR(50))
    await new_project(projects_stub, pmo, org, "overrun", portfolio=portfolio.name, budget=EUR(1),
                      actual_cost=EUR(1_000_000))
    # About the largest ratio there is: one cent of budget, 10^12 units spent (10^18 basis points).
    await new_project(projects_stub, pmo, org, "extreme", portfolio=portfolio.name, budget=EUR(0, 10_000_000),
                      actual_cost=EUR(10**12))

    summary = await as_role("viewer")(projects_stub.GetPortfolioSummary,
                                      api.GetPortfolioSummaryRequest(name=portfolio.name))

    assert MAX_BASIS_POINTS == INT32_MAX
    assert [s.budget_used_bp for s in summary.projects] == [5_000, MAX_BASIS_POINTS, MAX_BASIS_POINTS]
    assert summary.kpis.project_count == 3
    assert summary.kpis.budget_adherence_bp == 3333  # only "sane" is within budget


async def test_a_project_far_under_budget_is_not_clamped(projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await new_portfolio(projects_stub, pmo, org)
    await new_project(projects_stub, pmo, org, "thrifty", portfolio=portfolio.name, budget=EUR(10**12),
                      actual_cost=EUR(0, 10_000_000))
    summary = await pmo(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(name=portfolio.name))
    assert summary.projects[0].budget_used_bp == 0


async def test_a_project_date_outside_the_documented_range_is_a_field_violation(projects_stub, as_role, org):
    for year, field in ((1899, "project.planned_start_date"), (9001, "project.planned_end_date")):
        kind = "planned_start_date" if field.endswith("start_date") else "planned_end_date"
        err = await fails(as_role("pmo")(projects_stub.CreateProject, api.CreateProjectRequest(
            parent=f"organizations/{org}", project_id=f"y{year}", project=pb.Project(
                code=f"Y{year}", display_name="Far", methodology=pb.METHODOLOGY_HYBRID,
                **{kind: date_pb2.Date(year=year, month=6, day=1)}), request_id=rid())))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT, err
        assert set(err.fields) == {field}, err.fields
        assert "1900-01-01" in err.fields[field] and "9000-12-31" in err.fields[field]


async def test_a_milestone_on_the_last_day_of_the_range_is_accepted_and_summarised(projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await new_portfolio(projects_stub, pmo, org)
    p = await new_project(projects_stub, pmo, org, "edge", portfolio=portfolio.name)
    await as_role("pm")(projects_stub.CreateMilestone, api.CreateMilestoneRequest(
        parent=p.name, milestone_id="first", milestone=pb.Milestone(
            display_name="first", due_date=date_pb2.Date(year=1900, month=1, day=1),
            state=pb.MILESTONE_STATE_ACHIEVED, completion_date=date_pb2.Date(year=9000, month=12, day=31)),
        request_id=rid()))
    summary = await pmo(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(name=portfolio.name))
    assert summary.projects[0].milestone_slippage_days == 2_593_586
    assert summary.projects[0].milestones_late == 1
