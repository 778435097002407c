"""Activities of the phase gate: read the project, evaluate the gate criteria, and carry out the
gatekeepers' decision (move the phase, cancel the project) through the services.

Every call goes as the governance service principal naming the person it acts for (ServiceCalls).
Reading is split from judging: the activities gather plain facts over gRPC, and the pure
`evaluate_*` functions below turn facts into CriterionResults with their evidence, so the rules
are unit-tested without any service.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from google.protobuf import field_mask_pb2
from google.type import date_pb2, money_pb2
from temporalio import activity
from temporalio.exceptions import ApplicationError

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from workflows.activities.services import ServiceCalls
from workflows.phase_gate import (
    CANCEL_PROJECT,
    EVALUATE_GATE_CRITERIA,
    PROJECT_SNAPSHOT,
    TRANSITION_PHASE,
    AuditScore,
    CancelRequest,
    CriteriaEvaluation,
    CriteriaRequest,
    CriterionResult,
    ProjectRequest,
    ProjectSnapshot,
    TransitionRequest,
)
from workflows.policy import GateCriterion

PAGE = 1000
DESCRIPTIONS = {
    "no_open_high_risks": "No open HIGH or CRITICAL risks on the project",
    "budget_variance_within_tolerance": "Cost performance (CPI from earned value) within the budget tolerance",
    "milestones_complete": "Every milestone due so far is achieved (or cancelled)",
    "status_report_fresh": "The latest status report is recent",
    "quality_audit_score": "The latest quality-audit score reaches the threshold",
}
DEFAULT_TOLERANCE = "0.10"
DEFAULT_FRESHNESS_DAYS = "14"
HIGH_LEVELS = ("HIGH", "CRITICAL")
OPEN_RISK_STATUSES = ("OPEN", "MITIGATING")
DONE_MILESTONE_STATES = ("ACHIEVED", "CANCELLED")
LISTED = 5  # how many items evidence text names before "and N more"


# --- facts (plain values read from the services) ----------------------------------------------


@dataclass(frozen=True)
class RiskFact:
    name: str
    title: str
    level: str  # inherent level by the org's matrix: LOW MEDIUM HIGH CRITICAL ("" unscored)
    status: str  # OPEN MITIGATING CLOSED OCCURRED
    is_opportunity: bool = False


@dataclass(frozen=True)
class FinancialFact:
    engagements: tuple[str, ...]  # engagement names holding the project; empty: none
    cpi: str = ""  # 4-decimal string, "" while no cost is recorded
    spi: str = ""
    budget: str = ""  # money as text, e.g. "100000.00 EUR"
    actual_cost: str = ""
    earned_value: str = ""
    eac: str = ""
    unavailable: str = ""  # why the report could not be produced (e.g. a currency mismatch)


@dataclass(frozen=True)
class MilestoneFact:
    name: str
    title: str
    due: dt.date | None
    state: str  # PLANNED IN_PROGRESS ACHIEVED MISSED CANCELLED


@dataclass(frozen=True)
class ReportFact:
    name: str
    report_date: dt.date


# --- pure evaluation --------------------------------------------------------------------------


def _result(c: GateCriterion, passed: bool, evidence: str, values: dict[str, str] | None = None,
            required: bool | None = None) -> CriterionResult:
    return CriterionResult(criterion=c.id, description=DESCRIPTIONS.get(c.id, c.id), passed=passed,
                           required=c.required if required is None else required, evidence=evidence,
                           evidence_values=dict(values or {}))


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown + (f" and {len(items) - LISTED} more" if len(items) > LISTED else "")


def _decimal(text: str, default: str) -> Decimal:
    try:
        return Decimal(text or default)
    except InvalidOperation:
        return Decimal(default)


def evaluate_high_risks(c: GateCriterion, risks: list[RiskFact]) -> CriterionResult:
    """Open (or mitigating) threats whose inherent level is HIGH or CRITICAL block the gate; a planned
    mitigation is not yet a lower risk, and opportunities are not threats."""
    high = [r for r in risks if not r.is_opportunity and r.status in OPEN_RISK_STATUSES and r.level in HIGH_LEVELS]
    high.sort(key=lambda r: (-HIGH_LEVELS.index(r.level), r.name))  # CRITICAL first
    values = {"open_high_risks": str(sum(r.level == "HIGH" for r in high)),
              "open_critical_risks": str(sum(r.level == "CRITICAL" for r in high)),
              "risks": ",".join(r.name for r in high)}
    if not high:
        open_count = sum(r.status in OPEN_RISK_STATUSES and not r.is_opportunity for r in risks)
        return _result(c, True, f"no open HIGH or CRITICAL risks ({open_count} open risks of lower level)", values)
    named = _listing([f"{r.title} ({r.level}, {r.status})" for r in high])
    return _result(c, False, f"{len(high)} open HIGH/CRITICAL risk{'s' if len(high) > 1 else ''}: {named}", values)


def evaluate_budget(c: GateCriterion, fact: FinancialFact) -> CriterionResult:
    """CPI (earned value / actual cost) must be at least 1 − tolerance; a project that no engagement bills,
    or with no cost recorded yet, has no variance to speak of."""
    tolerance = _decimal(c.threshold, DEFAULT_TOLERANCE)
    floor = Decimal(1) - tolerance
    values = {"tolerance": str(tolerance), "cpi_floor": str(floor), "engagements": ",".join(fact.engagements)}
    if not fact.engagements:
        return _result(c, True, "no engagement bills this project: no cost to compare with the budget", values)
    if fact.unavailable:
        return _result(c, False, f"the financial report is unavailable: {fact.unavailable}", values)
    values.update(cpi=fact.cpi, spi=fact.spi, budget=fact.budget, actual_cost=fact.actual_cost,
                  earned_value=fact.earned_value, eac=fact.eac)
    if not fact.cpi:
        return _result(c, True, f"no cost recorded yet against the budget of {fact.budget}", values)
    cpi = Decimal(fact.cpi)
    figures = f"earned {fact.earned_value} for {fact.actual_cost} spent; forecast at completion {fact.eac}"
    if cpi >= floor:
        return _result(c, True, f"CPI {fact.cpi} is within tolerance (at least {floor}): {figures}", values)
    return _result(c, False, f"CPI {fact.cpi} is below {floor} (tolerance {tolerance}): {figures}", values)


def evaluate_milestones(c: GateCriterion, milestones: list[MilestoneFact], today: dt.date) -> CriterionResult:
    """Milestones due before today must be ACHIEVED (or CANCELLED)."""
    due = [m for m in milestones if m.due is not None and m.due < today]
    late = sorted((m for m in due if m.state not in DONE_MILESTONE_STATES), key=lambda m: (m.due, m.name))
    values = {"milestones": str(len(milestones)), "milestones_due": str(len(due)),
              "milestones_not_achieved": str(len(late)), "late": ",".join(m.name for m in late)}
    if not late:
        return _result(c, True, f"all {len(due)} milestones due before {today.isoformat()} are achieved"
                       if due else f"no milestone was due before {today.isoformat()}", values)
    named = _listing([f"{m.title} (due {m.due.isoformat()}, {m.state})" for m in late])
    return _result(c, False, f"{len(late)} of {len(due)} milestones due before {today.isoformat()} not achieved: "
                   f"{named}", values)


def evaluate_freshness(c: GateCriterion, reports: list[ReportFact], today: dt.date) -> CriterionResult:
    """The latest status report must be at most `threshold` days old (default 14)."""
    max_age = int(_decimal(c.threshold, DEFAULT_FRESHNESS_DAYS))
    values = {"max_age_days": str(max_age), "status_reports": str(len(reports))}
    if not reports:
        return _result(c, False, "no status report has been filed", values)
    latest = max(reports, key=lambda r: (r.report_date, r.name))
    age = (today - latest.report_date).days
    values.update(latest_report=latest.name, latest_report_date=latest.report_date.isoformat(), age_days=str(age))
    if age <= max_age:
        return _result(c, True, f"latest status report of {latest.report_date.isoformat()} is {max(age, 0)} "
                       f"days old (at most {max_age})", values)
    return _result(c, False, f"latest status report of {latest.report_date.isoformat()} is {age} days old, "
                   f"older than {max_age} days", values)


DEFAULT_AUDIT_THRESHOLD = "0.80"


def evaluate_quality_audit(c: GateCriterion, audit: AuditScore | None) -> CriterionResult:
    """Met when the project's latest CLOSED quality audit scored at least the threshold; no audit yet is not
    met. `audit` None: a gate evaluated before scores were read (its history replays so)."""
    threshold = _decimal(c.threshold, DEFAULT_AUDIT_THRESHOLD)
    values = {"threshold": f"{threshold}"}
    if audit is None or not audit.audit:
        return _result(c, False, "no quality audit recorded yet", values)
    values.update(audit=audit.audit, score=audit.score, close_time=audit.close_time)
    score = _decimal(audit.score, "0")
    verdict = "reaches" if score >= threshold else "is below"
    return _result(c, score >= threshold, f"latest audit score {audit.score} {verdict} {threshold}", values)


def evaluate_unknown(c: GateCriterion) -> CriterionResult:
    return _result(c, False, f"unknown criterion {c.id!r}: not evaluated")


# --- reading the services ---------------------------------------------------------------------


def _enum_name(value: int, descriptor, prefix: str) -> str:
    name = descriptor.values_by_number[value].name if value in descriptor.values_by_number else ""
    name = name.removeprefix(prefix)
    return "" if name == "UNSPECIFIED" else name


def snapshot_of(p: projects_pb.Project) -> ProjectSnapshot:
    return ProjectSnapshot(
        name=p.name, display_name=p.display_name,
        phase=_enum_name(p.phase, projects_pb.Phase.DESCRIPTOR, "PHASE_"),
        methodology=_enum_name(p.methodology, projects_pb.Methodology.DESCRIPTOR, "METHODOLOGY_"),
        status=_enum_name(p.status, projects_pb.ProjectStatus.DESCRIPTOR, "PROJECT_STATUS_"), etag=p.etag)


def money_text(m: money_pb2.Money) -> str:
    value = (Decimal(m.units) + Decimal(m.nanos) / Decimal(10**9)).quantize(Decimal("0.01"))
    return f"{value} {m.currency_code}".strip()


def _date(d: date_pb2.Date) -> dt.date | None:
    return dt.date(d.year, d.month, d.day) if d.year else None


class _Pages:
    """Every item of a List method, page after page, as the governance principal for one person."""

    def __init__(self, calls: ServiceCalls, on_behalf_of: str) -> None:
        self.calls = calls
        self.on_behalf_of = on_behalf_of

    async def all(self, method, request, attr: str) -> list:
        request.page_size = PAGE
        out = []
        while True:
            response = await self.calls.call(method, request, self.on_behalf_of)
            out.extend(getattr(response, attr))
            if not response.next_page_token:
                return out
            request.page_token = response.next_page_token


class GateActivities:
    """The phase gate's calls to the services (register the bound methods on the worker)."""

    def __init__(self, calls: ServiceCalls) -> None:
        self.calls = calls

    def all(self) -> list:
        return [self.project_snapshot, self.evaluate_gate_criteria, self.transition_phase, self.cancel_project]

    @activity.defn(name=PROJECT_SNAPSHOT)
    async def project_snapshot(self, arg: ProjectRequest) -> ProjectSnapshot:
        project = await self.calls.call(self.calls.projects.GetProject, projects_api.GetProjectRequest(name=arg.name),
                                        arg.on_behalf_of)
        return snapshot_of(project)

    @activity.defn(name=EVALUATE_GATE_CRITERIA)
    async def evaluate_gate_criteria(self, arg: CriteriaRequest) -> CriteriaEvaluation:
        project = f"organizations/{arg.org}/projects/{arg.project}"
        today = arg.as_of.astimezone(dt.UTC).date()
        pages = _Pages(self.calls, arg.on_behalf_of)
        wanted = {c.id for c in arg.criteria}
        readers = {
            "no_open_high_risks": lambda: self._risks(pages, project),
            "budget_variance_within_tolerance": lambda: self._financials(pages, arg.org, project, today),
            "milestones_complete": lambda: self._milestones(pages, project),
            "status_report_fresh": lambda: self._reports(pages, project),
        }
        needed = [k for k in readers if k in wanted]
        facts = dict(zip(needed, await asyncio.gather(*(readers[k]() for k in needed)), strict=True))
        results = []
        for c in arg.criteria:
            if c.id == "no_open_high_risks":
                results.append(evaluate_high_risks(c, facts[c.id]))
            elif c.id == "budget_variance_within_tolerance":
                results.append(evaluate_budget(c, facts[c.id]))
            elif c.id == "milestones_complete":
                results.append(evaluate_milestones(c, facts[c.id], today))
            elif c.id == "status_report_fresh":
                results.append(evaluate_freshness(c, facts[c.id], today))
            elif c.id == "quality_audit_score":
                results.append(evaluate_quality_audit(c, arg.audit))
            else:
                results.append(evaluate_unknown(c))
        return CriteriaEvaluation(results=results)

    @activity.defn(name=TRANSITION_PHASE)
    async def transition_phase(self, arg: TransitionRequest) -> ProjectSnapshot:
        phase = projects_pb.Phase.Value(f"PHASE_{arg.to_phase}")
        request = projects_api.TransitionProjectPhaseRequest(
            name=f"organizations/{arg.org}/projects/{arg.project}", phase=phase, reason=arg.reason,
            request_id=arg.request_id)
        project = await self.calls.call(self.calls.projects.TransitionProjectPhase, request, arg.on_behalf_of)
        return snapshot_of(project)

    @activity.defn(name=CANCEL_PROJECT)
    async def cancel_project(self, arg: CancelRequest) -> ProjectSnapshot:
        project = await self.calls.call(self.calls.projects.UpdateProject, projects_api.UpdateProjectRequest(
            project=projects_pb.Project(name=f"organizations/{arg.org}/projects/{arg.project}",
                                        status=projects_pb.PROJECT_STATUS_CANCELLED),
            update_mask=field_mask_pb2.FieldMask(paths=["status"]), request_id=arg.request_id), arg.on_behalf_of)
        return snapshot_of(project)

    # -- readers --

    async def _risks(self, pages: _Pages, project: str) -> list[RiskFact]:
        risks = await pages.all(self.calls.risks.ListRisks, risks_api.ListRisksRequest(parent=project), "risks")
        return [RiskFact(name=r.name, title=r.title,
                         level=_enum_name(r.inherent_level, risks_pb.RiskLevel.DESCRIPTOR, "RISK_LEVEL_"),
                         status=_enum_name(r.status, risks_pb.RiskStatus.DESCRIPTOR, "RISK_STATUS_"),
                         is_opportunity=r.is_opportunity) for r in risks]

    async def _financials(self, pages: _Pages, org: str, project: str, today: dt.date) -> FinancialFact:
        engagements = await pages.all(self.calls.billing.ListEngagements,
                                      billing_api.ListEngagementsRequest(parent=f"organizations/{org}"), "engagements")
        holding = tuple(e.name for e in engagements if project in e.projects)
        if not holding:
            return FinancialFact(engagements=())
        try:
            report = await self.calls.call(self.calls.billing.GetFinancialReport, billing_api.GetFinancialReportRequest(
                name=f"{project}/financialReport",
                as_of=date_pb2.Date(year=today.year, month=today.month, day=today.day)), pages.on_behalf_of)
        except ApplicationError as exc:
            if exc.details and exc.details[0] == "FAILED_PRECONDITION":  # e.g. a currency mismatch, a missing rate
                return FinancialFact(engagements=holding, unavailable=exc.message)
            raise
        ev = report.earned_value
        return FinancialFact(engagements=holding, cpi=ev.cpi, spi=ev.spi, budget=money_text(report.budget),
                             actual_cost=money_text(report.actual_cost), earned_value=money_text(ev.ev),
                             eac=money_text(ev.eac))

    async def _milestones(self, pages: _Pages, project: str) -> list[MilestoneFact]:
        milestones = await pages.all(self.calls.projects.ListMilestones,
                                     projects_api.ListMilestonesRequest(parent=project), "milestones")
        return [MilestoneFact(name=m.name, title=m.display_name, due=_date(m.due_date),
                              state=_enum_name(m.state, projects_pb.MilestoneState.DESCRIPTOR, "MILESTONE_STATE_"))
                for m in milestones]

    async def _reports(self, pages: _Pages, project: str) -> list[ReportFact]:
        reports = await pages.all(self.calls.projects.ListStatusReports,
                                  projects_api.ListStatusReportsRequest(parent=project), "status_reports")
        return [ReportFact(name=r.name, report_date=_date(r.report_date)) for r in reports if r.report_date.year]
