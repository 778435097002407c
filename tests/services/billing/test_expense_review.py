"""Expenses are reviewed like time before they are billed: SUBMITTED until ApproveExpense or RejectExpense;
GenerateInvoice bills approved billable expenses only (a late approval lands on the next invoice); a period
closes only once its expenses are reviewed too; the financial report, like the engagement's bound, counts
every expense not rejected (awaiting approval is a cost already incurred), as it counts time."""

from __future__ import annotations

import grpc

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from tests.services.billing.support import EUR, D, approve_expense, generate, log_expense
from tests.services.billing.test_refusals import close_through
from tests.support import fails, rid

SUBMITTED, APPROVED, REJECTED = pb.APPROVAL_STATE_SUBMITTED, pb.APPROVAL_STATE_APPROVED, pb.APPROVAL_STATE_REJECTED


async def reject_expense(stub, caller, expense: pb.Expense, reason: str = "no receipt") -> pb.Expense:
    return await caller(stub.RejectExpense, api.RejectExpenseRequest(name=expense.name, reason=reason,
                                                                     request_id=rid()))


async def test_an_expense_awaits_review_and_is_approved_or_rejected_once(billing_stub, as_role, engagement, project):
    ann, pm = as_role("member", sub="ann"), as_role("pm", sub="pat")
    expense = await log_expense(billing_stub, ann, engagement, project)
    assert (expense.approval_state, expense.person) == (SUBMITTED, "ann") and expense.etag
    approved = await approve_expense(billing_stub, pm, expense)
    assert approved.approval_state == APPROVED and approved.etag != expense.etag
    assert await ann(billing_stub.GetExpense, api.GetExpenseRequest(name=expense.name)) == approved
    again = await fails(reject_expense(billing_stub, pm, expense))
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ENTRY_REVIEWED")
    other = await log_expense(billing_stub, ann, engagement, project)
    stale = await fails(pm(billing_stub.ApproveExpense, api.ApproveExpenseRequest(name=other.name, etag="0" * 20)))
    assert stale.code == grpc.StatusCode.ABORTED
    no_reason = await fails(pm(billing_stub.RejectExpense, api.RejectExpenseRequest(name=other.name)))
    assert (no_reason.code, set(no_reason.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, {"reason"})
    assert (await reject_expense(billing_stub, pm, other)).approval_state == REJECTED
    pending = await ann(billing_stub.ListExpenses, api.ListExpensesRequest(
        parent=engagement, filter="approval_state = APPROVAL_STATE_REJECTED"))
    assert [x.name for x in pending.expenses] == [other.name]


async def test_only_approved_expenses_are_invoiced_and_late_approvals_go_on_the_next(
        billing_stub, as_role, engagement, project):
    ann, pm, finance = as_role("member", sub="ann"), as_role("pm", sub="pat"), as_role("finance")
    approved = await approve_expense(billing_stub, pm, await log_expense(billing_stub, ann, engagement, project,
                                                                         amount=EUR(100)))
    waiting = await log_expense(billing_stub, ann, engagement, project, amount=EUR(40))
    await reject_expense(billing_stub, pm, await log_expense(billing_stub, ann, engagement, project, amount=EUR(7)))
    january = await generate(billing_stub, finance, engagement)
    assert [(li.expense, li.amount) for li in january.line_items] == [(approved.name, EUR(100))]
    billed = await ann(billing_stub.GetExpense, api.GetExpenseRequest(name=approved.name))
    assert billed.invoice == january.name
    invoiced = await fails(reject_expense(billing_stub, pm, billed))
    assert (invoiced.code, invoiced.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ENTRY_INVOICED")

    await approve_expense(billing_stub, pm, waiting)
    february = await generate(billing_stub, finance, engagement, start=D(2027, 2, 1), end=D(2027, 2, 28))
    assert [(li.expense, li.amount) for li in february.line_items] == [(waiting.name, EUR(40))]


async def test_a_period_with_expenses_awaiting_approval_does_not_close(billing_stub, as_role, engagement, project):
    finance, pm = as_role("finance"), as_role("pm", sub="pat")
    expense = await log_expense(billing_stub, as_role("member", sub="ann"), engagement, project, day=D(2027, 1, 20))
    failure = await fails(close_through(billing_stub, finance, engagement, D(2027, 1, 31)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PENDING_APPROVALS")
    assert "0 time entries and 1 expenses" in failure.message
    await reject_expense(billing_stub, pm, expense)
    closed = await close_through(billing_stub, finance, engagement, D(2027, 1, 31))
    assert closed.closed_through == D(2027, 1, 31)


async def test_the_report_counts_expenses_awaiting_approval_but_not_rejected_ones(
        billing_stub, as_role, engagement, project):
    ann, pm = as_role("member", sub="ann"), as_role("pm", sub="pat")
    await approve_expense(billing_stub, pm, await log_expense(billing_stub, ann, engagement, project, amount=EUR(100)))
    await log_expense(billing_stub, ann, engagement, project, amount=EUR(40))
    await reject_expense(billing_stub, pm, await log_expense(billing_stub, ann, engagement, project, amount=EUR(7)))
    for name in (f"{engagement}/financialReport", f"{project}/financialReport"):
        report = await as_role("viewer")(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
            name=name, as_of=D(2027, 1, 31)))
        assert report.expense_cost == EUR(140), name


async def test_a_rejected_expense_no_longer_counts_against_the_engagement_bound(billing_stub, as_role, engagement,
                                                                               project):
    ann, pm = as_role("member", sub="ann"), as_role("pm", sub="pat")
    huge = EUR(999_999_999_999)
    first = await log_expense(billing_stub, ann, engagement, project, amount=huge)
    refused = await fails(log_expense(billing_stub, ann, engagement, project, amount=huge))
    assert refused.reason == "ENGAGEMENT_CHARGES_LIMIT"
    await reject_expense(billing_stub, pm, first)
    second = await log_expense(billing_stub, ann, engagement, project, amount=huge)
    assert second.approval_state == SUBMITTED
