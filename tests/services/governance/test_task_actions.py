"""Deciding, claiming, releasing and reassigning tasks over gRPC on a running change request: who may,
what a refusal answers and leaves behind (a refused attempt and an audit event), and retries."""

from __future__ import annotations

import grpc

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from tests.services.governance.builders import delegation_to
from tests.services.governance.processes import a_change, change_request_in, decide, open_task, submit
from tests.support import fails, rid


async def _pending(governance_stub, as_role, org, project, requester=("pm,pmo", "paula")):
    """A change request of `requester` waiting for a pmo's approval; returns (change request, task)."""
    pm = as_role(*requester)
    submitted = await submit(governance_stub, pm, org, a_change(project))
    return submitted, await open_task(governance_stub, pm, submitted.name)


async def _refusals(db_conn, org: str) -> list[tuple]:
    rows = await db_conn.fetch("SELECT actor, on_behalf_of, method, target, reason FROM refused_attempts "
                               "WHERE org_id = $1 ORDER BY seq", org)
    return [tuple(r) for r in rows]


async def test_the_requester_deciding_their_own_request_is_refused_and_recorded(governance_stub, worker, as_role,
                                                                                org, project, db_conn):
    cr, task = await _pending(governance_stub, as_role, org, project)
    refused = await fails(decide(governance_stub, as_role("pm,pmo", "paula"), task.name, "APPROVE"))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED and refused.reason == "SELF_APPROVAL"
    assert await _refusals(db_conn, org) == [("paula", "", "DecideTask", task.name, "SELF_APPROVAL")]
    event = await db_conn.fetchrow("SELECT * FROM audit_events WHERE org_id = $1 AND action = 'DecideTaskRefused'",
                                   org)
    assert event["actor"] == "paula" and event["resource"] == task.name
    assert '"SELF_APPROVAL"' in event["detail"]
    unchanged = await as_role("viewer")(governance_stub.GetTask, api.GetTaskRequest(name=task.name))
    assert unchanged.state == pb.TASK_STATE_OPEN and not unchanged.decisions


async def test_refusals_answer_with_their_status(governance_stub, worker, as_role, org, project, db_conn):
    cr, task = await _pending(governance_stub, as_role, org, project)
    not_candidate = await fails(decide(governance_stub, as_role("finance", "fred"), task.name, "APPROVE"))
    assert (not_candidate.code, not_candidate.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_A_CANDIDATE")
    bad_choice = await fails(decide(governance_stub, as_role("pmo", "olga"), task.name, "GO"))
    assert (bad_choice.code, bad_choice.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_CHOICE")
    assert "choice" in bad_choice.fields
    await decide(governance_stub, as_role("pmo", "olga"), task.name, "REJECT", "not now")
    closed = await fails(decide(governance_stub, as_role("pmo", "otto"), task.name, "APPROVE"))
    assert closed.code == grpc.StatusCode.FAILED_PRECONDITION and closed.reason in ("TASK_CLOSED", "PROCESS_CLOSED")
    assert [r[4] for r in await _refusals(db_conn, org)][:2] == ["NOT_A_CANDIDATE", "INVALID_CHOICE"]
    rejected = await change_request_in(governance_stub, as_role("viewer"), cr.name, pb.CHANGE_REQUEST_STATE_REJECTED)
    assert "not now" in rejected.outcome_reason


async def test_a_retried_decision_is_answered_once(governance_stub, worker, as_role, org, project):
    cr, task = await _pending(governance_stub, as_role, org, project)
    olga = as_role("pmo", "olga")
    request = api.DecideTaskRequest(name=task.name, choice="APPROVE", comment="ok", request_id=rid())
    first = await olga(governance_stub.DecideTask, request)
    again = await olga(governance_stub.DecideTask, request)
    assert [d.voter for d in again.decisions] == ["olga"]
    assert again.state == first.state == pb.TASK_STATE_DECIDED
    await change_request_in(governance_stub, olga, cr.name, pb.CHANGE_REQUEST_STATE_COMPLETED)
    after_the_end = await olga(governance_stub.DecideTask, request)  # the process has completed meanwhile
    assert [d.voter for d in after_the_end.decisions] == ["olga"]
    bad = await fails(olga(governance_stub.DecideTask, api.DecideTaskRequest(name=task.name, choice="APPROVE",
                                                                            request_id="not-a-uuid")))
    assert "request_id" in bad.fields


async def test_claim_release_and_reassign(governance_stub, worker, as_role, org, project, db_conn):
    cr, task = await _pending(governance_stub, as_role, org, project)
    olga, otto = as_role("pmo", "olga"), as_role("pmo", "otto")
    claimed = await olga(governance_stub.ClaimTask, api.ClaimTaskRequest(name=task.name, request_id=rid()))
    assert claimed.state == pb.TASK_STATE_CLAIMED and claimed.claimant == "olga"
    assert list(claimed.pending_approvers) == ["olga"]
    taken = await fails(decide(governance_stub, otto, task.name, "APPROVE"))
    assert (taken.code, taken.reason) == (grpc.StatusCode.PERMISSION_DENIED, "CLAIMED_BY_OTHER")
    inbox = await otto(governance_stub.ListTasks, api.ListTasksRequest(parent=f"organizations/{org}", assignee="me"))
    assert task.name not in [t.name for t in inbox.tasks]
    not_mine = await fails(as_role("pm", "pete")(governance_stub.ReleaseTask, api.ReleaseTaskRequest(name=task.name)))
    assert (not_mine.code, not_mine.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_CLAIMANT")
    released = await olga(governance_stub.ReleaseTask, api.ReleaseTaskRequest(name=task.name))
    assert released.state == pb.TASK_STATE_OPEN and not released.claimant
    to_requester = await fails(otto(governance_stub.ReassignTask, api.ReassignTaskRequest(
        name=task.name, assignee="paula")))
    assert (to_requester.code, to_requester.reason) == (grpc.StatusCode.PERMISSION_DENIED, "SELF_APPROVAL")
    denied = await fails(as_role("pm", "pete")(governance_stub.ReassignTask, api.ReassignTaskRequest(
        name=task.name, assignee="sam")))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED and denied.reason == "PERMISSION_DENIED"  # the role
    reassigned = await otto(governance_stub.ReassignTask, api.ReassignTaskRequest(
        name=task.name, assignee="sam", reason="sam knows the vendor"))
    assert reassigned.assignee == "sam" and list(reassigned.pending_approvers) == ["sam"]
    sams = await as_role("member", "sam")(governance_stub.ListTasks, api.ListTasksRequest(
        parent=f"organizations/{org}", assignee="me"))
    assert [t.name for t in sams.tasks] == [task.name]
    decided = await decide(governance_stub, as_role("member", "sam"), task.name, "APPROVE")
    assert decided.outcome == "APPROVE"
    kinds = [e.kind for e in decided.history]
    assert kinds[:5] == ["OPENED", "CLAIMED", "RELEASED", "REASSIGNED", "DECIDED"]
    audited = [r["action"] for r in await db_conn.fetch(
        "SELECT action FROM audit_events WHERE org_id = $1 AND resource = $2 ORDER BY seq", org, task.name)]
    assert audited == ["TaskOpened", "TaskClaimed", "DecideTaskRefused", "ReleaseTaskRefused", "TaskReleased",
                       "ReassignTaskRefused", "TaskReassigned", "TaskDecided", "TaskClosed"]


async def test_a_delegate_decides_for_the_delegator_but_never_on_the_delegators_own_request(
        governance_stub, worker, as_role, org, project, db_conn):
    # carol (pmo) hands her approvals to dave (a member, no candidate himself)
    await as_role("pmo", "carol")(governance_stub.SetDelegation, delegation_to(org, "dave", 3))
    dave = as_role("member", "dave")
    cr, task = await _pending(governance_stub, as_role, org, project)
    decided = await decide(governance_stub, dave, task.name, "APPROVE", "for carol")
    assert [(d.voter, d.actor, d.on_behalf_of) for d in decided.decisions] == [("carol", "dave", "carol")]
    own, own_task = await _pending(governance_stub, as_role, org, project, requester=("pmo", "carol"))
    refused = await fails(decide(governance_stub, dave, own_task.name, "APPROVE"))
    assert (refused.code, refused.reason) == (grpc.StatusCode.PERMISSION_DENIED, "SELF_APPROVAL")
    assert (await _refusals(db_conn, org))[-1] == ("dave", "carol", "DecideTask", own_task.name, "SELF_APPROVAL")


async def test_task_requests_are_validated(governance_stub, as_role, org):
    name = f"organizations/{org}/tasks/abc"
    pmo = as_role("pmo")
    no_choice = await fails(pmo(governance_stub.DecideTask, api.DecideTaskRequest(
        name=name, comment="x" * 4001, conditions=[pb.GateCondition(met=True)])))
    assert set(no_choice.fields) == {"choice", "comment", "conditions[0].description", "conditions[0].met"}
    no_assignee = await fails(pmo(governance_stub.ReassignTask, api.ReassignTaskRequest(name=name)))
    assert set(no_assignee.fields) == {"assignee"}
    bad_name = await fails(pmo(governance_stub.ClaimTask, api.ClaimTaskRequest(name=f"organizations/{org}/task/x")))
    assert "name" in bad_name.fields
    missing = await fails(pmo(governance_stub.ClaimTask, api.ClaimTaskRequest(name=name)))
    assert missing.code == grpc.StatusCode.NOT_FOUND
