from google.type import date_pb2, money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb


async def test_create_and_get_project(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="erp", project=pb.Project(
            code="ERP-1", display_name="ERP rollout", methodology=pb.METHODOLOGY_AGILE,
            budget=money_pb2.Money(currency_code="EUR", units=1000),
            planned_start_date=date_pb2.Date(year=2027, month=1, day=1))))
    assert created.name == f"organizations/{org}/projects/erp"
    got = await pmo(projects_stub.GetProject, api.GetProjectRequest(name=created.name))
    assert got == created
