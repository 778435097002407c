"""Risk register over real gRPC and PostgreSQL: CRUD, bad input, tenancy, history."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from google.protobuf import field_mask_pb2

from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from tests.services.risks.builders import a_risk, create_risk
from tests.support import fails, rid

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


async def list_risks(stub, caller, parent: str, **kwargs) -> api.ListRisksResponse:
    return await caller(stub.ListRisks, api.ListRisksRequest(parent=parent, **kwargs))


async def test_create_scores_and_levels_a_risk_by_the_default_matrix(risks_stub, pm, project):
    risk = await create_risk(risks_stub, pm, project, "vendor", probability=4, impact=5, residual_probability=2,
                             residual_impact=2, mitigation_plan=[pb.Action(description="Second supplier")])
    assert risk.name == f"{project}/risks/vendor"
    assert (risk.inherent_score, risk.inherent_level) == (20, pb.RISK_LEVEL_CRITICAL)
    assert (risk.residual_score, risk.residual_level) == (4, pb.RISK_LEVEL_LOW)
    assert risk.status == pb.RISK_STATUS_OPEN and risk.review_cadence_days == 30
    assert risk.mitigation_plan[0].state == pb.ACTION_STATE_PLANNED
    assert risk.next_review_time.ToSeconds() - risk.create_time.ToSeconds() == pytest.approx(30 * 86400, abs=5)
    assert await pm(risks_stub.GetRisk, api.GetRiskRequest(name=risk.name)) == risk


async def test_create_without_an_id_generates_one(risks_stub, pm, project):
    risk = await create_risk(risks_stub, pm, project)
    assert risk.name.startswith(f"{project}/risks/r")


async def test_validate_only_creates_nothing(risks_stub, pm, project):
    checked = await pm(risks_stub.CreateRisk, api.CreateRiskRequest(
        parent=project, risk_id="dry", risk=a_risk(), validate_only=True))
    assert checked.inherent_score == 12
    assert not (await list_risks(risks_stub, pm, project)).risks


@pytest.mark.parametrize(("risk", "field"), [
    (a_risk(title=""), "risk.title"),
    (a_risk(title="t" * 201), "risk.title"),
    (a_risk(probability=0), "risk.probability"),
    (a_risk(probability=6), "risk.probability"),
    (a_risk(impact=0), "risk.impact"),
    (a_risk(response_strategy=42), "risk.response_strategy"),
    (a_risk(status=pb.RISK_STATUS_OCCURRED), "risk.status"),
    (a_risk(residual_impact=3), "risk.residual_impact"),
])
async def test_create_refuses_bad_fields(risks_stub, pm, project, risk, field):
    failure = await fails(pm(risks_stub.CreateRisk, api.CreateRiskRequest(parent=project, risk=risk)))
    assert failure.code == INVALID and field in failure.fields


@pytest.mark.parametrize(("parent", "risk_id", "field"), [
    ("", "ok", "parent"),
    ("organizations/acme", "ok", "parent"),
    ("projects/x", "ok", "parent"),
    (None, "Bad_Id", "risk_id"),
])
async def test_create_refuses_bad_names(risks_stub, pm, project, parent, risk_id, field):
    failure = await fails(pm(risks_stub.CreateRisk, api.CreateRiskRequest(
        parent=project if parent is None else parent, risk_id=risk_id, risk=a_risk())))
    assert failure.code == INVALID and field in failure.fields


async def test_create_in_a_missing_project_is_not_found(risks_stub, pm, org):
    failure = await fails(create_risk(risks_stub, pm, f"organizations/{org}/projects/nope"))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_create_twice_with_one_id_is_already_exists(risks_stub, pm, project):
    await create_risk(risks_stub, pm, project, "dup")
    failure = await fails(create_risk(risks_stub, pm, project, "dup"))
    assert failure.code == grpc.StatusCode.ALREADY_EXISTS


async def test_reused_request_id_returns_the_first_response_and_writes_once(risks_stub, pm, project):
    request = api.CreateRiskRequest(parent=project, risk=a_risk(), request_id=rid())
    first = await pm(risks_stub.CreateRisk, request)
    assert await pm(risks_stub.CreateRisk, request) == first
    assert len((await list_risks(risks_stub, pm, project)).risks) == 1
    other = api.CreateRiskRequest(parent=project, risk=a_risk(title="Other"), request_id=request.request_id)
    failure = await fails(pm(risks_stub.CreateRisk, other))
    assert (failure.code, failure.reason) == (INVALID, "REQUEST_ID_REUSED")


async def test_malformed_request_id_is_refused(risks_stub, pm, project):
    failure = await fails(pm(risks_stub.CreateRisk, api.CreateRiskRequest(
        parent=project, risk=a_risk(), request_id="not-a-uuid")))
    assert failure.code == INVALID and "request_id" in failure.fields


async def test_another_org_is_permission_denied_whether_or_not_it_exists(risks_stub, as_role, project, org):
    stranger = as_role("admin", org_id="someone-else")
    risk = await create_risk(risks_stub, as_role("pm"), project)
    for call in (
        stranger(risks_stub.GetRisk, api.GetRiskRequest(name=risk.name)),
        stranger(risks_stub.GetRisk, api.GetRiskRequest(name=f"{project}/risks/missing")),
        stranger(risks_stub.ListRisks, api.ListRisksRequest(parent=project)),
        stranger(risks_stub.CreateRisk, api.CreateRiskRequest(parent=project, risk=a_risk())),
        stranger(risks_stub.DeleteRisk, api.DeleteRiskRequest(name=risk.name)),
    ):
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("role", ["viewer", "sponsor", "member", "finance"])
async def test_roles_without_risk_write_cannot_create(risks_stub, as_role, project, role):
    failure = await fails(create_risk(risks_stub, as_role(role), project))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


async def test_no_token_is_unauthenticated(risks_stub, project):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await risks_stub.ListRisks(api.ListRisksRequest(parent=project), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_get_a_missing_risk_is_not_found(risks_stub, pm, project):
    failure = await fails(pm(risks_stub.GetRisk, api.GetRiskRequest(name=f"{project}/risks/nope")))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_list_pages_through_every_risk_in_order(risks_stub, pm, project):
    names = [(await create_risk(risks_stub, pm, project, f"r{i}")).name for i in range(5)]
    seen, token = [], ""
    while True:
        page = await list_risks(risks_stub, pm, project, page_size=2, page_token=token)
        seen += [r.name for r in page.risks]
        token = page.next_page_token
        if not token:
            break
    assert seen == names


async def test_list_filters(risks_stub, pm, project):
    await create_risk(risks_stub, pm, project, "small", probability=1, impact=2)
    await create_risk(risks_stub, pm, project, "big", probability=5, impact=4, category="supply")
    page = await list_risks(risks_stub, pm, project, filter='inherent_score >= 10 AND category = "supply"')
    assert [r.name.rsplit("/", 1)[1] for r in page.risks] == ["big"]
    page = await list_risks(risks_stub, pm, project, filter="status = RISK_STATUS_OPEN")
    assert len(page.risks) == 2


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"page_token": "garbage"}, "page_token"),
    ({"page_size": -1}, "page_size"),
    ({"filter": "colour = red"}, "filter"),
    ({"filter": "status = RISK_STATUS_BOGUS"}, "filter"),
])
async def test_list_refuses_bad_paging_and_filters(risks_stub, pm, project, kwargs, field):
    failure = await fails(list_risks(risks_stub, pm, project, **kwargs))
    assert failure.code == INVALID and field in failure.fields


async def test_list_of_a_missing_project_is_not_found(risks_stub, pm, org):
    failure = await fails(list_risks(risks_stub, pm, f"organizations/{org}/projects/nope"))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_update_changes_masked_fields_and_counts_as_a_review(risks_stub, pm, project, clock):
    risk = await create_risk(risks_stub, pm, project, "upd", owner="alice")
    clock.offset += dt.timedelta(days=10)
    updated = await pm(risks_stub.UpdateRisk, api.UpdateRiskRequest(
        risk=pb.Risk(name=risk.name, probability=5, owner="ignored", etag=risk.etag), update_mask=mask("probability"),
        request_id=rid()))
    assert (updated.probability, updated.inherent_score, updated.inherent_level) == (5, 20, pb.RISK_LEVEL_CRITICAL)
    assert updated.owner == "alice"
    assert updated.etag != risk.etag
    assert updated.next_review_time.ToSeconds() - risk.next_review_time.ToSeconds() == pytest.approx(
        10 * 86400, abs=5)


async def test_update_with_a_stale_etag_is_aborted(risks_stub, pm, project):
    risk = await create_risk(risks_stub, pm, project)
    await pm(risks_stub.UpdateRisk, api.UpdateRiskRequest(risk=pb.Risk(name=risk.name, title="New"),
                                                          update_mask=mask("title")))
    failure = await fails(pm(risks_stub.UpdateRisk, api.UpdateRiskRequest(
        risk=pb.Risk(name=risk.name, title="Newer", etag=risk.etag), update_mask=mask("title"))))
    assert (failure.code, failure.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")


@pytest.mark.parametrize(("change", "paths", "field"), [
    (pb.Risk(impact=6), ["impact"], "risk.impact"),
    (pb.Risk(inherent_score=3), ["inherent_score"], "update_mask"),
    (pb.Risk(), [], "update_mask"),
])
async def test_update_refuses_bad_input(risks_stub, pm, project, change, paths, field):
    risk = await create_risk(risks_stub, pm, project)
    change.name = risk.name
    failure = await fails(pm(risks_stub.UpdateRisk, api.UpdateRiskRequest(risk=change, update_mask=mask(*paths))))
    assert failure.code == INVALID and field in failure.fields


async def test_update_cannot_mark_a_risk_occurred(risks_stub, pm, project):
    risk = await create_risk(risks_stub, pm, project)
    failure = await fails(pm(risks_stub.UpdateRisk, api.UpdateRiskRequest(
        risk=pb.Risk(name=risk.name, status=pb.RISK_STATUS_OCCURRED), update_mask=mask("status"))))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "USE_OCCUR_RISK")


async def test_delete_checks_the_etag_then_removes_the_risk(risks_stub, pm, project):
    risk = await create_risk(risks_stub, pm, project)
    failure = await fails(pm(risks_stub.DeleteRisk, api.DeleteRiskRequest(name=risk.name, etag="stale")))
    assert failure.code == grpc.StatusCode.ABORTED
    await pm(risks_stub.DeleteRisk, api.DeleteRiskRequest(name=risk.name, etag=risk.etag, request_id=rid()))
    assert (await fails(pm(risks_stub.GetRisk, api.GetRiskRequest(name=risk.name)))).code == grpc.StatusCode.NOT_FOUND
    again = await fails(pm(risks_stub.DeleteRisk, api.DeleteRiskRequest(name=risk.name)))
    assert again.code == grpc.StatusCode.NOT_FOUND


async def test_history_keeps_every_change_of_probability_impact_and_status(risks_stub, pm, project):
    risk = await create_risk(risks_stub, pm, project, probability=2, impact=2)
    for change, path in [(pb.Risk(probability=4), "probability"), (pb.Risk(title="Renamed"), "title"),
                         (pb.Risk(status=pb.RISK_STATUS_MITIGATING), "status"),
                         (pb.Risk(residual_probability=1, residual_impact=2), "residual_probability,residual_impact")]:
        change.name = risk.name
        await pm(risks_stub.UpdateRisk, api.UpdateRiskRequest(risk=change, update_mask=mask(*path.split(","))))
    history = await pm(risks_stub.ListRiskScoreHistory, api.ListRiskScoreHistoryRequest(parent=risk.name))
    assert [(c.inherent_score, c.inherent_level, c.status, c.residual_score) for c in history.changes] == [
        (4, pb.RISK_LEVEL_LOW, pb.RISK_STATUS_OPEN, 0),
        (8, pb.RISK_LEVEL_MEDIUM, pb.RISK_STATUS_OPEN, 0),
        (8, pb.RISK_LEVEL_MEDIUM, pb.RISK_STATUS_MITIGATING, 0),
        (8, pb.RISK_LEVEL_MEDIUM, pb.RISK_STATUS_MITIGATING, 2),
    ]
    assert {c.actor for c in history.changes} == {pm.sub}
    first = await pm(risks_stub.ListRiskScoreHistory, api.ListRiskScoreHistoryRequest(parent=risk.name, page_size=3))
    rest = await pm(risks_stub.ListRiskScoreHistory, api.ListRiskScoreHistoryRequest(
        parent=risk.name, page_size=3, page_token=first.next_page_token))
    assert list(first.changes) + list(rest.changes) == list(history.changes) and not rest.next_page_token


async def test_history_of_a_missing_risk_is_not_found(risks_stub, pm, project):
    failure = await fails(pm(risks_stub.ListRiskScoreHistory,
                             api.ListRiskScoreHistoryRequest(parent=f"{project}/risks/nope")))
    assert failure.code == grpc.StatusCode.NOT_FOUND
