"""Issues, the escalation events they raise, and risks that occur and become issues."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2

from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from tests.services.risks.builders import a_risk, an_issue, create_issue, create_risk
from tests.support import fails, rid

INVALID = grpc.StatusCode.INVALID_ARGUMENT
HIGH, MEDIUM, LOW, CRITICAL = (pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_SEVERITY_MEDIUM, pb.ISSUE_SEVERITY_LOW,
                               pb.ISSUE_SEVERITY_CRITICAL)


async def regrade(stub, caller, issue: pb.Issue, severity: int) -> pb.Issue:
    return await caller(stub.UpdateIssue, api.UpdateIssueRequest(
        issue=pb.Issue(name=issue.name, severity=severity), update_mask=field_mask_pb2.FieldMask(paths=["severity"]),
        request_id=rid()))


async def events(stub, caller, org: str, token: str = "", page_size: int = 0) -> api.ListIssueEventsResponse:
    return await caller(stub.ListIssueEvents, api.ListIssueEventsRequest(
        parent=f"organizations/{org}", page_token=token, page_size=page_size))


# --- issues ----------------------------------------------------------------------

async def test_create_get_list_update_delete_an_issue(risks_stub, pm, project):
    issue = await create_issue(risks_stub, pm, project, "spec", due_date={"year": 2027, "month": 5, "day": 1})
    assert issue.name == f"{project}/issues/spec"
    assert (issue.status, issue.severity, issue.source_risk) == (pb.ISSUE_STATUS_OPEN, MEDIUM, "")
    assert await pm(risks_stub.GetIssue, api.GetIssueRequest(name=issue.name)) == issue
    listed = await pm(risks_stub.ListIssues, api.ListIssuesRequest(
        parent=project, filter="severity = ISSUE_SEVERITY_MEDIUM"))
    assert list(listed.issues) == [issue]
    resolved = await pm(risks_stub.UpdateIssue, api.UpdateIssueRequest(
        issue=pb.Issue(name=issue.name, status=pb.ISSUE_STATUS_RESOLVED, resolution="Spec written", etag=issue.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["status", "resolution"])))
    assert (resolved.status, resolved.resolution) == (pb.ISSUE_STATUS_RESOLVED, "Spec written")
    stale = await fails(pm(risks_stub.DeleteIssue, api.DeleteIssueRequest(name=issue.name, etag=issue.etag)))
    assert stale.code == grpc.StatusCode.ABORTED
    await pm(risks_stub.DeleteIssue, api.DeleteIssueRequest(name=issue.name, etag=resolved.etag))
    gone = await fails(pm(risks_stub.GetIssue, api.GetIssueRequest(name=issue.name)))
    assert gone.code == grpc.StatusCode.NOT_FOUND


async def test_team_members_raise_issues_viewers_do_not(risks_stub, as_role, project):
    await create_issue(risks_stub, as_role("member"), project)
    failure = await fails(create_issue(risks_stub, as_role("viewer"), project))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(("issue", "field"), [
    (an_issue(title=""), "issue.title"),
    (an_issue(title="t" * 201), "issue.title"),
    (an_issue(severity=pb.ISSUE_SEVERITY_UNSPECIFIED), "issue.severity"),
    (an_issue(severity=12), "issue.severity"),
    (an_issue(status=pb.ISSUE_STATUS_RESOLVED), "issue.resolution"),
    (an_issue(due_date={"year": 2027, "month": 2, "day": 29}), "issue.due_date"),
])
async def test_create_refuses_bad_fields(risks_stub, pm, project, issue, field):
    failure = await fails(pm(risks_stub.CreateIssue, api.CreateIssueRequest(parent=project, issue=issue)))
    assert failure.code == INVALID and field in failure.fields


async def test_create_in_a_missing_project_is_not_found(risks_stub, pm, org):
    failure = await fails(create_issue(risks_stub, pm, f"organizations/{org}/projects/nope"))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_validate_only_raises_nothing(risks_stub, pm, org, project):
    await pm(risks_stub.CreateIssue, api.CreateIssueRequest(parent=project, issue=an_issue(severity=HIGH),
                                                            validate_only=True))
    assert not (await pm(risks_stub.ListIssues, api.ListIssuesRequest(parent=project))).issues
    assert not (await events(risks_stub, pm, org)).events


async def test_update_refuses_bad_input_and_stale_etags(risks_stub, pm, project):
    issue = await create_issue(risks_stub, pm, project)
    failure = await fails(pm(risks_stub.UpdateIssue, api.UpdateIssueRequest(
        issue=pb.Issue(name=issue.name, severity=9), update_mask=field_mask_pb2.FieldMask(paths=["severity"]))))
    assert failure.code == INVALID and "issue.severity" in failure.fields
    failure = await fails(pm(risks_stub.UpdateIssue, api.UpdateIssueRequest(
        issue=pb.Issue(name=issue.name, source_risk="x"), update_mask=field_mask_pb2.FieldMask(paths=["source_risk"]))))
    assert failure.code == INVALID and "update_mask" in failure.fields
    await regrade(risks_stub, pm, issue, LOW)
    failure = await fails(pm(risks_stub.UpdateIssue, api.UpdateIssueRequest(
        issue=pb.Issue(name=issue.name, title="x", etag=issue.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["title"]))))
    assert failure.code == grpc.StatusCode.ABORTED


async def test_another_org_s_issues_are_permission_denied(risks_stub, as_role, org, project):
    issue = await create_issue(risks_stub, as_role("pm"), project)
    stranger = as_role("admin", org_id="someone-else")
    for call in (stranger(risks_stub.GetIssue, api.GetIssueRequest(name=issue.name)),
                 stranger(risks_stub.ListIssues, api.ListIssuesRequest(parent=project)),
                 stranger(risks_stub.ListIssueEvents, api.ListIssueEventsRequest(parent=f"organizations/{org}"))):
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED


async def test_issues_need_a_token(risks_stub, project):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await risks_stub.ListIssues(api.ListIssuesRequest(parent=project), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


# --- escalation events ------------------------------------------------------------

async def test_raising_at_high_or_critical_is_an_escalation_event(risks_stub, pm, org, project):
    high = await create_issue(risks_stub, pm, project, "outage", severity=HIGH, title="Outage", owner="carol")
    await create_issue(risks_stub, pm, project, "minor", severity=MEDIUM)
    critical = await create_issue(risks_stub, pm, project, "breach", severity=CRITICAL)
    got = await events(risks_stub, pm, org)
    assert [(e.sequence, e.issue, e.trigger, e.severity) for e in got.events] == [
        (1, high.name, pb.ESCALATION_TRIGGER_RAISED, HIGH), (2, critical.name, pb.ESCALATION_TRIGGER_RAISED, CRITICAL)]
    first = got.events[0]
    assert (first.title, first.owner, first.actor, first.previous_severity) == (
        "Outage", "carol", pm.sub, pb.ISSUE_SEVERITY_UNSPECIFIED)


async def test_regrading_up_to_high_escalates_but_low_to_medium_does_not(risks_stub, pm, as_role, org, project):
    issue = await create_issue(risks_stub, pm, project, severity=LOW)
    await regrade(risks_stub, pm, issue, MEDIUM)
    assert not (await events(risks_stub, pm, org)).events
    await regrade(risks_stub, pm, issue, HIGH)
    await regrade(risks_stub, pm, issue, CRITICAL)
    await regrade(risks_stub, as_role("pmo"), issue, MEDIUM)  # a downgrade: the escalation path's (pmo)
    got = await events(risks_stub, pm, org)
    assert [(e.trigger, e.previous_severity, e.severity) for e in got.events] == [
        (pb.ESCALATION_TRIGGER_REGRADED, MEDIUM, HIGH), (pb.ESCALATION_TRIGGER_REGRADED, HIGH, CRITICAL),
        (pb.ESCALATION_TRIGGER_ENDED, CRITICAL, MEDIUM)]  # below HIGH: the escalation ends


async def test_resolving_closing_or_deleting_an_escalated_issue_ends_its_escalation(risks_stub, pm, as_role, org,
                                                                                     project):
    pmo = as_role("pmo")  # the escalation path: only it resolves, closes or deletes an escalated issue
    resolved = await create_issue(risks_stub, pm, project, "resolved", severity=HIGH)
    closed = await create_issue(risks_stub, pm, project, "closed", severity=CRITICAL)
    deleted = await create_issue(risks_stub, pm, project, "deleted", severity=HIGH)
    quiet = await create_issue(risks_stub, pm, project, "quiet", severity=MEDIUM)
    for issue, status in ((resolved, pb.ISSUE_STATUS_RESOLVED), (closed, pb.ISSUE_STATUS_CLOSED),
                          (quiet, pb.ISSUE_STATUS_RESOLVED)):
        await pmo(risks_stub.UpdateIssue, api.UpdateIssueRequest(
            issue=pb.Issue(name=issue.name, status=status, resolution="done"),
            update_mask=field_mask_pb2.FieldMask(paths=["status", "resolution"]), request_id=rid()))
    await pmo(risks_stub.DeleteIssue, api.DeleteIssueRequest(name=deleted.name))
    await pmo(risks_stub.UpdateIssue, api.UpdateIssueRequest(  # already resolved: nothing ends twice
        issue=pb.Issue(name=resolved.name, status=pb.ISSUE_STATUS_CLOSED),
        update_mask=field_mask_pb2.FieldMask(paths=["status"]), request_id=rid()))
    got = await events(risks_stub, pm, org)
    ended = [(e.issue, e.severity) for e in got.events if e.trigger == pb.ESCALATION_TRIGGER_ENDED]
    assert ended == [(resolved.name, HIGH), (closed.name, CRITICAL), (deleted.name, HIGH)]


async def test_a_poller_resumes_from_the_token_and_sees_only_new_events(risks_stub, pm, org, project):
    empty = await events(risks_stub, pm, org)
    assert not empty.events and empty.next_page_token
    for i in range(3):
        await create_issue(risks_stub, pm, project, f"i{i}", severity=HIGH)
    page = await events(risks_stub, pm, org, empty.next_page_token, page_size=2)
    assert [e.sequence for e in page.events] == [1, 2]
    page = await events(risks_stub, pm, org, page.next_page_token, page_size=2)
    assert [e.sequence for e in page.events] == [3]
    caught_up = await events(risks_stub, pm, org, page.next_page_token)
    assert not caught_up.events and caught_up.next_page_token
    await create_issue(risks_stub, pm, project, "later", severity=CRITICAL)
    later = await events(risks_stub, pm, org, caught_up.next_page_token)
    assert [(e.sequence, e.issue) for e in later.events] == [(4, f"{project}/issues/later")]


async def test_a_retried_raise_writes_one_issue_and_one_event(risks_stub, pm, org, project):
    request = api.CreateIssueRequest(parent=project, issue=an_issue(severity=HIGH), request_id=rid())
    first = await pm(risks_stub.CreateIssue, request)
    assert await pm(risks_stub.CreateIssue, request) == first
    assert len((await pm(risks_stub.ListIssues, api.ListIssuesRequest(parent=project))).issues) == 1
    assert len((await events(risks_stub, pm, org)).events) == 1


@pytest.mark.parametrize(("parent", "token", "field"), [
    ("organizations/x/projects/y", "", "parent"),
    (None, "garbage", "page_token"),
])
async def test_list_events_refuses_bad_input(risks_stub, pm, org, parent, token, field):
    failure = await fails(pm(risks_stub.ListIssueEvents, api.ListIssueEventsRequest(
        parent=f"organizations/{org}" if parent is None else parent, page_token=token)))
    assert failure.code == INVALID and field in failure.fields


# --- risks that occur ---------------------------------------------------------------

async def test_occur_risk_marks_it_occurred_and_raises_the_linked_issue(risks_stub, pm, org, project):
    risk = await create_risk(risks_stub, pm, project, "supplier", title="Supplier fails", effect="Go-live slips",
                             probability=4, impact=4, owner="alice")
    done = await pm(risks_stub.OccurRisk, api.OccurRiskRequest(name=risk.name, issue_id="supplier-down",
                                                               etag=risk.etag, request_id=rid()))
    assert done.risk.status == pb.RISK_STATUS_OCCURRED
    issue = done.issue
    assert issue.name == f"{project}/issues/supplier-down"
    assert (issue.source_risk, issue.title, issue.description, issue.owner, issue.severity) == (
        risk.name, "Supplier fails", "Go-live slips", "alice", HIGH)
    assert await pm(risks_stub.GetIssue, api.GetIssueRequest(name=issue.name)) == issue
    history = await pm(risks_stub.ListRiskScoreHistory, api.ListRiskScoreHistoryRequest(parent=risk.name))
    assert [c.status for c in history.changes] == [pb.RISK_STATUS_OPEN, pb.RISK_STATUS_OCCURRED]
    got = await events(risks_stub, pm, org)
    assert [(e.issue, e.trigger) for e in got.events] == [(issue.name, pb.ESCALATION_TRIGGER_RAISED)]


async def test_occur_risk_takes_the_given_issue_fields(risks_stub, pm, org, project):
    risk = await create_risk(risks_stub, pm, project, probability=1, impact=2)
    done = await pm(risks_stub.OccurRisk, api.OccurRiskRequest(
        name=risk.name, issue=pb.Issue(title="Happened", severity=MEDIUM, owner="dave")))
    assert (done.issue.title, done.issue.severity, done.issue.owner) == ("Happened", MEDIUM, "dave")
    assert not (await events(risks_stub, pm, org)).events


async def test_a_retried_occur_risk_replays_and_raises_one_issue(risks_stub, pm, project):
    risk = await create_risk(risks_stub, pm, project)
    request = api.OccurRiskRequest(name=risk.name, request_id=rid())
    first = await pm(risks_stub.OccurRisk, request)
    assert await pm(risks_stub.OccurRisk, request) == first
    assert len((await pm(risks_stub.ListIssues, api.ListIssuesRequest(parent=project))).issues) == 1


async def test_an_occurred_risk_cannot_occur_again_nor_be_deleted(risks_stub, pm, project):
    risk = await create_risk(risks_stub, pm, project)
    await pm(risks_stub.OccurRisk, api.OccurRiskRequest(name=risk.name))
    again = await fails(pm(risks_stub.OccurRisk, api.OccurRiskRequest(name=risk.name)))
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RISK_NOT_ACTIVE")
    delete = await fails(pm(risks_stub.DeleteRisk, api.DeleteRiskRequest(name=risk.name)))
    assert (delete.code, delete.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RISK_OCCURRED")


async def test_opportunities_do_not_occur_as_issues(risks_stub, pm, project):
    risk = await pm(risks_stub.CreateRisk, api.CreateRiskRequest(parent=project, risk=a_risk(
        is_opportunity=True, response_strategy=pb.RESPONSE_STRATEGY_EXPLOIT)))
    failure = await fails(pm(risks_stub.OccurRisk, api.OccurRiskRequest(name=risk.name)))
    assert failure.reason == "OPPORTUNITY_CANNOT_OCCUR"


async def test_occur_risk_refuses_bad_input(risks_stub, as_role, project):
    pm = as_role("pm")
    risk = await create_risk(risks_stub, pm, project)
    cases = [
        (pm, api.OccurRiskRequest(name=f"{project}/risks/nope"), grpc.StatusCode.NOT_FOUND),
        (pm, api.OccurRiskRequest(name=risk.name, etag="stale"), grpc.StatusCode.ABORTED),
        (pm, api.OccurRiskRequest(name=risk.name, issue_id="Not Valid"), INVALID),
        (pm, api.OccurRiskRequest(name=risk.name, issue=pb.Issue(severity=9)), INVALID),
        (as_role("member"), api.OccurRiskRequest(name=risk.name), grpc.StatusCode.PERMISSION_DENIED),
        (as_role("admin", org_id="someone-else"), api.OccurRiskRequest(name=risk.name),
         grpc.StatusCode.PERMISSION_DENIED),
    ]
    for caller, request, code in cases:
        assert (await fails(caller(risks_stub.OccurRisk, request))).code == code
    assert (await pm(risks_stub.GetRisk, api.GetRiskRequest(name=risk.name))).status == pb.RISK_STATUS_OPEN
