"""Time entries and expenses: hours as decimals or minutes, the 24 h day, closed periods,
projects and currencies of the engagement, approval with four eyes, paging."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import field_mask_pb2
from google.type import money_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from tests.services.billing.support import EUR, D, approve, log_time
from tests.support import fails, rid


async def test_hours_or_minutes_never_floats(billing_stub, as_role, engagement, project):
    member = as_role("member", sub="ann")
    by_hours = await log_time(billing_stub, member, engagement, project, hours="7.5")
    assert (by_hours.minutes, by_hours.hours, by_hours.person) == (450, "7.5", "ann")
    assert by_hours.billable and by_hours.approval_state == pb.APPROVAL_STATE_SUBMITTED
    by_minutes = await log_time(billing_stub, member, engagement, project, hours="", minutes=20, billable=False)
    assert (by_minutes.minutes, by_minutes.hours, by_minutes.billable) == (20, "0.33", False)
    assert await member(billing_stub.GetTimeEntry, api.GetTimeEntryRequest(name=by_hours.name)) == by_hours


async def test_zero_negative_and_malformed_hours_are_refused(billing_stub, as_role, engagement, project):
    member = as_role("member", sub="ann")
    for hours, minutes, why in [("0", 0, "more than zero"), ("", -30, "more than zero"), ("7,5", 0, "decimal"),
                                ("-1", 0, "decimal"), ("0.33", 0, "whole number of minutes"),
                                ("25", 0, "at most 24 hours"), ("1", 60, "not both")]:
        failure = await fails(log_time(billing_stub, member, engagement, project, hours=hours, minutes=minutes))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, hours
        assert why in failure.fields["time_entry.hours"], (hours, failure.fields)


async def test_a_person_day_holds_at_most_24_hours_even_concurrently(billing_stub, as_role, engagement, project):
    member = as_role("member", sub="ann")
    results = await asyncio.gather(*(log_time(billing_stub, member, engagement, project, hours="5")
                                     for _ in range(6)), return_exceptions=True)
    ok = [r for r in results if isinstance(r, pb.TimeEntry)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(ok) == 4 and len(refused) == 2
    failure = await fails(log_time(billing_stub, member, engagement, project, hours="4.5"))
    assert failure.reason == "DAILY_HOURS_EXCEEDED" and "at most 4 h fits" in failure.message
    await log_time(billing_stub, member, engagement, project, hours="4")  # exactly 24 h


async def test_closed_periods_foreign_projects_and_missing_rates(billing_stub, as_role, org, engagement, project):
    finance, member = as_role("finance"), as_role("member", sub="ann")
    current = await finance(billing_stub.GetEngagement, api.GetEngagementRequest(name=engagement))
    await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, closed_through=D(2027, 1, 31), etag=current.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["closed_through"])))
    closed = await fails(log_time(billing_stub, member, engagement, project, day=D(2027, 1, 31)))
    assert (closed.code, closed.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PERIOD_CLOSED")
    foreign = await fails(log_time(billing_stub, member, engagement, f"organizations/{org}/projects/other",
                                   day=D(2027, 2, 1)))
    assert "is not one of the projects" in foreign.fields["time_entry.project"]
    no_rate = await fails(log_time(billing_stub, member, engagement, project, day=D(2027, 2, 1), role="juggler"))
    assert no_rate.reason == "RATE_MISSING"


async def test_members_log_their_own_time_pms_approve_others(billing_stub, as_role, engagement, project):
    member = as_role("member", sub="ann")
    for_bob = await fails(log_time(billing_stub, member, engagement, project, person="bob"))
    assert for_bob.code == grpc.StatusCode.PERMISSION_DENIED
    entry = await log_time(billing_stub, member, engagement, project)
    self_approval = await fails(approve(billing_stub, as_role("pm", sub="ann"), entry))
    assert self_approval.code == grpc.StatusCode.PERMISSION_DENIED
    pm = as_role("pm", sub="pat")
    stale = await fails(pm(billing_stub.ApproveTimeEntry, api.ApproveTimeEntryRequest(
        name=entry.name, etag="stale")))
    assert stale.reason == "ETAG_MISMATCH"
    approved = await pm(billing_stub.ApproveTimeEntry, api.ApproveTimeEntryRequest(
        name=entry.name, etag=entry.etag, request_id=rid()))
    assert approved.approval_state == pb.APPROVAL_STATE_APPROVED
    again = await fails(approve(billing_stub, pm, entry))
    assert again.reason == "ENTRY_REVIEWED"
    other = await log_time(billing_stub, member, engagement, project, day=D(2027, 1, 5))
    no_reason = await fails(pm(billing_stub.RejectTimeEntry, api.RejectTimeEntryRequest(name=other.name)))
    assert no_reason.fields.keys() == {"reason"}
    rejected = await pm(billing_stub.RejectTimeEntry, api.RejectTimeEntryRequest(
        name=other.name, reason="wrong project", request_id=rid()))
    assert rejected.approval_state == pb.APPROVAL_STATE_REJECTED
    assert (await fails(approve(billing_stub, member, other))).code == grpc.StatusCode.PERMISSION_DENIED


async def test_list_pages_and_filters(billing_stub, as_role, engagement, project):
    member = as_role("member", sub="ann")
    for day in range(4, 9):
        await log_time(billing_stub, member, engagement, project, day=D(2027, 1, day), hours="1")
    seen, tokens = [], [""]
    while True:
        page = await member(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(
            parent=engagement, page_size=2, page_token=tokens[-1], filter='work_date >= "2027-01-05"'))
        seen += [e.work_date.day for e in page.time_entries]
        if not page.next_page_token:
            break
        tokens.append(page.next_page_token)
    assert seen == [5, 6, 7, 8]
    bad_filter = await fails(member(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(
        parent=engagement, filter="colour = red")))
    assert "unknown field" in bad_filter.fields["filter"]
    other_query = await fails(member(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(
        parent=engagement, page_token=tokens[1])))  # the token of a filtered query, without the filter
    assert other_query.fields.keys() == {"page_token"}


async def test_expenses_in_the_engagements_currency(billing_stub, as_role, engagement, project):
    member = as_role("member", sub="ann")

    def expense(**fields) -> api.CreateExpenseRequest:
        fields.setdefault("project", project)
        fields.setdefault("expense_date", D(2027, 1, 6))
        fields.setdefault("category", pb.EXPENSE_CATEGORY_TRAVEL)
        fields.setdefault("amount", EUR(320, 500_000_000))
        return api.CreateExpenseRequest(parent=engagement, expense=pb.Expense(**fields), request_id=rid())

    created = await member(billing_stub.CreateExpense, expense(receipt_reference="receipt-17"))
    assert created.amount == EUR(320, 500_000_000) and created.person == "ann" and created.billable
    assert await member(billing_stub.GetExpense, api.GetExpenseRequest(name=created.name)) == created
    listed = await member(billing_stub.ListExpenses, api.ListExpensesRequest(parent=engagement))
    assert [x.name for x in listed.expenses] == [created.name]
    dollars = await fails(member(billing_stub.CreateExpense, expense(
        amount=money_pb2.Money(currency_code="USD", units=10))))
    assert "must be EUR" in dollars.fields["expense.amount.currency_code"]
    bad = await fails(member(billing_stub.CreateExpense, expense(category=0, amount=EUR(-5), project="")))
    assert set(bad.fields) == {"expense.category", "expense.amount", "expense.project"}
    denied = await fails(as_role("viewer")(billing_stub.CreateExpense, expense()))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
