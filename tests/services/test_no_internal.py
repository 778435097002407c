"""No INTERNAL, ever, for anything a caller can send (issue 9): a property over every Create* and Update* RPC
of ProjectsService, RisksService and BillingService, read from their service descriptors so a new one is
covered (or this file fails until it has a valid request to start from).

Each example takes a valid request (one that succeeds: `test_every_base_request_succeeds`) and lets hypothesis
replace a few of its fields, found by walking the request's descriptor: strings (any unicode, control
characters, NUL, very long, a trailing newline), google.type.Money (any currency code, huge or negative units,
nanos out of range or of the other sign), google.type.Date (year 0, 9999, month 13, 31 February), Timestamps,
Durations, update masks, int32/int64 extremes, unknown enum numbers, lists emptied or repeated. The real
servers answer an admin of the organization; every status but INTERNAL and UNKNOWN is fine, OK included, and
every refusal is a google.rpc.Status with an ErrorInfo the caller can read.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2, message_factory, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.type import date_pb2, money_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from pmaas.risks.v1 import risks_service_pb2_grpc
from tests.support import Caller, RpcFailure, date, eur, failure, rid

SERVICES = (projects_api.DESCRIPTOR.services_by_name["ProjectsService"],
            risks_api.DESCRIPTOR.services_by_name["RisksService"],
            billing_api.DESCRIPTOR.services_by_name["BillingService"])
MUTATING = sorted(f"{s.name}.{m.name}" for s in SERVICES for m in s.methods
                  if m.name.startswith(("Create", "Update")))
NEVER = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
SERVER_RECEIVE_MAX = 8 * 1024 * 1024  # grpc.max_receive_message_length of every service (grpc_server.py)
EXAMPLES_PER_RPC = 40  # 25 RPCs: about 20 s on the 2-core machine

# --- the world the valid requests refer to, made once for the module ---------------------------------------


@dataclass
class World:
    org: str
    other_org: str  # UpdateOrganization's own: a new default currency would refuse the others' EUR budgets
    portfolio: str
    updated_portfolio: str
    project: str  # where new things are created
    updated_project: str
    baselined_project: str
    milestone: str  # billed by the milestone engagements
    updated_milestone: str
    assignment: str
    risk: str
    issue: str
    engagement: str  # time and materials on `project`, with a consultant rate: time and expenses go here
    fee_engagement: str  # milestone billing, what UpdateEngagement changes
    draft_invoice: str
    issued_invoice: str

    def admin(self, authority, extra_org: str = "") -> Caller:
        orgs = {o.removeprefix("organizations/"): ["admin"] for o in (self.org, self.other_org)}
        if extra_org:
            orgs[extra_org] = ["admin"]
        return Caller(authority, "fuzz-admin", orgs)


@pytest.fixture(scope="module")
async def risks(risks_service):
    """A RisksService stub of this module's own (tests/services/risks puts its service on a movable clock)."""
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{risks_service.port}")
    yield risks_service_pb2_grpc.RisksServiceStub(channel)
    await channel.close()


@pytest.fixture(scope="module")
def stubs(projects_stub, risks, billing_stub) -> dict[str, Any]:
    return {"ProjectsService": projects_stub, "RisksService": risks, "BillingService": billing_stub}


@pytest.fixture(scope="module")
async def world(authority, projects_stub, risks, billing_stub) -> World:
    suffix = uuid.uuid4().hex[:10]
    org, other = f"fuzz-{suffix}", f"fuzz-other-{suffix}"
    admin = Caller(authority, "fuzz-admin", {org: ["admin"], other: ["admin"]})
    reviewer = Caller(authority, "fuzz-reviewer", {org: ["admin"]})
    p = projects_stub
    for org_id in (org, other):
        await admin(p.CreateOrganization, projects_api.CreateOrganizationRequest(
            organization_id=org_id, organization=projects_pb.Organization(
                display_name="Fuzz", pmo_type=projects_pb.PMO_TYPE_TACTICAL, default_currency_code="EUR")))
    parent = f"organizations/{org}"

    async def portfolio(pid: str) -> str:
        return (await admin(p.CreatePortfolio, projects_api.CreatePortfolioRequest(
            parent=parent, portfolio_id=pid, portfolio=projects_pb.Portfolio(display_name=pid)))).name

    async def project(pid: str) -> str:
        return (await admin(p.CreateProject, projects_api.CreateProjectRequest(
            parent=parent, project_id=pid, project=projects_pb.Project(
                code=pid.upper(), display_name=pid, methodology=projects_pb.METHODOLOGY_AGILE, budget=eur(100_000),
                planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 12, 31))))).name

    async def milestone(mid: str) -> str:
        return (await admin(p.CreateMilestone, projects_api.CreateMilestoneRequest(
            parent=main, milestone_id=mid, milestone=projects_pb.Milestone(
                display_name=mid, due_date=date(2027, 6, 30))))).name

    main = await project("apollo")
    m1 = await milestone("m1")
    assignment = await admin(p.CreateAssignment, projects_api.CreateAssignmentRequest(
        parent=main, assignment_id="ann", assignment=_assignment("ann", 50)))
    risk = await admin(risks.CreateRisk, risks_api.CreateRiskRequest(
        parent=main, risk_id="vendor", risk=_risk(), request_id=rid()))
    issue = await admin(risks.CreateIssue, risks_api.CreateIssueRequest(
        parent=main, issue_id="spec", issue=_issue(), request_id=rid()))
    b = billing_stub
    engagement = await admin(b.CreateEngagement, billing_api.CreateEngagementRequest(
        parent=parent, engagement_id="tm", request_id=rid(), engagement=billing_pb.Engagement(
            display_name="Apollo delivery", projects=[main], billing_model=billing_pb.BILLING_MODEL_TIME_AND_MATERIALS,
            currency_code="EUR", payment_terms_days=30)))
    fee_engagement = await admin(b.CreateEngagement, billing_api.CreateEngagementRequest(
        parent=parent, engagement_id="fees", request_id=rid(), engagement=_fee_engagement(main, m1)))
    await admin(b.CreateRate, billing_api.CreateRateRequest(parent=parent, request_id=rid(), rate=billing_pb.Rate(
        role="consultant", hourly_rate=eur(100), start_date=date(2027, 1, 1))))
    # January's approved time makes an invoice to issue and credit; February's is a draft with nothing on it.
    entry = await admin(b.CreateTimeEntry, billing_api.CreateTimeEntryRequest(
        parent=engagement.name, request_id=rid(), time_entry=billing_pb.TimeEntry(
            person="pat", role="consultant", project=main, work_date=date(2027, 1, 4), hours="8")))
    await reviewer(b.ApproveTimeEntry, billing_api.ApproveTimeEntryRequest(name=entry.name, request_id=rid()))
    invoices = [await admin(b.GenerateInvoice, billing_api.GenerateInvoiceRequest(
        parent=engagement.name, period_start=date(2027, month, 1), period_end=date(2027, month, 28),
        request_id=rid())) for month in (1, 2)]
    await admin(b.IssueInvoice, billing_api.IssueInvoiceRequest(name=invoices[0].name, request_id=rid()))
    return World(
        org=parent, other_org=f"organizations/{other}", portfolio=await portfolio("core"),
        updated_portfolio=await portfolio("renamed"), project=main, updated_project=await project("target"),
        baselined_project=await project("plan"), milestone=m1, updated_milestone=await milestone("moving"),
        assignment=assignment.name, risk=risk.name, issue=issue.name, engagement=engagement.name,
        fee_engagement=fee_engagement.name, draft_invoice=invoices[1].name, issued_invoice=invoices[0].name)


def _assignment(person: str, percent: int) -> projects_pb.Assignment:
    return projects_pb.Assignment(person=person, role="Analyst", skills=["SQL"], allocation_percent=percent,
                                  start_date=date(2027, 1, 1), end_date=date(2027, 3, 31))


def _health() -> projects_pb.Health:
    return projects_pb.Health(schedule=projects_pb.RAG_GREEN, scope=projects_pb.RAG_AMBER,
                              cost=projects_pb.RAG_GREEN, resources=projects_pb.RAG_RED)


def _action(text: str) -> risks_pb.Action:
    return risks_pb.Action(description=text, owner="alice", due_date=date(2027, 5, 1),
                           state=risks_pb.ACTION_STATE_PLANNED)


def _risk(**fields) -> risks_pb.Risk:
    return risks_pb.Risk(
        title="Vendor delivers late", description="The vendor's plan slips.", category="Supply", cause="Capacity",
        effect="Go-live moves", owner="alice", probability=3, impact=4,
        response_strategy=risks_pb.RESPONSE_STRATEGY_MITIGATE, mitigation_plan=[_action("Second vendor")],
        contingency_plan=[_action("Manual workaround")], residual_probability=2, residual_impact=2,
        review_cadence_days=30, **fields)


def _issue(**fields) -> risks_pb.Issue:
    return risks_pb.Issue(title="Interface spec missing", description="Nobody wrote it.",
                          severity=risks_pb.ISSUE_SEVERITY_MEDIUM, owner="bob", due_date=date(2027, 4, 1), **fields)


def _fee_engagement(project: str, milestone: str, **fields) -> billing_pb.Engagement:
    values = {"display_name": "Apollo milestones", "billing_model": billing_pb.BILLING_MODEL_MILESTONE,
              "currency_code": "EUR", "cap": eur(500_000), "payment_terms_days": 30}
    values.update(fields)
    return billing_pb.Engagement(projects=[project], milestone_fees=[
        billing_pb.MilestoneFee(milestone=milestone, amount=eur(10_000))], **values)


def _day(n: int) -> date_pb2.Date:
    """A different working day from March on for each example, so no person-day fills up."""
    day = dt.date(2027, 3, 1) + dt.timedelta(days=n % 270)
    return date(day.year, day.month, day.day)


# --- one valid request per RPC; n makes ids unique ---------------------------------------------------------

Base = Callable[[World, int], Message]
BASES: dict[str, Base] = {
    "ProjectsService.CreateOrganization": lambda w, n: projects_api.CreateOrganizationRequest(
        organization_id=f"fuzz-new-{uuid.uuid4().hex[:12]}", request_id=rid(), organization=projects_pb.Organization(
            display_name="New client", pmo_type=projects_pb.PMO_TYPE_STRATEGIC, default_currency_code="EUR")),
    "ProjectsService.UpdateOrganization": lambda w, n: projects_api.UpdateOrganizationRequest(
        request_id=rid(), organization=projects_pb.Organization(
            name=w.other_org, display_name=f"Other {n}", pmo_type=projects_pb.PMO_TYPE_OPERATIONAL,
            default_currency_code="USD")),
    "ProjectsService.CreatePortfolio": lambda w, n: projects_api.CreatePortfolioRequest(
        parent=w.org, portfolio_id=f"pf-{n}", request_id=rid(), portfolio=projects_pb.Portfolio(
            display_name="Growth", description="New markets", strategic_objectives=["Grow"], priority_score=50)),
    "ProjectsService.UpdatePortfolio": lambda w, n: projects_api.UpdatePortfolioRequest(
        request_id=rid(), portfolio=projects_pb.Portfolio(
            name=w.updated_portfolio, display_name=f"Renamed {n}", description="Run", strategic_objectives=["Keep"],
            priority_score=60)),
    "ProjectsService.CreateProject": lambda w, n: projects_api.CreateProjectRequest(
        parent=w.org, project_id=f"p-{n}", request_id=rid(), project=projects_pb.Project(
            code=f"P-{n}", display_name="Gemini", objectives=["Launch"], scope_statement="In: ERP\nOut: CRM",
            methodology=projects_pb.METHODOLOGY_HYBRID, status=projects_pb.PROJECT_STATUS_ACTIVE, health=_health(),
            budget=eur(50_000), actual_cost=eur(1_000), planned_start_date=date(2027, 1, 1),
            planned_end_date=date(2027, 9, 30), percent_complete=10, sponsor="sam", project_manager="pat",
            portfolio=w.portfolio)),
    "ProjectsService.UpdateProject": lambda w, n: projects_api.UpdateProjectRequest(
        request_id=rid(), project=projects_pb.Project(
            name=w.updated_project, display_name=f"Target {n}", objectives=["Ship"], scope_statement="All",
            status=projects_pb.PROJECT_STATUS_ACTIVE, health=_health(), budget=eur(60_000), actual_cost=eur(2_000),
            planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 12, 31), percent_complete=20,
            sponsor="sam", project_manager="pat", portfolio=w.portfolio)),
    "ProjectsService.CreateMilestone": lambda w, n: projects_api.CreateMilestoneRequest(
        parent=w.project, milestone_id=f"m-{n}", request_id=rid(), milestone=projects_pb.Milestone(
            display_name="Design signed off", due_date=date(2027, 5, 31),
            state=projects_pb.MILESTONE_STATE_PLANNED, deliverables=["Design"])),
    "ProjectsService.UpdateMilestone": lambda w, n: projects_api.UpdateMilestoneRequest(
        request_id=rid(), milestone=projects_pb.Milestone(
            name=w.updated_milestone, display_name=f"Moving {n}", due_date=date(2027, 7, 31),
            state=projects_pb.MILESTONE_STATE_IN_PROGRESS, deliverables=["Build"])),
    "ProjectsService.CreateAssignment": lambda w, n: projects_api.CreateAssignmentRequest(
        parent=w.project, assignment_id=f"a-{n}", request_id=rid(), assignment=_assignment(f"person-{n}", 20)),
    "ProjectsService.UpdateAssignment": lambda w, n: projects_api.UpdateAssignmentRequest(
        request_id=rid(), assignment=projects_pb.Assignment(name=w.assignment, **{
            f.name: v for f, v in _assignment("ann", 40).ListFields()})),
    "ProjectsService.CreateBaseline": lambda w, n: projects_api.CreateBaselineRequest(
        parent=w.baselined_project, start_date=date(2027, 1, 1), end_date=date(2027, 12, 31), budget=eur(70_000),
        reason="Re-planned", request_id=rid()),
    "ProjectsService.CreateStatusReport": lambda w, n: projects_api.CreateStatusReportRequest(
        parent=w.project, status_report_id=f"sr-{n}", request_id=rid(), status_report=projects_pb.StatusReport(
            report_date=date(2027, 2, 1), health=_health(), summary="On track.\nVendor late.",
            accomplishments=["Design"], next_steps=["Build"], key_risks=["Vendor"])),
    "ProjectsService.CreateLessonLearned": lambda w, n: projects_api.CreateLessonLearnedRequest(
        parent=w.project, lesson_learned_id=f"l-{n}", request_id=rid(), lesson_learned=projects_pb.LessonLearned(
            title="Plan vendors early", category="Supply", description="They were late.",
            recommendation="Start sourcing in initiation.")),
    "RisksService.CreateRisk": lambda w, n: risks_api.CreateRiskRequest(
        parent=w.project, risk_id=f"r-{n}", risk=_risk(), request_id=rid()),
    "RisksService.UpdateRisk": lambda w, n: risks_api.UpdateRiskRequest(
        request_id=rid(), risk=_risk(name=w.risk, status=risks_pb.RISK_STATUS_MITIGATING)),
    "RisksService.UpdateRiskMatrix": lambda w, n: risks_api.UpdateRiskMatrixRequest(
        request_id=rid(), risk_matrix=risks_pb.RiskMatrix(name=f"{w.org}/riskMatrix", bands=[
            risks_pb.RiskScoreBand(min_score=lo, max_score=hi, level=level) for lo, hi, level in (
                (1, 4, risks_pb.RISK_LEVEL_LOW), (5, 9, risks_pb.RISK_LEVEL_MEDIUM),
                (10, 19, risks_pb.RISK_LEVEL_HIGH), (20, 25, risks_pb.RISK_LEVEL_CRITICAL))])),
    "RisksService.CreateIssue": lambda w, n: risks_api.CreateIssueRequest(
        parent=w.project, issue_id=f"i-{n}", issue=_issue(), request_id=rid()),
    "RisksService.UpdateIssue": lambda w, n: risks_api.UpdateIssueRequest(
        request_id=rid(), issue=_issue(name=w.issue, status=risks_pb.ISSUE_STATUS_IN_PROGRESS)),
    "BillingService.CreateEngagement": lambda w, n: billing_api.CreateEngagementRequest(
        parent=w.org, engagement_id=f"e-{n}", request_id=rid(),
        engagement=_fee_engagement(w.project, w.milestone, closed_through=date(2026, 12, 31))),
    "BillingService.UpdateEngagement": lambda w, n: billing_api.UpdateEngagementRequest(
        request_id=rid(), engagement=billing_pb.Engagement(
            name=w.fee_engagement, display_name=f"Milestones {n}", cap=eur(400_000), payment_terms_days=45,
            milestone_fees=[billing_pb.MilestoneFee(milestone=w.milestone, amount=eur(12_000))])),
    "BillingService.CreateRate": lambda w, n: billing_api.CreateRateRequest(
        parent=w.org, rate_id=f"rt-{n}", request_id=rid(), rate=billing_pb.Rate(
            engagement=w.engagement, role=f"role-{n}", hourly_rate=eur(120), start_date=date(2027, 1, 1),
            end_date=date(2027, 12, 31))),
    "BillingService.CreateTimeEntry": lambda w, n: billing_api.CreateTimeEntryRequest(
        parent=w.engagement, time_entry_id=f"t-{n}", request_id=rid(), time_entry=billing_pb.TimeEntry(
            person="pat", role="consultant", project=w.project, work_date=_day(n), hours="1.5", billable=True,
            note="Workshop")),
    "BillingService.CreateExpense": lambda w, n: billing_api.CreateExpenseRequest(
        parent=w.engagement, expense_id=f"x-{n}", request_id=rid(), expense=billing_pb.Expense(
            project=w.project, expense_date=_day(n), category=billing_pb.EXPENSE_CATEGORY_TRAVEL, amount=eur(50),
            receipt_reference="R-1", billable=True, note="Train")),
    "BillingService.UpdateInvoice": lambda w, n: billing_api.UpdateInvoiceRequest(
        request_id=rid(), invoice=billing_pb.Invoice(name=w.draft_invoice, notes=f"Notes {n}",
                                                     purchase_order="PO-1")),
    "BillingService.CreateCreditNote": lambda w, n: billing_api.CreateCreditNoteRequest(
        parent=w.issued_invoice, credit_note_id=f"cn-{n}", request_id=rid(),
        credit_note=billing_pb.CreditNote(amount=eur(1), reason="Goodwill")),
}
_serial = itertools.count(1)


# --- edits: what hypothesis may put in a field --------------------------------------------------------------


@dataclass(frozen=True)
class Set:
    value: Any


@dataclass(frozen=True)
class Append:
    suffix: str  # to the string already there: "nl\n", "name\x00"


@dataclass(frozen=True)
class Long:
    char: str
    times: int

    def __repr__(self) -> str:
        return f"Long({self.char!r} x {self.times})"


@dataclass(frozen=True)
class Clear:
    pass


@dataclass(frozen=True)
class Empty:
    """A sub-message present but with nothing set."""


@dataclass(frozen=True)
class Items:
    values: tuple


@dataclass(frozen=True)
class Repeat:
    """`times` copies of a list's first item (or of an empty one)."""
    times: int


def _integers(lo: int, hi: int, *notable: int) -> st.SearchStrategy[int]:
    edges = sorted({lo, lo + 1, -1, 0, 1, hi - 1, hi, *(x for x in notable if lo <= x <= hi)})
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


INT32 = st.one_of(_integers(-(2**31), 2**31 - 1, 2, 5, 25, 26, 100, 101, 365, 366, 1440, 1441),
                 st.integers(-2, 400))
INT64 = _integers(-(2**63), 2**63 - 1, 10**12, 10**12 + 1, -(10**12), 9_223_372_036_854, 9_223_372_036_855)
UINT32 = _integers(0, 2**32 - 1)
UINT64 = _integers(0, 2**64 - 1)
NOTABLE_TEXT = ["", " ", "nl\n", "\n", "\x00", "a\x00b", "\x07", "\x1b[31m", "\x7f", "\x85", "\u2028", "\ufeff",
                "\u200b", "\U0010ffff", "🙂", "'; DROP TABLE projects; --", "%s%n{0}", "*", "organizations/x",
                "EUR", "1.5", "-1", "1e9", "NaN"]
TEXT = st.one_of(st.sampled_from(NOTABLE_TEXT), st.text(),
                 st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Co", "Zl", "Zp", "Zs"])))
STRING_EDITS = st.one_of(
    TEXT.map(Set),
    st.builds(Long, st.sampled_from(["a", "é", "🙂", " ", "\n"]),
              st.sampled_from([33, 64, 65, 128, 129, 200, 201, 2_000, 2_001, 10_000, 10_001, 100_001, 1_000_000])),
    st.sampled_from(["\n", "\x00", " ", "\t", "\x7f", "/", "/x", "\u0301"]).map(Append))
YEARS = _integers(-(2**31), 2**31 - 1, 1, 1899, 1900, 1970, 2027, 9000, 9001, 9999, 10_000)
DATES = st.one_of(
    st.sampled_from([(0, 0, 0), (0, 1, 1), (2027, 2, 29), (2028, 2, 29), (2027, 2, 31), (2027, 13, 1),
                     (2027, 0, 1), (2027, 1, 0), (1, 1, 1), (9999, 12, 31), (1899, 12, 31), (9001, 1, 1)]).map(
        lambda ymd: date_pb2.Date(year=ymd[0], month=ymd[1], day=ymd[2])),
    st.builds(date_pb2.Date, year=YEARS, month=_integers(-(2**31), 2**31 - 1, 2, 12, 13),
              day=_integers(-(2**31), 2**31 - 1, 28, 29, 30, 31, 32)),
    st.dates().map(lambda d: date_pb2.Date(year=d.year, month=d.month, day=d.day)),
    # Valid, at the documented edges (1900-01-01..9000-12-31), so the checks after validation see them.
    st.one_of(st.sampled_from([dt.date(1900, 1, 1), dt.date(9000, 12, 31), dt.date(2027, 2, 28)]),
              st.dates(dt.date(1900, 1, 1), dt.date(9000, 12, 31))).map(
        lambda d: date_pb2.Date(year=d.year, month=d.month, day=d.day)))
NANOS = _integers(-(2**31), 2**31 - 1, 999, 1_000, 10_000, 500_000_000, 999_999_999, 1_000_000_000, -1_000,
                  -999_999_999, -1_000_000_000)
MONEY = st.one_of(
    st.builds(money_pb2.Money,
              currency_code=st.one_of(st.sampled_from(["EUR", "USD", "JPY", "BHD", "CLF", "XXX", "XAU", "XTS", "eur",
                                                       "EURO", "EU", "", "€", "EUR\n", " EUR"]), st.text(max_size=4)),
              units=INT64, nanos=NANOS),
    # Valid euros up to the documented bound of one amount (10^12 units), so sums and caps are exercised.
    st.builds(money_pb2.Money, currency_code=st.just("EUR"),
              units=st.one_of(st.sampled_from([0, 1, 10**12 - 1, 10**12]), st.integers(0, 10**12)),
              nanos=st.sampled_from([0, 10_000_000, 990_000_000])))
SECONDS = _integers(-(2**63), 2**63 - 1, -62_135_596_800, 253_402_300_799, 253_402_300_800, 315_576_000_000,
                    315_576_000_001)
TIMESTAMP = st.builds(timestamp_pb2.Timestamp, seconds=SECONDS, nanos=NANOS)
DURATION = st.builds(duration_pb2.Duration, seconds=SECONDS, nanos=NANOS)
WHOLE = {"google.type.Money": MONEY, "google.type.Date": DATES, "google.protobuf.Timestamp": TIMESTAMP,
         "google.protobuf.Duration": DURATION}
REPEATS = st.sampled_from([2, 51, 101, 1_001])
# What a list of scalars repeats when it has no first item (numbers: 0).
FILLER = {FieldDescriptor.TYPE_STRING: "x", FieldDescriptor.TYPE_BYTES: b"x", FieldDescriptor.TYPE_BOOL: False}
SCALARS = {
    FieldDescriptor.TYPE_INT32: INT32, FieldDescriptor.TYPE_SINT32: INT32, FieldDescriptor.TYPE_SFIXED32: INT32,
    FieldDescriptor.TYPE_INT64: INT64, FieldDescriptor.TYPE_SINT64: INT64, FieldDescriptor.TYPE_SFIXED64: INT64,
    FieldDescriptor.TYPE_UINT32: UINT32, FieldDescriptor.TYPE_FIXED32: UINT32,
    FieldDescriptor.TYPE_UINT64: UINT64, FieldDescriptor.TYPE_FIXED64: UINT64,
    FieldDescriptor.TYPE_BOOL: st.booleans(), FieldDescriptor.TYPE_STRING: TEXT,
    FieldDescriptor.TYPE_BYTES: st.binary(),
    FieldDescriptor.TYPE_DOUBLE: st.floats(), FieldDescriptor.TYPE_FLOAT: st.floats(width=32),
}


def _mask(field_names: list[str]) -> st.SearchStrategy:
    path = st.one_of(st.sampled_from(["*", "", "name", "etag", "a.b", "display_name\n", *field_names]), TEXT)
    return st.lists(path, max_size=3).map(lambda paths: Set(field_mask_pb2.FieldMask(paths=paths)))


def _edits(field: FieldDescriptor, field_names: list[str]) -> st.SearchStrategy:
    """What may replace `field`, as a whole."""
    if field.message_type is not None:
        kind = field.message_type.full_name
        if kind == "google.protobuf.FieldMask":
            return st.one_of(st.just(Clear()), _mask(field_names))
        whole = WHOLE.get(kind)
        if field.is_repeated:
            items = st.lists(whole, min_size=1, max_size=3).map(lambda v: Items(tuple(v))) if whole else st.nothing()
            return st.one_of(st.just(Clear()), REPEATS.map(Repeat), items)
        if whole is not None:
            return st.one_of(st.just(Clear()), whole.map(Set))
        return st.sampled_from([Clear(), Empty()])
    if field.type == FieldDescriptor.TYPE_ENUM:
        known = sorted(v.number for v in field.enum_type.values)
        value = st.one_of(st.sampled_from(known), _integers(-(2**31), 2**31 - 1, known[-1] + 1))
    else:
        value = SCALARS[field.type]
    if field.is_repeated:
        return st.one_of(st.just(Clear()), REPEATS.map(Repeat),
                         st.lists(value, min_size=1, max_size=4).map(lambda v: Items(tuple(v))))
    if field.type == FieldDescriptor.TYPE_STRING:
        return STRING_EDITS
    return value.map(Set)


@dataclass(frozen=True)
class Slot:
    """A field of the request, by its path: names, and 0 for a list's first item."""
    path: tuple[str | int, ...]
    field: FieldDescriptor
    edits: st.SearchStrategy

    @property
    def label(self) -> str:
        return ".".join(p if isinstance(p, str) else f"[{p}]" for p in self.path).replace(".[", "[")


@functools.cache
def slots(descriptor: Descriptor) -> dict[str, Slot]:
    """Every field of a request, nested messages and a list's first item included; well-known types whole."""
    names = sorted({f.name for top in descriptor.fields if top.message_type is not None
                    for f in top.message_type.fields})

    def walk(d: Descriptor, prefix: tuple) -> list[Slot]:
        found = []
        for f in d.fields:
            path = (*prefix, f.name)
            found.append(Slot(path, f, _edits(f, names)))
            nested = f.message_type
            if nested is not None and nested.full_name not in WHOLE and not nested.GetOptions().map_entry \
                    and nested.full_name != "google.protobuf.FieldMask":
                found.extend(walk(nested, (*path, 0) if f.is_repeated else path))
        return found

    return {slot.label: slot for slot in walk(descriptor, ())}


def apply(request: Message, slot: Slot, edit: Any) -> None:
    *parents, last = slot.path
    holder = request
    for step in parents:
        holder = (holder[0] if len(holder) else holder.add()) if isinstance(step, int) else getattr(holder, step)
    field = slot.field
    if isinstance(edit, Clear):
        holder.ClearField(last)
    elif isinstance(edit, Empty):
        holder.ClearField(last)
        getattr(holder, last).SetInParent()
    elif field.is_repeated:
        items = getattr(holder, last)
        if isinstance(edit, Repeat):
            if field.message_type is not None:
                value = message_factory.GetMessageClass(field.message_type)()
                if len(items):
                    value.CopyFrom(items[0])
            else:
                value = items[0] if len(items) else FILLER.get(field.type, 0)
            values = [value] * edit.times
        else:
            values = list(edit.values)
        del items[:]
        items.extend(values)
    elif isinstance(edit, Append):
        setattr(holder, last, getattr(holder, last) + edit.suffix)
    elif isinstance(edit, Long):
        setattr(holder, last, edit.char * edit.times)
    elif field.message_type is not None:
        getattr(holder, last).CopyFrom(edit.value)
    else:
        setattr(holder, last, edit.value)


def shown(message: Message) -> str:
    """The request as text, long strings and lists cut short."""
    def short(value):
        return f"{value[:60]!r}... ({len(value)} characters)" if isinstance(value, str) and len(value) > 120 else value

    def cut(m: Message) -> None:
        for f, value in m.ListFields():
            if f.message_type is not None:
                if f.is_repeated:
                    del value[3:]
                for item in value if f.is_repeated else [value]:
                    cut(item)
            elif f.is_repeated:
                kept = [short(v) for v in value[:3]]
                del value[:]
                value.extend(kept)
            else:
                setattr(m, f.name, short(value))

    copy = type(message)()
    copy.CopyFrom(message)
    cut(copy)
    return str(copy)


# --- the property ----------------------------------------------------------------------------------------------


def test_every_create_and_update_rpc_has_a_valid_base_request():
    assert sorted(BASES) == MUTATING


async def test_every_base_request_succeeds(world, stubs, authority):
    """Mutations start from requests that pass, so they reach past validation into the writes."""
    for method in MUTATING:
        service, rpc = method.split(".")
        base = BASES[method](world, next(_serial))
        caller = world.admin(authority, getattr(base, "organization_id", ""))
        await caller(getattr(stubs[service], rpc), base)


async def _answer(call, request: Message, caller: Caller) -> RpcFailure | None:
    """What the caller learns: None when the call succeeds."""
    try:
        await caller(call, request)
    except grpc.aio.AioRpcError as exc:
        return failure(exc)
    return None


@pytest.mark.parametrize("method", MUTATING)
@settings(max_examples=EXAMPLES_PER_RPC, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
async def test_a_valid_request_with_hostile_fields_is_never_internal_and_every_refusal_is_readable(
        world, stubs, authority, method, data):
    service, rpc = method.split(".")
    base = BASES[method](world, next(_serial))
    request = type(base)()
    request.CopyFrom(base)
    fields = slots(base.DESCRIPTOR)
    chosen = data.draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True),
                       label="fields")
    for label in chosen:
        apply(request, fields[label], data.draw(fields[label].edits, label=label))
    # The caller is an admin of the organization the valid request names (a new one for CreateOrganization).
    caller = world.admin(authority, getattr(base, "organization_id", ""))
    answer = await _answer(getattr(stubs[service], rpc), request, caller)
    code = answer.code if answer else grpc.StatusCode.OK
    assert code not in NEVER, f"{method} answered {code.name} to:\n{shown(request)}"
    # A refusal is a google.rpc.Status the caller can read (AIP-193), also for a request with thousands of bad
    # items or a huge value quoted back; only a request over the server's size limit is refused by gRPC itself.
    if answer is not None and request.ByteSize() <= SERVER_RECEIVE_MAX:
        assert answer.reason, f"{method} answered {code.name} without an ErrorInfo ({answer.message}) to:\n" \
                              f"{shown(request)}"
