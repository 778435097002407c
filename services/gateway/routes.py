"""The route table: every REST operation the gateway serves, as (HTTP method, path, service, RPC, bindings).

Transcoding follows AIP-127: the path names the resource (`/v1/` + its resource name, custom methods as `:verb`)
and fills one request field (`name`, `parent`, `scope` or the body resource's `name` for PATCH; none for
/v1/organizations itself); the JSON body fills one message field (or, with "*", the request itself); every other
singular field of the request is a query parameter in lowerCamelCase. Headers fill the rest: Idempotency-Key ->
`request_id`, If-Match -> `etag`.
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
           collection: bool = False, bind: str = "name", **fixed) -> Route:
    """POST <resource>:verb (bind `name`, or `bind="parent"` where the RPC names the resource its parent), or
    POST <collection>:verb (`collection`: bind `parent` to the collection's parent)."""
    bind, resource = ("parent", _parent(path)) if collection else (bind, _name(path))
    return Route("POST", path, service, rpc, bind, resource, "*", fixed, summary, example or {})


def top(method: str, rpc: str, summary: str, body: str = "", example: dict | None = None) -> Route:
    """/v1/organizations itself: no resource name to fill (List and Create organizations)."""
    return Route(method, "/v1/organizations", "projects", rpc, "", "", body, summary=summary, example=example)


ORG = "/v1/organizations/{org}"
PROJECT = ORG + "/projects/{project}"
ENGAGEMENT = ORG + "/engagements/{engagement}"
INVOICE = ENGAGEMENT + "/invoices/{invoice}"
_DATE = {"year": 2027, "month": 3, "day": 1}

_PROJECT_EXAMPLE = {"code": "ERP-1", "displayName": "ERP rollout", "methodology": "METHODOLOGY_WATERFALL",
                    "budget": {"currencyCode": "EUR", "units": "250000"},
                    "plannedStartDate": {"year": 2027, "month": 1, "day": 1},
                    "plannedEndDate": {"year": 2027, "month": 12, "day": 31}}
_CHANGE_EXAMPLE = {"changeRequest": {
    "project": "organizations/demo/projects/erp", "title": "Two more weeks of testing", "type": "CHANGE_TYPE_NORMAL",
    "budgetDelta": {"currencyCode": "EUR", "units": "8000"}, "scheduleDeltaDays": 14}}

# Left out: ProjectsService.AttachProjectReference, which RisksService, BillingService and GovernanceService call
# before a write that refers to a project (a person never pins a project by hand), and the AuditService each
# service serves for its own audit log (one API on four ports: an auditor reads it over gRPC, per service).
ROUTES: tuple[Route, ...] = (
    # --- organizations (ProjectsService)
    top("GET", "ListOrganizations", "List the organizations the caller belongs to"),
    top("POST", "CreateOrganization", "Create an organization (an admin of the id the token names)",
        "organization", {"displayName": "Demo Ltd", "pmoType": "PMO_TYPE_TACTICAL", "defaultCurrencyCode": "EUR"}),
    get(ORG, "projects", "GetOrganization", "Get an organization"),
    update(ORG, "projects", "UpdateOrganization", "organization", "Update an organization (updateMask)",
           {"displayName": "Demo Group"}),
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
    # --- milestones, assignments, baselines, phase, lessons learned, post-project review
    list_(PROJECT + "/milestones", "projects", "ListMilestones", "List a project's milestones"),
    create(PROJECT + "/milestones", "projects", "CreateMilestone", "milestone", "Add a milestone",
           {"displayName": "Go-live", "dueDate": {"year": 2027, "month": 6, "day": 30}, "deliverables": ["cutover"]}),
    get(PROJECT + "/milestones/{milestone}", "projects", "GetMilestone", "Get a milestone"),
    update(PROJECT + "/milestones/{milestone}", "projects", "UpdateMilestone", "milestone",
           "Update a milestone (updateMask; If-Match: its etag)", {"state": "MILESTONE_STATE_ACHIEVED"}),
    delete(PROJECT + "/milestones/{milestone}", "projects", "DeleteMilestone", "Delete a milestone (If-Match)"),
    list_(PROJECT + "/assignments", "projects", "ListAssignments", "List a project's assignments"),
    create(PROJECT + "/assignments", "projects", "CreateAssignment", "assignment", "Assign a person to the project",
           {"person": "ann", "role": "architect", "allocationPercent": 50,
            "startDate": {"year": 2027, "month": 1, "day": 1}, "endDate": {"year": 2027, "month": 6, "day": 30}}),
    get(PROJECT + "/assignments/{assignment}", "projects", "GetAssignment", "Get an assignment"),
    update(PROJECT + "/assignments/{assignment}", "projects", "UpdateAssignment", "assignment",
           "Update an assignment (updateMask; If-Match: its etag)", {"allocationPercent": 80}),
    delete(PROJECT + "/assignments/{assignment}", "projects", "DeleteAssignment", "Delete an assignment (If-Match)"),
    list_(PROJECT + "/baselines", "projects", "ListBaselines", "List a project's baselines, newest first"),
    custom(PROJECT + "/baselines", "projects", "CreateBaseline",
           "Record the first baseline (later ones come from approved change requests)",
           {"startDate": {"year": 2027, "month": 1, "day": 1}, "endDate": {"year": 2027, "month": 12, "day": 31},
            "budget": {"currencyCode": "EUR", "units": "250000"}, "reason": "plan approved"}, collection=True),
    custom(PROJECT + ":transitionPhase", "projects", "TransitionProjectPhase",
           "Move the project's phase: an admin's audited override (phase gates move it otherwise)",
           {"phase": "PHASE_PLANNING", "reason": "gate held offline"}),
    list_(PROJECT + "/lessonsLearned", "projects", "ListLessonsLearned", "List a project's lessons learned"),
    create(PROJECT + "/lessonsLearned", "projects", "CreateLessonLearned", "lesson_learned", "Record a lesson learned",
           {"title": "Book test environments early", "category": "planning",
            "recommendation": "reserve them at kick-off"}),
    get(PROJECT + "/postProjectReview", "projects", "GetPostProjectReview", "A closed project's review"),
    custom(PROJECT + "/postProjectReview:record", "projects", "RecordPostProjectReview",
           "Record the client's feedback and the lessons learned at closure",
           {"postProjectReview": {"satisfactionScore": 4, "clientComments": "on time"},
            "lessonsLearned": [{"title": "Plan cutover early"}]}, collection=True),
    # --- risks and heat maps (RisksService)
    list_(PROJECT + "/risks", "risks", "ListRisks", "List a project's risks"),
    create(PROJECT + "/risks", "risks", "CreateRisk", "risk", "Register a risk",
           {"title": "Vendor delay", "probability": 3, "impact": 4}),
    get(PROJECT + "/risks/{risk}", "risks", "GetRisk", "Get a risk"),
    update(PROJECT + "/risks/{risk}", "risks", "UpdateRisk", "risk", "Update a risk (updateMask; If-Match)",
           {"probability": 2}),
    delete(PROJECT + "/risks/{risk}", "risks", "DeleteRisk", "Delete a risk (If-Match: its etag)"),
    custom(PROJECT + "/risks/{risk}:occur", "risks", "OccurRisk", "The risk occurred: raise the issue it became",
           {"issueId": "vendor-late", "issue": {"severity": "ISSUE_SEVERITY_HIGH"}}),
    list_(PROJECT + "/risks/{risk}/scoreHistory", "risks", "ListRiskScoreHistory",
          "Every state of a risk's probability, impact and status, oldest first"),
    list_(PROJECT + "/issues", "risks", "ListIssues", "List a project's issues"),
    create(PROJECT + "/issues", "risks", "CreateIssue", "issue", "Raise an issue",
           {"title": "Test environment down", "severity": "ISSUE_SEVERITY_MEDIUM", "owner": "ann"}),
    get(PROJECT + "/issues/{issue}", "risks", "GetIssue", "Get an issue"),
    update(PROJECT + "/issues/{issue}", "risks", "UpdateIssue", "issue", "Update an issue (updateMask; If-Match)",
           {"status": "ISSUE_STATUS_RESOLVED", "resolution": "restarted"}),
    delete(PROJECT + "/issues/{issue}", "risks", "DeleteIssue", "Delete an issue (If-Match: its etag)"),
    list_(ORG + "/issueEvents", "risks", "ListIssueEvents",
          "Escalation events of the organization in order, for a poller (resume from nextPageToken)"),
    get(ORG + "/riskMatrix", "risks", "GetRiskMatrix", "The organization's risk scoring matrix"),
    update(ORG + "/riskMatrix", "risks", "UpdateRiskMatrix", "risk_matrix",
           "Update the scoring matrix's bands (If-Match: its etag)",
           {"bands": [{"minScore": lo, "maxScore": hi, "level": f"RISK_LEVEL_{level}"} for lo, hi, level in (
               (1, 5, "LOW"), (6, 11, "MEDIUM"), (12, 19, "HIGH"), (20, 25, "CRITICAL"))]}),
    get(ORG + "/riskHeatMap", "risks", "GetRiskHeatMap", "The organization's risk heat map", bind="scope"),
    get(PROJECT + "/riskHeatMap", "risks", "GetRiskHeatMap", "A project's risk heat map", bind="scope"),
    get(ORG + "/portfolios/{portfolio}/riskHeatMap", "risks", "GetRiskHeatMap", "A portfolio's risk heat map",
        bind="scope"),
    *(get(scope + "/riskExposure", "risks", "GetRiskExposure", f"{whose} top risks by exposure", bind="scope")
      for scope, whose in ((ORG, "The organization's"), (PROJECT, "A project's"),
                           (ORG + "/portfolios/{portfolio}", "A portfolio's"))),
    # --- engagements, rates, time and expenses (BillingService)
    list_(ORG + "/engagements", "billing", "ListEngagements", "List the organization's engagements"),
    create(ORG + "/engagements", "billing", "CreateEngagement", "engagement", "Create an engagement",
           {"displayName": "ERP 2027", "projects": ["organizations/demo/projects/erp"],
            "billingModel": "BILLING_MODEL_TIME_AND_MATERIALS", "currencyCode": "EUR", "paymentTermsDays": 30}),
    get(ENGAGEMENT, "billing", "GetEngagement", "Get an engagement"),
    update(ENGAGEMENT, "billing", "UpdateEngagement", "engagement", "Update an engagement (updateMask; If-Match)",
           {"paymentTermsDays": 45}),
    list_(ORG + "/rates", "billing", "ListRates", "List the organization's rates"),
    create(ORG + "/rates", "billing", "CreateRate", "rate", "Add an hourly rate for a role on an engagement",
           {"engagement": "organizations/demo/engagements/erp-2027", "role": "architect",
            "hourlyRate": {"currencyCode": "EUR", "units": "120"}, "startDate": {"year": 2027, "month": 1, "day": 1}}),
    get(ORG + "/rates/{rate}", "billing", "GetRate", "Get a rate"),
    list_(ENGAGEMENT + "/timeEntries", "billing", "ListTimeEntries", "List an engagement's time entries"),
    create(ENGAGEMENT + "/timeEntries", "billing", "CreateTimeEntry", "time_entry", "Record time",
           {"person": "ann", "role": "architect", "project": "organizations/demo/projects/erp", "workDate": _DATE,
            "hours": "7.5", "billable": True, "note": "design review"}),
    get(ENGAGEMENT + "/timeEntries/{time_entry}", "billing", "GetTimeEntry", "Get a time entry"),
    custom(ENGAGEMENT + "/timeEntries/{time_entry}:approve", "billing", "ApproveTimeEntry",
           "Approve a time entry (not its own person; If-Match)"),
    custom(ENGAGEMENT + "/timeEntries/{time_entry}:reject", "billing", "RejectTimeEntry",
           "Reject a time entry with the reason (If-Match)", {"reason": "wrong project"}),
    list_(ENGAGEMENT + "/expenses", "billing", "ListExpenses", "List an engagement's expenses"),
    create(ENGAGEMENT + "/expenses", "billing", "CreateExpense", "expense", "Record an expense",
           {"project": "organizations/demo/projects/erp", "expenseDate": _DATE, "category": "EXPENSE_CATEGORY_TRAVEL",
            "amount": {"currencyCode": "EUR", "units": "240"}, "billable": True, "note": "train to the client"}),
    get(ENGAGEMENT + "/expenses/{expense}", "billing", "GetExpense", "Get an expense"),
    custom(ENGAGEMENT + "/expenses/{expense}:approve", "billing", "ApproveExpense",
           "Approve an expense (not its own person; If-Match)"),
    custom(ENGAGEMENT + "/expenses/{expense}:reject", "billing", "RejectExpense",
           "Reject an expense with the reason (If-Match)", {"reason": "no receipt"}),
    # --- financial reports and invoices (BillingService)
    get(PROJECT + "/financialReport", "billing", "GetFinancialReport", "A project's financial report with EVM"),
    get(ENGAGEMENT + "/financialReport", "billing", "GetFinancialReport", "An engagement's financial report"),
    list_(ENGAGEMENT + "/invoices", "billing", "ListInvoices", "List an engagement's invoices"),
    get(INVOICE, "billing", "GetInvoice", "Get an invoice"),
    update(INVOICE, "billing", "UpdateInvoice", "invoice",
           "Update a draft invoice's notes and purchase order (If-Match)", {"purchaseOrder": "PO-4711"}),
    custom(ENGAGEMENT + "/invoices:generate", "billing", "GenerateInvoice", "Generate the invoice of a period",
           {"periodStart": {"year": 2027, "month": 1, "day": 1}, "periodEnd": {"year": 2027, "month": 1, "day": 31}},
           collection=True),
    custom(ENGAGEMENT + "/invoices/{invoice}:issue", "billing", "IssueInvoice", "Issue a draft invoice",
           {"issueDate": {"year": 2027, "month": 2, "day": 1}}),
    custom(ENGAGEMENT + "/invoices/{invoice}:pay", "billing", "PayInvoice", "Record an invoice as paid",
           {"paidDate": {"year": 2027, "month": 3, "day": 1}}),
    custom(ENGAGEMENT + "/invoices/{invoice}:void", "billing", "VoidInvoice", "Void an invoice",
           {"reason": "issued twice"}),
    list_(INVOICE + "/creditNotes", "billing", "ListCreditNotes", "List an invoice's credit notes"),
    create(INVOICE + "/creditNotes", "billing", "CreateCreditNote", "credit_note",
           "Correct an issued or paid invoice by a credit note",
           {"amount": {"currencyCode": "EUR", "units": "500"}, "reason": "two hours billed twice"}),
    list_(ORG + "/billingPeriodLocks", "billing", "ListBillingPeriodLocks", "List the organization's closed periods"),
    custom(ORG + "/billingPeriodLocks", "billing", "LockBillingPeriod",
           "Close a period for time and expenses (finance, pmo, admin; idempotent)",
           {"periodStart": {"year": 2027, "month": 1, "day": 1}, "periodEnd": {"year": 2027, "month": 1, "day": 31}},
           collection=True),
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
    custom(PROJECT + "/qualityAudits/{quality_audit}/correctiveActions/{corrective_action}:close", "governance",
           "CloseCorrectiveAction", "Complete a corrective action (its owner)", {"note": "checklist updated"}),
    custom(PROJECT + ":scheduleAudits", "governance", "ScheduleAudits",
           "Create, change, pause, backfill or delete the project's audit schedule (auditor, pmo, admin)",
           {"enabled": True, "auditIntervalDays": 30}, bind="parent"),
    # --- tasks: the approver inbox
    list_(ORG + "/tasks", "governance", "ListTasks", "List tasks; assignee=me is the caller's inbox"),
    get(ORG + "/tasks/{task}", "governance", "GetTask", "Get a task with its decisions and history"),
    custom(ORG + "/tasks/{task}:claim", "governance", "ClaimTask", "Claim a task offered to a role"),
    custom(ORG + "/tasks/{task}:release", "governance", "ReleaseTask", "Give a claimed task back"),
    custom(ORG + "/tasks/{task}:reassign", "governance", "ReassignTask", "Hand a task to another person (pmo)",
           {"assignee": "alice", "reason": "on leave"}),
    custom(ORG + "/tasks/{task}:decide", "governance", "DecideTask", "Decide a task",
           {"choice": "APPROVE", "comment": "ok"}),
    # --- billing cycles
    list_(ORG + "/billingCycles", "governance", "ListBillingCycles", "List billing cycles, newest first"),
    custom(ORG + "/billingCycles:run", "governance", "RunBillingCycle",
           "Close a period now (finance, pmo, admin); unset dates: the previous month",
           {"periodStart": {"year": 2027, "month": 1, "day": 1}, "periodEnd": {"year": 2027, "month": 1, "day": 31}},
           collection=True),
    get(ORG + "/billingCycles/{billing_cycle}", "governance", "GetBillingCycle", "Get a billing cycle"),
    # --- governance policy, escalation report, webhooks
    get(ORG + "/governancePolicy", "governance", "GetGovernancePolicy", "The organization's current policy"),
    update(ORG + "/governancePolicy", "governance", "UpdateGovernancePolicy", "governance_policy",
           "Record a new policy version (updateMask; validateOnly checks it); running processes keep theirs",
           {"taskSla": "172800s"}),
    get(ORG + "/escalationReport", "governance", "GetEscalationReport",
        "Open escalations by level and age, SLA breach rates of a period", bind="parent"),
    list_(ORG + "/webhooks", "governance", "ListWebhooks", "List the organization's webhooks"),
    create(ORG + "/webhooks", "governance", "CreateWebhook", "webhook",
           "Subscribe an endpoint to governance events (the answer holds its signing secret, once)",
           {"uri": "https://itsm.example.com/pmaas", "eventTypes": ["com.pmaas.governance.escalation.raised"]}),
    delete(ORG + "/webhooks/{webhook}", "governance", "DeleteWebhook", "Stop sending to a webhook (If-Match)"),
    list_(ORG + "/webhooks/{webhook}/deliveries", "governance", "ListDeliveries",
          "A webhook's delivery log, with each attempt"),
    custom(ORG + "/webhooks/{webhook}/deliveries/{delivery}:redeliver", "governance", "RedeliverEvent",
           "Send a delivery's event again"),
    # --- delegations
    list_(ORG + "/delegations", "governance", "ListDelegations", "List delegations"),
    create(ORG + "/delegations", "governance", "SetDelegation", "delegation", "Delegate the caller's approvals",
           {"delegate": "bob", "startTime": "2027-01-01T00:00:00Z", "endTime": "2027-01-15T00:00:00Z"}),
    delete(ORG + "/delegations/{delegation}", "governance", "DeleteDelegation", "End a delegation (If-Match)"),
)
