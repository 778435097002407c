"""A project with a governance process is not deleted: submitting a change request or requesting a phase gate
pins the project in ProjectsService (AttachProjectReference) once the request is accepted."""

from __future__ import annotations

import grpc
from google.protobuf import empty_pb2
from google.type import money_pb2

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from tests.services.governance.processes import a_change, change_request_in, submit
from tests.support import fails, rid


def _delete(name: str) -> projects_api.DeleteProjectRequest:
    return projects_api.DeleteProjectRequest(name=name, request_id=rid())


async def test_a_project_with_an_open_change_request_is_not_deleted(governance_stub, projects_stub, worker,
                                                                     as_role, org, project):
    pm = as_role("pm", "paula")
    change = await submit(governance_stub, pm, org, a_change(project))
    await change_request_in(governance_stub, pm, change.name, pb.CHANGE_REQUEST_STATE_PENDING_APPROVAL)

    failure = await fails(as_role("pmo")(projects_stub.DeleteProject, _delete(project)))

    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PROJECT_HAS_DEPENDENTS")
    assert "GovernanceService (change requests)" in failure.message


async def test_a_project_with_a_phase_gate_is_not_deleted(governance_stub, projects_stub, worker, as_role, org,
                                                          project):
    await as_role("pm", "paula")(governance_stub.RequestPhaseGate, api.RequestPhaseGateRequest(
        parent=project, request_id=rid()))

    failure = await fails(as_role("pmo")(projects_stub.DeleteProject, _delete(project)))

    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PROJECT_HAS_DEPENDENTS")
    assert "GovernanceService (phase gates)" in failure.message


async def test_a_what_if_or_a_refused_change_request_leaves_the_project_deletable(governance_stub, projects_stub,
                                                                                  worker, as_role, org, project):
    pm = as_role("pm", "paula")
    await submit(governance_stub, pm, org, a_change(project), validate_only=True)
    refused = await fails(submit(governance_stub, pm, org, a_change(
        project, budget_delta=money_pb2.Money(currency_code="USD", units=5_000))))
    assert refused.fields.keys() == {"change_request.budget_delta.currency_code"}

    assert await as_role("pmo")(projects_stub.DeleteProject, _delete(project)) == empty_pb2.Empty()
