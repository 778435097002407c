"""The read model the workflows keep (through GovernanceActivities) and what the API reads from it: the
inbox in due order with keyset pages and filters, GetTask, and a retry that changes nothing."""

from __future__ import annotations

import grpc
import pytest

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from services.platform import audit
from tests.services.governance.builders import a_process, a_task, delegation_to, synced
from tests.support import fails
from workflows.activities.governance import GovernanceActivities
from workflows.approvals import Candidates, Notification, OpenProcessesQuery, TaskEvent


@pytest.fixture
def activities(governance_pool) -> GovernanceActivities:
    return GovernanceActivities(governance_pool)


async def _audited(db_conn, org: str) -> list[str]:
    return [r["action"] for r in await db_conn.fetch(
        "SELECT action FROM audit_events WHERE org_id = $1 ORDER BY seq", org)]


async def test_a_task_version_is_written_and_audited_once(activities, db_conn, org):
    task = a_task(org, "t1")
    assert await activities.sync_task(synced(task))
    assert not await activities.sync_task(synced(task))  # a retried activity
    task.version, task.state = 2, "CLAIMED"
    task.claimant = "olga"
    claimed = TaskEvent(task.created, "CLAIMED", actor="olga")
    task.history.append(claimed)
    assert await activities.sync_task(synced(task, [claimed]))
    older = a_task(org, "t1", version=1)
    assert not await activities.sync_task(synced(older))  # arriving late: no regression
    row = await db_conn.fetchrow("SELECT * FROM tasks WHERE org_id = $1 AND id = 't1'", org)
    assert (row["state"], row["version"], row["pending_approvers"]) == ("CLAIMED", 2, ["olga"])
    assert await _audited(db_conn, org) == ["TaskOpened", "TaskClaimed"]
    event = await db_conn.fetchrow("SELECT * FROM audit_events WHERE org_id = $1 AND action = 'TaskClaimed'", org)
    assert event["actor"] == "olga" and event["resource"] == f"organizations/{org}/tasks/t1"
    assert (await audit.verify_chain(db_conn, org)).ok


async def test_processes_are_written_once_and_open_ones_listed(activities, db_conn, org):
    assert await activities.sync_process(a_process(org, "cr1"))
    assert not await activities.sync_process(a_process(org, "cr1"))
    await activities.sync_process(a_process(org, "cr2"))
    await activities.sync_process(a_process(org, "cr3", state="COMPLETED"))
    await activities.sync_process(a_process(org, "cr4", project="other"))
    await activities.sync_process(a_process(org, "g1", kind="phase_gate"))
    others = await activities.open_processes(OpenProcessesQuery(org=org, kind="change_request", project="apollo",
                                                                exclude_id="cr1"))
    assert others == [f"organizations/{org}/changeRequests/cr2"]
    await activities.sync_process(a_process(org, "cr2", state="WITHDRAWN", version=2, events=[
        TaskEvent(a_task(org, "x").created, "WITHDRAWN", actor="paula")]))
    assert await activities.open_processes(OpenProcessesQuery(org, "change_request", "apollo", "cr1")) == []
    assert (await _audited(db_conn, org)).count("ChangeRequestSubmitted") == 4
    assert "ChangeRequestWithdrawn" in await _audited(db_conn, org)


async def test_a_notification_is_queued_once(activities, db_conn, org):
    note = Notification(org=org, kind="TASK_OPENED", subject="x", recipients=["role:pmo"], message="decide",
                        idempotency_key=f"{org}/wf/t/opened")
    assert await activities.notify(note)
    assert not await activities.notify(note)
    assert await db_conn.fetchval("SELECT count(*) FROM notifications WHERE org_id = $1", org) == 1


async def _inbox(stub, caller, org: str, **kw) -> api.ListTasksResponse:
    return await caller(stub.ListTasks, api.ListTasksRequest(parent=f"organizations/{org}", **kw))


def _ids(response: api.ListTasksResponse) -> list[str]:
    return [t.name.rsplit("/", 1)[-1] for t in response.tasks]


async def test_my_inbox_holds_my_roles_my_name_and_my_delegators_overdue_first(activities, governance_stub, as_role,
                                                                                 org):
    for task in [
        a_task(org, "pmo-later", due_in_h=48),
        a_task(org, "pmo-overdue", due_in_h=-5),
        a_task(org, "named", due_in_h=10, candidates=Candidates(people=["olga"])),
        a_task(org, "sponsor", due_in_h=1, candidates=Candidates(roles=["sponsor"])),
        a_task(org, "own-request", due_in_h=2, requester="olga"),
        a_task(org, "closed", due_in_h=-50, state="DECIDED"),
        a_task(org, "carols", due_in_h=30, candidates=Candidates(people=["carol"])),
    ]:
        await activities.sync_task(synced(task))
    olga = as_role("pmo", "olga")
    assert _ids(await _inbox(governance_stub, olga, org, assignee="me")) == ["pmo-overdue", "named", "pmo-later"]
    # carol (a sponsor) hands her approvals to olga
    await as_role("sponsor", "carol")(governance_stub.SetDelegation, delegation_to(org, "olga", 2))
    assert _ids(await _inbox(governance_stub, olga, org, assignee="me")) == [
        "pmo-overdue", "sponsor", "named", "carols", "pmo-later"]
    everything = await _inbox(governance_stub, as_role("viewer"), org, include_closed=True)
    assert _ids(everything)[0] == "closed" and len(everything.tasks) == 7
    assert _ids(await _inbox(governance_stub, as_role("viewer"), org)) == [
        "pmo-overdue", "sponsor", "own-request", "named", "carols", "pmo-later"]


async def test_pages_follow_the_due_order_and_belong_to_their_query(activities, governance_stub, as_role, org):
    for i in range(7):
        await activities.sync_task(synced(a_task(org, f"t{i}", due_in_h=i)))
    olga = as_role("pmo", "olga")
    seen, token = [], ""
    while True:
        page = await _inbox(governance_stub, olga, org, assignee="me", page_size=3, page_token=token)
        seen += _ids(page)
        token = page.next_page_token
        if not token:
            break
    assert seen == [f"t{i}" for i in range(7)]
    first = await _inbox(governance_stub, olga, org, assignee="me", page_size=3)
    other_query = await fails(_inbox(governance_stub, olga, org, page_size=3, page_token=first.next_page_token))
    assert other_query.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in other_query.fields
    someone_else = await fails(_inbox(governance_stub, as_role("pmo", "pete"), org, assignee="me",
                                      page_token=first.next_page_token))
    assert "page_token" in someone_else.fields
    garbage = await fails(_inbox(governance_stub, olga, org, page_token="not-a-token"))
    assert "page_token" in garbage.fields


async def test_filters_on_kind_state_project_and_process(activities, governance_stub, as_role, org):
    await activities.sync_task(synced(a_task(org, "cr", kind="CHANGE_APPROVAL")))
    await activities.sync_task(synced(a_task(org, "gate", kind="PHASE_GATE", project="zeus")))
    await activities.sync_task(synced(a_task(org, "done", state="DECIDED")))
    viewer = as_role("viewer")
    assert _ids(await _inbox(governance_stub, viewer, org, filter="kind = TASK_KIND_PHASE_GATE")) == ["gate"]
    assert _ids(await _inbox(governance_stub, viewer, org, filter=f'project = "organizations/{org}/projects/zeus"')) \
        == ["gate"]
    assert _ids(await _inbox(governance_stub, viewer, org, include_closed=True,
                             filter="state = TASK_STATE_DECIDED")) == ["done"]
    assert _ids(await _inbox(governance_stub, viewer, org,
                             filter=f'process = "organizations/{org}/changeRequests/cr-cr"')) == ["cr"]
    bad = await fails(_inbox(governance_stub, viewer, org, filter="kind = OPEN"))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT and "filter" in bad.fields
    bad = await fails(_inbox(governance_stub, viewer, org, assignee="olga"))
    assert "assignee" in bad.fields


async def test_get_task_shows_the_task_as_the_workflow_published_it(activities, governance_stub, as_role, org):
    await activities.sync_task(synced(a_task(org, "t1", due_in_h=-1)))
    name = f"organizations/{org}/tasks/t1"
    task = await as_role("viewer")(governance_stub.GetTask, api.GetTaskRequest(name=name))
    assert task.name == name and task.kind == pb.TASK_KIND_CHANGE_APPROVAL and task.state == pb.TASK_STATE_OPEN
    assert task.requester == "paula" and list(task.pending_approvers) == ["role:pmo"]
    assert task.project == f"organizations/{org}/projects/apollo"
    assert task.process == f"organizations/{org}/changeRequests/cr-t1"
    assert task.sla_state == pb.SLA_STATE_BREACHED  # as of now, not as published
    assert [e.kind for e in task.history] == ["OPENED"] and task.etag
    missing = await fails(as_role("viewer")(governance_stub.GetTask, api.GetTaskRequest(
        name=f"organizations/{org}/tasks/nope")))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    other = await fails(as_role("admin", "mallory", org_id="elsewhere")(governance_stub.GetTask,
                                                                         api.GetTaskRequest(name=name)))
    assert other.code == grpc.StatusCode.PERMISSION_DENIED
