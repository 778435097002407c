"""SubmitChangeRequest (validation, one process per request id, what-if), Get/List from the read model,
and withdrawal by the requester only."""

from __future__ import annotations

import grpc
from temporalio.client import Client

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.governance.v1 import resources_pb2 as pb
from services.governance import server as governance_server
from tests.services.governance.processes import a_change, change_request_in, open_task, submit, until
from tests.support import date, eur, fails, rid


async def test_a_retried_submit_starts_one_process_and_returns_the_same_change_request(
        governance_stub, worker, as_role, org, project, temporal_env, db_conn):
    pm = as_role("pm", "paula")
    request = api.SubmitChangeRequestRequest(parent=f"organizations/{org}", change_request=a_change(project),
                                             request_id=rid())
    first = await pm(governance_stub.SubmitChangeRequest, request)
    again = await pm(governance_stub.SubmitChangeRequest, request)
    assert again.name == first.name and again.workflow_id == first.workflow_id
    client: Client = temporal_env.client
    runs = [w async for w in client.list_workflows(f'WorkflowId = "{first.workflow_id}"')]
    assert len(runs) == 1
    assert await db_conn.fetchval("SELECT count(*) FROM processes WHERE org_id = $1", org) == 1
    other = await fails(pm(governance_stub.SubmitChangeRequest, api.SubmitChangeRequestRequest(
        parent=request.parent, change_request=a_change(project, title="Another change"),
        request_id=request.request_id)))
    assert (other.code, other.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
    someone_else = await fails(as_role("pm", "pete")(governance_stub.SubmitChangeRequest, request))
    assert someone_else.reason == "REQUEST_ID_REUSED"


async def test_validate_only_assesses_and_routes_without_starting_anything(governance_stub, worker, as_role, org,
                                                                          project, db_conn):
    what_if = await submit(governance_stub, as_role("pm", "paula"), org,
                           a_change(project, budget_delta=eur(50_000), new_end_date=date(2027, 8, 31)),
                           validate_only=True)
    assert what_if.impact.new_budget == eur(150_000) and what_if.impact.new_end_date == date(2027, 8, 31)
    assert what_if.impact.schedule_delta_days == 62 and what_if.route.tier == "critical"
    assert what_if.state == pb.CHANGE_REQUEST_STATE_UNSPECIFIED and not what_if.etag and not what_if.workflow_id
    assert list(what_if.route.candidates.roles) == ["pmo", "sponsor"] and what_if.route.rule.kind == pb.RULE_KIND_TIERS
    assert await db_conn.fetchval("SELECT count(*) FROM processes WHERE org_id = $1", org) == 0
    standard = await submit(governance_stub, as_role("pm", "paula"), org, a_change(
        project, type=pb.CHANGE_TYPE_STANDARD, catalogue_item="small-budget-adjustment", budget_delta=eur(800)),
        validate_only=True)
    assert standard.route.auto_approved and standard.route.tier == "standard"
    too_big = await fails(submit(governance_stub, as_role("pm", "paula"), org, a_change(
        project, type=pb.CHANGE_TYPE_STANDARD, catalogue_item="small-budget-adjustment", budget_delta=eur(5_000)),
        validate_only=True))
    assert "change_request.catalogue_item" in too_big.fields


async def test_a_standard_change_is_applied_without_a_task(governance_stub, worker, as_role, org, project):
    pm = as_role("pm", "paula")
    request_id = rid()
    change = a_change(project, type=pb.CHANGE_TYPE_STANDARD, catalogue_item="small-budget-adjustment",
                      budget_delta=eur(500))
    cr = await submit(governance_stub, pm, org, change, request_id=request_id)
    done = await change_request_in(governance_stub, pm, cr.name, pb.CHANGE_REQUEST_STATE_COMPLETED)
    assert done.route.auto_approved and not done.tasks
    retried = await submit(governance_stub, pm, org, change, request_id=request_id)  # after the process ended
    assert retried.name == cr.name and retried.state == pb.CHANGE_REQUEST_STATE_COMPLETED


async def test_the_requester_withdraws_and_nobody_else_may(governance_stub, worker, as_role, org, project, db_conn):
    pm = as_role("pm", "paula")
    cr = await submit(governance_stub, pm, org, a_change(project))
    task = await open_task(governance_stub, pm, cr.name)
    other = await fails(as_role("pm,pmo", "pete")(governance_stub.WithdrawChangeRequest,
                                                  api.WithdrawChangeRequestRequest(name=cr.name)))
    assert (other.code, other.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_ALLOWED")
    withdrawn = await pm(governance_stub.WithdrawChangeRequest, api.WithdrawChangeRequestRequest(
        name=cr.name, reason="no longer needed", request_id=rid()))
    assert withdrawn.state == pb.CHANGE_REQUEST_STATE_WITHDRAWN and withdrawn.outcome_reason == "no longer needed"
    cancelled = await pm(governance_stub.GetTask, api.GetTaskRequest(name=task.name))
    assert cancelled.state == pb.TASK_STATE_CANCELLED
    again = await fails(pm(governance_stub.WithdrawChangeRequest, api.WithdrawChangeRequestRequest(name=cr.name)))
    assert again.code == grpc.StatusCode.FAILED_PRECONDITION
    reasons = [r["reason"] for r in await db_conn.fetch(
        "SELECT reason FROM refused_attempts WHERE org_id = $1 AND method = 'WithdrawChangeRequest' ORDER BY seq",
        org)]
    assert reasons[0] == "NOT_ALLOWED" and len(reasons) == 2


async def test_list_filters_and_pages(governance_stub, worker, as_role, org, project):
    pm, sponsor = as_role("pm", "paula"), as_role("sponsor", "sam")
    mine = [await submit(governance_stub, pm, org, a_change(project, title=f"Change {i}")) for i in range(3)]
    theirs = await submit(governance_stub, sponsor, org, a_change(project, type=pb.CHANGE_TYPE_EMERGENCY))
    viewer = as_role("viewer")
    parent = f"organizations/{org}"

    async def names(**kw) -> list[str]:
        found, token = [], ""
        while True:
            page = await viewer(governance_stub.ListChangeRequests, api.ListChangeRequestsRequest(
                parent=parent, page_size=2, page_token=token, **kw))
            found += [c.name for c in page.change_requests]
            token = page.next_page_token
            if not token:
                return found

    assert await names() == [c.name for c in [*mine, theirs]]
    assert await names(filter='requester = "sam"') == [theirs.name]
    assert await names(filter="type = CHANGE_TYPE_EMERGENCY") == [theirs.name]
    assert await names(filter=f'project = "{project}" AND requester = "paula"') == [c.name for c in mine]
    await until(lambda: names(filter="state = CHANGE_REQUEST_STATE_PENDING_APPROVAL"), lambda n: len(n) == 4,
                "four pending change requests")
    bad = await fails(viewer(governance_stub.ListChangeRequests, api.ListChangeRequestsRequest(
        parent=parent, filter="state = PENDING")))
    assert "filter" in bad.fields


async def test_submit_is_validated_field_by_field(governance_stub, as_role, org, project):
    pm = as_role("pm", "paula")
    nothing = await fails(submit(governance_stub, pm, org, pb.ChangeRequest(title="x" * 201)))
    assert set(nothing.fields) == {"change_request.project", "change_request.type", "change_request.title",
                                   "change_request"}
    other_org = await fails(submit(governance_stub, pm, org, a_change("organizations/elsewhere/projects/apollo")))
    assert set(other_org.fields) == {"change_request.project"}
    standard = await fails(submit(governance_stub, pm, org, a_change(project, type=pb.CHANGE_TYPE_STANDARD)))
    assert set(standard.fields) == {"change_request.catalogue_item"}
    unknown_item = await fails(submit(governance_stub, pm, org, a_change(
        project, type=pb.CHANGE_TYPE_STANDARD, catalogue_item="nope")))
    assert set(unknown_item.fields) == {"change_request.catalogue_item"}
    beyond = await fails(submit(governance_stub, pm, org, a_change(
        project, type=pb.CHANGE_TYPE_STANDARD, catalogue_item="minor-date-shift", budget_delta=None,
        new_end_date=date(2027, 7, 10))))
    assert "exceeds" in beyond.fields["change_request.catalogue_item"]
    both = await fails(submit(governance_stub, pm, org, a_change(
        project, schedule_delta_days=3, new_end_date=date(2027, 2, 30),
        milestone_changes=[pb.MilestoneChange(milestone=f"{project}/tasks/x")],
        linked_risk="organizations/elsewhere/projects/apollo/risks/r1")))
    assert set(both.fields) == {"change_request.new_end_date", "change_request.milestone_changes[0].milestone",
                                "change_request.milestone_changes[0].new_due_date", "change_request.linked_risk"}
    usd = await fails(submit(governance_stub, pm, org, a_change(project, budget_delta=pb.ChangeRequest().budget_delta)))
    assert "change_request.budget_delta.currency_code" in usd.fields
    dollars = a_change(project)
    dollars.budget_delta.currency_code = "USD"
    wrong_currency = await fails(submit(governance_stub, pm, org, dollars))
    assert set(wrong_currency.fields) == {"change_request.budget_delta.currency_code"}
    missing = await fails(submit(governance_stub, pm, org, a_change(f"organizations/{org}/projects/nope")))
    assert set(missing.fields) == {"change_request.project"}
    bad_id = await fails(submit(governance_stub, pm, org, a_change(project), request_id="again"))
    assert set(bad_id.fields) == {"request_id"}
    long_reason = await fails(pm(governance_stub.WithdrawChangeRequest, api.WithdrawChangeRequestRequest(
        name=f"organizations/{org}/changeRequests/abc", reason="x" * 2001)))
    assert set(long_reason.fields) == {"reason"}
    not_found = await fails(pm(governance_stub.GetChangeRequest, api.GetChangeRequestRequest(
        name=f"organizations/{org}/changeRequests/abc")))
    assert not_found.code == grpc.StatusCode.NOT_FOUND


async def test_a_submit_is_accepted_and_listed_while_no_worker_runs(governance_settings, database_url, authority,
                                                                    temporal_env, as_role, org, project):
    lonely = governance_settings.model_copy(update={"temporal_task_queue": "nobody-polls-" + rid()[:8]})
    running = await governance_server.start(lonely, database_url, "127.0.0.1:0", authority,
                                            client=temporal_env.client)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        stub = governance_service_pb2_grpc.GovernanceServiceStub(channel)
        pm = as_role("pm", "paula")
        request_id = rid()
        cr = await submit(stub, pm, org, a_change(project), request_id=request_id)
        assert cr.state == pb.CHANGE_REQUEST_STATE_ASSESSING and cr.requester == "paula"
        assert (await pm(stub.GetChangeRequest, api.GetChangeRequestRequest(name=cr.name))) == cr
        listed = await pm(stub.ListChangeRequests, api.ListChangeRequestsRequest(parent=f"organizations/{org}"))
        assert [c.name for c in listed.change_requests] == [cr.name]
        assert (await submit(stub, pm, org, a_change(project), request_id=request_id)).name == cr.name
        await temporal_env.client.get_workflow_handle(cr.workflow_id).terminate("test over")
    finally:
        await channel.close()
        await running.stop()
