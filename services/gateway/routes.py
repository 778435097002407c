"""The route table: every REST operation the gateway serves, as (HTTP method, path, service, RPC, bindings).

Transcoding follows AIP-127: the path names the resource (`/v1/` + its resource name, custom methods as `:verb`)
and fills one request field (`name`, `parent`, `scope` or the body resource's `name` for PATCH); the JSON body
fills one message field (or, with "*", the request itself); every other singular field of the request is a query
parameter in lowerCamelCase. Headers fill the rest: Idempotency-Key -> `request_id`, If-Match -> `etag`.
Nothing here knows a business rule: which values are valid is the service's to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from google.protobuf.descriptor import Descriptor, MethodDescriptor, ServiceDescriptor

from pmaas.billing.v1 import billing_service_pb2
from pmaas.governance.v1 import governance_service_pb2
from pmaas.projects.v1 import projects_service_pb2
from pmaas.risks.v1 import risks_service_pb2

# component (as in services/platform/components.py and Settings.target_of) -> the gRPC service it serves
SERVICES: dict[str, ServiceDescriptor] = {
    "projects": projects_service_pb2.DESCRIPTOR.services_by_name["ProjectsService"],
    "risks": risks_service_pb2.DESCRIPTOR.services_by_name["RisksService"],
    "billing": billing_service_pb2.DESCRIPTOR.services_by_name["BillingService"],
    "governance": governance_service_pb2.DESCRIPTOR.services_by_name["GovernanceService"],
}
HEADER_FIELDS = frozenset({"request_id", "etag"})  # Idempotency-Key, If-Match


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # Starlette template: /v1/organizations/{org}/projects/{project}:verb
    service: str  # a key of SERVICES
    rpc: str
    bind: str  # request field (dotted for PATCH: project.name) the resource name fills
    resource: str  # the resource name template filled from the path's parameters
    body: str = ""  # "" no body, "*" the whole request, else a message field of the request
    fixed: dict = field(default_factory=dict)  # request fields the route sets (what-if: validate_only)
    summary: str = ""
    example: dict | None = None  # an example body, shown in /docs

    @cached_property
    def method_descriptor(self) -> MethodDescriptor:
        return SERVICES[self.service].methods_by_name[self.rpc]

    @property
    def request_type(self) -> Descriptor:
        return self.method_descriptor.input_type

    @property
    def response_type(self) -> Descriptor:
        return self.method_descriptor.output_type

    @property
    def body_excluded(self) -> frozenset[str]:
        """Fields of a "*" body that come from elsewhere (path, headers, the route)."""
        return frozenset({self.bind.split(".")[0], *HEADER_FIELDS, *self.fixed})

    @cached_property
    def query_fields(self) -> tuple[str, ...]:
        """Request fields (proto names) read from the query string: the singular ones nothing else fills."""
        if self.body == "*":
            return ()
        taken = {self.bind.split(".")[0], self.body, *HEADER_FIELDS, *self.fixed}
        return tuple(f.name for f in self.request_type.fields
                     if f.name not in taken and not f.is_repeated)

    @property
    def operation_id(self) -> str:
        """Unique per route: the RPC, its custom verb, and the path's parameters (one RPC may serve several)."""
        verb = self.path.rsplit(":", 1)[1] if ":" in self.path else ""
        params = [p[1:].split("}")[0] for p in self.path.split("/") if p.startswith("{")]
        return "_".join([self.rpc, *([verb] if verb else []), *params])


def _name(path: str) -> str:
    return path.removeprefix("/v1/").split(":")[0]


def _parent(path: str) -> str:
    return _name(path).rsplit("/", 1)[0]


def get(path: str, service: str, rpc: str, summary: str, bind: str = "name") -> Route:
    """GET a resource (bind `name`), or a view computed over its parent (`bind="scope"`: the heat map of the
    organization, project or portfolio the path names before `/riskHeatMap`)."""
    return Route("GET", path, service, rpc, bind, _name(path) if bind == "name" else _parent(path), summary=summary)


def list_(path: str, service: str, rpc: str, summary: str) -> Route:
    return Route("GET", path, service, rpc, "parent", _parent(path), summary=summary)


def create(path: str, service: str, rpc: str, body: str, summary: str, example: dict, **fixed) -> Route:
    return Route("POST", path, service, rpc, "parent", _parent(path), body, fixed, summary, example)


def update(path: str, service: str, rpc: str, body: str, summary: str, example: dict) -> Route:
    return Route("PATCH", path, service, rpc, f"{body}.name", _name(path), body, summary=summary, example=example)


def delete(path: str, service: str, rpc: str, summary: str) -> Route:
    return Route("DELETE", path, service, rpc, "name", _name(path), summary=summary)


def custom(path: str, service: str, rpc: str, summary: str, example: dict | None = None, *,
           collection: bool = False, **fixed) -> Route:
    """POST <resource>:verb (bind `name`), or POST <collection>:verb (`collection`: bind `parent`)."""
    bind, resource = ("parent", _parent(path)) if collection else ("name", _name(path))
    return Route("POST", path, service, rpc, bind, resource, "*", fixed, summary, example or {})


ORG = "/v1/organizations/{org}"
PROJECT = ORG + "/projects/{project}"
ENGAGEMENT = ORG + "/engagements/{engagement}"

_PROJECT_EXAMPLE = {"code": "ERP-1", "displayName": "ERP rollout", "methodology": "METHODOLOGY_WATERFALL",
                    "budget": {"currencyCode": "EUR", "units": "250000"},
                    "plannedStartDate": {"year": 2027, "month": 1, "day": 1},
                    "plannedEndDate": {"year": 2027, "month": 12, "day": 31}}
_CHANGE_EXAMPLE = {"changeRequest": {
    "project": "organizations/demo/projects/erp", "title": "Two more weeks of testing", "type": "CHANGE_TYPE_NORMAL",
    "budgetDelta": {"currencyCode": "EUR", "units": "8000"}, "scheduleDeltaDays": 14}}

ROUTES: tuple[Route, ...] = (
    # --- projects, portfolios, status reports (ProjectsService)
    list_(ORG + "/portfolios", "projects", "ListPortfolios", "List the organization's portfolios"),
    create(ORG + "/portfolios", "projects", "CreatePortfolio", "portfolio", "Create a portfolio",
           {"displayName": "Digital", "priorityScore": 80}),
    get(ORG + "/portfolios/{portfolio}", "projects", "GetPortfolio", "Get a portfolio"),
    update(ORG + "/portfolios/{portfolio}", "projects", "UpdatePortfolio", "portfolio",
           "Update a portfolio (updateMask; If-Match: its etag)", {"displayName": "Digital first"}),
    delete(ORG + "/portfolios/{portfolio}", "projects", "DeletePortfolio", "Delete a portfolio (If-Match: its etag)"),
    get(ORG + "/portfolios/{portfolio}:summary", "projects", "GetPortfolioSummary",
        "A portfolio's summary: its projects' health, budget and schedule"),
    list_(ORG + "/projects", "projects", "ListProjects", "List the organization's projects"),
    create(ORG + "/projects", "projects", "CreateProject", "project", "Create a project", _PROJECT_EXAMPLE),
    get(PROJECT, "projects", "GetProject", "Get a project"),
    update(PROJECT, "projects", "UpdateProject", "project", "Update a project (updateMask; If-Match: its etag)",
           {"displayName": "ERP rollout, wave 1"}),
    delete(PROJECT, "projects", "DeleteProject", "Delete a project (If-Match: its etag)"),
    list_(PROJECT + "/statusReports", "projects", "ListStatusReports", "List a project's status reports"),
    create(PROJECT + "/statusReports", "projects", "CreateStatusReport", "status_report", "File a status report",
           {"reportDate": {"year": 2027, "month": 3, "day": 5}, "summary": "Testing on track",
            "health": {"schedule": "RAG_GREEN", "scope": "RAG_GREEN", "cost": "RAG_AMBER", "resources": "RAG_GREEN"}}),
    get(PROJECT + "/statusReports/{status_report}", "projects", "GetStatusReport", "Get a status report"),
    # --- risks and heat maps (RisksService)
    list_(PROJECT + "/risks", "risks", "ListRisks", "List a project's risks"),
    create(PROJECT + "/risks", "risks", "CreateRisk", "risk", "Register a risk",
           {"title": "Vendor delay", "probability": 3, "impact": 4}),
    get(PROJECT + "/risks/{risk}", "risks", "GetRisk", "Get a risk"),
    update(PROJECT + "/risks/{risk}", "risks", "UpdateRisk", "risk", "Update a risk (updateMask; If-Match)",
           {"probability": 2}),
    delete(PROJECT + "/risks/{risk}", "risks", "DeleteRisk", "Delete a risk (If-Match: its etag)"),
    get(ORG + "/riskHeatMap", "risks", "GetRiskHeatMap", "The organization's risk heat map", bind="scope"),
    get(PROJECT + "/riskHeatMap", "risks", "GetRiskHeatMap", "A project's risk heat map", bind="scope"),
    get(ORG + "/portfolios/{portfolio}/riskHeatMap", "risks", "GetRiskHeatMap", "A portfolio's risk heat map",
        bind="scope"),
    # --- financial reports and invoices (BillingService)
    get(PROJECT + "/financialReport", "billing", "GetFinancialReport", "A project's financial report with EVM"),
    get(ENGAGEMENT + "/financialReport", "billing", "GetFinancialReport", "An engagement's financial report"),
    list_(ENGAGEMENT + "/invoices", "billing", "ListInvoices", "List an engagement's invoices"),
    get(ENGAGEMENT + "/invoices/{invoice}", "billing", "GetInvoice", "Get an invoice"),
    custom(ENGAGEMENT + "/invoices:generate", "billing", "GenerateInvoice", "Generate the invoice of a period",
           {"periodStart": {"year": 2027, "month": 1, "day": 1}, "periodEnd": {"year": 2027, "month": 1, "day": 31}},
           collection=True),
    custom(ENGAGEMENT + "/invoices/{invoice}:issue", "billing", "IssueInvoice", "Issue a draft invoice",
           {"issueDate": {"year": 2027, "month": 2, "day": 1}}),
    custom(ENGAGEMENT + "/invoices/{invoice}:pay", "billing", "PayInvoice", "Record an invoice as paid",
           {"paidDate": {"year": 2027, "month": 3, "day": 1}}),
    custom(ENGAGEMENT + "/invoices/{invoice}:void", "billing", "VoidInvoice", "Void an invoice",
           {"reason": "issued twice"}),
    # --- change requests (GovernanceService)
    list_(ORG + "/changeRequests", "governance", "ListChangeRequests", "List change requests"),
    create(ORG + "/changeRequests", "governance", "SubmitChangeRequest", "change_request",
           "Submit a change request", _CHANGE_EXAMPLE["changeRequest"]),
    custom(ORG + "/changeRequests:whatIf", "governance", "SubmitChangeRequest",
           "What if: the impact, conflicts and route of a change request, starting nothing", _CHANGE_EXAMPLE,
           collection=True, validate_only=True),
    get(ORG + "/changeRequests/{change_request}", "governance", "GetChangeRequest", "Get a change request"),
    custom(ORG + "/changeRequests/{change_request}:withdraw", "governance", "WithdrawChangeRequest",
           "Withdraw a change request (the requester)", {"reason": "no longer needed"}),
    # --- phase gates
    list_(PROJECT + "/phaseGates", "governance", "ListPhaseGates", "List a project's phase gates"),
    create(PROJECT + "/phaseGates", "governance", "RequestPhaseGate", "phase_gate", "Request a phase gate", {}),
    get(PROJECT + "/phaseGates/{phase_gate}", "governance", "GetPhaseGate", "Get a phase gate"),
    custom(PROJECT + "/phaseGates/{phase_gate}:resume", "governance", "ResumePhaseGate",
           "Resume a gate on hold", {"comment": "client confirmed"}),
    # --- escalations
    list_(ORG + "/escalations", "governance", "ListEscalations", "List the organization's escalations"),
    list_(PROJECT + "/escalations", "governance", "ListEscalations", "List a project's escalations"),
    create(PROJECT + "/escalations", "governance", "RaiseEscalation", "escalation", "Raise an escalation",
           {"title": "Vendor API down", "severity": "ISSUE_SEVERITY_HIGH"}),
    get(PROJECT + "/escalations/{escalation}", "governance", "GetEscalation", "Get an escalation"),
    *(custom(PROJECT + f"/escalations/{{escalation}}:{verb}", "governance", rpc, summary, example)
      for verb, rpc, summary, example in (
          ("acknowledge", "AcknowledgeEscalation", "Acknowledge an escalation", {"comment": "on it"}),
          ("resolve", "ResolveEscalation", "Resolve an escalation", {"resolution": "vendor fixed it"}),
          ("reassign", "ReassignEscalation", "Hand an escalation to another person (pmo)",
           {"assignee": "alice", "reason": "on leave"}),
          ("addNote", "AddEscalationNote", "Add a note to an escalation", {"text": "vendor called"}),
          ("pause", "PauseEscalation", "Pause an escalation's SLA clocks", {"reason": "waiting on the client"}),
          ("resume", "ResumeEscalation", "Restart an escalation's SLA clocks", {"reason": "client answered"}),
          ("withdraw", "WithdrawEscalation", "Withdraw an escalation (pmo, admin)", {"reason": "raised twice"}))),
    # --- quality audits
    list_(PROJECT + "/qualityAudits", "governance", "ListAudits", "List a project's quality audits"),
    create(PROJECT + "/qualityAudits", "governance", "StartAudit", "quality_audit", "Start an ad hoc audit", {}),
    get(PROJECT + "/qualityAudits/{quality_audit}", "governance", "GetAudit", "Get a quality audit"),
    custom(PROJECT + "/qualityAudits/{quality_audit}:recordResult", "governance", "RecordAuditResult",
           "Record the audit's results and findings (the auditor)", {"complete": False, "comment": "first pass"}),
    # --- tasks: the approver inbox
    list_(ORG + "/tasks", "governance", "ListTasks", "List tasks; assignee=me is the caller's inbox"),
    get(ORG + "/tasks/{task}", "governance", "GetTask", "Get a task with its decisions and history"),
    custom(ORG + "/tasks/{task}:claim", "governance", "ClaimTask", "Claim a task offered to a role"),
    custom(ORG + "/tasks/{task}:release", "governance", "ReleaseTask", "Give a claimed task back"),
    custom(ORG + "/tasks/{task}:reassign", "governance", "ReassignTask", "Hand a task to another person (pmo)",
           {"assignee": "alice", "reason": "on leave"}),
    custom(ORG + "/tasks/{task}:decide", "governance", "DecideTask", "Decide a task",
           {"choice": "APPROVE", "comment": "ok"}),
    # --- delegations
    list_(ORG + "/delegations", "governance", "ListDelegations", "List delegations"),
    create(ORG + "/delegations", "governance", "SetDelegation", "delegation", "Delegate the caller's approvals",
           {"delegate": "bob", "startTime": "2027-01-01T00:00:00Z", "endTime": "2027-01-15T00:00:00Z"}),
    delete(ORG + "/delegations/{delegation}", "governance", "DeleteDelegation", "End a delegation (If-Match)"),
)
