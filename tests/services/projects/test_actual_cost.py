"""A project's actual cost is billing's (issue 7): the billing cycle writes it through the governance principal;
people no longer enter it by hand (an admin only by audited override)."""

from __future__ import annotations

import json
import uuid

import asyncpg
import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.type import money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import fails, rid


def _eur(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


@pytest.fixture
async def db(database_url):
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "projects,public"})
    yield conn
    await conn.close()


async def _project(stub, org, caller) -> pb.Project:
    return await caller(stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="p-" + uuid.uuid4().hex[:8], project=pb.Project(
            code="C-" + uuid.uuid4().hex[:8], display_name="Costed", methodology=pb.METHODOLOGY_AGILE,
            budget=_eur(1000))))


def _set_cost(name: str, units: int) -> api.UpdateProjectRequest:
    return api.UpdateProjectRequest(project=pb.Project(name=name, actual_cost=_eur(units)),
                                    update_mask=field_mask_pb2.FieldMask(paths=["actual_cost"]), request_id=rid())


@pytest.mark.parametrize("role", ["pmo", "pm"])
async def test_people_may_not_enter_a_projects_actual_cost(projects_stub, as_role, org, role):
    caller = as_role(role)
    project = await _project(projects_stub, org, as_role("pmo"))
    refused = await fails(caller(projects_stub.UpdateProject, _set_cost(project.name, 250)))
    assert (refused.code, refused.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ACTUAL_COST_FROM_BILLING")
    assert refused.metadata["field"] == "project.actual_cost" and "computed from billing" in refused.message
    assert await caller(projects_stub.GetProject, api.GetProjectRequest(name=project.name)) == project
    # Other fields are still theirs, and naming an unchanged actual cost is no change of it.
    renamed = await caller(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=project.name, display_name="Renamed", actual_cost=project.actual_cost),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name", "actual_cost"])))
    assert renamed.display_name == "Renamed"


async def test_the_governance_principal_writes_the_actual_cost_for_the_billing_cycle(projects_stub, as_role,
                                                                                    governance, org, db):
    project = await _project(projects_stub, org, as_role("pmo"))
    updated = await governance.acting_for("schedule")(projects_stub.UpdateProject, _set_cost(project.name, 420))
    assert updated.actual_cost == _eur(420)
    event = await db.fetchrow("SELECT * FROM audit_events WHERE org_id = $1 AND action = 'UpdateProject'", org)
    assert (event["actor"], event["on_behalf_of"]) == ("svc-governance", "schedule")
    assert "override" not in json.loads(event["detail"])


async def test_an_admin_corrects_the_actual_cost_only_by_audited_override(projects_stub, as_role, org, db):
    project = await _project(projects_stub, org, as_role("pmo"))
    updated = await as_role("admin", sub="root")(projects_stub.UpdateProject, _set_cost(project.name, 7))
    assert updated.actual_cost == _eur(7)
    event = await db.fetchrow("SELECT * FROM audit_events WHERE org_id = $1 AND action = 'UpdateProject'", org)
    assert json.loads(event["detail"])["override"] is True
