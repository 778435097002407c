"""Activities of the billing cycle: BillingService (lock the period, list the engagements, generate and issue
invoices, read a project's financial report) and ProjectsService (write the project's actual cost back), as the
governance principal for the person the cycle acts for. Each mutating call carries the workflow's request id."""

from __future__ import annotations

import datetime as dt

from google.protobuf import field_mask_pb2
from temporalio import activity

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from workflows.activities.projects import _micros, _to_date, _to_money
from workflows.activities.services import ServiceCalls
from workflows.billing_cycle import (
    GENERATE_INVOICE,
    ISSUE_INVOICE,
    LIST_ENGAGEMENTS,
    LOCK_BILLING_PERIOD,
    PAGE_SIZE,
    PROJECT_REPORT,
    WRITE_ACTUAL_COST,
    EngagementList,
    EngagementRef,
    EngagementsPage,
    GenerateInvoice,
    InvoiceRef,
    IssueInvoice,
    LockPeriod,
    ProjectCost,
    ProjectReport,
    WriteActualCost,
)


def _invoice(invoice: billing_pb.Invoice) -> InvoiceRef:
    return InvoiceRef(name=invoice.name, state=billing_pb.InvoiceState.Name(invoice.state).removeprefix(
        "INVOICE_STATE_"), total_micros=_micros(invoice.total), currency=invoice.total.currency_code,
        lines=len(invoice.line_items))


class BillingCycleActivities:
    def __init__(self, calls: ServiceCalls) -> None:
        self.calls = calls

    @activity.defn(name=LOCK_BILLING_PERIOD)
    async def lock_billing_period(self, arg: LockPeriod) -> str:
        lock = await self.calls.call(self.calls.billing.LockBillingPeriod, billing_api.LockBillingPeriodRequest(
            parent=f"organizations/{arg.org}", period_start=_to_date(arg.period_start),
            period_end=_to_date(arg.period_end), request_id=arg.request_id), on_behalf_of=arg.on_behalf_of)
        return lock.name

    @activity.defn(name=LIST_ENGAGEMENTS)
    async def list_billing_engagements(self, arg: EngagementsPage) -> EngagementList:
        """One page of the organization's engagements that existed by the end of the period."""
        page = await self.calls.call(self.calls.billing.ListEngagements, billing_api.ListEngagementsRequest(
            parent=f"organizations/{arg.org}", page_size=PAGE_SIZE, page_token=arg.page_token))
        end = dt.date.fromisoformat(arg.period_end)
        return EngagementList(engagements=[
            EngagementRef(name=e.name, projects=list(e.projects)) for e in page.engagements
            if e.create_time.ToDatetime(dt.UTC).date() <= end], next_page_token=page.next_page_token)

    @activity.defn(name=GENERATE_INVOICE)
    async def generate_invoice(self, arg: GenerateInvoice) -> InvoiceRef:
        """The engagement's invoice of the period: created as DRAFT, or the one that exists, as it is now."""
        invoice = await self.calls.call(self.calls.billing.GenerateInvoice, billing_api.GenerateInvoiceRequest(
            parent=arg.engagement, period_start=_to_date(arg.period_start), period_end=_to_date(arg.period_end),
            request_id=arg.request_id), on_behalf_of=arg.on_behalf_of)
        return _invoice(invoice)

    @activity.defn(name=ISSUE_INVOICE)
    async def issue_invoice(self, arg: IssueInvoice) -> InvoiceRef:
        invoice = await self.calls.call(self.calls.billing.IssueInvoice, billing_api.IssueInvoiceRequest(
            name=arg.invoice, issue_date=_to_date(arg.issue_date), request_id=arg.request_id),
            on_behalf_of=arg.on_behalf_of)
        return _invoice(invoice)

    @activity.defn(name=PROJECT_REPORT)
    async def project_financial_report(self, arg: ProjectReport) -> ProjectCost:
        report = await self.calls.call(self.calls.billing.GetFinancialReport, billing_api.GetFinancialReportRequest(
            name=f"{arg.project}/financialReport", as_of=_to_date(arg.as_of)))
        return ProjectCost(
            project=arg.project, currency=report.actual_cost.currency_code, budget_micros=_micros(report.budget),
            actual_cost_micros=_micros(report.actual_cost), remaining_micros=_micros(report.remaining),
            forecast_micros=_micros(report.forecast_at_completion), savings_micros=_micros(report.potential_savings),
            percent_complete=report.percent_complete)

    @activity.defn(name=WRITE_ACTUAL_COST)
    async def write_actual_cost(self, arg: WriteActualCost) -> None:
        """Billing owns a project's actual cost: the cycle writes it (as the governance principal)."""
        await self.calls.call(self.calls.projects.UpdateProject, projects_api.UpdateProjectRequest(
            project=projects_pb.Project(name=arg.project, actual_cost=_to_money(arg.micros, arg.currency)),
            update_mask=field_mask_pb2.FieldMask(paths=["actual_cost"]), request_id=arg.request_id),
            on_behalf_of=arg.on_behalf_of)

    def all(self) -> list:
        return [self.lock_billing_period, self.list_billing_engagements, self.generate_invoice, self.issue_invoice,
                self.project_financial_report, self.write_actual_cost]
