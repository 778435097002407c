"""A change request submitted over gRPC ends as a new baseline in ProjectsService, decided through
DecideTask, with every audit chain intact."""

from __future__ import annotations

import asyncpg

from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from services.platform import audit
from tests.services.governance.processes import a_change, change_request_in, decide, open_task, submit
from tests.support import date, eur


async def test_an_approved_change_becomes_the_projects_new_baseline(governance_stub, projects_stub, worker, as_role,
                                                                    org, project, database_url):
    pm, pmo = as_role("pm", "paula"), as_role("pmo", "olga")
    submitted = await submit(governance_stub, pm, org, a_change(project, budget_delta=eur(5_000),
                                                                schedule_delta_days=3))
    assert submitted.name.startswith(f"organizations/{org}/changeRequests/")
    assert submitted.requester == "paula" and submitted.workflow_id
    task = await open_task(governance_stub, pmo, submitted.name)
    assert task.kind == pb.TASK_KIND_CHANGE_APPROVAL and list(task.pending_approvers) == ["role:pmo"]
    decided = await decide(governance_stub, pmo, task.name, "APPROVE", "fine")
    assert decided.state == pb.TASK_STATE_DECIDED and decided.outcome == "APPROVE"
    assert [(d.voter, d.choice, d.comment) for d in decided.decisions] == [("olga", "APPROVE", "fine")]
    done = await change_request_in(governance_stub, pm, submitted.name, pb.CHANGE_REQUEST_STATE_COMPLETED)
    assert done.impact.new_budget == eur(105_000) and done.route.tier == "minor"

    baselines = await pm(projects_stub.ListBaselines, projects_api.ListBaselinesRequest(parent=project))
    assert [(b.revision, b.budget, b.end_date) for b in baselines.baselines] == [(1, eur(105_000), date(2027, 7, 3))]
    assert baselines.baselines[0].creator == "svc-governance"
    for schema in ("governance", "projects"):
        conn = await asyncpg.connect(database_url, server_settings={"search_path": schema})
        try:
            report = await audit.verify_chain(conn, org)
            assert report.ok and report.events > 0, (schema, report)
            if schema == "projects":
                applied = await conn.fetchrow("SELECT * FROM audit_events WHERE org_id = $1 AND "
                                              "action = 'CreateBaseline'", org)
                assert (applied["actor"], applied["on_behalf_of"]) == ("svc-governance", "paula")
            else:
                decided_event = await conn.fetchrow("SELECT * FROM audit_events WHERE org_id = $1 AND "
                                                    "action = 'TaskDecided'", org)
                assert decided_event["actor"] == "olga" and decided_event["detail"]
        finally:
            await conn.close()
