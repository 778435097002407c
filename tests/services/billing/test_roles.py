"""Who may call each mutation, per the permission table in services/platform/auth.py: the roles listed
succeed; every other role is PERMISSION_DENIED naming the permission, and nothing is written. Segregation
of duties: nobody approves or rejects their own time or expense, nor time they recorded for someone else
(PERMISSION_DENIED SELF_APPROVAL), also not through the governance service acting for them."""

from __future__ import annotations

import grpc
import pytest

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from services.platform.auth import PERMISSIONS, PERSON_ROLES, Permission
from tests.services.billing.support import approve, approve_expense, audit_count, log_expense, log_time
from tests.services.billing.test_idempotency import CASES, World
from tests.support import GovernanceCaller, fails, rid

ROLES = sorted(r.value for r in PERSON_ROLES)  # a person's roles in an org; not the governance principal's
BILLING = {"admin", "pmo", "finance"}
RECORDERS = {"admin", "pmo", "pm", "member"}
APPROVERS = {"admin", "pmo", "pm"}
INVOICING = {"admin", "finance"}

# mutation -> (roles that may call it, the permission the others lack)
MAY_CALL = {
    "CreateEngagement": (BILLING, "billing.write"),
    "UpdateEngagement": (BILLING, "billing.write"),
    "CreateRate": (BILLING, "billing.write"),
    "CreateTimeEntry": (RECORDERS, "time.write"),
    "CreateExpense": (RECORDERS, "time.write"),
    "ApproveTimeEntry": (APPROVERS, "time.approve"),
    "RejectTimeEntry": (APPROVERS, "time.approve"),
    "ApproveExpense": (APPROVERS, "time.approve"),
    "RejectExpense": (APPROVERS, "time.approve"),
    "GenerateInvoice": (INVOICING, "invoice.issue"),
    "UpdateInvoice": (INVOICING, "invoice.issue"),
    "IssueInvoice": (INVOICING, "invoice.issue"),
    "PayInvoice": (INVOICING, "invoice.issue"),
    "VoidInvoice": (INVOICING, "invoice.issue"),
    "CreateCreditNote": (INVOICING, "invoice.issue"),
    "LockBillingPeriod": (BILLING, "billing_period.lock"),
}
ALLOWED = [(m, r) for m in sorted(MAY_CALL) for r in ROLES if r in MAY_CALL[m][0]]
DENIED = [(m, r) for m in sorted(MAY_CALL) for r in ROLES if r not in MAY_CALL[m][0]]


def test_the_table_covers_every_mutation_and_agrees_with_auth():
    assert set(MAY_CALL) == set(CASES)
    for method, (roles, permission) in MAY_CALL.items():
        granted = {r.value for r in PERSON_ROLES if Permission(permission) in PERMISSIONS[r]}
        if permission == "time.write":  # time.approve also records one's own time
            granted |= {r.value for r in PERSON_ROLES if Permission.TIME_APPROVE in PERMISSIONS[r]}
        assert granted == roles, method


@pytest.fixture
def world(billing_stub, as_role, org, engagement, project) -> World:
    return World(billing_stub, as_role, org, engagement, project)


@pytest.mark.parametrize("method, role", ALLOWED)
async def test_roles_that_may_call_a_mutation_succeed(world, db, method, role):
    request = await CASES[method].build(world)
    request.request_id = rid()
    before = await audit_count(db, world.org, method)
    await world.as_role(role)(getattr(world.stub, method), request)
    assert await audit_count(db, world.org, method) == before + 1


@pytest.mark.parametrize("method, role", DENIED)
async def test_other_roles_are_denied_and_nothing_is_written(world, db, method, role):
    request = await CASES[method].build(world)
    request.request_id = rid()
    before = await audit_count(db, world.org)
    failure = await fails(world.as_role(role)(getattr(world.stub, method), request))
    assert (failure.code, failure.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    assert failure.message.endswith(f"roles [{role}] in organizations/{world.org} do not grant {MAY_CALL[method][1]}")
    assert await audit_count(db, world.org) == before


async def time_for_ann(world: World):
    entry = await CASES["CreateTimeEntry"].build(world)
    entry.time_entry.person = "ann"
    entry.request_id = rid()
    return entry


@pytest.mark.parametrize("role", sorted(APPROVERS))
async def test_approvers_may_record_time_for_someone_else(world, role):
    entry = await world.as_role(role, sub="pat")(world.stub.CreateTimeEntry, await time_for_ann(world))
    assert entry.person == "ann"


@pytest.mark.parametrize("role", sorted(set(ROLES) - APPROVERS))
async def test_others_may_not_record_time_for_someone_else(world, db, role):
    failure = await fails(world.as_role(role, sub="pat")(world.stub.CreateTimeEntry, await time_for_ann(world)))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED and failure.message.endswith("do not grant time.approve")
    assert await audit_count(db, world.org, "CreateTimeEntry") == 0


def reviews(kind: str, name: str) -> list[tuple[str, object]]:
    """(method, request) of approving and rejecting a time entry or an expense."""
    if kind == "time":
        return [("ApproveTimeEntry", api.ApproveTimeEntryRequest(name=name, request_id=rid())),
                ("RejectTimeEntry", api.RejectTimeEntryRequest(name=name, reason="mine", request_id=rid()))]
    return [("ApproveExpense", api.ApproveExpenseRequest(name=name, request_id=rid())),
            ("RejectExpense", api.RejectExpenseRequest(name=name, reason="mine", request_id=rid()))]


async def refused_as_self_approval(world: World, db, caller, kind: str, name: str) -> None:
    """Both reviews are PERMISSION_DENIED SELF_APPROVAL and nothing is written."""
    before = await audit_count(db, world.org)
    for method, request in reviews(kind, name):
        failure = await fails(caller(getattr(world.stub, method), request))
        assert (failure.code, failure.reason) == (grpc.StatusCode.PERMISSION_DENIED, "SELF_APPROVAL"), method
    assert await audit_count(db, world.org) == before


@pytest.mark.parametrize("role", sorted(APPROVERS))
async def test_nobody_reviews_their_own_time(world, db, role):
    caller = world.as_role(role, sub="ann")
    entry = await log_time(world.stub, caller, world.engagement, world.project)
    await refused_as_self_approval(world, db, caller, "time", entry.name)


@pytest.mark.parametrize("role", sorted(APPROVERS))
async def test_nobody_reviews_time_they_recorded_for_someone_else(world, db, role):
    pat = world.as_role(role, sub="pat")
    entry = await pat(world.stub.CreateTimeEntry, await time_for_ann(world))
    assert (entry.person, entry.recorder) == ("ann", "pat")
    await refused_as_self_approval(world, db, pat, "time", entry.name)
    approved = await approve(world.stub, world.as_role("pm", sub="quinn"), entry)
    assert approved.approval_state == pb.APPROVAL_STATE_APPROVED


@pytest.mark.parametrize("role", sorted(APPROVERS))
async def test_nobody_reviews_their_own_expense(world, db, role):
    caller = world.as_role(role, sub="ann")
    expense = await log_expense(world.stub, caller, world.engagement, world.project)
    assert (expense.person, expense.approval_state) == ("ann", pb.APPROVAL_STATE_SUBMITTED)
    await refused_as_self_approval(world, db, caller, "expense", expense.name)
    approved = await approve_expense(world.stub, world.as_role("pm", sub="quinn"), expense)
    assert approved.approval_state == pb.APPROVAL_STATE_APPROVED


async def test_the_governance_service_acting_for_the_person_or_recorder_may_not_review(world, db, authority):
    entry = await world.as_role("pm", sub="pat")(world.stub.CreateTimeEntry, await time_for_ann(world))
    expense = await log_expense(world.stub, world.as_role("member", sub="ann"), world.engagement, world.project)
    governance = GovernanceCaller(authority, "pat")
    await refused_as_self_approval(world, db, governance, "time", entry.name)
    await refused_as_self_approval(world, db, governance.acting_for("ann"), "time", entry.name)
    await refused_as_self_approval(world, db, governance.acting_for("ann"), "expense", expense.name)
    approved = await approve_expense(world.stub, governance.acting_for("quinn"), expense)
    assert approved.approval_state == pb.APPROVAL_STATE_APPROVED


READS = {
    "GetEngagement": lambda w: api.GetEngagementRequest(name=w.engagement),
    "ListEngagements": lambda w: api.ListEngagementsRequest(parent=f"organizations/{w.org}"),
    "ListRates": lambda w: api.ListRatesRequest(parent=f"organizations/{w.org}"),
    "ListTimeEntries": lambda w: api.ListTimeEntriesRequest(parent=w.engagement),
    "ListExpenses": lambda w: api.ListExpensesRequest(parent=w.engagement),
    "ListInvoices": lambda w: api.ListInvoicesRequest(parent=w.engagement),
    "GetFinancialReport": lambda w: api.GetFinancialReportRequest(name=f"{w.engagement}/financialReport"),
}


@pytest.mark.parametrize("method", sorted(READS))
@pytest.mark.parametrize("role", ROLES)
async def test_every_role_may_read(world, method, role):
    await world.as_role(role)(getattr(world.stub, method), READS[method](world))
