"""Documented bounds of Billing: amounts and the sums built from them stay within bigint micros, and
dates within resources.MIN_DATE..MAX_DATE. Hostile sizes are refused with FAILED_PRECONDITION or a field
violation, never INTERNAL, and an engagement can always be invoiced and reported on."""

from __future__ import annotations

import grpc
import pytest

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from services.billing.rules import MAX_ENGAGEMENT_CHARGES_MICROS
from tests.services.billing.support import (
    EUR,
    D,
    approve_expense,
    as_date,
    create_engagement,
    create_rate,
    generate,
    log_expense,
    log_time,
)
from tests.support import fails, rid

HUGE = 999_999_999_999  # one unit under the 10^12 bound on a single amount


def refused(failure, code: grpc.StatusCode, reason: str) -> None:
    assert failure.code != grpc.StatusCode.INTERNAL, failure
    assert (failure.code, failure.reason) == (code, reason), failure
    assert "Traceback" not in failure.message


def invalid_field(failure, field: str) -> None:
    refused(failure, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert set(failure.fields) == {field}, failure.fields


async def report(billing_stub, caller, engagement: str) -> pb.FinancialReport:
    return await caller(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"{engagement}/financialReport", as_of=D(2027, 12, 31)))


# --- sums -------------------------------------------------------------------------

async def test_ten_huge_expenses_stop_at_the_engagement_bound_and_it_still_invoices_and_reports(
        billing_stub, as_role, engagement, project):
    assert MAX_ENGAGEMENT_CHARGES_MICROS == 10**18  # 10^12 EUR
    member, finance, pm = as_role("member"), as_role("finance"), as_role("pm")
    approved = [await log_expense(billing_stub, member, engagement, project, amount=EUR(HUGE))]
    for _ in range(9):
        failure = await fails(log_expense(billing_stub, member, engagement, project, amount=EUR(HUGE)))
        refused(failure, grpc.StatusCode.FAILED_PRECONDITION, "ENGAGEMENT_CHARGES_LIMIT")
        assert "1000000000000.00 EUR" in failure.message
    # What still fits is accepted: the last whole euro up to the bound.
    approved.append(await log_expense(billing_stub, member, engagement, project, amount=EUR(1)))
    refused(await fails(log_expense(billing_stub, member, engagement, project, amount=EUR(0, 10_000_000))),
            grpc.StatusCode.FAILED_PRECONDITION, "ENGAGEMENT_CHARGES_LIMIT")

    figures = await report(billing_stub, finance, engagement)
    assert figures.expense_cost == EUR(10**12)
    for expense in approved:
        await approve_expense(billing_stub, pm, expense)
    invoice = await generate(billing_stub, finance, engagement)
    assert invoice.total == EUR(10**12)


async def test_time_that_would_pass_the_engagement_bound_is_refused(billing_stub, as_role, org, project):
    finance, member = as_role("finance"), as_role("member")
    engagement = (await create_engagement(billing_stub, finance, org, [project], engagement_id="pricey")).name
    await create_rate(billing_stub, finance, org, units=HUGE, engagement=engagement)
    # 24 h at 10^12 EUR/h would be 2.4 x 10^13 EUR: more than bigint micros can hold.
    refused(await fails(log_time(billing_stub, member, engagement, project, hours="24")),
            grpc.StatusCode.FAILED_PRECONDITION, "ENGAGEMENT_CHARGES_LIMIT")
    await log_time(billing_stub, member, engagement, project, hours="1")
    refused(await fails(log_time(billing_stub, member, engagement, project, day=D(2027, 1, 5), hours="0.5")),
            grpc.StatusCode.FAILED_PRECONDITION, "ENGAGEMENT_CHARGES_LIMIT")
    figures = await report(billing_stub, finance, engagement)
    assert figures.time_cost == EUR(HUGE)


async def test_charges_past_the_bound_already_stored_still_report_and_refuse_to_invoice_clearly(
        billing_stub, as_role, engagement, project, db):
    """Approved rows from before the bound existed (written behind the API): sums are exact, never an overflow."""
    org, eng = engagement.split("/")[1], engagement.split("/")[3]
    project_id = project.split("/")[-1]
    await db.executemany(
        """INSERT INTO expenses (org_id, engagement_id, id, project_id, expense_date, category, currency,
                                 amount_micros, billable, person, approval_state)
           VALUES ($1, $2, $3, $4, '2027-01-06', $5, 'EUR', $6, true, 'legacy', $7)""",
        [(org, eng, f"legacy-{i}", project_id, pb.EXPENSE_CATEGORY_TRAVEL, HUGE * 10**6, pb.APPROVAL_STATE_APPROVED)
         for i in range(10)])
    finance = as_role("finance")

    figures = await report(billing_stub, finance, engagement)
    assert figures.expense_cost == EUR(HUGE * 10)
    assert figures.actual_cost == EUR(HUGE * 10)

    refused(await fails(generate(billing_stub, finance, engagement)), grpc.StatusCode.FAILED_PRECONDITION,
            "INVOICE_TOO_LARGE")
    refused(await fails(log_expense(billing_stub, as_role("member"), engagement, project)),
            grpc.StatusCode.FAILED_PRECONDITION, "ENGAGEMENT_CHARGES_LIMIT")


async def test_milestone_fees_adding_up_past_the_bound_are_a_field_violation(billing_stub, as_role, org, project):
    fees = [pb.MilestoneFee(milestone=f"{project}/milestones/m{i}", amount=EUR(HUGE)) for i in range(3)]
    invalid_field(await fails(create_engagement(billing_stub, as_role("finance"), org, [project], engagement_id="ms",
                                                billing_model=pb.BILLING_MODEL_MILESTONE, milestone_fees=fees)),
                  "engagement.milestone_fees")


# --- dates ------------------------------------------------------------------------

async def test_an_invoice_issued_on_the_last_day_of_the_range_gets_its_due_date(billing_stub, as_role, engagement):
    finance = as_role("finance")
    invoice = await generate(billing_stub, finance, engagement)
    issued = await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(
        name=invoice.name, issue_date=D(9000, 12, 31), request_id=rid()))
    assert (as_date(issued.issue_date).isoformat(), as_date(issued.due_date).isoformat()) == (
        "9000-12-31", "9001-01-30")


async def test_an_invoice_issued_on_9999_12_31_is_a_field_violation_not_an_overflow(billing_stub, as_role,
                                                                                    engagement):
    finance = as_role("finance")
    invoice = await generate(billing_stub, finance, engagement)
    failure = await fails(finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(
        name=invoice.name, issue_date=D(9999, 12, 31), request_id=rid())))
    invalid_field(failure, "issue_date")
    assert "1900-01-01..9000-12-31" in failure.fields["issue_date"]
    still = await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=invoice.name))
    assert still.state == pb.INVOICE_STATE_DRAFT


@pytest.mark.parametrize("day", [D(1899, 12, 31), D(9001, 1, 1), D(9999, 12, 31)])
async def test_expense_and_time_dates_outside_the_range_are_field_violations(billing_stub, as_role, engagement,
                                                                             project, day):
    member = as_role("member")
    invalid_field(await fails(log_expense(billing_stub, member, engagement, project, day=day)),
                  "expense.expense_date")
    invalid_field(await fails(log_time(billing_stub, member, engagement, project, day=day)), "time_entry.work_date")


async def test_other_billing_dates_outside_the_range_are_field_violations(billing_stub, as_role, org, engagement):
    finance = as_role("finance")
    invalid_field(await fails(create_rate(billing_stub, finance, org, role="late", start=D(9999, 1, 1))),
                  "rate.start_date")
    invalid_field(await fails(generate(billing_stub, finance, engagement, start=D(1899, 12, 31),
                                       end=D(1900, 1, 5))), "period_start")
    invalid_field(await fails(finance(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"{engagement}/financialReport", as_of=D(1, 1, 1)))), "as_of")
    invoice = await generate(billing_stub, finance, engagement)
    invoice = await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(
        name=invoice.name, issue_date=D(2027, 2, 1), request_id=rid()))
    invalid_field(await fails(finance(billing_stub.PayInvoice, api.PayInvoiceRequest(
        name=invoice.name, paid_date=D(9999, 12, 31), request_id=rid()))), "paid_date")


async def test_payment_terms_stay_within_a_year(billing_stub, as_role, org, project):
    invalid_field(await fails(create_engagement(billing_stub, as_role("finance"), org, [project],
                                                engagement_id="slow", payment_terms_days=366)),
                  "engagement.payment_terms_days")

