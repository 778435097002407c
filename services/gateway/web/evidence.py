"""What a task's decision rests on: the process it points at (`task.process`), fetched with the person's token.

A change request shows its impact assessment, tier, conflicts and the change as submitted; a phase gate its
criteria results and conditions; any other process (escalation, quality audit, corrective action, billing
cycle) every field its message has, generically. A process the person may not read, or one with no API message
(the post-project review), is simply not shown: the task page still works.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message
from starlette.requests import Request

from pmaas.governance.v1 import audits_pb2
from pmaas.governance.v1 import billing_cycles_pb2 as cycles
from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import resources_pb2 as gpb
from services.gateway.web import calls
from services.gateway.web.render import fields
from services.platform import names

# The change as the requester submitted it (the rest of the message is the process's own output).
SUBMITTED = frozenset({"title", "description", "type", "catalogue_item", "budget_delta", "schedule_delta_days",
                       "new_end_date", "scope_change", "milestone_changes", "linked_risk", "linked_issue", "requester"})


@dataclass(frozen=True)
class Evidence:
    kind: str  # "change_request", "phase_gate" or "generic": which part of the template shows it
    heading: str
    process: Message
    fields: list  # (label, value) pairs: the whole process (generic) or the change as submitted


async def of(request: Request, task: gpb.Task) -> Evidence | None:
    name = task.process
    try:
        if names.CHANGE_REQUEST_PATTERN.regex.fullmatch(name):
            cr = await calls.call(request, "governance", "GetChangeRequest", gapi.GetChangeRequestRequest(name=name))
            others = frozenset(f.name for f in cr.DESCRIPTOR.fields) - SUBMITTED
            return Evidence("change_request", "The change request", cr, fields(cr, hidden=others))
        if names.PHASE_GATE_PATTERN.regex.fullmatch(name):
            gate = await calls.call(request, "governance", "GetPhaseGate", gapi.GetPhaseGateRequest(name=name))
            return Evidence("phase_gate", "The phase gate", gate, [])
        if names.CORRECTIVE_ACTION_PATTERN.regex.fullmatch(name):
            audit = await calls.call(request, "governance", "GetAudit",
                                     audits_pb2.GetAuditRequest(name=name.split("/correctiveActions/")[0]))
            action = next((a for a in audit.corrective_actions if a.name == name), None)
            shown = action or audit
            return Evidence("generic", "The corrective action" if action else "The quality audit", shown,
                            fields(shown))
        for pattern, rpc, request_type, heading in _GENERIC:
            if pattern.regex.fullmatch(name):
                process = await calls.call(request, "governance", rpc, request_type(name=name))
                return Evidence("generic", heading, process, fields(process))
    except calls.Refused:
        return None
    return None


_GENERIC = (
    (names.ESCALATION_PATTERN, "GetEscalation", gapi.GetEscalationRequest, "The escalation"),
    (names.QUALITY_AUDIT_PATTERN, "GetAudit", audits_pb2.GetAuditRequest, "The quality audit"),
    (names.BILLING_CYCLE_PATTERN, "GetBillingCycle", cycles.GetBillingCycleRequest, "The billing cycle"),
)
