"""UpdateRisk and UpdateIssue on the shared update path: what each writes beside the row, once, in its
transaction, and what an update that changes nothing writes."""

from __future__ import annotations

import datetime as dt
import json

from google.protobuf import field_mask_pb2

from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from tests.services.risks.builders import create_issue, create_risk
from tests.support import rid

HIGH, MEDIUM = pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_SEVERITY_MEDIUM


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


async def audited(service, org: str, resource: str) -> list[tuple[str, dict]]:
    async with service.pool.acquire() as conn:
        rows = await conn.fetch("SELECT action, detail FROM audit_events WHERE org_id = $1 AND resource = $2 "
                                "ORDER BY seq", org, resource)
    return [(r["action"], json.loads(r["detail"])) for r in rows]


async def history(stub, caller, risk: pb.Risk) -> list[pb.RiskScoreChange]:
    return list((await caller(stub.ListRiskScoreHistory, api.ListRiskScoreHistoryRequest(parent=risk.name))).changes)


async def issue_events(stub, caller, org: str) -> list[pb.IssueEscalationEvent]:
    return list((await caller(stub.ListIssueEvents, api.ListIssueEventsRequest(parent=f"organizations/{org}"))).events)


async def test_a_risk_update_that_changes_nothing_else_is_still_a_review(risks_stub, risks_service, pm, org,
                                                                         project, clock):
    risk = await create_risk(risks_stub, pm, project, title="Same")
    clock.offset += dt.timedelta(days=3)
    reviewed = await pm(risks_stub.UpdateRisk, api.UpdateRiskRequest(
        risk=pb.Risk(name=risk.name, title="Same", etag=risk.etag), update_mask=mask("title"), request_id=rid()))
    assert reviewed.etag != risk.etag
    assert reviewed.next_review_time.ToSeconds() - risk.next_review_time.ToSeconds() >= 3 * 86400 - 5
    assert await audited(risks_service, org, risk.name) == [("CreateRisk", {}), ("UpdateRisk", {"fields": ["title"]})]
    assert len(await history(risks_stub, pm, risk)) == 1  # the creation's: no score changed


async def test_a_retried_risk_update_writes_one_history_row_and_one_audit_event(risks_stub, risks_service, pm, org,
                                                                                project):
    risk = await create_risk(risks_stub, pm, project, probability=2)
    request = api.UpdateRiskRequest(risk=pb.Risk(name=risk.name, probability=5), update_mask=mask("probability"),
                                    request_id=rid())
    first = await pm(risks_stub.UpdateRisk, request)
    assert await pm(risks_stub.UpdateRisk, request) == first
    assert [c.probability for c in await history(risks_stub, pm, risk)] == [2, 5]
    assert [a for a, _ in await audited(risks_service, org, risk.name)] == ["CreateRisk", "UpdateRisk"]


async def test_an_issue_update_that_changes_nothing_keeps_its_etag_and_writes_nothing(risks_stub, risks_service,
                                                                                      pm, org, project):
    issue = await create_issue(risks_stub, pm, project, severity=HIGH, title="Same")
    same = await pm(risks_stub.UpdateIssue, api.UpdateIssueRequest(
        issue=pb.Issue(name=issue.name, title="Same", severity=HIGH, etag=issue.etag),
        update_mask=mask("title", "severity"), request_id=rid()))
    assert same == issue
    assert [a for a, _ in await audited(risks_service, org, issue.name)] == ["CreateIssue"]
    assert [e.trigger for e in await issue_events(risks_stub, pm, org)] == [pb.ESCALATION_TRIGGER_RAISED]


async def test_a_retried_regrade_writes_one_event_and_one_audit_event(risks_stub, risks_service, pm, org, project):
    issue = await create_issue(risks_stub, pm, project, severity=MEDIUM)
    request = api.UpdateIssueRequest(issue=pb.Issue(name=issue.name, severity=HIGH), update_mask=mask("severity"),
                                     request_id=rid())
    first = await pm(risks_stub.UpdateIssue, request)
    assert await pm(risks_stub.UpdateIssue, request) == first
    assert [(e.trigger, e.previous_severity, e.severity) for e in await issue_events(risks_stub, pm, org)] == [
        (pb.ESCALATION_TRIGGER_REGRADED, MEDIUM, HIGH)]
    assert await audited(risks_service, org, issue.name) == [
        ("CreateIssue", {}), ("UpdateIssue", {"fields": ["severity"]})]
