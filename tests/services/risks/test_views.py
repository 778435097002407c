"""Heat map and exposure per project, portfolio (via ProjectsService) and organization."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from google.protobuf import field_mask_pb2

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from tests.services.risks.builders import a_date, create_risk, make_project
from tests.support import fails


def counts(cells) -> dict[tuple[int, int], int]:
    return {(c.probability, c.impact): c.count for c in cells if c.count}


async def heat_map(stub, caller, scope: str) -> pb.RiskHeatMap:
    return await caller(stub.GetRiskHeatMap, api.GetRiskHeatMapRequest(scope=scope))


@pytest.fixture
async def portfolio(projects_stub, as_role, org) -> str:
    """Portfolio "core" holding projects a and b; project c stays outside it."""
    pmo = as_role("pmo")
    created = await pmo(projects_stub.CreatePortfolio, projects_api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="core", portfolio=projects_pb.Portfolio(display_name="Core")))
    for project_id in ("a", "b"):
        await make_project(projects_stub, pmo, org, project_id, portfolio=created.name)
    await make_project(projects_stub, pmo, org, "c")
    return created.name


async def test_project_heat_map_counts_active_risks_inherent_and_residual(risks_stub, pm, project):
    await create_risk(risks_stub, pm, project, probability=5, impact=5, residual_probability=2, residual_impact=3)
    await create_risk(risks_stub, pm, project, probability=5, impact=5)
    await create_risk(risks_stub, pm, project, probability=1, impact=2, status=pb.RISK_STATUS_MITIGATING)
    await create_risk(risks_stub, pm, project, probability=3, impact=3, status=pb.RISK_STATUS_CLOSED)
    got = await heat_map(risks_stub, pm, project)
    assert got.scope == project and got.risk_count == 3
    assert len(got.inherent) == 25 and len(got.residual) == 25
    assert counts(got.inherent) == {(5, 5): 2, (1, 2): 1}
    assert counts(got.residual) == {(2, 3): 1}
    assert next(c.level for c in got.inherent if (c.probability, c.impact) == (5, 5)) == pb.RISK_LEVEL_CRITICAL


async def test_portfolio_and_org_heat_maps(risks_stub, as_role, org, portfolio):
    pm = as_role("pm")
    for project_id, (p, i) in {"a": (4, 4), "b": (2, 2), "c": (1, 1)}.items():
        await create_risk(risks_stub, pm, f"organizations/{org}/projects/{project_id}", probability=p, impact=i)
    assert counts((await heat_map(risks_stub, pm, portfolio)).inherent) == {(4, 4): 1, (2, 2): 1}
    everything = await heat_map(risks_stub, as_role("viewer"), f"organizations/{org}")
    assert counts(everything.inherent) == {(4, 4): 1, (2, 2): 1, (1, 1): 1} and everything.risk_count == 3


async def test_an_empty_portfolio_has_an_empty_heat_map(risks_stub, projects_stub, as_role, org):
    pmo = as_role("pmo")
    empty = await pmo(projects_stub.CreatePortfolio, projects_api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="empty", portfolio=projects_pb.Portfolio(display_name="Empty")))
    await create_risk(risks_stub, pmo, await make_project(projects_stub, pmo, org, "elsewhere"))
    assert (await heat_map(risks_stub, pmo, empty.name)).risk_count == 0


@pytest.mark.parametrize(("scope", "code"), [
    ("", grpc.StatusCode.INVALID_ARGUMENT),
    ("organizations/{org}/risks", grpc.StatusCode.INVALID_ARGUMENT),
    ("organizations/{org}/projects/Bad_Id", grpc.StatusCode.INVALID_ARGUMENT),
    ("organizations/{org}/projects/nope", grpc.StatusCode.NOT_FOUND),
    ("organizations/{org}/portfolios/nope", grpc.StatusCode.NOT_FOUND),
    ("organizations/someone-else", grpc.StatusCode.PERMISSION_DENIED),
])
async def test_views_refuse_bad_scopes(risks_stub, pm, org, scope, code):
    scope = scope.format(org=org)
    assert (await fails(heat_map(risks_stub, pm, scope))).code == code
    exposure = pm(risks_stub.GetRiskExposure, api.GetRiskExposureRequest(scope=scope))
    assert (await fails(exposure)).code == code


async def test_views_need_a_token(risks_stub, org):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await risks_stub.GetRiskHeatMap(api.GetRiskHeatMapRequest(scope=f"organizations/{org}"), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_exposure_shows_top_risks_unowned_and_overdue_actions(risks_stub, pm, project, clock):
    today = clock().date()
    late = pb.Action(description="Sign backup supplier", owner="bob", due_date=a_date(today - dt.timedelta(days=2)))
    top = await create_risk(risks_stub, pm, project, "top", probability=5, impact=5, mitigation_plan=[late])
    mid = await create_risk(risks_stub, pm, project, "mid", probability=3, impact=3, owner="")
    low = await create_risk(risks_stub, pm, project, "low", probability=1, impact=1)
    await create_risk(risks_stub, pm, project, "closed", probability=5, impact=4, owner="",
                      status=pb.RISK_STATUS_CLOSED, mitigation_plan=[late])
    got = await pm(risks_stub.GetRiskExposure, api.GetRiskExposureRequest(scope=project, max_items=2))
    assert [r.name for r in got.top_risks] == [top.name, mid.name]
    assert got.active_risk_count == 3
    assert list(got.unowned_risks) == [mid.name] and got.unowned_risk_count == 1
    assert [(a.risk, a.plan, a.index, a.action.description) for a in got.overdue_actions] == [
        (top.name, "mitigation_plan", 0, "Sign backup supplier")]
    assert not got.overdue_reviews and got.overdue_review_count == 0
    assert low.name not in [r.name for r in got.top_risks]


async def test_exposure_shows_overdue_reviews_until_the_risk_is_reviewed(risks_stub, pm, project, clock):
    weekly = await create_risk(risks_stub, pm, project, "weekly", review_cadence_days=7)
    await create_risk(risks_stub, pm, project, "monthly", review_cadence_days=30)
    clock.offset = dt.timedelta(days=8)
    got = await pm(risks_stub.GetRiskExposure, api.GetRiskExposureRequest(scope=project))
    assert [r.name for r in got.overdue_reviews] == [weekly.name] and got.overdue_review_count == 1
    await pm(risks_stub.UpdateRisk, api.UpdateRiskRequest(
        risk=pb.Risk(name=weekly.name, review_cadence_days=7), update_mask=field_mask_pb2.FieldMask(
            paths=["review_cadence_days"])))
    assert not (await pm(risks_stub.GetRiskExposure, api.GetRiskExposureRequest(scope=project))).overdue_reviews


@pytest.mark.parametrize("max_items", [-1, 101])
async def test_exposure_refuses_a_bad_max_items(risks_stub, pm, project, max_items):
    failure = await fails(pm(risks_stub.GetRiskExposure, api.GetRiskExposureRequest(scope=project,
                                                                                    max_items=max_items)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT and "max_items" in failure.fields
