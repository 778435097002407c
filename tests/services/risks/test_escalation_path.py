"""Segregation of duties on escalated issues: an issue at HIGH or CRITICAL (it set off an escalation
event) or raised from a risk (OccurRisk) is deleted, resolved, closed or re-graded down only by a holder
of issue_escalation.manage (pmo, admin, the governance service); member and pm are PERMISSION_DENIED
ESCALATED_ISSUE and nothing changes. The team keeps working on it otherwise, and issues below HIGH
stay the team's."""

from __future__ import annotations

import asyncpg
import grpc
import pytest
from google.protobuf import field_mask_pb2

from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from services.platform.auth import PERMISSIONS, PERSON_ROLES, Permission
from tests.services.risks.builders import create_issue, create_risk
from tests.support import GovernanceCaller, fails, rid

LOW, MEDIUM, HIGH, CRITICAL = (pb.ISSUE_SEVERITY_LOW, pb.ISSUE_SEVERITY_MEDIUM, pb.ISSUE_SEVERITY_HIGH,
                               pb.ISSUE_SEVERITY_CRITICAL)
TEAM = ["member", "pm"]
ESCALATION_PATH = ["pmo", "admin"]


@pytest.fixture
async def db(database_url):
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "risks,public"})
    yield conn
    await conn.close()


def update(issue: pb.Issue, **fields) -> api.UpdateIssueRequest:
    return api.UpdateIssueRequest(issue=pb.Issue(name=issue.name, **fields),
                                  update_mask=field_mask_pb2.FieldMask(paths=list(fields)), request_id=rid())


# What the escalation path manages, as the request that does it.
MANAGED = {
    "downgrade": lambda issue: update(issue, severity=LOW),
    "resolve": lambda issue: update(issue, status=pb.ISSUE_STATUS_RESOLVED, resolution="Worked around"),
    "close": lambda issue: update(issue, status=pb.ISSUE_STATUS_CLOSED),
    "delete": lambda issue: api.DeleteIssueRequest(name=issue.name, request_id=rid()),
}


def call(stub, change: str):
    return stub.DeleteIssue if change == "delete" else stub.UpdateIssue


async def occurred_issue(stub, caller, project: str, severity: int) -> pb.Issue:
    risk = await create_risk(stub, caller, project)
    done = await caller(stub.OccurRisk, api.OccurRiskRequest(name=risk.name, issue=pb.Issue(severity=severity),
                                                             request_id=rid()))
    return done.issue


async def refused(stub, caller, issue: pb.Issue, change: str, db, org: str) -> None:
    events = await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org)
    failure = await fails(caller(call(stub, change), MANAGED[change](issue)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.PERMISSION_DENIED, "ESCALATED_ISSUE"), change
    assert failure.metadata == {"resource": issue.name, "permission": "issue_escalation.manage"}
    assert f"may {change} it" in failure.message
    assert await caller(stub.GetIssue, api.GetIssueRequest(name=issue.name)) == issue
    assert await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org) == events


def test_the_escalation_path_holds_the_permission_and_the_team_does_not():
    holders = {r.value for r in PERSON_ROLES if Permission.ISSUE_ESCALATION_MANAGE in PERMISSIONS[r]}
    assert holders == set(ESCALATION_PATH)


@pytest.mark.parametrize("change", sorted(MANAGED))
@pytest.mark.parametrize("severity", [HIGH, CRITICAL])
@pytest.mark.parametrize("role", TEAM)
async def test_the_team_may_not_delete_close_resolve_or_downgrade_an_escalated_issue(
        risks_stub, as_role, org, project, db, role, severity, change):
    issue = await create_issue(risks_stub, as_role(role), project, severity=severity)
    await refused(risks_stub, as_role(role), issue, change, db, org)


@pytest.mark.parametrize("change", sorted(MANAGED))
@pytest.mark.parametrize("role", TEAM)
async def test_an_issue_raised_from_a_risk_is_managed_even_below_high(risks_stub, as_role, org, project, db, role,
                                                                      change):
    issue = await occurred_issue(risks_stub, as_role("pm"), project, MEDIUM)
    assert issue.source_risk and issue.severity == MEDIUM
    await refused(risks_stub, as_role(role), issue, change, db, org)


async def test_raising_to_high_and_resolving_at_once_is_managed(risks_stub, as_role, org, project, db):
    member = as_role("member")
    issue = await create_issue(risks_stub, member, project, severity=MEDIUM)
    failure = await fails(member(risks_stub.UpdateIssue, update(
        issue, severity=HIGH, status=pb.ISSUE_STATUS_RESOLVED, resolution="Done")))
    assert (failure.code, failure.reason) == (grpc.StatusCode.PERMISSION_DENIED, "ESCALATED_ISSUE")


@pytest.mark.parametrize("change", sorted(MANAGED))
@pytest.mark.parametrize("role", ESCALATION_PATH)
async def test_pmo_and_admin_may_delete_close_resolve_or_downgrade_it(risks_stub, as_role, project, role, change):
    issue = await create_issue(risks_stub, as_role("member"), project, severity=CRITICAL)
    await as_role(role)(call(risks_stub, change), MANAGED[change](issue))
    if change == "delete":
        assert (await fails(as_role(role)(risks_stub.GetIssue, api.GetIssueRequest(name=issue.name)))).code \
            == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("change", sorted(MANAGED))
async def test_the_governance_service_may_for_a_person(risks_stub, as_role, authority, org, project, db, change):
    issue = await occurred_issue(risks_stub, as_role("pm"), project, HIGH)
    await GovernanceCaller(authority, "sam")(call(risks_stub, change), MANAGED[change](issue))
    actor = await db.fetchrow("SELECT actor, on_behalf_of FROM audit_events WHERE org_id = $1 AND resource = $2 "
                              "ORDER BY seq DESC LIMIT 1", org, issue.name)
    assert tuple(actor) == ("svc-governance", "sam")


async def test_the_team_keeps_working_on_an_escalated_issue(risks_stub, as_role, project):
    member = as_role("member")
    issue = await create_issue(risks_stub, member, project, severity=HIGH)
    worked = await member(risks_stub.UpdateIssue, update(
        issue, owner="carol", description="Vendor engaged", status=pb.ISSUE_STATUS_IN_PROGRESS))
    assert (worked.owner, worked.status) == ("carol", pb.ISSUE_STATUS_IN_PROGRESS)
    raised = await member(risks_stub.UpdateIssue, update(issue, severity=CRITICAL))
    assert raised.severity == CRITICAL


@pytest.mark.parametrize("role", TEAM)
async def test_issues_below_high_stay_with_the_team(risks_stub, as_role, project, role):
    caller = as_role(role)
    issue = await create_issue(risks_stub, caller, project, severity=MEDIUM)
    lowered = await caller(risks_stub.UpdateIssue, update(issue, severity=LOW))
    resolved = await caller(risks_stub.UpdateIssue, update(issue, status=pb.ISSUE_STATUS_RESOLVED, resolution="x"))
    assert (lowered.severity, resolved.status) == (LOW, pb.ISSUE_STATUS_RESOLVED)
    await caller(risks_stub.DeleteIssue, api.DeleteIssueRequest(name=issue.name, request_id=rid()))


async def test_once_the_escalation_path_downgrades_it_the_team_may_close_it(risks_stub, as_role, project):
    issue = await create_issue(risks_stub, as_role("pm"), project, severity=HIGH)
    await as_role("pmo")(risks_stub.UpdateIssue, update(issue, severity=MEDIUM))
    closed = await as_role("pm")(risks_stub.UpdateIssue, update(issue, status=pb.ISSUE_STATUS_CLOSED))
    assert closed.status == pb.ISSUE_STATUS_CLOSED
