"""The organization's risk matrix: default, update, and levels that follow it."""

from __future__ import annotations

import grpc
import pytest

from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from services.risks.rules import DEFAULT_MATRIX
from tests.services.risks.builders import create_risk
from tests.support import fails, rid

TWO_BANDS = [pb.RiskScoreBand(min_score=1, max_score=11, level=pb.RISK_LEVEL_LOW),
             pb.RiskScoreBand(min_score=12, max_score=25, level=pb.RISK_LEVEL_CRITICAL)]


def matrix_name(org: str) -> str:
    return f"organizations/{org}/riskMatrix"


async def test_an_org_starts_with_the_default_matrix(risks_stub, as_role, org):
    matrix = await as_role("viewer")(risks_stub.GetRiskMatrix, api.GetRiskMatrixRequest(name=matrix_name(org)))
    assert list(matrix.bands) == DEFAULT_MATRIX.to_protos()
    assert matrix.name == matrix_name(org) and matrix.etag
    assert not matrix.HasField("update_time")


async def test_update_regrades_risks_but_history_keeps_the_level_of_its_time(risks_stub, as_role, org, project):
    pmo = as_role("pmo")
    risk = await create_risk(risks_stub, pmo, project, probability=3, impact=4)
    assert risk.inherent_level == pb.RISK_LEVEL_HIGH
    current = await pmo(risks_stub.GetRiskMatrix, api.GetRiskMatrixRequest(name=matrix_name(org)))
    updated = await pmo(risks_stub.UpdateRiskMatrix, api.UpdateRiskMatrixRequest(
        risk_matrix=pb.RiskMatrix(name=matrix_name(org), bands=TWO_BANDS, etag=current.etag), request_id=rid()))
    assert list(updated.bands) == TWO_BANDS and updated.etag != current.etag and updated.HasField("update_time")
    assert await pmo(risks_stub.GetRiskMatrix, api.GetRiskMatrixRequest(name=matrix_name(org))) == updated
    regraded = await pmo(risks_stub.GetRisk, api.GetRiskRequest(name=risk.name))
    assert regraded.inherent_level == pb.RISK_LEVEL_CRITICAL
    history = await pmo(risks_stub.ListRiskScoreHistory, api.ListRiskScoreHistoryRequest(parent=risk.name))
    assert history.changes[0].inherent_level == pb.RISK_LEVEL_HIGH


async def test_update_with_a_stale_etag_is_aborted(risks_stub, as_role, org):
    pmo = as_role("pmo")
    first = api.UpdateRiskMatrixRequest(risk_matrix=pb.RiskMatrix(name=matrix_name(org), bands=TWO_BANDS))
    stale = (await pmo(risks_stub.GetRiskMatrix, api.GetRiskMatrixRequest(name=matrix_name(org)))).etag
    await pmo(risks_stub.UpdateRiskMatrix, first)
    failure = await fails(pmo(risks_stub.UpdateRiskMatrix, api.UpdateRiskMatrixRequest(
        risk_matrix=pb.RiskMatrix(name=matrix_name(org), bands=TWO_BANDS, etag=stale))))
    assert failure.code == grpc.StatusCode.ABORTED


async def test_reused_request_id_replays_the_update(risks_stub, as_role, org):
    pmo = as_role("pmo")
    request = api.UpdateRiskMatrixRequest(risk_matrix=pb.RiskMatrix(name=matrix_name(org), bands=TWO_BANDS),
                                          request_id=rid())
    first = await pmo(risks_stub.UpdateRiskMatrix, request)
    assert await pmo(risks_stub.UpdateRiskMatrix, request) == first
    assert (await pmo(risks_stub.GetRiskMatrix, api.GetRiskMatrixRequest(name=matrix_name(org)))).etag == first.etag


@pytest.mark.parametrize(("bands", "field"), [
    ([], "risk_matrix.bands"),
    ([pb.RiskScoreBand(min_score=1, max_score=20, level=pb.RISK_LEVEL_LOW)], "risk_matrix.bands[0].max_score"),
    ([pb.RiskScoreBand(min_score=1, max_score=9, level=pb.RISK_LEVEL_HIGH),
      pb.RiskScoreBand(min_score=10, max_score=25, level=pb.RISK_LEVEL_MEDIUM)], "risk_matrix.bands[1].level"),
    ([pb.RiskScoreBand(min_score=1, max_score=25, level=8)], "risk_matrix.bands[0].level"),
])
async def test_update_refuses_bands_that_do_not_ascend_over_1_to_25(risks_stub, as_role, org, bands, field):
    failure = await fails(as_role("pmo")(risks_stub.UpdateRiskMatrix, api.UpdateRiskMatrixRequest(
        risk_matrix=pb.RiskMatrix(name=matrix_name(org), bands=bands), update_mask={"paths": ["bands"]})))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT and field in failure.fields


async def test_update_refuses_a_bad_name_or_mask(risks_stub, as_role, org):
    pmo = as_role("pmo")
    failure = await fails(pmo(risks_stub.UpdateRiskMatrix, api.UpdateRiskMatrixRequest(
        risk_matrix=pb.RiskMatrix(name=f"organizations/{org}/matrix", bands=TWO_BANDS))))
    assert "risk_matrix.name" in failure.fields
    failure = await fails(pmo(risks_stub.UpdateRiskMatrix, api.UpdateRiskMatrixRequest(
        risk_matrix=pb.RiskMatrix(name=matrix_name(org), bands=TWO_BANDS), update_mask={"paths": ["etag"]})))
    assert "update_mask" in failure.fields


@pytest.mark.parametrize("role", ["pm", "sponsor", "viewer"])
async def test_only_pmo_and_admin_change_the_matrix(risks_stub, as_role, org, role):
    failure = await fails(as_role(role)(risks_stub.UpdateRiskMatrix, api.UpdateRiskMatrixRequest(
        risk_matrix=pb.RiskMatrix(name=matrix_name(org), bands=TWO_BANDS))))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


async def test_another_org_s_matrix_is_permission_denied(risks_stub, as_role, org):
    stranger = as_role("admin", org_id="someone-else")
    failure = await fails(stranger(risks_stub.GetRiskMatrix, api.GetRiskMatrixRequest(name=matrix_name(org))))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
