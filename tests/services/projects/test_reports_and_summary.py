"""Status reports, lessons learned, and the PMO's portfolio summary worked by hand."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.type import date_pb2, money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import Caller, fails, rid

GREEN, AMBER, RED = pb.RAG_GREEN, pb.RAG_AMBER, pb.RAG_RED


def D(year: int, month: int, day: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=day)


def EUR(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


def health(schedule=GREEN, scope=GREEN, cost=GREEN, resources=GREEN) -> pb.Health:
    return pb.Health(schedule=schedule, scope=scope, cost=cost, resources=resources)


async def new_project(stub, caller, org: str, project_id: str, **fields) -> pb.Project:
    fields.setdefault("code", project_id.upper())
    fields.setdefault("display_name", f"Project {project_id}")
    fields.setdefault("methodology", pb.METHODOLOGY_HYBRID)
    return await caller(stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, project=pb.Project(**fields), request_id=rid()))


@pytest.fixture
async def project(projects_stub, as_role, org) -> pb.Project:
    return await new_project(projects_stub, as_role("pmo"), org, "apollo", percent_complete=35)


async def report(stub, caller, parent: str, report_id: str = "", **fields) -> pb.StatusReport:
    fields.setdefault("health", health())
    return await caller(stub.CreateStatusReport, api.CreateStatusReportRequest(
        parent=parent, status_report_id=report_id, status_report=pb.StatusReport(**fields), request_id=rid()))


# --- status reports -------------------------------------------------------------

async def test_create_and_get_status_report(projects_stub, as_role, project):
    pm = as_role("pm", sub="paula")
    created = await report(
        projects_stub, pm, project.name, "week-1", report_date=D(2031, 1, 10),
        health=health(schedule=AMBER, scope=GREEN, cost=RED, resources=GREEN), summary="Slow start",
        accomplishments=["Kick-off held"], next_steps=["Hire architect"], key_risks=["Vendor delay"])
    assert created.name == f"{project.name}/statusReports/week-1"
    assert created.report_date == D(2031, 1, 10)
    assert created.health == health(schedule=AMBER, scope=GREEN, cost=RED, resources=GREEN)
    assert created.summary == "Slow start"
    assert list(created.accomplishments) == ["Kick-off held"]
    assert list(created.next_steps) == ["Hire architect"]
    assert list(created.key_risks) == ["Vendor delay"]
    assert created.author == "paula"
    assert created.HasField("create_time")
    got = await as_role("viewer")(projects_stub.GetStatusReport, api.GetStatusReportRequest(name=created.name))
    assert got == created


async def test_report_date_defaults_to_today(projects_stub, as_role, project):
    before = dt.date.today()
    created = await report(projects_stub, as_role("pm"), project.name)
    d = created.report_date
    assert before <= dt.date(d.year, d.month, d.day) <= dt.date.today()


async def test_author_is_the_caller_not_the_request(projects_stub, as_role, project):
    created = await report(projects_stub, as_role("pmo", sub="olga"), project.name, author="mallory")
    assert created.author == "olga"


async def test_percent_complete_is_snapshotted_from_the_project(projects_stub, as_role, project):
    pm = as_role("pm")
    first = await report(projects_stub, pm, project.name, "r1", percent_complete=99)
    assert first.percent_complete == 35
    await pm(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=project.name, percent_complete=60),
        update_mask=field_mask_pb2.FieldMask(paths=["percent_complete"]), request_id=rid()))
    second = await report(projects_stub, pm, project.name, "r2")
    assert second.percent_complete == 60
    unchanged = await pm(projects_stub.GetStatusReport, api.GetStatusReportRequest(name=first.name))
    assert unchanged.percent_complete == 35


async def test_project_health_follows_the_latest_report(projects_stub, as_role, project):
    pm = as_role("pm")
    assert project.health == health()
    await report(projects_stub, pm, project.name, health=health(schedule=AMBER, cost=RED))
    got = await pm(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got.health == health(schedule=AMBER, cost=RED)
    assert got.etag != project.etag
    await report(projects_stub, pm, project.name, health=health(resources=AMBER))
    got = await pm(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got.health == health(resources=AMBER)


async def test_a_backdated_report_does_not_overwrite_newer_health(projects_stub, as_role, project):
    pm = as_role("pm")
    await report(projects_stub, pm, project.name, report_date=D(2030, 6, 1), health=health(cost=RED))
    await report(projects_stub, pm, project.name, report_date=D(2030, 5, 1), health=health(scope=AMBER))
    got = await pm(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got.health == health(cost=RED)


async def test_health_is_required(projects_stub, as_role, project):
    err = await fails(as_role("pm")(projects_stub.CreateStatusReport, api.CreateStatusReportRequest(
        parent=project.name, status_report=pb.StatusReport(summary="No rating"), request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "status_report.health" in err.fields


@pytest.mark.parametrize("missing", ["schedule", "scope", "cost", "resources"])
async def test_every_health_dimension_is_required(projects_stub, as_role, project, missing):
    h = health()
    h.ClearField(missing)
    err = await fails(report(projects_stub, as_role("pm"), project.name, health=h))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(err.fields) == {f"status_report.health.{missing}"}


async def test_unknown_rag_value_is_invalid(projects_stub, as_role, project):
    err = await fails(report(projects_stub, as_role("pm"), project.name, health=health(cost=9)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "status_report.health.cost" in err.fields


@pytest.mark.parametrize("fields, bad_field", [
    ({"summary": "s" * 10_001}, "status_report.summary"),
    ({"accomplishments": ["done", " "]}, "status_report.accomplishments[1]"),
    ({"next_steps": ["n" * 1001]}, "status_report.next_steps[0]"),
    ({"key_risks": [f"risk {i}" for i in range(101)]}, "status_report.key_risks"),
    ({"report_date": D(2031, 4, 31)}, "status_report.report_date"),
])
async def test_bad_report_fields_are_invalid(projects_stub, as_role, project, fields, bad_field):
    err = await fails(report(projects_stub, as_role("pm"), project.name, **fields))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_field in err.fields


async def test_invalid_report_changes_nothing(projects_stub, as_role, project):
    pm = as_role("pm")
    await fails(report(projects_stub, pm, project.name, health=health(cost=RED), summary="x" * 10_001))
    got = await pm(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got == project
    listed = await pm(projects_stub.ListStatusReports, api.ListStatusReportsRequest(parent=project.name))
    assert list(listed.status_reports) == []


async def test_report_on_a_missing_project_is_not_found(projects_stub, as_role, org):
    err = await fails(report(projects_stub, as_role("pm"), f"organizations/{org}/projects/ghost"))
    assert err.code == grpc.StatusCode.NOT_FOUND


async def test_duplicate_report_id_already_exists(projects_stub, as_role, project):
    pm = as_role("pm")
    await report(projects_stub, pm, project.name, "week-1")
    err = await fails(report(projects_stub, pm, project.name, "week-1"))
    assert err.code == grpc.StatusCode.ALREADY_EXISTS


@pytest.mark.parametrize("role", ["viewer", "member", "finance", "sponsor", "auditor"])
async def test_only_delivery_roles_may_file_reports(projects_stub, as_role, project, role):
    err = await fails(report(projects_stub, as_role(role), project.name))
    assert err.code == grpc.StatusCode.PERMISSION_DENIED


async def test_get_missing_report_is_not_found(projects_stub, as_role, project):
    err = await fails(as_role("viewer")(projects_stub.GetStatusReport, api.GetStatusReportRequest(
        name=f"{project.name}/statusReports/ghost")))
    assert err.code == grpc.StatusCode.NOT_FOUND


async def test_list_status_reports_pages_and_filter(projects_stub, as_role, project):
    pm = as_role("pm")
    reports = [await report(projects_stub, pm, project.name, f"w{i}", report_date=D(2031, 1, 7 * i + 1))
               for i in range(5)]
    seen, token = [], ""
    while True:
        page = await pm(projects_stub.ListStatusReports, api.ListStatusReportsRequest(
            parent=project.name, page_size=2, page_token=token))
        seen += list(page.status_reports)
        token = page.next_page_token
        if not token:
            break
    assert seen == reports
    recent = await pm(projects_stub.ListStatusReports, api.ListStatusReportsRequest(
        parent=project.name, filter='report_date >= "2031-01-15"'))
    assert [r.name.rsplit("/", 1)[1] for r in recent.status_reports] == ["w2", "w3", "w4"]


async def test_list_status_reports_bad_inputs(projects_stub, as_role, project, org):
    pm = as_role("pm")
    err = await fails(pm(projects_stub.ListStatusReports, api.ListStatusReportsRequest(
        parent=project.name, page_token="garbage")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.fields
    err = await fails(pm(projects_stub.ListStatusReports, api.ListStatusReportsRequest(
        parent=project.name, filter="summary = x")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "filter" in err.fields
    err = await fails(pm(projects_stub.ListStatusReports, api.ListStatusReportsRequest(
        parent=f"organizations/{org}/projects/ghost")))
    assert err.code == grpc.StatusCode.NOT_FOUND


# --- lessons learned ------------------------------------------------------------

async def lesson(stub, caller, parent: str, lesson_id: str = "", **fields) -> pb.LessonLearned:
    fields.setdefault("title", "Book test environments early")
    return await caller(stub.CreateLessonLearned, api.CreateLessonLearnedRequest(
        parent=parent, lesson_learned_id=lesson_id, lesson_learned=pb.LessonLearned(**fields), request_id=rid()))


async def test_member_may_record_a_lesson(projects_stub, as_role, project):
    member = as_role("member", sub="mia")
    created = await lesson(projects_stub, member, project.name, "envs", category="Environments",
                           description="UAT slipped two weeks", recommendation="Book in planning", author="x")
    assert created.name == f"{project.name}/lessonsLearned/envs"
    assert (created.title, created.category) == ("Book test environments early", "Environments")
    assert (created.description, created.recommendation) == ("UAT slipped two weeks", "Book in planning")
    assert created.author == "mia"
    assert created.HasField("create_time")


@pytest.mark.parametrize("role", ["viewer", "auditor"])
async def test_readers_may_not_record_a_lesson(projects_stub, as_role, project, role):
    err = await fails(lesson(projects_stub, as_role(role), project.name))
    assert err.code == grpc.StatusCode.PERMISSION_DENIED and err.message.endswith("do not grant lesson.write")
    listed = await as_role("viewer")(projects_stub.ListLessonsLearned,
                                     api.ListLessonsLearnedRequest(parent=project.name))
    assert list(listed.lessons_learned) == []


@pytest.mark.parametrize("fields, bad_field", [
    ({"title": ""}, "lesson_learned.title"),
    ({"title": "t" * 201}, "lesson_learned.title"),
    ({"category": "c" * 201}, "lesson_learned.category"),
    ({"description": "d" * 10_001}, "lesson_learned.description"),
    ({"recommendation": "r" * 10_001}, "lesson_learned.recommendation"),
])
async def test_bad_lesson_fields_are_invalid(projects_stub, as_role, project, fields, bad_field):
    err = await fails(lesson(projects_stub, as_role("member"), project.name, **fields))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_field in err.fields


async def test_lesson_on_a_missing_project_is_not_found(projects_stub, as_role, org):
    err = await fails(lesson(projects_stub, as_role("member"), f"organizations/{org}/projects/ghost"))
    assert err.code == grpc.StatusCode.NOT_FOUND


async def test_list_lessons_pages_and_filter(projects_stub, as_role, project):
    member, pm = as_role("member"), as_role("pm")
    a = await lesson(projects_stub, member, project.name, "a", category="Vendors")
    b = await lesson(projects_stub, pm, project.name, "b", category="Testing")
    c = await lesson(projects_stub, member, project.name, "c", category="Vendors")
    first = await member(projects_stub.ListLessonsLearned, api.ListLessonsLearnedRequest(
        parent=project.name, page_size=2))
    assert list(first.lessons_learned) == [a, b]
    second = await member(projects_stub.ListLessonsLearned, api.ListLessonsLearnedRequest(
        parent=project.name, page_size=2, page_token=first.next_page_token))
    assert list(second.lessons_learned) == [c] and second.next_page_token == ""
    vendors = await member(projects_stub.ListLessonsLearned, api.ListLessonsLearnedRequest(
        parent=project.name, filter='category = "Vendors"'))
    assert list(vendors.lessons_learned) == [a, c]
    err = await fails(member(projects_stub.ListLessonsLearned, api.ListLessonsLearnedRequest(
        parent=project.name, page_token="AAAA")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.fields


# --- portfolio summary ------------------------------------------------------------

async def milestone(stub, caller, parent: str, mid: str, due: date_pb2.Date, **fields) -> pb.Milestone:
    return await caller(stub.CreateMilestone, api.CreateMilestoneRequest(
        parent=parent, milestone_id=mid, milestone=pb.Milestone(display_name=mid, due_date=due, **fields),
        request_id=rid()))


async def move(stub, caller, m: pb.Milestone, **fields) -> pb.Milestone:
    return await caller(stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=m.name, **fields), update_mask=field_mask_pb2.FieldMask(paths=list(fields)),
        request_id=rid()))


async def test_portfolio_summary_worked_example(projects_stub, as_role, governance, org):
    """Three projects, worked by hand (dates far from today so `today` does not matter).

    alpha  budget 120 000, actual 50 000 -> 50000/120000 = 4166.67 bp -> 4167; all GREEN; ACTIVE; PLANNING
           a1 due 2020-03-01, achieved 2020-03-01          -> 0 days late, on time
           a2 due 2020-06-01, achieved 2020-06-11          -> 10 days late
    beta   budget 50 000, actual 60 000 -> 12000 bp; cost RED -> RED; COMPLETED
           b1 due 2020-01-10, moved to 01-20, achieved 2020-01-15 -> 5 days late against the original
           b2 due 2020-04-01, cancelled                    -> 0
    gamma  budget 20 000, actual 20 000 -> 10000 bp (exactly on budget counts as within); schedule AMBER; CANCELLED
           c1 due 2099-01-01, planned                      -> 0
           c2 due 2099-06-01, moved to 06-21, in progress  -> 20 (forecast)
           c3 due 2099-09-01, moved earlier to 08-25       -> 0
           c4 due 2099-10-01, moved to 10-04, missed       -> 3
    KPIs   on time: achieved a1, a2, b1; on time a1 -> 1/3 = 3333 bp
           budget adherence: alpha and gamma of 3 budgeted -> 2/3 = 6666.67 -> 6667 bp
           completion: beta COMPLETED of beta + gamma finished -> 1/2 = 5000 bp
           red 1 (beta), amber 1 (gamma), green 1 (alpha)
    A project outside the portfolio (with a late achieved milestone) and one in another portfolio count nowhere.
    """
    pmo, pm = as_role("pmo"), as_role("pm")
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="growth",
        portfolio=pb.Portfolio(display_name="Growth", priority_score=80), request_id=rid()))
    other = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="other", portfolio=pb.Portfolio(display_name="Other"),
        request_id=rid()))

    alpha = await new_project(projects_stub, pmo, org, "alpha", display_name="Alpha", portfolio=portfolio.name,
                              budget=EUR(120_000), actual_cost=EUR(50_000), status=pb.PROJECT_STATUS_ACTIVE,
                              percent_complete=40)
    alpha = await governance(projects_stub.TransitionProjectPhase, api.TransitionProjectPhaseRequest(
        name=alpha.name, phase=pb.PHASE_PLANNING, reason="Gate 1 passed", request_id=rid()))
    beta = await new_project(projects_stub, pmo, org, "beta", display_name="Beta", portfolio=portfolio.name,
                             budget=EUR(50_000), actual_cost=EUR(60_000), status=pb.PROJECT_STATUS_COMPLETED,
                             percent_complete=100, health=health(cost=RED))
    gamma = await new_project(projects_stub, pmo, org, "gamma", display_name="Gamma", portfolio=portfolio.name,
                              budget=EUR(20_000), actual_cost=EUR(20_000), status=pb.PROJECT_STATUS_CANCELLED,
                              percent_complete=10, health=health(schedule=AMBER))
    outside = await new_project(projects_stub, pmo, org, "outside", budget=EUR(1), actual_cost=EUR(9),
                                status=pb.PROJECT_STATUS_CANCELLED, health=health(scope=RED))
    elsewhere = await new_project(projects_stub, pmo, org, "elsewhere", portfolio=other.name,
                                  status=pb.PROJECT_STATUS_COMPLETED, health=health(scope=AMBER))

    ACHIEVED = pb.MILESTONE_STATE_ACHIEVED
    await milestone(projects_stub, pm, alpha.name, "a1", D(2020, 3, 1), state=ACHIEVED,
                    completion_date=D(2020, 3, 1))
    await milestone(projects_stub, pm, alpha.name, "a2", D(2020, 6, 1), state=ACHIEVED,
                    completion_date=D(2020, 6, 11))
    b1 = await milestone(projects_stub, pm, beta.name, "b1", D(2020, 1, 10))
    await move(projects_stub, pm, b1, due_date=D(2020, 1, 20), state=ACHIEVED, completion_date=D(2020, 1, 15))
    await milestone(projects_stub, pm, beta.name, "b2", D(2020, 4, 1), state=pb.MILESTONE_STATE_CANCELLED)
    await milestone(projects_stub, pm, gamma.name, "c1", D(2099, 1, 1))
    c2 = await milestone(projects_stub, pm, gamma.name, "c2", D(2099, 6, 1))
    await move(projects_stub, pm, c2, due_date=D(2099, 6, 21), state=pb.MILESTONE_STATE_IN_PROGRESS)
    c3 = await milestone(projects_stub, pm, gamma.name, "c3", D(2099, 9, 1))
    await move(projects_stub, pm, c3, due_date=D(2099, 8, 25))
    c4 = await milestone(projects_stub, pm, gamma.name, "c4", D(2099, 10, 1))
    await move(projects_stub, pm, c4, due_date=D(2099, 10, 4), state=pb.MILESTONE_STATE_MISSED)
    for project in (outside, elsewhere):
        await milestone(projects_stub, pm, project.name, "late", D(2020, 1, 1), state=ACHIEVED,
                        completion_date=D(2020, 12, 31))

    summary = await as_role("viewer")(projects_stub.GetPortfolioSummary,
                                      api.GetPortfolioSummaryRequest(name=portfolio.name))

    assert summary.portfolio == portfolio.name
    assert list(summary.projects) == [
        pb.ProjectSummary(
            project=alpha.name, code="ALPHA", display_name="Alpha", phase=pb.PHASE_PLANNING,
            status=pb.PROJECT_STATUS_ACTIVE, health=health(), overall=GREEN, percent_complete=40,
            budget=EUR(120_000), actual_cost=EUR(50_000), budget_used_bp=4167,
            milestone_slippage_days=10, milestones_late=1),
        pb.ProjectSummary(
            project=beta.name, code="BETA", display_name="Beta", phase=pb.PHASE_INITIATION,
            status=pb.PROJECT_STATUS_COMPLETED, health=health(cost=RED), overall=RED, percent_complete=100,
            budget=EUR(50_000), actual_cost=EUR(60_000), budget_used_bp=12_000,
            milestone_slippage_days=5, milestones_late=1),
        pb.ProjectSummary(
            project=gamma.name, code="GAMMA", display_name="Gamma", phase=pb.PHASE_INITIATION,
            status=pb.PROJECT_STATUS_CANCELLED, health=health(schedule=AMBER), overall=AMBER, percent_complete=10,
            budget=EUR(20_000), actual_cost=EUR(20_000), budget_used_bp=10_000,
            milestone_slippage_days=23, milestones_late=2),
    ]
    assert summary.kpis == pb.PortfolioKpis(
        project_count=3, on_time_rate_bp=3333, budget_adherence_bp=6667, completion_rate_bp=5000,
        red_projects=1, amber_projects=1, green_projects=1)


async def test_summary_health_follows_status_reports(projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="core", portfolio=pb.Portfolio(display_name="Core"),
        request_id=rid()))
    p = await new_project(projects_stub, pmo, org, "solo", portfolio=portfolio.name)
    await report(projects_stub, pmo, p.name, health=health(resources=RED, scope=AMBER))
    summary = await pmo(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(name=portfolio.name))
    assert summary.projects[0].health == health(resources=RED, scope=AMBER)
    assert summary.projects[0].overall == RED
    assert (summary.kpis.red_projects, summary.kpis.amber_projects, summary.kpis.green_projects) == (1, 0, 0)


async def test_summary_of_an_empty_portfolio_is_all_zero(projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="empty", portfolio=pb.Portfolio(display_name="Empty"),
        request_id=rid()))
    summary = await pmo(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(name=portfolio.name))
    assert summary == pb.PortfolioSummary(portfolio=portfolio.name, kpis=pb.PortfolioKpis())


async def test_summary_without_budgets_or_finished_projects_is_zero_not_an_error(projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="lean", portfolio=pb.Portfolio(display_name="Lean"),
        request_id=rid()))
    await new_project(projects_stub, pmo, org, "nobudget", portfolio=portfolio.name, actual_cost=EUR(5))
    summary = await pmo(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(name=portfolio.name))
    assert summary.projects[0].budget_used_bp == 0
    assert summary.kpis == pb.PortfolioKpis(project_count=1, green_projects=1)


async def test_summary_of_a_missing_portfolio_is_not_found(projects_stub, as_role, org):
    err = await fails(as_role("viewer")(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(
        name=f"organizations/{org}/portfolios/ghost")))
    assert err.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("name", ["", "organizations/x/projects/y", "organizations/x/portfolios/Bad_Id"])
async def test_summary_with_a_malformed_name_is_invalid(projects_stub, as_role, name):
    err = await fails(as_role("viewer")(projects_stub.GetPortfolioSummary,
                                        api.GetPortfolioSummaryRequest(name=name)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "name" in err.fields


async def test_report_retry_with_the_same_request_id_returns_the_same_report(projects_stub, as_role, project):
    pm = as_role("pm")
    request = api.CreateStatusReportRequest(parent=project.name, request_id=rid(), status_report=pb.StatusReport(
        health=health(cost=AMBER), summary="Week 1"))
    first = await pm(projects_stub.CreateStatusReport, request)
    assert await pm(projects_stub.CreateStatusReport, request) == first
    listed = await pm(projects_stub.ListStatusReports, api.ListStatusReportsRequest(parent=project.name))
    assert list(listed.status_reports) == [first]
    request.status_report.summary = "Week 2"
    err = await fails(pm(projects_stub.CreateStatusReport, request))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "REQUEST_ID_REUSED"


async def test_lesson_retry_with_the_same_request_id_returns_the_same_lesson(projects_stub, as_role, project):
    member = as_role("member")
    request = api.CreateLessonLearnedRequest(parent=project.name, request_id=rid(),
                                             lesson_learned=pb.LessonLearned(title="Freeze scope early"))
    first = await member(projects_stub.CreateLessonLearned, request)
    assert await member(projects_stub.CreateLessonLearned, request) == first
    request.lesson_learned.title = "Another lesson"
    err = await fails(member(projects_stub.CreateLessonLearned, request))
    assert err.reason == "REQUEST_ID_REUSED"


async def test_another_organization_is_denied_on_reports_lessons_and_summary(projects_stub, authority, as_role,
                                                                            org, project):
    pmo = as_role("pmo")
    created = await report(projects_stub, pmo, project.name, "r1")
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="p", portfolio=pb.Portfolio(display_name="P"), request_id=rid()))
    outsider = Caller(authority, "mallory", {"org-elsewhere": ["admin"]})
    calls = [
        report(projects_stub, outsider, project.name, health=health(cost=RED)),
        outsider(projects_stub.GetStatusReport, api.GetStatusReportRequest(name=created.name)),
        outsider(projects_stub.ListStatusReports, api.ListStatusReportsRequest(parent=project.name)),
        lesson(projects_stub, outsider, project.name),
        outsider(projects_stub.ListLessonsLearned, api.ListLessonsLearnedRequest(parent=project.name)),
        outsider(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(name=portfolio.name)),
    ]
    for call in calls:
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED
    assert (await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))).health == health()
