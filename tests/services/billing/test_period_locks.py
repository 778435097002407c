"""Locked billing periods (issue 7): the billing cycle or finance locks a period of the organization, and no time
entry or expense dated inside it is recorded any more; locking is idempotent and for finance, pmo, admin and the
governance principal only."""

from __future__ import annotations

import grpc

from pmaas.billing.v1 import billing_service_pb2 as api
from tests.services.billing.support import D, log_expense, log_time
from tests.support import GovernanceCaller, fails, rid


def lock_request(org: str, start=None, end=None, request_id: str = "") -> api.LockBillingPeriodRequest:
    return api.LockBillingPeriodRequest(parent=f"organizations/{org}", period_start=start or D(2027, 1, 1),
                                        period_end=end or D(2027, 1, 31), request_id=request_id or rid())


async def test_time_and_expenses_dated_in_a_locked_period_are_refused(billing_stub, as_role, org, engagement,
                                                                       project):
    member = as_role("member", sub="ann")
    await log_time(billing_stub, member, engagement, project, day=D(2027, 1, 29))  # before the lock: recorded
    lock = await as_role("finance", sub="fay")(billing_stub.LockBillingPeriod, lock_request(org))
    assert lock.name == f"organizations/{org}/billingPeriodLocks/p20270101-20270131" and lock.locker == "fay"
    for day in (D(2027, 1, 1), D(2027, 1, 31)):
        refused = await fails(log_time(billing_stub, member, engagement, project, day=day))
        assert (refused.code, refused.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PERIOD_LOCKED")
        assert refused.metadata["field"] == "time_entry.work_date" and refused.metadata["lock"] == lock.name
    expense = await fails(log_expense(billing_stub, member, engagement, project, day=D(2027, 1, 15)))
    assert (expense.reason, expense.metadata["field"]) == ("PERIOD_LOCKED", "expense.expense_date")
    await log_time(billing_stub, member, engagement, project, day=D(2027, 2, 1))  # the next period is open
    await log_expense(billing_stub, member, engagement, project, day=D(2027, 2, 1))


async def test_locking_a_locked_period_returns_the_first_lock_and_records_nothing(billing_stub, as_role, org, db):
    first = await as_role("finance", sub="fay")(billing_stub.LockBillingPeriod, lock_request(org))
    again = await as_role("pmo", sub="pia")(billing_stub.LockBillingPeriod, lock_request(org))
    assert again == first  # same lock, same locker, whatever the request id
    retried_id = rid()
    second = await as_role("finance")(billing_stub.LockBillingPeriod, lock_request(org, D(2027, 2, 1), D(2027, 2, 28),
                                                                                   retried_id))
    assert await as_role("finance")(billing_stub.LockBillingPeriod, lock_request(
        org, D(2027, 2, 1), D(2027, 2, 28), retried_id)) == second
    listed = await as_role("viewer")(billing_stub.ListBillingPeriodLocks, api.ListBillingPeriodLocksRequest(
        parent=f"organizations/{org}", page_size=1))
    assert [x.name for x in listed.billing_period_locks] == [first.name] and listed.next_page_token
    assert await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = 'LockBillingPeriod'",
                             org) == 2


async def test_the_governance_principal_locks_for_the_person_it_acts_for(billing_stub, authority, org):
    lock = await GovernanceCaller(authority, "schedule")(billing_stub.LockBillingPeriod, lock_request(org))
    assert lock.locker == "schedule"


async def test_only_finance_pmo_admin_and_governance_lock_periods(billing_stub, as_role, org):
    for role in ("pm", "member", "sponsor", "auditor", "viewer"):
        refused = await fails(as_role(role)(billing_stub.LockBillingPeriod, lock_request(org)))
        assert refused.code == grpc.StatusCode.PERMISSION_DENIED, role
    other = await fails(as_role("finance", org_id="another-org")(billing_stub.LockBillingPeriod, lock_request(org)))
    assert other.code == grpc.StatusCode.PERMISSION_DENIED
    await as_role("admin")(billing_stub.LockBillingPeriod, lock_request(org))


async def test_a_lock_needs_a_valid_period(billing_stub, as_role, org):
    finance = as_role("finance")
    missing = await fails(finance(billing_stub.LockBillingPeriod, api.LockBillingPeriodRequest(
        parent=f"organizations/{org}", request_id=rid())))
    assert missing.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {"period_start", "period_end"} <= set(missing.fields)
    backwards = await fails(finance(billing_stub.LockBillingPeriod, lock_request(org, D(2027, 2, 1), D(2027, 1, 1))))
    assert "must not be before period_start" in backwards.fields["period_end"]
    bad_parent = await fails(finance(billing_stub.LockBillingPeriod, api.LockBillingPeriodRequest(
        parent="orgs/x", period_start=D(2027, 1, 1), period_end=D(2027, 1, 31))))
    assert "parent" in bad_parent.fields
