"""GetFinancialReport (ReportHandlers): budget use, burn rate and earned value of a project or an engagement.

Baseline (planned dates, budget) and percent complete come from
ProjectsService.GetProject, called as the caller. Actual cost is the same
arithmetic as invoicing: time grouped per project, role, person and rate,
each group rounded once (rules.time_amount), plus expenses; but over all
non-rejected time and expenses, billable or not, up to `as_of`: what awaits
approval is a cost already incurred (invoices bill approved charges only).
An engagement's report is the sum of its projects' figures (costs booked to
this engagement only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import asyncpg
import grpc

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from services.billing import rules, store
from services.billing.core import BillingCore
from services.billing.invoicing import rate_missing
from services.platform import clients, errors, money, tables
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.money import Amount
from services.platform.names import ENGAGEMENT_FINANCIAL_REPORT_PATTERN as ENGAGEMENT_REPORT
from services.platform.names import PROJECT_FINANCIAL_REPORT_PATTERN as PROJECT_REPORT
from services.platform.resources import from_date, to_date


def parse_name(name: str) -> tuple[str, str, str]:
    """(org, "projects" or "engagements", id) of a report name."""
    if "/projects/" in (name or ""):
        parts = PROJECT_REPORT.parse(name)
        return parts["organization"], "projects", parts["project"]
    try:
        parts = ENGAGEMENT_REPORT.parse(name)
    except errors.ApiError:
        raise errors.bad_field("name", f"must be {PROJECT_REPORT.template} or {ENGAGEMENT_REPORT.template}") from None
    return parts["organization"], "engagements", parts["engagement"]


async def costs(conn: asyncpg.Connection, engagement: asyncpg.Record, project_id: str,
                as_of: dt.date) -> tuple[int, int]:
    """(time cost, expense cost) of one project within one engagement up to as_of."""
    org, eng, currency = engagement["org_id"], engagement["id"], engagement["currency"]
    groups = await store.project_time(conn, org, eng, currency, project_id, as_of)
    missing = [g for g in groups if g.hourly_micros is None]
    if missing:
        raise rate_missing(missing[0].role, currency)
    time_cost = sum(rules.time_amount(g.minutes, g.hourly_micros, currency) for g in groups)
    return time_cost, await store.expense_cost(conn, org, eng, project_id, as_of)


def _date(d) -> dt.date | None:
    return dt.date(d.year, d.month, d.day) if d.year else None


def project_figures(project: projects_pb.Project, currency: str, as_of: dt.date, time_cost: int,
                    expense_cost: int) -> rules.Figures:
    if project.budget.currency_code and project.budget.currency_code != currency:
        raise errors.failed_precondition(
            "CURRENCY_MISMATCH", f"{project.name} is budgeted in {project.budget.currency_code}, its costs are in "
            f"{currency}", project=project.name)
    bac = money.micros_of(project.budget)
    pv = rules.planned_value(bac, _date(project.planned_start_date), _date(project.planned_end_date), as_of, currency)
    return rules.Figures(bac=bac, pv=pv, ev=rules.earned_value(bac, project.percent_complete, currency),
                         time_cost=time_cost, expense_cost=expense_cost)


def to_report(subject: str, as_of: dt.date, f: rules.Figures, percent_complete: int, start: dt.date | None,
              currency: str) -> pb.FinancialReport:
    def m(micros: int):
        return Amount(micros, currency).to_proto()

    e = rules.evm(f, currency)
    burn = rules.burn_rate_per_day(f.ac, start, as_of, currency)
    return pb.FinancialReport(
        subject=subject, as_of=to_date(as_of),
        budget=m(f.bac), actual_cost=m(f.ac), time_cost=m(f.time_cost), expense_cost=m(f.expense_cost),
        remaining=m(f.bac - f.ac), burn_rate_per_day=m(burn) if burn is not None else None,
        percent_complete=percent_complete,
        earned_value=pb.EarnedValue(bac=m(e.bac), pv=m(e.pv), ev=m(e.ev), ac=m(e.ac), cpi=e.cpi, spi=e.spi,
                                    eac=m(e.eac), etc=m(e.etc), vac=m(e.vac), tcpi=e.tcpi),
        forecast_at_completion=m(e.eac), potential_savings=m(max(e.vac, 0)),
    )


GetProject = Callable[[str], Awaitable[projects_pb.Project]]


async def project_report(pool: asyncpg.Pool, get_project: GetProject, org: str, project_id: str,
                         as_of: dt.date) -> pb.FinancialReport:
    """One project over every engagement that holds it (all must bill in the project's currency). The project is
    read before a connection is taken: none is held while another service answers."""
    project = await get_project(store.project_name(org, project_id))
    currency = project.budget.currency_code
    async with pool.acquire() as conn:
        engagements = await store.engagements_of_project(conn, org, project_id)
        time_cost = expense_cost = 0
        for engagement in engagements:
            if engagement["currency"] != currency:
                raise errors.failed_precondition(
                    "CURRENCY_MISMATCH", f"{project.name} is budgeted in {currency}; engagement "
                    f"{store.engagement_name(org, engagement['id'])} bills in {engagement['currency']}")
            t, x = await costs(conn, engagement, project_id, as_of)
            time_cost, expense_cost = time_cost + t, expense_cost + x
    figures = project_figures(project, currency, as_of, time_cost, expense_cost)
    return to_report(project.name, as_of, figures, project.percent_complete, _date(project.planned_start_date),
                     currency)


async def engagement_report(pool: asyncpg.Pool, get_project: GetProject, org: str, engagement_id: str,
                            as_of: dt.date) -> pb.FinancialReport:
    """The sum of the engagement's projects, each with the costs booked to this engagement. The projects are read
    (a bounded fan-out) between two uses of a connection, never while holding one."""
    name = store.engagement_name(org, engagement_id)
    async with pool.acquire() as conn:
        engagement = await tables.require(conn, store.ENGAGEMENTS, [org, engagement_id], name)
    currency = engagement["currency"]
    projects = await clients.fan_out(get_project(store.project_name(org, p)) for p in engagement["project_ids"])
    async with pool.acquire() as conn:
        project_costs = [await costs(conn, engagement, p, as_of) for p in engagement["project_ids"]]
    total, parts, starts = rules.ZERO, [], []
    for project, spent in zip(projects, project_costs, strict=True):
        figures = project_figures(project, currency, as_of, *spent)
        start = _date(project.planned_start_date)
        starts += [start] if start else []
        parts.append(to_report(project.name, as_of, figures, project.percent_complete, start, currency))
        total += figures
    percent = money.div_round(total.ev * 100, total.bac) if total.bac else 0
    report = to_report(name, as_of, total, percent, min(starts, default=None), currency)
    report.projects.extend(parts)
    return report


class ReportHandlers(BillingCore):
    async def GetFinancialReport(self, request: api.GetFinancialReportRequest, context) -> pb.FinancialReport:
        org, scope, scope_id = parse_name(request.name)
        principal().require(org, P.READ)
        v = Violations()
        as_of = from_date(request, "as_of", v) or self.today()
        v.raise_if_any()

        async def get_project(name: str) -> projects_pb.Project:
            try:
                return await clients.call(self.projects.GetProject, projects_api.GetProjectRequest(name=name),
                                          context, self.timeout_s)
            except errors.ApiError as exc:
                # A project deleted before deletion respected engagements: its costs still count in the
                # engagement's report, with no budget, rather than the report failing for good.
                if scope == "engagements" and exc.code == grpc.StatusCode.NOT_FOUND:
                    return projects_pb.Project(name=name)
                raise

        if scope == "projects":
            return await project_report(self.pool, get_project, org, scope_id, as_of)
        return await engagement_report(self.pool, get_project, org, scope_id, as_of)
