"""The post-project review in ProjectsService (issue 7): the client's satisfaction and comments and the lessons
learned recorded together at closure, by the pm (or the governance service for one), read back, replaced by a
later review, and averaged as the portfolio's client satisfaction next to its other KPIs."""

from __future__ import annotations

import uuid

import grpc
import pytest

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import fails, rid


@pytest.fixture
async def portfolio(projects_stub, as_role, org) -> tuple[str, list[str]]:
    """A portfolio with two projects; (portfolio name, [project names])."""
    pmo = as_role("pmo")
    created = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="core", portfolio=pb.Portfolio(display_name="Core")))
    projects = []
    for pid in ("apollo", "gemini"):
        project = await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
            parent=f"organizations/{org}", project_id=pid, request_id=rid(), project=pb.Project(
                code=pid.upper(), display_name=pid.title(), methodology=pb.METHODOLOGY_AGILE,
                portfolio=created.name)))
        projects.append(project.name)
    return created.name, projects


def review(project: str, score: int, comments: str = "", lessons: list[pb.LessonLearned] | None = None,
           **kw) -> api.RecordPostProjectReviewRequest:
    kw.setdefault("request_id", rid())
    return api.RecordPostProjectReviewRequest(
        parent=project, post_project_review=pb.PostProjectReview(satisfaction_score=score, client_comments=comments),
        lessons_learned=lessons or [], **kw)


async def test_the_review_records_the_clients_feedback_and_the_lessons_together(projects_stub, as_role, portfolio):
    project = portfolio[1][0]
    pm = as_role("pm", "pete")
    recorded = await pm(projects_stub.RecordPostProjectReview, review(project, 4, "Good delivery, late reports", [
        pb.LessonLearned(title="Report weekly", category="communication"),
        pb.LessonLearned(title="Freeze scope earlier", recommendation="gate the backlog")]))
    assert recorded.name == f"{project}/postProjectReview"
    assert (recorded.satisfaction_score, recorded.client_comments, recorded.reviewer) == (
        4, "Good delivery, late reports", "pete")
    lessons = await pm(projects_stub.ListLessonsLearned, api.ListLessonsLearnedRequest(parent=project))
    assert sorted(lesson.name for lesson in lessons.lessons_learned) == sorted(recorded.lessons_learned)
    assert {lesson.title for lesson in lessons.lessons_learned} == {"Report weekly", "Freeze scope earlier"}
    assert await as_role("viewer")(projects_stub.GetPostProjectReview,
                                   api.GetPostProjectReviewRequest(name=recorded.name)) == recorded

    again = await pm(projects_stub.RecordPostProjectReview, review(project, 5, "Reports fixed after all", [
        pb.LessonLearned(title="Ask the client early")]))
    assert (again.satisfaction_score, len(again.lessons_learned)) == (5, 3) and again.etag != recorded.etag


async def test_the_governance_service_records_it_for_the_pm(projects_stub, governance, portfolio):
    recorded = await governance.acting_for("pete")(projects_stub.RecordPostProjectReview,
                                                   review(portfolio[1][0], 3))
    assert recorded.reviewer == "svc-governance" and recorded.satisfaction_score == 3


async def test_bad_input_is_named_per_field(projects_stub, as_role, portfolio):
    project = portfolio[1][0]
    bad = await fails(as_role("pm")(projects_stub.RecordPostProjectReview, review(project, 6, lessons=[
        pb.LessonLearned(title=" ")])))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(bad.fields) == {"post_project_review.satisfaction_score", "lessons_learned[0].title"}
    missing = await fails(as_role("viewer")(projects_stub.GetPostProjectReview, api.GetPostProjectReviewRequest(
        name=f"{project}/postProjectReview")))
    assert missing.code == grpc.StatusCode.NOT_FOUND


async def test_only_project_writers_of_the_organization_record_it(projects_stub, as_role, portfolio):
    project = portfolio[1][0]
    for role in ("member", "viewer", "auditor", "finance", "sponsor"):
        denied = await fails(as_role(role)(projects_stub.RecordPostProjectReview, review(project, 4)))
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED, role
    stranger = await fails(as_role("admin,pm", org_id="org-" + uuid.uuid4().hex[:12])(
        projects_stub.RecordPostProjectReview, review(project, 4)))
    assert stranger.code == grpc.StatusCode.PERMISSION_DENIED


async def test_a_retried_request_records_one_review(projects_stub, as_role, portfolio):
    project = portfolio[1][0]
    request = review(project, 4, lessons=[pb.LessonLearned(title="Once")])
    first = await as_role("pm")(projects_stub.RecordPostProjectReview, request)
    second = await as_role("pm")(projects_stub.RecordPostProjectReview, request)
    assert second == first
    lessons = await as_role("pm")(projects_stub.ListLessonsLearned, api.ListLessonsLearnedRequest(parent=project))
    assert len(lessons.lessons_learned) == 1


async def test_the_portfolio_summary_shows_client_satisfaction_next_to_the_other_kpis(projects_stub, as_role,
                                                                                       portfolio):
    name, (apollo, gemini) = portfolio
    viewer = as_role("viewer")
    before = await viewer(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(name=name))
    assert (before.kpis.client_satisfaction, before.kpis.reviewed_projects) == ("", 0)
    await as_role("pm")(projects_stub.RecordPostProjectReview, review(apollo, 4))
    await as_role("pm")(projects_stub.RecordPostProjectReview, review(gemini, 5))
    summary = await viewer(projects_stub.GetPortfolioSummary, api.GetPortfolioSummaryRequest(name=name))
    assert (summary.kpis.client_satisfaction, summary.kpis.reviewed_projects, summary.kpis.project_count) == (
        "4.50", 2, 2)
    assert [(p.project, p.client_satisfaction_score) for p in summary.projects] == [(apollo, 4), (gemini, 5)]
