"""Every GovernanceService method needs a token, and refuses another organization's callers whether or not
what they name exists; roles decide who may submit, request, act and write policy."""

from __future__ import annotations

import grpc
import pytest

from pmaas.governance.v1 import audits_pb2 as audits_api
from pmaas.governance.v1 import billing_cycles_pb2 as billing_api
from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.governance.v1 import webhooks_pb2 as webhooks_api
from tests.services.governance.builders import delegation_to
from tests.services.governance.processes import a_change
from tests.support import fails, rid


def every_call(org: str) -> dict[str, object]:
    """One request per RPC, naming `org`'s resources."""
    parent = f"organizations/{org}"
    project = f"{parent}/projects/apollo"
    task = f"{parent}/tasks/t1"
    escalation = f"{project}/escalations/e1"
    return {
        "SubmitChangeRequest": api.SubmitChangeRequestRequest(parent=parent, change_request=a_change(project),
                                                              request_id=rid()),
        "GetChangeRequest": api.GetChangeRequestRequest(name=f"{parent}/changeRequests/c1"),
        "ListChangeRequests": api.ListChangeRequestsRequest(parent=parent),
        "WithdrawChangeRequest": api.WithdrawChangeRequestRequest(name=f"{parent}/changeRequests/c1"),
        "RequestPhaseGate": api.RequestPhaseGateRequest(parent=project),
        "GetPhaseGate": api.GetPhaseGateRequest(name=f"{project}/phaseGates/g1"),
        "ListPhaseGates": api.ListPhaseGatesRequest(parent=f"{parent}/projects/-"),
        "ResumePhaseGate": api.ResumePhaseGateRequest(name=f"{project}/phaseGates/g1"),
        "ListTasks": api.ListTasksRequest(parent=parent, assignee="me"),
        "GetTask": api.GetTaskRequest(name=task),
        "ClaimTask": api.ClaimTaskRequest(name=task),
        "ReleaseTask": api.ReleaseTaskRequest(name=task),
        "ReassignTask": api.ReassignTaskRequest(name=task, assignee="sam"),
        "DecideTask": api.DecideTaskRequest(name=task, choice="APPROVE"),
        "SetDelegation": delegation_to(org, "dave", 3),
        "ListDelegations": api.ListDelegationsRequest(parent=parent),
        "DeleteDelegation": api.DeleteDelegationRequest(name=f"{parent}/delegations/d1"),
        "GetGovernancePolicy": api.GetGovernancePolicyRequest(name=f"{parent}/governancePolicy"),
        "UpdateGovernancePolicy": api.UpdateGovernancePolicyRequest(
            governance_policy=pb.GovernancePolicy(name=f"{parent}/governancePolicy", task_sla={"seconds": 60})),
        "RaiseEscalation": api.RaiseEscalationRequest(parent=project, escalation=pb.Escalation(
            title="Vendor down", severity=3), request_id=rid()),
        "GetEscalation": api.GetEscalationRequest(name=escalation),
        "ListEscalations": api.ListEscalationsRequest(parent=parent),
        "AcknowledgeEscalation": api.AcknowledgeEscalationRequest(name=escalation),
        "ResolveEscalation": api.ResolveEscalationRequest(name=escalation, resolution="fixed"),
        "ReassignEscalation": api.ReassignEscalationRequest(name=escalation, assignee="sam"),
        "AddEscalationNote": api.AddEscalationNoteRequest(name=escalation, text="note"),
        "PauseEscalation": api.PauseEscalationRequest(name=escalation, reason="waiting"),
        "ResumeEscalation": api.ResumeEscalationRequest(name=escalation),
        "WithdrawEscalation": api.WithdrawEscalationRequest(name=escalation, reason="duplicate"),
        "GetEscalationReport": api.GetEscalationReportRequest(parent=parent),
        "ScheduleAudits": audits_api.ScheduleAuditsRequest(parent=project, enabled=True, request_id=rid()),
        "StartAudit": audits_api.StartAuditRequest(parent=project, request_id=rid()),
        "GetAudit": audits_api.GetAuditRequest(name=f"{project}/qualityAudits/a1"),
        "ListAudits": audits_api.ListAuditsRequest(parent=parent),
        "RecordAuditResult": audits_api.RecordAuditResultRequest(name=f"{project}/qualityAudits/a1", complete=True),
        "CloseCorrectiveAction": audits_api.CloseCorrectiveActionRequest(
            name=f"{project}/qualityAudits/a1/correctiveActions/c1", note="done"),
        "RunBillingCycle": billing_api.RunBillingCycleRequest(parent=parent, request_id=rid()),
        "GetBillingCycle": billing_api.GetBillingCycleRequest(name=f"{parent}/billingCycles/p20270101-20270131"),
        "ListBillingCycles": billing_api.ListBillingCyclesRequest(parent=parent),
        "CreateWebhook": webhooks_api.CreateWebhookRequest(parent=parent, webhook=webhooks_api.Webhook(
            uri="https://hooks.example.com/pmaas"), request_id=rid()),
        "ListWebhooks": webhooks_api.ListWebhooksRequest(parent=parent),
        "DeleteWebhook": webhooks_api.DeleteWebhookRequest(name=f"{parent}/webhooks/w1"),
        "ListDeliveries": webhooks_api.ListDeliveriesRequest(parent=f"{parent}/webhooks/w1"),
        "RedeliverEvent": webhooks_api.RedeliverEventRequest(name=f"{parent}/webhooks/w1/deliveries/d1"),
    }


def test_the_table_covers_every_rpc():
    service = api.DESCRIPTOR.services_by_name["GovernanceService"]
    assert set(every_call("x")) == {m.name for m in service.methods}


@pytest.mark.parametrize("method", sorted(every_call("x")))
async def test_no_token_is_unauthenticated(governance_stub, method, org):
    failure = await fails(getattr(governance_stub, method)(every_call(org)[method], timeout=10))
    assert failure.code == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("method", sorted(every_call("x")))
async def test_another_organizations_admin_is_refused(governance_stub, method, as_role, org):
    stranger = as_role("admin", "mallory", org_id="other-org")
    failure = await fails(stranger(getattr(governance_stub, method), every_call(org)[method]))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED, failure


@pytest.mark.parametrize(("method", "role"), [
    ("SubmitChangeRequest", "viewer"), ("SubmitChangeRequest", "finance"), ("RequestPhaseGate", "sponsor"),
    ("RequestPhaseGate", "member"), ("DecideTask", "viewer"), ("ClaimTask", "viewer"), ("ReassignTask", "pm"),
    ("SetDelegation", "viewer"), ("UpdateGovernancePolicy", "pm"), ("WithdrawChangeRequest", "viewer"),
    ("ResumePhaseGate", "viewer"), ("RaiseEscalation", "viewer"), ("RaiseEscalation", "sponsor"),
    ("AcknowledgeEscalation", "viewer"), ("ReassignEscalation", "pm"), ("WithdrawEscalation", "pm"),
    ("WithdrawEscalation", "member"), ("RunBillingCycle", "pm"), ("RunBillingCycle", "sponsor"),
    ("CreateWebhook", "pm"), ("ListWebhooks", "auditor"), ("ListDeliveries", "member"), ("RedeliverEvent", "pm"),
])
async def test_roles_without_the_permission_are_refused(governance_stub, method, role, as_role, org):
    failure = await fails(as_role(role)(getattr(governance_stub, method), every_call(org)[method]))
    assert (failure.code, failure.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")


async def test_the_governance_service_principal_is_no_person_here(governance_stub, authority, org):
    token = authority.issue_service_token()
    failure = await fails(governance_stub.DecideTask(every_call(org)["DecideTask"],
                                                     metadata=(("authorization", f"Bearer {token}"),), timeout=10))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
