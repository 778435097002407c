"""The GovernanceService serves its own schema's audit log (pmaas.audit.v1.AuditService), like every service."""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf import timestamp_pb2

from pmaas.audit.v1 import audit_service_pb2 as audit_api
from pmaas.audit.v1 import audit_service_pb2_grpc
from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from tests.support import rid


async def test_an_auditor_reads_and_verifies_the_governance_audit_log(governance_service, governance_stub, as_role,
                                                                      org):
    carol = as_role("pmo", "carol")
    until = timestamp_pb2.Timestamp()
    until.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(days=14))
    delegation = await carol(governance_stub.SetDelegation, api.SetDelegationRequest(
        parent=f"organizations/{org}", request_id=rid(),
        delegation=pb.Delegation(delegate="dave", reason="holiday", end_time=until)))
    auditor = as_role("auditor")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{governance_service.port}") as channel:
        audit = audit_service_pb2_grpc.AuditServiceStub(channel)
        page = await auditor(audit.ListAuditEvents, audit_api.ListAuditEventsRequest(
            parent=f"organizations/{org}", filter='actor = "carol"'))
        verified = await auditor(audit.VerifyAuditChain, audit_api.VerifyAuditChainRequest(
            parent=f"organizations/{org}"))
    assert [(e.action, e.resource) for e in page.audit_events] == [("SetDelegation", delegation.name)]
    assert verified.intact and verified.events_checked >= 1
