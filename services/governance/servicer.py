"""GovernanceService: the gRPC facade over the governance processes (Temporal) and this service's own
schema (policy versions, delegations, the task and process read models, refused attempts).

Every handler keeps the platform's order: parse names (INVALID_ARGUMENT), check the caller's role
in the organization (PERMISSION_DENIED before any read), validate, then act. Who acts is always
the verified principal (core.GovernanceCore.actor), never a request field. The handlers live in
one module per resource; this class puts them together.
"""

from __future__ import annotations

from pmaas.governance.v1 import governance_service_pb2_grpc
from services.governance.audits import AuditHandlers
from services.governance.billing_cycles import BillingCycleHandlers
from services.governance.delegations import DelegationHandlers
from services.governance.escalations import EscalationHandlers
from services.governance.policies import PolicyHandlers
from services.governance.processes import ProcessHandlers
from services.governance.tasks import TaskHandlers
from services.governance.webhooks import WebhookHandlers


# AuditHandlers extends EscalationHandlers (its polling), so it comes first.
class GovernanceServicer(AuditHandlers,
                         EscalationHandlers, ProcessHandlers, TaskHandlers, DelegationHandlers, PolicyHandlers,
                         WebhookHandlers, BillingCycleHandlers, governance_service_pb2_grpc.GovernanceServiceServicer):
    pass
