"""A project that other services refer to is not deleted (AttachProjectReference, DeleteProject), also not
by a delete racing the write that refers to it; reports survive a project that went away anyway."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc
import pytest
from google.protobuf import empty_pb2

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from services.projects import rules
from tests.services.billing.support import EUR, D, create_engagement, create_rate, log_time
from tests.services.risks.builders import a_risk, create_issue, create_risk
from tests.support import fails, rid


async def _project(projects_stub, pmo, org: str, project_id: str = "apollo", **fields) -> str:
    created = await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, request_id=rid(), project=pb.Project(
            code=project_id.upper(), display_name=project_id.title(), methodology=pb.METHODOLOGY_AGILE, **fields)))
    return created.name


async def _cancel(projects_stub, pmo, name: str) -> None:
    await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=name, status=pb.PROJECT_STATUS_CANCELLED), request_id=rid()))


def _delete(name: str) -> api.DeleteProjectRequest:
    return api.DeleteProjectRequest(name=name, request_id=rid())


def _attach(name: str, holder: str = "risks", kind: str = "risk") -> api.AttachProjectReferenceRequest:
    return api.AttachProjectReferenceRequest(name=name, holder=holder, kind=kind)


@pytest.fixture
def pmo(as_role):
    return as_role("pmo")


@pytest.fixture
async def projects_db(database_url):
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "projects,public"})
    yield conn
    await conn.close()


# --- deletion refused while others refer to the project ----------------------------------------


async def test_a_cancelled_project_with_a_risk_is_not_deleted_and_the_refusal_says_to_retire_it(
        projects_stub, risks_stub, pmo, as_role, org):
    project = await _project(projects_stub, pmo, org)
    await create_risk(risks_stub, as_role("pm"), project)
    await _cancel(projects_stub, pmo, project)

    failure = await fails(pmo(projects_stub.DeleteProject, _delete(project)))

    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PROJECT_HAS_DEPENDENTS")
    assert "RisksService (risks)" in failure.message
    assert "PROJECT_STATUS_CANCELLED or PROJECT_STATUS_COMPLETED" in failure.message
    assert (failure.metadata["holders"], failure.metadata["kinds"]) == ("risks", "risk")
    assert (await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project))).name == project


async def test_a_project_with_an_issue_is_not_deleted(projects_stub, risks_stub, pmo, as_role, org):
    project = await _project(projects_stub, pmo, org)
    await create_issue(risks_stub, as_role("member"), project)

    failure = await fails(pmo(projects_stub.DeleteProject, _delete(project)))

    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PROJECT_HAS_DEPENDENTS")
    assert "RisksService (issues)" in failure.message


async def test_a_cancelled_project_with_time_booked_is_not_deleted_and_its_engagement_still_reports(
        projects_stub, billing_stub, pmo, as_role, org):
    project = await _project(projects_stub, pmo, org, budget=EUR(100_000), planned_start_date=D(2027, 1, 1),
                             planned_end_date=D(2027, 4, 10))
    finance = as_role("finance")
    engagement = await create_engagement(billing_stub, finance, org, [project])
    await create_rate(billing_stub, finance, org)
    await log_time(billing_stub, as_role("member"), engagement.name, project)
    await _cancel(projects_stub, pmo, project)

    failure = await fails(pmo(projects_stub.DeleteProject, _delete(project)))

    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PROJECT_HAS_DEPENDENTS")
    assert "BillingService (engagements)" in failure.message
    report = await finance(billing_stub.GetFinancialReport, billing_api.GetFinancialReportRequest(
        name=f"{engagement.name}/financialReport", as_of=D(2027, 1, 31)))
    assert [p.subject for p in report.projects] == [project]
    assert report.time_cost == EUR(800)  # 8 h at 100 EUR


async def test_the_refusal_names_every_service_and_kind_that_refers_to_the_project(
        projects_stub, risks_stub, billing_stub, pmo, as_role, org):
    project = await _project(projects_stub, pmo, org)
    await create_issue(risks_stub, as_role("member"), project)
    await create_risk(risks_stub, as_role("pm"), project)
    await create_engagement(billing_stub, as_role("finance"), org, [project])

    failure = await fails(pmo(projects_stub.DeleteProject, _delete(project)))

    assert "BillingService (engagements), RisksService (issues, risks) refer to it" in failure.message
    assert (failure.metadata["holders"], failure.metadata["kinds"]) == ("billing,risks", "engagement,issue,risk")


async def test_a_project_nothing_refers_to_still_deletes(projects_stub, risks_stub, pmo, as_role, org):
    project = await _project(projects_stub, pmo, org)
    # A what-if writes nothing, so it pins nothing.
    await as_role("pm")(risks_stub.CreateRisk, risks_api.CreateRiskRequest(
        parent=project, risk=a_risk(), validate_only=True))

    assert await pmo(projects_stub.DeleteProject, _delete(project)) == empty_pb2.Empty()
    failure = await fails(pmo(projects_stub.GetProject, api.GetProjectRequest(name=project)))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_an_engagement_on_a_missing_project_is_refused_and_pins_nothing(
        projects_stub, billing_stub, pmo, as_role, org, projects_db):
    failure = await fails(create_engagement(billing_stub, as_role("finance"), org,
                                            [f"organizations/{org}/projects/ghost"]))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "engagement.projects[0]" in failure.fields
    assert await projects_db.fetchval("SELECT count(*) FROM project_references WHERE org_id = $1", org) == 0


# --- a delete racing the write that refers to the project ------------------------------------------


async def _delete_after(delay_s: float, projects_stub, pmo, name: str):
    await asyncio.sleep(delay_s)  # so the delete lands anywhere among the writes
    return await pmo(projects_stub.DeleteProject, _delete(name))


async def test_risks_created_while_the_project_is_deleted_leave_it_with_its_risks_or_gone_with_none(
        projects_stub, risks_stub, pmo, as_role, org):
    pm = as_role("pm")
    outcomes = []
    for round_no in range(20):
        project = await _project(projects_stub, pmo, org, f"race-{round_no}")

        results = await asyncio.gather(*(create_risk(risks_stub, pm, project) for _ in range(5)),
                                       _delete_after(0.0003 * (round_no % 10), projects_stub, pmo, project),
                                       return_exceptions=True)
        created = [r for r in results[:-1] if not isinstance(r, BaseException)]
        for r in results:
            if isinstance(r, BaseException):  # the losers fail cleanly, as NOT_FOUND or a refused delete
                assert r.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION), r
        deleted = not isinstance(results[-1], BaseException)
        listed = pm(risks_stub.ListRisks, risks_api.ListRisksRequest(parent=project, page_size=100))
        if deleted:
            assert not created
            assert (await fails(listed)).code == grpc.StatusCode.NOT_FOUND  # no risk of it is left
        else:
            assert (await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project))).name == project
            assert sorted(r.name for r in (await listed).risks) == sorted(r.name for r in created)
        outcomes.append(deleted)
    heat_map = await pm(risks_stub.GetRiskHeatMap, risks_api.GetRiskHeatMapRequest(scope=f"organizations/{org}"))
    kept = await pm(projects_stub.ListProjects, api.ListProjectsRequest(parent=f"organizations/{org}"))
    assert len(kept.projects) == outcomes.count(False)
    assert heat_map.risk_count == 5 * outcomes.count(False)  # every counted risk belongs to a project that exists


# --- AttachProjectReference: who may pin what ----------------------------------------------------


async def test_attach_returns_the_project_and_records_the_reference_once(projects_stub, pmo, as_role, org,
                                                                         projects_db):
    project = await _project(projects_stub, pmo, org)
    pm = as_role("pm")

    first = await pm(projects_stub.AttachProjectReference, _attach(project))
    again = await pm(projects_stub.AttachProjectReference, _attach(project))

    assert first.name == again.name == project
    assert await projects_db.fetchval(
        "SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = 'AttachProjectReference'", org) == 1


@pytest.mark.parametrize("role, holder, kind", [
    ("viewer", "risks", "risk"), ("auditor", "risks", "risk"), ("member", "risks", "risk"),
    ("viewer", "billing", "engagement"), ("pm", "billing", "engagement"), ("sponsor", "governance", "phase_gate")])
async def test_attach_needs_the_permission_of_the_write_it_protects(projects_stub, pmo, as_role, org, role, holder,
                                                                    kind, projects_db):
    project = await _project(projects_stub, pmo, org)

    failure = await fails(as_role(role)(projects_stub.AttachProjectReference, _attach(project, holder, kind)))

    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    assert await projects_db.fetchval("SELECT count(*) FROM project_references WHERE org_id = $1", org) == 0


async def test_attach_to_another_organization_s_project_is_refused_as_get_project_refuses_it(
        projects_stub, pmo, as_role, org, new_org_id):
    project = await _project(projects_stub, pmo, org)
    outsider = as_role("admin", sub="eve", org_id=new_org_id + "-other")

    for name in (project, f"organizations/{org}/projects/ghost"):
        got = await fails(outsider(projects_stub.GetProject, api.GetProjectRequest(name=name)))
        attached = await fails(outsider(projects_stub.AttachProjectReference, _attach(name)))
        assert (attached.code, attached.message) == (got.code, got.message) == (
            grpc.StatusCode.PERMISSION_DENIED, f"caller has no role in organizations/{org}")


async def test_the_database_itself_refuses_to_delete_a_project_that_is_referred_to(projects_stub, pmo, as_role, org,
                                                                                 projects_db):
    project = await _project(projects_stub, pmo, org)
    await as_role("pm")(projects_stub.AttachProjectReference, _attach(project))

    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await projects_db.execute("DELETE FROM projects WHERE org_id = $1", org)


async def test_attach_to_a_missing_project_is_not_found(projects_stub, as_role, org):
    failure = await fails(as_role("pm")(projects_stub.AttachProjectReference,
                                        _attach(f"organizations/{org}/projects/ghost")))
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")


async def test_attach_names_an_unknown_holder_or_kind(projects_stub, pmo, as_role, org):
    project = await _project(projects_stub, pmo, org)
    admin = as_role("admin")

    holder = await fails(admin(projects_stub.AttachProjectReference, _attach(project, "crm", "deal")))
    kind = await fails(admin(projects_stub.AttachProjectReference, _attach(project, "risks", "engagement")))

    assert holder.code == kind.code == grpc.StatusCode.INVALID_ARGUMENT
    assert holder.fields == {"holder": "must be one of risks, billing, governance"}
    assert kind.fields == {"kind": "must be one of risk, issue (the kinds of risks)"}


# --- reports survive a project that went away ----------------------------------------------------


async def test_an_engagement_reports_the_costs_of_a_project_deleted_before_references_were_kept(
        projects_stub, billing_stub, pmo, as_role, org, projects_db):
    kept = await _project(projects_stub, pmo, org, "kept", budget=EUR(10_000))
    gone = await _project(projects_stub, pmo, org, "gone", budget=EUR(10_000))
    finance = as_role("finance")
    engagement = await create_engagement(billing_stub, finance, org, [kept, gone])
    await create_rate(billing_stub, finance, org)
    await log_time(billing_stub, as_role("member"), engagement.name, gone)
    # As a delete before this release left it: the project is gone, the engagement still names it.
    async with projects_db.transaction():
        await projects_db.execute("DELETE FROM project_references WHERE org_id = $1", org)
        await projects_db.execute("DELETE FROM projects WHERE org_id = $1 AND id = 'gone'", org)

    report = await finance(billing_stub.GetFinancialReport, billing_api.GetFinancialReportRequest(
        name=f"{engagement.name}/financialReport", as_of=D(2027, 1, 31)))

    by_subject = {p.subject: p for p in report.projects}
    assert by_subject[gone].time_cost == EUR(800) and by_subject[gone].budget == EUR(0)
    assert report.budget == EUR(10_000) and report.time_cost == EUR(800)


# --- the refusal's wording (pure rule) ------------------------------------------------------------


def test_dependents_are_named_by_service_with_their_kinds_in_plural():
    assert rules.dependents([("billing", "engagement"), ("governance", "change_request"),
                             ("governance", "phase_gate"), ("risks", "issue")]) == (
        "BillingService (engagements), GovernanceService (change requests, phase gates), RisksService (issues)")
