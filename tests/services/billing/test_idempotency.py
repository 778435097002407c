"""AIP-155 request ids on every BillingService mutation: the same id with the same request returns the
first response and writes exactly once; the same id with a different request (or method) is
INVALID_ARGUMENT REQUEST_ID_REUSED on `request_id`; a malformed id is refused; a refused call leaves
its id free; ids are per organization."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import field_mask_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.services.billing.support import (
    EUR,
    D,
    approve,
    audit_count,
    create_engagement,
    create_rate,
    generate,
    log_expense,
    log_time,
)
from tests.support import Caller, fails, rid


@dataclass
class World:
    stub: object
    as_role: Callable
    org: str
    engagement: str
    project: str

    async def submitted_entry(self) -> pb.TimeEntry:
        return await log_time(self.stub, self.as_role("member", sub="ann"), self.engagement, self.project)

    async def submitted_expense(self) -> pb.Expense:
        return await log_expense(self.stub, self.as_role("member", sub="ann"), self.engagement, self.project)

    async def invoice(self, issued: bool = False) -> pb.Invoice:
        await approve(self.stub, self.as_role("pm", sub="pat"), await self.submitted_entry())
        invoice = await generate(self.stub, self.as_role("finance"), self.engagement)
        if issued:
            invoice = await self.as_role("finance")(self.stub.IssueInvoice, api.IssueInvoiceRequest(
                name=invoice.name, issue_date=D(2027, 2, 1), request_id=rid()))
        return invoice


@dataclass
class Case:
    role: str  # who calls it (sub "user-<role>" unless given)
    build: Callable[[World], Awaitable[object]]  # a valid request (setup done as other users)
    change: Callable[[object], None]  # makes it a different request
    count: str  # SQL counting what the call writes, $1 = org


def _entry_request(w: World) -> api.CreateTimeEntryRequest:
    return api.CreateTimeEntryRequest(parent=w.engagement, time_entry=pb.TimeEntry(
        project=w.project, work_date=D(2027, 1, 11), hours="6", role="consultant"))


async def _create_entry(w: World):
    return _entry_request(w)


async def _approve(w: World):
    return api.ApproveTimeEntryRequest(name=(await w.submitted_entry()).name)


async def _reject(w: World):
    return api.RejectTimeEntryRequest(name=(await w.submitted_entry()).name, reason="wrong project")


async def _approve_expense(w: World):
    return api.ApproveExpenseRequest(name=(await w.submitted_expense()).name)


async def _reject_expense(w: World):
    return api.RejectExpenseRequest(name=(await w.submitted_expense()).name, reason="no receipt")


async def _update_invoice(w: World):
    invoice = await w.invoice()
    return api.UpdateInvoiceRequest(invoice=pb.Invoice(name=invoice.name, notes="Thanks"),
                                    update_mask=field_mask_pb2.FieldMask(paths=["notes"]))


async def _issue(w: World):
    return api.IssueInvoiceRequest(name=(await w.invoice()).name, issue_date=D(2027, 2, 1))


async def _pay(w: World):
    return api.PayInvoiceRequest(name=(await w.invoice(issued=True)).name, paid_date=D(2027, 2, 10))


async def _void(w: World):
    return api.VoidInvoiceRequest(name=(await w.invoice()).name, reason="wrong period")


async def _credit(w: World):
    return api.CreateCreditNoteRequest(parent=(await w.invoice(issued=True)).name, credit_note=pb.CreditNote(
        amount=EUR(100), reason="goodwill"))


async def _create_engagement(w: World):
    return api.CreateEngagementRequest(parent=f"organizations/{w.org}", engagement=pb.Engagement(
        display_name="Second", projects=[w.project], billing_model=pb.BILLING_MODEL_RETAINER, currency_code="EUR",
        fee=EUR(1000)))


async def _update_engagement(w: World):
    return api.UpdateEngagementRequest(engagement=pb.Engagement(name=w.engagement, display_name="Renamed"),
                                       update_mask=field_mask_pb2.FieldMask(paths=["display_name"]))


async def _create_rate(w: World):
    return api.CreateRateRequest(parent=f"organizations/{w.org}", rate=pb.Rate(
        role="qa", hourly_rate=EUR(70), start_date=D(2027, 1, 1)))


async def _create_expense(w: World):
    return api.CreateExpenseRequest(parent=w.engagement, expense=pb.Expense(
        project=w.project, expense_date=D(2027, 1, 6), category=pb.EXPENSE_CATEGORY_LODGING, amount=EUR(140)))


async def _generate(w: World):
    return api.GenerateInvoiceRequest(parent=w.engagement, period_start=D(2027, 1, 1), period_end=D(2027, 1, 31))


async def _lock_period(w: World):
    return api.LockBillingPeriodRequest(parent=f"organizations/{w.org}", period_start=D(2027, 1, 1),
                                        period_end=D(2027, 1, 31))


def _set(path: str, value) -> Callable[[object], None]:
    def change(request) -> None:
        *parents, leaf = path.split(".")
        target = request
        for p in parents:
            target = getattr(target, p)
        if hasattr(value, "DESCRIPTOR"):
            getattr(target, leaf).CopyFrom(value)
        else:
            setattr(target, leaf, value)
    return change


def _audited(action: str) -> str:
    return f"SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = '{action}'"


CASES: dict[str, Case] = {
    "CreateEngagement": Case("finance", _create_engagement, _set("engagement.display_name", "Third"),
                             "SELECT count(*) FROM engagements WHERE org_id = $1 AND display_name = 'Second'"),
    "UpdateEngagement": Case("finance", _update_engagement, _set("engagement.display_name", "Other"),
                             _audited("UpdateEngagement")),
    "CreateRate": Case("finance", _create_rate, _set("rate.hourly_rate", EUR(75)),
                       "SELECT count(*) FROM rates WHERE org_id = $1 AND role = 'qa'"),
    "CreateTimeEntry": Case("member", _create_entry, _set("time_entry.hours", "5"),
                            "SELECT count(*) FROM time_entries WHERE org_id = $1 AND work_date = '2027-01-11'"),
    "ApproveTimeEntry": Case("pm", _approve, _set("etag", "0" * 20), _audited("ApproveTimeEntry")),
    "RejectTimeEntry": Case("pm", _reject, _set("reason", "duplicate"), _audited("RejectTimeEntry")),
    "CreateExpense": Case("member", _create_expense, _set("expense.amount", EUR(141)),
                          "SELECT count(*) FROM expenses WHERE org_id = $1"),
    "ApproveExpense": Case("pm", _approve_expense, _set("etag", "0" * 20), _audited("ApproveExpense")),
    "RejectExpense": Case("pm", _reject_expense, _set("reason", "duplicate"), _audited("RejectExpense")),
    "GenerateInvoice": Case("finance", _generate, _set("period_end", D(2027, 1, 30)),
                            "SELECT count(*) FROM invoices WHERE org_id = $1"),
    "UpdateInvoice": Case("finance", _update_invoice, _set("invoice.notes", "Thank you"), _audited("UpdateInvoice")),
    "IssueInvoice": Case("finance", _issue, _set("issue_date", D(2027, 2, 2)), _audited("IssueInvoice")),
    "PayInvoice": Case("finance", _pay, _set("paid_date", D(2027, 2, 11)), _audited("PayInvoice")),
    "VoidInvoice": Case("finance", _void, _set("reason", "duplicate"), _audited("VoidInvoice")),
    "CreateCreditNote": Case("finance", _credit, _set("credit_note.amount", EUR(99)),
                             "SELECT count(*) FROM credit_notes WHERE org_id = $1"),
    "LockBillingPeriod": Case("finance", _lock_period, _set("period_end", D(2027, 1, 30)),
                              "SELECT count(*) FROM period_locks WHERE org_id = $1"),
}


def test_every_mutation_is_covered():
    methods = api.DESCRIPTOR.services_by_name["BillingService"].methods_by_name.values()
    assert set(CASES) == {m.name for m in methods if "request_id" in m.input_type.fields_by_name}


@pytest.fixture
def world(billing_stub, as_role, org, engagement, project) -> World:
    return World(billing_stub, as_role, org, engagement, project)


def caller_for(w: World, case: Case) -> Caller:
    return w.as_role(case.role, sub="ann" if case.role == "member" else f"user-{case.role}")


@pytest.mark.parametrize("method", sorted(CASES))
async def test_same_request_id_and_request_returns_the_first_response_and_writes_once(world, db, method):
    case = CASES[method]
    request = await case.build(world)
    request.request_id = rid()
    caller, call = caller_for(world, case), getattr(world.stub, method)
    events_before = await audit_count(db, world.org)
    first = await caller(call, request)
    events_after_first = await audit_count(db, world.org)
    assert events_after_first > events_before
    second = await caller(call, request)
    assert second == first
    assert await db.fetchval(case.count, world.org) == 1
    assert await audit_count(db, world.org) == events_after_first  # the replay records nothing
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys WHERE org_id = $1 AND request_id = $2::uuid",
                             world.org, request.request_id) == 1


@pytest.mark.parametrize("method", sorted(CASES))
async def test_same_request_id_with_a_different_request_is_refused(world, db, method):
    case = CASES[method]
    request = await case.build(world)
    request.request_id = rid()
    caller, call = caller_for(world, case), getattr(world.stub, method)
    first = await caller(call, request)
    events = await audit_count(db, world.org)
    case.change(request)
    failure = await fails(caller(call, request))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
    assert failure.fields == {"request_id": "already used for a different request"}
    assert await audit_count(db, world.org) == events
    assert await db.fetchval(case.count, world.org) == 1
    assert first is not None


@pytest.mark.parametrize("method", sorted(CASES))
@pytest.mark.parametrize("request_id", ["not-a-uuid", "12345", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"])
async def test_a_malformed_request_id_is_invalid_and_writes_nothing(world, db, method, request_id):
    case = CASES[method]
    request = await case.build(world)
    request.request_id = request_id
    events = await audit_count(db, world.org)
    failure = await fails(caller_for(world, case)(getattr(world.stub, method), request))
    assert (failure.code, failure.fields.keys()) == (grpc.StatusCode.INVALID_ARGUMENT, {"request_id"})
    assert await audit_count(db, world.org) == events


async def test_a_request_id_used_by_another_method_is_refused(world, db):
    request_id = rid()
    ann = world.as_role("member", sub="ann")
    entry = _entry_request(world)
    entry.request_id = request_id
    await ann(world.stub.CreateTimeEntry, entry)
    expense = await _create_expense(world)
    expense.request_id = request_id
    failure = await fails(ann(world.stub.CreateExpense, expense))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
    assert "CreateTimeEntry" in failure.message
    assert await db.fetchval("SELECT count(*) FROM expenses WHERE org_id = $1", world.org) == 0


async def test_a_replay_returns_the_first_response_even_after_later_changes(world):
    finance = world.as_role("finance")
    request = await _update_engagement(world)
    request.request_id = rid()
    first = await finance(world.stub.UpdateEngagement, request)
    later = await finance(world.stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=world.engagement, display_name="Later"), request_id=rid()))
    assert await finance(world.stub.UpdateEngagement, request) == first
    assert (await finance(world.stub.GetEngagement, api.GetEngagementRequest(name=world.engagement))) == later


async def test_a_replayed_approval_is_not_refused_as_already_reviewed(world):
    pm = world.as_role("pm", sub="pat")
    request = await _approve(world)
    request.request_id = rid()
    first = await pm(world.stub.ApproveTimeEntry, request)
    assert first.approval_state == pb.APPROVAL_STATE_APPROVED
    assert await pm(world.stub.ApproveTimeEntry, request) == first
    request.request_id = rid()
    assert (await fails(pm(world.stub.ApproveTimeEntry, request))).reason == "ENTRY_REVIEWED"


async def test_a_replayed_state_change_is_not_refused_by_the_new_state(world):
    finance = world.as_role("finance")
    request = await _issue(world)
    request.request_id = rid()
    issued = await finance(world.stub.IssueInvoice, request)
    assert await finance(world.stub.IssueInvoice, request) == issued
    request.request_id = rid()
    assert (await fails(finance(world.stub.IssueInvoice, request))).reason == "INVOICE_STATE"


async def test_concurrent_identical_requests_write_once(world, db):
    ann = world.as_role("member", sub="ann")
    request = _entry_request(world)
    request.request_id = rid()
    results = await asyncio.gather(*(ann(world.stub.CreateTimeEntry, request) for _ in range(10)))
    assert all(r == results[0] for r in results)
    assert await db.fetchval(CASES["CreateTimeEntry"].count, world.org) == 1
    assert await audit_count(db, world.org, "CreateTimeEntry") == 1


async def test_concurrent_credit_notes_with_one_request_id_credit_once(world, db):
    finance = world.as_role("finance")
    request = await _credit(world)
    request.request_id = rid()
    results = await asyncio.gather(*(finance(world.stub.CreateCreditNote, request) for _ in range(8)))
    assert len({r.name for r in results}) == 1
    invoice = await finance(world.stub.GetInvoice, api.GetInvoiceRequest(name=request.parent))
    assert invoice.credited == EUR(100)


async def test_a_refused_request_leaves_its_request_id_free(world, db):
    ann = world.as_role("member", sub="ann")
    request = _entry_request(world)
    request.time_entry.role = "designer"
    request.request_id = rid()
    assert (await fails(ann(world.stub.CreateTimeEntry, request))).reason == "RATE_MISSING"
    await create_rate(world.stub, world.as_role("finance"), world.org, role="designer")
    created = await ann(world.stub.CreateTimeEntry, request)
    assert created.role == "designer"
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys WHERE org_id = $1 AND request_id = $2::uuid",
                             world.org, request.request_id) == 1


async def test_without_a_request_id_a_retry_is_a_new_request(world, db):
    ann = world.as_role("member", sub="ann")
    first = await ann(world.stub.CreateTimeEntry, _entry_request(world))
    second = await ann(world.stub.CreateTimeEntry, _entry_request(world))
    assert first.name != second.name
    assert await db.fetchval(CASES["CreateTimeEntry"].count, world.org) == 2


async def test_request_ids_are_per_organization(billing_stub, projects_stub, authority, as_role, org, project, db,
                                                new_org_id):
    other = new_org_id + "-b"
    admin = Caller(authority, "root", {other: ["admin"]})
    await admin(projects_stub.CreateOrganization, projects_api.CreateOrganizationRequest(
        organization_id=other, organization=projects_pb.Organization(
        display_name="Other", pmo_type=projects_pb.PMO_TYPE_TACTICAL, default_currency_code="EUR")))
    other_project = await admin(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{other}", project_id="apollo", project=projects_pb.Project(
            code="APL-1", display_name="Apollo", methodology=projects_pb.METHODOLOGY_AGILE)))
    request_id = rid()
    mine = await create_engagement(billing_stub, as_role("finance"), org, [project])
    theirs = await admin(billing_stub.CreateEngagement, api.CreateEngagementRequest(
        parent=f"organizations/{other}", engagement_id="main", request_id=request_id, engagement=pb.Engagement(
            display_name="Theirs", projects=[other_project.name], currency_code="EUR",
            billing_model=pb.BILLING_MODEL_TIME_AND_MATERIALS)))
    ours = await as_role("finance")(billing_stub.CreateEngagement, api.CreateEngagementRequest(
        parent=f"organizations/{org}", engagement_id="second", request_id=request_id, engagement=pb.Engagement(
            display_name="Ours", projects=[project], currency_code="EUR",
            billing_model=pb.BILLING_MODEL_TIME_AND_MATERIALS)))
    assert (theirs.display_name, ours.display_name) == ("Theirs", "Ours")
    assert mine.name != ours.name
