"""Activities of the quality audits that reach ProjectsService: what the audit needs to know of the
project (its methodology and phase choose the checklist, its pm owns the corrective actions by default
and may not audit the project). The audit's score is read by phase gates from the governance read model
(workflows/activities/governance.py, `latest_audit_score`)."""

from __future__ import annotations

from temporalio import activity

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from workflows.activities.gates import snapshot_of
from workflows.activities.services import ServiceCalls
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

    def all(self) -> list:
        return [self.audited_project]
