"""Activities of the quality audits that reach ProjectsService: what the audit needs to know of the
project (its methodology and phase choose the checklist, its pm owns the corrective actions by default
and may not audit the project), and whether the post-project review has been recorded. The audit's score
is read by phase gates from the governance read model (workflows/activities/governance.py,
`latest_audit_score`)."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from services.platform.names import POST_PROJECT_REVIEW_PATTERN
from workflows.activities.gates import snapshot_of
from workflows.activities.services import ServiceCalls
from workflows.post_project_review import RECORDED_REVIEW, RecordedReview
from workflows.quality_audit import AUDITED_PROJECT, AuditedProject, ProjectQuery


class AuditActivities:
    def __init__(self, calls: ServiceCalls) -> None:
        self.calls = calls

    @activity.defn(name=AUDITED_PROJECT)
    async def audited_project(self, query: ProjectQuery) -> AuditedProject:
        project = await self.calls.call(
            self.calls.projects.GetProject,
            projects_api.GetProjectRequest(name=f"organizations/{query.org}/projects/{query.project}"),
            query.on_behalf_of)
        snapshot = snapshot_of(project)
        return AuditedProject(methodology=snapshot.methodology, phase=snapshot.phase, status=snapshot.status,
                              project_manager=project.project_manager)

    @activity.defn(name=RECORDED_REVIEW)
    async def recorded_review(self, query: ProjectQuery) -> RecordedReview:
        """The project's post-project review as ProjectsService has it (score 0: none yet)."""
        name = POST_PROJECT_REVIEW_PATTERN.format(organization=query.org, project=query.project)
        try:
            review = await self.calls.call(self.calls.projects.GetPostProjectReview,
                                           projects_api.GetPostProjectReviewRequest(name=name), query.on_behalf_of)
        except ApplicationError as exc:
            if exc.details and exc.details[0] == "NOT_FOUND":  # (code, ...) as ServiceCalls raises it
                return RecordedReview()
            raise
        return RecordedReview(satisfaction_score=review.satisfaction_score,
                              lessons_learned=len(review.lessons_learned))

    def all(self) -> list:
        return [self.audited_project, self.recorded_review]
