"""Pure rules of the Projects domain: validation, phases, allocation, KPIs.

No I/O here, so each rule is unit-tested on its own. Validators take the
whole (merged) resource, record every problem in `Violations`, and return the
column values to store.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import money
from services.platform.auth import Permission
from services.platform.errors import Violations, failed_precondition
from services.platform.names import PORTFOLIO_PATTERN, parse_into
from services.platform.resources import (
    check_enum,
    check_text,
    check_text_list,
    from_date,
)

NAME_MAX = 200
LONG_TEXT_MAX = 10_000
ITEM_MAX = 1000
ITEMS_MAX = 100
PERSON_MAX = 128
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}\Z")
DEFAULT_CURRENCY = "USD"
# Summary figures travel in int32 fields. A ratio or a count of days that no longer fits (a project
# 10^6 times over budget is 10^10 basis points; one micro of budget and 10^12 units spent is 10^22)
# is reported as this maximum, "at least this much", so one project never breaks a whole summary.
MAX_BASIS_POINTS = 2**31 - 1
MAX_DAYS = 2**31 - 1


def _money_or_zero(message, field: str, currency: str, v: Violations, prefix: str = "project") -> int:
    """Micros of `message.<field>` in `currency`; unset means zero. Violations name `<prefix>.<field>`."""
    if not message.HasField(field):
        return 0
    path = f"{prefix}.{field}"
    amount = money.from_proto(getattr(message, field), path, v)
    if amount is None:
        return 0
    if amount.currency != currency:
        v.add(f"{path}.currency_code", f"must be {currency}, the currency of this project")
    return amount.micros


def organization_columns(org: pb.Organization, v: Violations) -> dict[str, Any]:
    check_text(org.display_name, "organization.display_name", v, max_len=NAME_MAX, required=True)
    check_enum(org.pmo_type, pb.PmoType.DESCRIPTOR, "organization.pmo_type", v, required=True)
    currency = org.default_currency_code or DEFAULT_CURRENCY
    money.check_currency(currency, "organization.default_currency_code", v)
    return {"display_name": org.display_name.strip(), "pmo_type": org.pmo_type, "default_currency": currency}


def portfolio_columns(p: pb.Portfolio, v: Violations) -> dict[str, Any]:
    check_text(p.display_name, "portfolio.display_name", v, max_len=NAME_MAX, required=True)
    check_text(p.description, "portfolio.description", v, max_len=LONG_TEXT_MAX, multiline=True)
    check_text_list(p.strategic_objectives, "portfolio.strategic_objectives", v, max_items=ITEMS_MAX,
                    max_len=ITEM_MAX)
    if not 0 <= p.priority_score <= 100:
        v.add("portfolio.priority_score", "must be between 0 and 100")
    return {"display_name": p.display_name.strip(), "description": p.description,
            "strategic_objectives": list(p.strategic_objectives), "priority_score": p.priority_score}


def _health_columns(h: pb.Health, field: str, v: Violations, *, required: bool) -> dict[str, int]:
    cols = {}
    for dim in ("schedule", "scope", "cost", "resources"):
        value = getattr(h, dim)
        check_enum(value, pb.Rag.DESCRIPTOR, f"{field}.{dim}", v, required=required)
        cols[f"health_{dim}"] = value or pb.RAG_GREEN
    return cols


def project_columns(p: pb.Project, org_id: str, default_currency: str, v: Violations) -> dict[str, Any]:
    if not p.code:
        v.add("project.code", "is required (e.g. ERP-2027)")
    elif not CODE_RE.match(p.code):
        v.add("project.code", "must be 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit")
    check_text(p.display_name, "project.display_name", v, max_len=NAME_MAX, required=True)
    check_text_list(p.objectives, "project.objectives", v, max_items=ITEMS_MAX, max_len=ITEM_MAX)
    check_text(p.scope_statement, "project.scope_statement", v, max_len=LONG_TEXT_MAX, multiline=True)
    check_enum(p.methodology, pb.Methodology.DESCRIPTOR, "project.methodology", v, required=True)
    check_enum(p.status, pb.ProjectStatus.DESCRIPTOR, "project.status", v)
    currency = p.budget.currency_code if p.HasField("budget") and p.budget.currency_code else default_currency
    budget = _money_or_zero(p, "budget", currency, v)
    actual = _money_or_zero(p, "actual_cost", currency, v)
    start = from_date(p, "planned_start_date", v, prefix="project")
    end = from_date(p, "planned_end_date", v, prefix="project")
    if start and end and end < start:
        v.add("project.planned_end_date", "must not be before planned_start_date")
    if not 0 <= p.percent_complete <= 100:
        v.add("project.percent_complete", "must be between 0 and 100")
    check_text(p.sponsor, "project.sponsor", v, max_len=PERSON_MAX)
    check_text(p.project_manager, "project.project_manager", v, max_len=PERSON_MAX)
    portfolio_id = None
    if p.portfolio and (parts := parse_into(PORTFOLIO_PATTERN, p.portfolio, "project.portfolio", v)):
        if parts["organization"] != org_id:
            v.add("project.portfolio", "must be a portfolio of the project's own organization")
        else:
            portfolio_id = parts["portfolio"]
    return {
        "code": p.code, "display_name": p.display_name.strip(), "objectives": list(p.objectives),
        "scope_statement": p.scope_statement, "methodology": p.methodology,
        "status": p.status or pb.PROJECT_STATUS_PROPOSED,
        **_health_columns(p.health, "project.health", v, required=False),
        "currency": currency, "budget_micros": budget, "actual_cost_micros": actual,
        "planned_start_date": start, "planned_end_date": end, "percent_complete": p.percent_complete,
        "sponsor": p.sponsor, "project_manager": p.project_manager, "portfolio_id": portfolio_id,
    }


def milestone_columns(m: pb.Milestone, v: Violations, today: dt.date) -> dict[str, Any]:
    check_text(m.display_name, "milestone.display_name", v, max_len=NAME_MAX, required=True)
    due = from_date(m, "due_date", v, required=True, prefix="milestone")
    check_enum(m.state, pb.MilestoneState.DESCRIPTOR, "milestone.state", v)
    check_text_list(m.deliverables, "milestone.deliverables", v, max_items=ITEMS_MAX, max_len=ITEM_MAX)
    state = m.state or pb.MILESTONE_STATE_PLANNED
    completion = from_date(m, "completion_date", v, prefix="milestone")
    if state == pb.MILESTONE_STATE_ACHIEVED:
        completion = completion or today
    elif completion is not None:
        v.add("milestone.completion_date", "may only be set when state is MILESTONE_STATE_ACHIEVED")
    return {"display_name": m.display_name.strip(), "due_date": due, "state": state,
            "deliverables": list(m.deliverables), "completion_date": completion}


def assignment_columns(a: pb.Assignment, v: Violations) -> dict[str, Any]:
    check_text(a.person, "assignment.person", v, max_len=PERSON_MAX, required=True)
    check_text(a.role, "assignment.role", v, max_len=NAME_MAX, required=True)
    check_text_list(a.skills, "assignment.skills", v, max_items=ITEMS_MAX, max_len=NAME_MAX)
    if not 1 <= a.allocation_percent <= 100:
        v.add("assignment.allocation_percent", "must be between 1 and 100")
    start = from_date(a, "start_date", v, required=True, prefix="assignment")
    end = from_date(a, "end_date", v, required=True, prefix="assignment")
    if start and end and end < start:
        v.add("assignment.end_date", "must not be before start_date")
    return {"person": a.person.strip(), "role": a.role.strip(), "skills": list(a.skills),
            "allocation_percent": a.allocation_percent, "start_date": start, "end_date": end}


def status_report_columns(r: pb.StatusReport, v: Violations, today: dt.date) -> dict[str, Any]:
    report_date = from_date(r, "report_date", v, prefix="status_report") or today
    if not r.HasField("health"):
        v.add("status_report.health", "is required: rate schedule, scope, cost and resources")
    health = _health_columns(r.health, "status_report.health", v, required=True)
    check_text(r.summary, "status_report.summary", v, max_len=LONG_TEXT_MAX, multiline=True)
    for field in ("accomplishments", "next_steps", "key_risks"):
        check_text_list(getattr(r, field), f"status_report.{field}", v, max_items=ITEMS_MAX, max_len=ITEM_MAX)
    return {"report_date": report_date, **health, "summary": r.summary,
            "accomplishments": list(r.accomplishments), "next_steps": list(r.next_steps),
            "key_risks": list(r.key_risks)}


def lesson_columns(lesson: pb.LessonLearned, v: Violations) -> dict[str, Any]:
    check_text(lesson.title, "lesson_learned.title", v, max_len=NAME_MAX, required=True)
    check_text(lesson.category, "lesson_learned.category", v, max_len=NAME_MAX)
    check_text(lesson.description, "lesson_learned.description", v, max_len=LONG_TEXT_MAX, multiline=True)
    check_text(lesson.recommendation, "lesson_learned.recommendation", v, max_len=LONG_TEXT_MAX, multiline=True)
    return {"title": lesson.title.strip(), "category": lesson.category, "description": lesson.description,
            "recommendation": lesson.recommendation}


# --- references from other services ------------------------------------------------

# What another service may hold that refers to a project (AttachProjectReference): holder -> kind -> the
# permission that service's own write of it needs, so pinning a project takes no more than that write.
REFERENCE_KINDS: dict[str, dict[str, Permission]] = {
    "risks": {"risk": Permission.RISK_WRITE, "issue": Permission.ISSUE_WRITE},
    "billing": {"engagement": Permission.BILLING_WRITE},
    "governance": {"change_request": Permission.CHANGE_REQUEST_SUBMIT, "phase_gate": Permission.PHASE_GATE_REQUEST,
                   "escalation": Permission.ISSUE_WRITE},
}
HOLDER_SERVICES = {"risks": "RisksService", "billing": "BillingService", "governance": "GovernanceService"}
# There is no archived status: a project is retired by its status, and stays for what refers to it.
RETIRE_INSTEAD = ("retire it instead by setting its status to PROJECT_STATUS_CANCELLED or PROJECT_STATUS_COMPLETED "
                  "(UpdateProject), which keeps it for them")


def reference_permission(holder: str, kind: str, v: Violations) -> Permission | None:
    """The permission a reference of `holder`'s `kind` needs (None, with a violation, if there is no such kind)."""
    kinds = REFERENCE_KINDS.get(holder)
    if kinds is None:
        v.add("holder", f"must be one of {', '.join(REFERENCE_KINDS)}")
        return None
    if kind not in kinds:
        v.add("kind", f"must be one of {', '.join(kinds)} (the kinds of {holder})")
        return None
    return kinds[kind]


def dependents(references: list[tuple[str, str]]) -> str:
    """(holder, kind) pairs as people read them: `RisksService (risks, issues), BillingService (engagements)`."""
    by_holder: dict[str, list[str]] = {}
    for holder, kind in references:
        by_holder.setdefault(holder, []).append(kind.replace("_", " ") + "s")
    return ", ".join(f"{HOLDER_SERVICES.get(h, h)} ({', '.join(kinds)})" for h, kinds in by_holder.items())


def check_no_dependents(name: str, references: list[tuple[str, str]]) -> None:
    """A project that other services refer to is never deleted: their data would point at nothing."""
    if references:
        raise failed_precondition(
            "PROJECT_HAS_DEPENDENTS", f"{name} cannot be deleted: {dependents(references)} refer to it; "
            f"{RETIRE_INSTEAD}", holders=",".join(sorted({h for h, _ in references})),
            kinds=",".join(sorted({k for _, k in references})))


# --- phases -----------------------------------------------------------------

_ORDER = [pb.PHASE_INITIATION, pb.PHASE_PLANNING, pb.PHASE_EXECUTION, pb.PHASE_MONITORING, pb.PHASE_CLOSING,
          pb.PHASE_CLOSED]


def check_phase_transition(current: int, target: int) -> None:
    """GO moves one phase on; RECYCLE goes back to any earlier phase; KILL/close goes to CLOSED.

    Skipping phases forward is refused: every gate must be passed.
    """
    name = pb.Phase.Name
    if current == pb.PHASE_CLOSED:
        raise failed_precondition("PROJECT_CLOSED", "the project is closed; its phase no longer changes")
    if target == current:
        raise failed_precondition("PHASE_UNCHANGED", f"the project is already in {name(current)}")
    if target == pb.PHASE_CLOSED or _ORDER.index(target) < _ORDER.index(current):
        return
    if _ORDER.index(target) != _ORDER.index(current) + 1:
        nxt = name(_ORDER[_ORDER.index(current) + 1])
        raise failed_precondition(
            "PHASE_SKIPPED", f"from {name(current)} the project may move on to {nxt}, back to an earlier "
            f"phase, or to PHASE_CLOSED; not to {name(target)}", current=name(current), target=name(target))


# --- allocation ---------------------------------------------------------------

@dataclass(frozen=True)
class Allocation:
    start: dt.date
    end: dt.date
    percent: int


def peak_allocation(others: list[Allocation], start: dt.date, end: dt.date) -> tuple[dt.date, int]:
    """The day in [start, end] where `others` add up the most, and that total.

    The total can only rise where an allocation starts, so those days (and
    `start`) are the only candidates.
    """
    candidates = {start} | {a.start for a in others if start <= a.start <= end}
    best = (start, 0)
    for day in sorted(candidates):
        total = sum(a.percent for a in others if a.start <= day <= a.end)
        if total > best[1]:
            best = (day, total)
    return best


# --- portfolio summary --------------------------------------------------------

_RAG_RANK = {pb.RAG_UNSPECIFIED: 0, pb.RAG_GREEN: 1, pb.RAG_AMBER: 2, pb.RAG_RED: 3}


def overall_rag(h: pb.Health) -> int:
    return max((h.schedule, h.scope, h.cost, h.resources), key=lambda r: _RAG_RANK.get(r, 0))


@dataclass(frozen=True)
class MilestoneFacts:
    state: int
    due: dt.date
    original_due: dt.date
    completed: dt.date | None


def days_late(m: MilestoneFacts, today: dt.date) -> int:
    """Days past the original due date: actual for achieved, forecast for open ones."""
    if m.state == pb.MILESTONE_STATE_CANCELLED:
        return 0
    if m.state == pb.MILESTONE_STATE_ACHIEVED and m.completed is not None:
        effective = m.completed
    else:
        effective = max(m.due, today)
    return max(0, (effective - m.original_due).days)


def basis_points(part: int, whole: int) -> int:
    """part / whole in basis points (half to even); 0 when whole is 0; at most MAX_BASIS_POINTS."""
    return min(money.div_round(part * 10_000, whole), MAX_BASIS_POINTS) if whole else 0


def project_summary(p: pb.Project, milestones: list[MilestoneFacts], today: dt.date,
                    satisfaction: int = 0) -> pb.ProjectSummary:
    late = [days_late(m, today) for m in milestones]
    budget, actual = money.micros_of(p.budget), money.micros_of(p.actual_cost)
    return pb.ProjectSummary(
        project=p.name, code=p.code, display_name=p.display_name, phase=p.phase, status=p.status,
        health=p.health, overall=overall_rag(p.health), percent_complete=p.percent_complete, budget=p.budget,
        actual_cost=p.actual_cost, budget_used_bp=basis_points(actual, budget),
        milestone_slippage_days=min(sum(late), MAX_DAYS), milestones_late=sum(1 for d in late if d > 0),
        client_satisfaction_score=satisfaction,
    )


def portfolio_kpis(summaries: list[pb.ProjectSummary], milestones: list[MilestoneFacts]) -> pb.PortfolioKpis:
    achieved = [m for m in milestones if m.state == pb.MILESTONE_STATE_ACHIEVED and m.completed]
    on_time = sum(1 for m in achieved if m.completed <= m.original_due)
    budgeted = [s for s in summaries if s.budget.units or s.budget.nanos]
    within = sum(1 for s in budgeted if s.budget_used_bp <= 10_000)
    finished = [s for s in summaries if s.status in (pb.PROJECT_STATUS_COMPLETED, pb.PROJECT_STATUS_CANCELLED)]
    completed = sum(1 for s in finished if s.status == pb.PROJECT_STATUS_COMPLETED)
    overall = [s.overall for s in summaries]
    scores = [s.client_satisfaction_score for s in summaries if s.client_satisfaction_score]
    return pb.PortfolioKpis(
        project_count=len(summaries), on_time_rate_bp=basis_points(on_time, len(achieved)),
        budget_adherence_bp=basis_points(within, len(budgeted)),
        completion_rate_bp=basis_points(completed, len(finished)),
        red_projects=overall.count(pb.RAG_RED), amber_projects=overall.count(pb.RAG_AMBER),
        green_projects=overall.count(pb.RAG_GREEN),
        client_satisfaction=mean_score(scores), reviewed_projects=len(scores),
    )


SATISFACTION_SCORES = range(1, 6)


def mean_score(scores: list[int]) -> str:
    """The mean of 1..5 scores to two decimals, half to even ("4.50"); "" without any."""
    if not scores:
        return ""
    return f"{(Decimal(sum(scores)) / len(scores)).quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN)}"


def review_columns(review: pb.PostProjectReview, v: Violations) -> dict[str, Any]:
    if review.satisfaction_score not in SATISFACTION_SCORES:
        v.add("post_project_review.satisfaction_score", "must be from 1 (very dissatisfied) to 5 (very satisfied)")
    check_text(review.client_comments, "post_project_review.client_comments", v, max_len=LONG_TEXT_MAX,
               multiline=True)
    if review.reviewer or review.lessons_learned or review.HasField("review_time"):
        v.add("post_project_review", "only satisfaction_score and client_comments are set by the caller")
    return {"satisfaction": review.satisfaction_score, "client_comments": review.client_comments}
