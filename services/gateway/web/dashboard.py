"""The portfolio dashboard: one page per organization and portfolio, charts of what the services computed.

GET /ui/organizations/{org}/dashboard?portfolio={id} gathers, as the signed-in person and all at once: the portfolio
summary (each project's RAG, budget used, client satisfaction, the KPIs), the risk heat map, the open escalations
and the open tasks with their SLA state; then each project's financial report as of the last six month-ends and
today, for CPI/SPI and budget burn over time. Each panel stands alone: a service that is down, slow or says no
leaves a sentence in its panel ("unavailable", "you do not have permission") and the rest of the page renders.

The page computes no figure: RAG, CPI, SPI, levels and SLA states are the services'. It only picks the portfolio's
projects out of organization-wide lists and counts them per level or state to draw bars.
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import grpc
from fastapi import APIRouter, Depends, Request
from google.type import date_pb2, money_pb2
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.governance.v1 import governance_service_pb2 as governance_api
from pmaas.governance.v1 import resources_pb2 as governance_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from services.gateway.web import calls, charts
from services.gateway.web.charts import Bar, HeatCell, Point, RagRow, Reference, Series
from services.gateway.web.render import page
from services.gateway.web.security import PAGES
from services.gateway.web.session import SignedIn, signed_in
from services.platform.clients import FAN_OUT_LIMIT

router = APIRouter()
T = TypeVar("T")

# The financial report has no history RPC: each point is one GetFinancialReport as_of that day, and each of those
# reads the project from ProjectsService again. Six month-ends and today per project, for at most this many
# projects (84 calls, FAN_OUT_LIMIT in flight), keep the page within a second or two however large the portfolio;
# the page says when it shows only the first ones.
MONTHS_BACK = 6
MAX_FINANCE_PROJECTS = 12
# One page of each organization-wide list (open escalations, open tasks); the panel says when there were more.
LIST_PAGE_SIZE = 1000
MAX_PORTFOLIOS = 100
OPEN_ESCALATIONS = "state != ESCALATION_STATE_RESOLVED AND state != ESCALATION_STATE_WITHDRAWN"
BREACH_PERIOD_DAYS = 90  # the escalation report's period for breach rates: about a quarter
SLA_STATES = ((governance_pb.SLA_STATE_BREACHED, "Breached"), (governance_pb.SLA_STATE_WARNING, "Due soon"),
              (governance_pb.SLA_STATE_ON_TRACK, "On track"), (governance_pb.SLA_STATE_PAUSED, "Paused"))
ON_PLAN = Reference(Decimal(1), "1.0 = on plan")


def _panel_timeout(request: Request) -> float:
    """A panel waits at most this long in all (each call has the configured deadline; the finance panel makes
    several rounds of calls), then says it is unavailable rather than hold the page."""
    return request.app.state.web_settings.call_timeout_s * 3


@dataclass(frozen=True)
class Panel:
    """One panel's charts, or the sentence that stands in for them; `notes` qualify what is shown."""
    charts: tuple[Markup, ...] = ()
    problem: str = ""
    notes: tuple[str, ...] = ()
    items: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Fetched:
    """A call's answer, or why there is none, in words for the panel."""
    value: Any = None
    problem: str = ""


async def _fetch(what: str, work: Awaitable[T], timeout_s: float) -> Fetched:
    """Await `work`; a refusal, an unreachable service or a timeout becomes the panel's sentence. Signing in
    again (an expired token) is the whole page's business and passes through."""
    named = what[:1].upper() + what[1:]
    try:
        async with asyncio.timeout(timeout_s):
            return Fetched(await work)
    except calls.Refused as exc:
        if exc.code == grpc.StatusCode.PERMISSION_DENIED:
            return Fetched(problem=f"You do not have permission to see {what}.")
        return Fetched(problem=f"{named} could not be shown: {exc.plain}")
    except (calls.Unavailable, TimeoutError):
        return Fetched(problem=f"{named}: unavailable right now (the service did not answer); try again in a "
                       "moment.")
    except calls.Failed:
        return Fetched(problem=f"{named} could not be loaded; the failure has been logged.")


async def _all(*work: Awaitable[T]) -> list[T]:
    """Await every item concurrently; if one raises (signing in again), the others are cancelled."""
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


def _organizations(who: SignedIn) -> list[str]:
    """The organizations the person's token names ("*" is the service principal's, not a page to show)."""
    return sorted(o for o in who.orgs if o != "*")


@router.get(PAGES + "/dashboard", include_in_schema=False)
async def my_dashboard(request: Request, who: Annotated[SignedIn, Depends(signed_in)]) -> Response:
    """The dashboard of the first organization the person belongs to (the page links to the others)."""
    orgs = _organizations(who)
    if not orgs:
        return page(request, "error.html", {"heading": "No organization",
                                            "message": "Your sign-in names no organization, so there is no "
                                            "dashboard to show."}, 403)
    return RedirectResponse(f"{PAGES}/organizations/{quote(orgs[0], safe='')}/dashboard", status_code=303)


@router.get(PAGES + "/organizations/{org}/dashboard", include_in_schema=False)
async def dashboard(request: Request, org: str, who: Annotated[SignedIn, Depends(signed_in)],
                    portfolio: str = "") -> Response:
    listed = await calls.call(request, "projects", "ListPortfolios", projects_api.ListPortfoliosRequest(
        parent=f"organizations/{org}", page_size=MAX_PORTFOLIOS))
    portfolios = [(p.name.rsplit("/", 1)[-1], p.display_name) for p in listed.portfolios]
    context = {"org": org, "orgs": _organizations(who), "portfolios": portfolios,
               "chosen": None, "more_portfolios": bool(listed.next_page_token)}
    if not portfolios:
        return page(request, "dashboard/dashboard.html", context)
    chosen = next((p for p in portfolios if p[0] == portfolio), None) if portfolio else portfolios[0]
    if chosen is None:
        return page(request, "error.html", {
            "heading": "Portfolio not found", "message": f"There is no portfolio {portfolio} in {org}.",
            "back": f"{PAGES}/organizations/{quote(org, safe='')}/dashboard", "back_label": "Back to the dashboard"},
            404)
    name = f"organizations/{org}/portfolios/{chosen[0]}"
    today = dt.datetime.now(who.zone).date()
    panels = await _panels(request, org, name, today)
    return page(request, "dashboard/dashboard.html", {**context, "chosen": chosen, "today": today, **panels})


async def _panels(request: Request, org: str, portfolio: str, today: dt.date) -> dict[str, Any]:
    timeout_s = _panel_timeout(request)
    parent = f"organizations/{org}"

    def ask(what: str, service: str, rpc: str, message) -> Awaitable[Fetched]:
        return _fetch(what, calls.call(request, service, rpc, message), timeout_s)

    async def summary_then_finance() -> tuple[Fetched, Panel]:
        summary = await ask("the portfolio summary", "projects", "GetPortfolioSummary",
                            projects_api.GetPortfolioSummaryRequest(name=portfolio))
        if summary.problem:
            return summary, Panel(problem="The financial figures need the portfolio summary, which is missing.")
        return summary, await _finance(request, summary.value.projects, today, timeout_s)

    start = today - dt.timedelta(days=BREACH_PERIOD_DAYS - 1)
    (summary, finance), heat, escalations, tasks, report = await _all(
        summary_then_finance(),
        ask("the risk heat map", "risks", "GetRiskHeatMap", risks_api.GetRiskHeatMapRequest(scope=portfolio)),
        ask("the open escalations", "governance", "ListEscalations", governance_api.ListEscalationsRequest(
            parent=parent, filter=OPEN_ESCALATIONS, page_size=LIST_PAGE_SIZE)),
        ask("the open tasks", "governance", "ListTasks", governance_api.ListTasksRequest(
            parent=parent, page_size=LIST_PAGE_SIZE)),
        ask("the escalation report", "governance", "GetEscalationReport", governance_api.GetEscalationReportRequest(
            parent=parent, start_date=_date(start), end_date=_date(today))))
    projects: list[projects_pb.ProjectSummary] = list(summary.value.projects) if not summary.problem else []
    in_portfolio = {p.project for p in projects}
    return {"summary": summary.value, "health": _health_panel(summary), "budget": _budget_panel(summary),
            "satisfaction": _satisfaction_panel(summary), "finance": finance, "heat": _heat_panel(heat),
            "escalations": _escalation_panel(escalations, in_portfolio, summary.problem),
            "sla": _sla_panel(tasks, in_portfolio, summary.problem),
            "breaches": _breach_panel(report, projects, summary.problem)}


# --- panels from the summary -----------------------------------------------------------------------------------

def _rag(value: int) -> str:
    return projects_pb.Rag.Name(value).removeprefix("RAG_").replace("UNSPECIFIED", "")


def _label(p: projects_pb.ProjectSummary) -> str:
    return f"{p.display_name} ({p.code})" if p.code else p.display_name


def _health_panel(summary: Fetched) -> Panel:
    if summary.problem:
        return Panel(problem=summary.problem)
    rows = [RagRow(_label(p), _rag(p.overall), _rag(p.health.schedule), _rag(p.health.scope), _rag(p.health.cost),
                   _rag(p.health.resources)) for p in summary.value.projects]
    return Panel((charts.rag_grid("health", "Project health (RAG)", rows),))


def _budget_panel(summary: Fetched) -> Panel:
    if summary.problem:
        return Panel(problem=summary.problem)
    bars = [Bar(_label(p), Decimal(p.budget_used_bp) / 100) if p.budget.currency_code
            else Bar(_label(p), None, "no budget set") for p in summary.value.projects]
    return Panel((charts.bar_chart("budget-used", "Budget used to date", "Actual cost as a share of each project's "
                                   "budget.", bars, fmt=lambda v: f"{v:.0f}%", empty="no projects yet."),))


def _satisfaction_panel(summary: Fetched) -> Panel:
    if summary.problem:
        return Panel(problem=summary.problem)
    kpis = summary.value.kpis
    bars = [Bar(_label(p), Decimal(p.client_satisfaction_score)) if p.client_satisfaction_score
            else Bar(_label(p), None, "no post-project review yet") for p in summary.value.projects]
    mean = (f"Mean {kpis.client_satisfaction} of 5 over {kpis.reviewed_projects} reviewed "
            f"project{'s' if kpis.reviewed_projects != 1 else ''}.") if kpis.client_satisfaction else ""
    return Panel((charts.bar_chart("satisfaction", "Client satisfaction (1 to 5)", "The client's score from each "
                                   "project's post-project review.", bars, maximum=Decimal(5),
                                   fmt=lambda v: f"{v:g} of 5", empty="no projects yet."),),
                 notes=(mean,) if mean else ())


# --- finance: CPI/SPI and budget burn over time ----------------------------------------------------------------

def as_of_dates(today: dt.date, months: int = MONTHS_BACK) -> list[dt.date]:
    """The last `months` month-ends before today, oldest first, and today."""
    ends, year, month = [], today.year, today.month
    for _ in range(months):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return [*reversed(ends), today]


def _compact(amount: Decimal) -> str:
    """An axis tick: 150k, 1.5M (the table beside the chart has the exact amounts)."""
    for size, suffix in ((Decimal(10**9), "bn"), (Decimal(10**6), "M"), (Decimal(10**3), "k")):
        if abs(amount) >= size:
            return f"{(amount / size).normalize():f}{suffix}"
    return f"{amount.normalize():f}"


def _date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _decimal(money: money_pb2.Money) -> Decimal:
    return Decimal(money.units) + Decimal(money.nanos) / 1_000_000_000


def _ratio(text: str) -> Decimal | None:
    return Decimal(text) if text else None  # empty: undefined (no cost or no planned value yet)


async def _finance(request: Request, projects, today: dt.date, timeout_s: float) -> Panel:
    shown = list(projects)[:MAX_FINANCE_PROJECTS]
    if not shown:
        return Panel(problem="No projects in this portfolio yet, so no financial figures.")
    days = as_of_dates(today)
    gate = asyncio.Semaphore(FAN_OUT_LIMIT)

    async def report(project: str, day: dt.date) -> billing_pb.FinancialReport:
        async with gate:
            return await calls.call(request, "billing", "GetFinancialReport", billing_api.GetFinancialReportRequest(
                name=f"{project}/financialReport", as_of=_date(day)))

    async def one(p: projects_pb.ProjectSummary) -> tuple[str, tuple[Markup, ...], str]:
        """A project's two charts, or the service's reason it has none (e.g. a rate missing, another currency)."""
        try:
            reports = await _all(*(report(p.project, day) for day in days))
        except calls.Refused as exc:
            if exc.code == grpc.StatusCode.PERMISSION_DENIED:
                raise
            return _label(p), (), exc.plain
        return _label(p), _finance_charts(p, days, reports), ""

    fetched = await _fetch("the financial figures", _all(*(one(p) for p in shown)), timeout_s)
    if fetched.problem:
        return Panel(problem=fetched.problem)
    notes = (f"Showing the first {len(shown)} of {len(projects)} projects.",) if len(projects) > len(shown) else ()
    return Panel(notes=notes, items=tuple(fetched.value))


def _finance_charts(p: projects_pb.ProjectSummary, days: list[dt.date],
                    reports: list[billing_pb.FinancialReport]) -> tuple[Markup, ...]:
    label, key = _label(p), p.project.rsplit("/", 1)[-1]

    def points(value: Callable[[billing_pb.FinancialReport], Decimal | None]) -> list[Point]:
        return [Point(day, v) for day, r in zip(days, reports, strict=True) if (v := value(r)) is not None]

    ratios = charts.line_chart(
        f"evm-{key}", f"CPI and SPI of {label}", "Cost performance (CPI = EV / AC) and schedule performance "
        "(SPI = EV / PV) as the billing service reports them at each date; above 1.0 is better than plan.",
        [Series("CPI", points(lambda r: _ratio(r.earned_value.cpi))),
         Series("SPI", points(lambda r: _ratio(r.earned_value.spi)))],
        y_label="Index", reference=ON_PLAN, fmt=lambda v: f"{v:.2f}",
        empty="no CPI or SPI yet (they need actual cost and planned value).")
    currency = reports[-1].budget.currency_code
    budget = _decimal(reports[-1].budget) if currency else None
    burn = charts.line_chart(
        f"burn-{key}", f"Budget burn of {label}", "Actual cost against planned value and earned value over time, "
        "with the budget as the line to stay under.",
        [Series("Actual cost (AC)", points(lambda r: _decimal(r.earned_value.ac))),
         Series("Planned value (PV)", points(lambda r: _decimal(r.earned_value.pv))),
         Series("Earned value (EV)", points(lambda r: _decimal(r.earned_value.ev)))],
        y_label=currency or "Amount", fmt=lambda v: f"{v:,.2f}", tick_fmt=_compact,
        reference=Reference(budget, f"Budget {currency} {budget:,.0f}") if budget else None)
    return ratios, burn


# --- risks, escalations, SLAs ----------------------------------------------------------------------------------

def _level(value: int) -> str:
    return risks_pb.RiskLevel.Name(value).removeprefix("RISK_LEVEL_").replace("UNSPECIFIED", "")


def _heat_panel(heat: Fetched) -> Panel:
    if heat.problem:
        return Panel(problem=heat.problem)
    cells = [HeatCell(c.probability, c.impact, c.count, _level(c.level)) for c in heat.value.inherent]
    notes = () if heat.value.risk_count else ("No active risks in this portfolio.",)
    return Panel((charts.heat_map("heat", "Active risks by probability and impact", cells),), notes=notes)


def _escalation_panel(listed: Fetched, in_portfolio: set[str], summary_problem: str) -> Panel:
    if listed.problem or summary_problem:
        return Panel(problem=listed.problem or "The escalations need the portfolio summary, which is missing.")
    mine = [e for e in listed.value.escalations if e.name.rsplit("/escalations/", 1)[0] in in_portfolio]
    by_level = Counter(e.level for e in mine)
    breached = Counter(e.level for e in mine if e.breaches)
    names = {e.level: e.level_name for e in mine}
    bars = [Bar(names[level] or f"Level {level}", Decimal(by_level[level]),
                f"({breached[level]} past an SLA)" if breached[level] else "") for level in sorted(by_level)]
    notes = (f"Counted from the first {LIST_PAGE_SIZE} open escalations of the organization.",) \
        if listed.value.next_page_token else ()
    return Panel((charts.bar_chart("escalations", "Open escalations by level", "Escalations not yet resolved, at "
                                   "the level of the escalation path they have reached.", bars,
                                   fmt=lambda v: f"{v:g}", empty="no open escalations."),),
                 notes=notes, items=tuple(mine))


def _sla_panel(listed: Fetched, in_portfolio: set[str], summary_problem: str) -> Panel:
    if listed.problem or summary_problem:
        return Panel(problem=listed.problem or "The tasks need the portfolio summary, which is missing.")
    mine = [t for t in listed.value.tasks if t.project in in_portfolio]
    counts = Counter(t.sla_state for t in mine)
    bars = [Bar(label, Decimal(counts[state])) for state, label in SLA_STATES] if mine else []
    late = tuple(t for t in mine if t.sla_state == governance_pb.SLA_STATE_BREACHED)
    notes = (f"Counted from the first {LIST_PAGE_SIZE} open tasks of the organization.",) \
        if listed.value.next_page_token else ()
    return Panel((charts.bar_chart("sla", "Open tasks by SLA state", "Approval and escalation tasks still open, "
                                   "by where they stand against their due time.", bars, fmt=lambda v: f"{v:g}",
                                   empty="no open tasks."),), notes=notes, items=late)


def _breach_note(rate: governance_pb.EscalationBreachRate) -> str:
    share = f" ({Decimal(rate.breach_rate) * 100:.0f}%)" if rate.breach_rate else ""  # empty: none raised
    return f"of {rate.raised} raised{share}"


def _breach_panel(report: Fetched, projects: list[projects_pb.ProjectSummary], summary_problem: str) -> Panel:
    if report.problem or summary_problem:
        return Panel(problem=report.problem or "The breach rates need the portfolio summary, which is missing.")
    rates = {r.project: r for r in report.value.projects}
    bars = [Bar(_label(p), Decimal(rates[p.project].breached), _breach_note(rates[p.project]))
            for p in projects if p.project in rates]
    return Panel((charts.bar_chart(
        "breaches", f"Escalations that breached an SLA, last {BREACH_PERIOD_DAYS} days", "Per project: how many "
        "escalations raised in the period breached an SLA at least once, as the governance service reports them.",
        bars, fmt=lambda v: f"{v:g}", empty=f"no escalations raised in the last {BREACH_PERIOD_DAYS} days."),))
