"""Events out over gRPC: CreateWebhook (its checks, the secret shown once), ListWebhooks, DeleteWebhook,
ListDeliveries; a change request decided through the API reaches a real receiver on loopback as signed
CloudEvents. Webhooks to loopback are created through a GovernanceService in dev mode; the session's one runs
as in production and refuses them."""

from __future__ import annotations

import datetime as dt
import json

import grpc
import pytest

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.governance.v1 import webhooks_pb2 as wpb
from services.governance import events
from tests.services.governance.processes import a_change, change_request_in, decide, open_task, submit, until
from tests.support import fails, rid
from tests.webhook_receiver import Receiver, dev_mode_governance

P = "com.pmaas.governance."


@pytest.fixture
async def dev_stub(governance_settings, runtime_database_url, authority, temporal_env):
    async with dev_mode_governance(governance_settings, runtime_database_url, authority, temporal_env.client) as s:
        yield s


def create(stub, caller, org: str, uri: str, *types: str, request_id: str = "", **fields):
    return caller(stub.CreateWebhook, wpb.CreateWebhookRequest(
        parent=f"organizations/{org}", request_id=request_id or rid(),
        webhook=wpb.Webhook(uri=uri, event_types=list(types), **fields)))


async def test_an_approved_change_request_reaches_the_receiver_as_signed_submitted_decided_applied_events(
        dev_stub, governance_stub, worker, as_role, org, project):
    pm, pmo = as_role("pm", "paula"), as_role("pmo", "olga")
    with Receiver() as receiver:
        hook = await create(dev_stub, as_role("admin"), org, receiver.url, description="ERP integration")
        assert hook.secret.startswith("whsec_") and hook.state == wpb.WEBHOOK_STATE_ACTIVE
        cr = await submit(governance_stub, pm, org, a_change(project))
        task = await open_task(governance_stub, pmo, cr.name)
        await decide(governance_stub, pmo, task.name, "APPROVE", "fine")
        await change_request_in(governance_stub, pm, cr.name, pb.CHANGE_REQUEST_STATE_COMPLETED)
        got = await receiver.wait_delivered(3)

    bodies = [json.loads(r.body) for r in got]
    assert sorted(b["type"] for b in bodies) == [P + "change_request.applied", P + "change_request.decided",
                                                 P + "change_request.submitted"]
    assert {b["subject"] for b in bodies} == {cr.name}
    assert {b["source"] for b in bodies} == {f"//pmaas/organizations/{org}"}
    assert all(events.verify(hook.secret, r.headers, r.body, dt.datetime.now(dt.UTC)) for r in got)
    decided = next(b for b in bodies if b["type"].endswith("decided"))
    assert decided["data"]["entry"]["kind"] == "APPROVED" and decided["data"]["state"] == "APPROVED"
    assert len(receiver.requests) == 3  # nothing sent twice

    listed = await until(lambda: pmo(governance_stub.ListDeliveries, wpb.ListDeliveriesRequest(parent=hook.name)),
                         lambda r: len(r.deliveries) == 3 and all(d.state == wpb.DELIVERY_STATE_DELIVERED
                                                                  for d in r.deliveries), "3 deliveries delivered")
    assert {d.event_id for d in listed.deliveries} == {b["id"] for b in bodies}
    assert all(d.name.startswith(hook.name + "/deliveries/") and d.attempt_count == 1 and d.last_status_code == 204
               and [(a.series, a.attempt, a.status_code) for a in d.attempts] == [(1, 1, 204)]
               for d in listed.deliveries)
    failed = await pmo(governance_stub.ListDeliveries, wpb.ListDeliveriesRequest(
        parent=f"organizations/{org}", filter="state = DELIVERY_STATE_FAILED"))
    assert list(failed.deliveries) == []
    paged, token = [], ""
    while True:  # keyset pages, newest first
        page = await pmo(governance_stub.ListDeliveries, wpb.ListDeliveriesRequest(
            parent=f"organizations/{org}", page_size=2, page_token=token))
        paged += page.deliveries
        token = page.next_page_token
        if not token:
            break
    assert [d.name for d in paged] == [d.name for d in listed.deliveries]
    assert [d.event_type for d in paged] == [P + "change_request.applied", P + "change_request.decided",
                                             P + "change_request.submitted"]


async def test_a_webhook_subscribed_to_escalations_gets_raised_and_resolved_and_nothing_else(
        dev_stub, governance_stub, worker, as_role, org, project):
    pm = as_role("pm", "pete")
    with Receiver() as receiver:
        hook = await create(dev_stub, as_role("pmo"), org, receiver.url, P + "escalation.raised",
                            P + "escalation.resolved")
        await submit(governance_stub, pm, org, a_change(project))  # a change request: not subscribed
        raised = await pm(governance_stub.RaiseEscalation, api.RaiseEscalationRequest(
            parent=project, request_id=rid(), escalation=pb.Escalation(title="Vendor API down", severity=3)))
        await pm(governance_stub.ResolveEscalation, api.ResolveEscalationRequest(
            name=raised.name, resolution="vendor fixed it", request_id=rid()))
        got = await receiver.wait_delivered(2)
    bodies = [json.loads(r.body) for r in got]
    assert sorted(b["type"] for b in bodies) == [P + "escalation.raised", P + "escalation.resolved"]
    assert {b["subject"] for b in bodies} == {raised.name}
    resolved = next(b for b in bodies if b["type"].endswith("resolved"))["data"]
    assert (resolved["entry"]["actor"], resolved["entry"]["comment"], resolved["project"]) == (
        "pete", "vendor fixed it", project)
    assert all(events.verify(hook.secret, r.headers, r.body, dt.datetime.now(dt.UTC)) for r in got)


async def test_bad_webhooks_are_refused_field_by_field(dev_stub, governance_stub, as_role, org):
    admin = as_role("admin")
    cases = {
        "http://hooks.example.com/x": "must use https",
        "ftp://hooks.example.com/x": "absolute https:// URL",
        "hooks.example.com/x": "absolute https:// URL",
        "https://user:pw@hooks.example.com/x": "credentials",
        "https://10.1.2.3/x": "not a public address",
        "https://169.254.169.254/latest": "not a public address",
        "": "is required",
    }
    for uri, reason in cases.items():
        refused = await fails(create(dev_stub, admin, org, uri))
        assert refused.code == grpc.StatusCode.INVALID_ARGUMENT and reason in refused.fields["webhook.uri"], uri
    # Loopback: only in dev mode; the session's service runs as in production.
    for uri in ("http://127.0.0.1:9/x", "https://localhost/x", "http://[::1]:9/x"):
        refused = await fails(create(governance_stub, admin, org, uri))
        assert "dev mode" in refused.fields["webhook.uri"], uri
    unknown = await fails(create(dev_stub, admin, org, "https://hooks.example.com/x", P + "escalation.raised",
                                 P + "change_request.exploded"))
    assert list(unknown.fields) == ["webhook.event_types[1]"]
    assert "not a governance event type" in unknown.fields["webhook.event_types[1]"]
    listed = await admin(governance_stub.ListWebhooks, wpb.ListWebhooksRequest(parent=f"organizations/{org}"))
    assert list(listed.webhooks) == []


async def test_only_admin_and_pmo_manage_webhooks_of_their_own_organization(dev_stub, governance_stub, as_role, org):
    uri = "https://hooks.example.com/pmaas"
    for role in ("pm", "sponsor", "auditor", "finance", "member", "viewer"):
        denied = await fails(create(dev_stub, as_role(role), org, uri))
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED, role
        denied = await fails(as_role(role)(governance_stub.ListWebhooks,
                                           wpb.ListWebhooksRequest(parent=f"organizations/{org}")))
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED, role
    hook = await create(dev_stub, as_role("pmo"), org, uri)
    outsider = as_role("admin", "eve", org_id=org + "-other")  # admin of another organization
    for call in (create(dev_stub, outsider, org, uri),
                 outsider(governance_stub.ListWebhooks, wpb.ListWebhooksRequest(parent=f"organizations/{org}")),
                 outsider(governance_stub.ListDeliveries, wpb.ListDeliveriesRequest(parent=hook.name)),
                 outsider(governance_stub.DeleteWebhook, wpb.DeleteWebhookRequest(name=hook.name, request_id=rid())),
                 outsider(governance_stub.RedeliverEvent, wpb.RedeliverEventRequest(
                     name=f"{hook.name}/deliveries/0123abcd", request_id=rid()))):
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED


async def test_a_retried_create_makes_one_webhook_and_the_secret_is_never_listed(dev_stub, governance_stub, as_role,
                                                                                  org, db_conn):
    admin = as_role("admin")
    request_id = rid()
    first = await create(dev_stub, admin, org, "https://hooks.example.com/a", P + "escalation.raised",
                         request_id=request_id)
    again = await create(dev_stub, admin, org, "https://hooks.example.com/a", P + "escalation.raised",
                         request_id=request_id)
    assert again == first and first.secret
    listed = await admin(governance_stub.ListWebhooks, wpb.ListWebhooksRequest(parent=f"organizations/{org}"))
    assert [w.name for w in listed.webhooks] == [first.name]
    assert listed.webhooks[0].secret == "" and list(listed.webhooks[0].event_types) == [P + "escalation.raised"]
    audited = await db_conn.fetch("SELECT detail::text AS detail FROM audit_events WHERE org_id = $1 AND "
                                  "action = 'CreateWebhook'", org)
    assert len(audited) == 1 and first.secret not in audited[0]["detail"]


async def test_a_deleted_webhook_gets_nothing_more_and_is_listed_only_when_asked(dev_stub, governance_stub, worker,
                                                                                as_role, org, project, db_conn):
    admin, pm = as_role("admin"), as_role("pm", "paula")
    with Receiver() as receiver:
        hook = await create(dev_stub, admin, org, receiver.url)
        deleted = await admin(governance_stub.DeleteWebhook, wpb.DeleteWebhookRequest(name=hook.name,
                                                                                      request_id=rid()))
        assert deleted.state == wpb.WEBHOOK_STATE_DELETED and deleted.delete_time.seconds > 0
        cr = await submit(governance_stub, pm, org, a_change(project))
        await until(lambda: db_conn.fetchval("SELECT count(*) FROM outbound_events WHERE org_id = $1", org),
                    lambda n: n >= 1, "the submitted event in the outbox")
        assert receiver.requests == [] and cr.name
    assert list((await admin(governance_stub.ListWebhooks, wpb.ListWebhooksRequest(
        parent=f"organizations/{org}"))).webhooks) == []
    shown = await admin(governance_stub.ListWebhooks, wpb.ListWebhooksRequest(parent=f"organizations/{org}",
                                                                             show_deleted=True))
    assert [w.name for w in shown.webhooks] == [hook.name]
    again = await fails(admin(governance_stub.DeleteWebhook, wpb.DeleteWebhookRequest(name=hook.name)))
    assert again.code == grpc.StatusCode.NOT_FOUND
