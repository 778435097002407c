"""Invoices: generation (one per engagement and period, even concurrently), line items per
billing model, the cap, DRAFT -> ISSUED -> PAID / VOID, no edits after issue, credit notes."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import field_mask_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.services.billing.support import (
    EUR,
    D,
    approve,
    approve_expense,
    as_date,
    create_engagement,
    create_rate,
    log_time,
)
from tests.support import Caller, fails, rid

JANUARY = {"period_start": D(2027, 1, 1), "period_end": D(2027, 1, 31)}


async def generate(stub, caller, engagement: str, **period) -> pb.Invoice:
    return await caller(stub.GenerateInvoice, api.GenerateInvoiceRequest(
        parent=engagement, request_id=rid(), **(period or JANUARY)))


def lines(invoice: pb.Invoice) -> list[tuple]:
    return [(pb.LineItemKind.Name(li.kind).removeprefix("LINE_ITEM_KIND_"), li.person or li.description,
             li.quantity, li.unit_price.units, li.amount.units, li.amount.nanos) for li in invoice.line_items]


async def test_time_and_materials_invoice(billing_stub, as_role, org, engagement, project):
    finance, pm = as_role("finance"), as_role("pm", sub="pat")
    ann, bob = as_role("member", sub="ann"), as_role("member", sub="bob")
    await create_rate(billing_stub, finance, org, role="architect", units=150, engagement=engagement)
    billed = [await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, d)) for d in (4, 5)]
    billed.append(await log_time(billing_stub, bob, engagement, project, role="architect", hours="2.5"))
    for entry in billed:
        await approve(billing_stub, pm, entry)
    unapproved = await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 6))
    await approve(billing_stub, pm, await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 7),
                                                   billable=False))
    await approve(billing_stub, pm, await log_time(billing_stub, ann, engagement, project, day=D(2027, 2, 1)))
    expense = await ann(billing_stub.CreateExpense, api.CreateExpenseRequest(parent=engagement, expense=pb.Expense(
        project=project, expense_date=D(2027, 1, 6), category=pb.EXPENSE_CATEGORY_TRAVEL,
        amount=EUR(320, 500_000_000))))
    await approve_expense(billing_stub, pm, expense)

    invoice = await generate(billing_stub, finance, engagement)
    assert invoice.state == pb.INVOICE_STATE_DRAFT
    assert lines(invoice) == [  # time by project, role, person; then expenses
        ("TIME", "bob", "2.5", 150, 375, 0),
        ("TIME", "ann", "16", 100, 1600, 0),
        ("EXPENSE", "Travel 2027-01-06", "1", 320, 320, 500_000_000),
    ]
    assert invoice.total == EUR(2295, 500_000_000)
    assert await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=invoice.name)) == invoice
    entry = await ann(billing_stub.GetTimeEntry, api.GetTimeEntryRequest(name=billed[0].name))
    assert entry.invoice == invoice.name
    assert (await ann(billing_stub.GetTimeEntry, api.GetTimeEntryRequest(name=unapproved.name))).invoice == ""
    invoiced = await fails(pm(billing_stub.RejectTimeEntry, api.RejectTimeEntryRequest(
        name=billed[2].name, reason="late")))
    assert invoiced.reason == "ENTRY_INVOICED"


async def test_twenty_concurrent_generations_make_one_invoice(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    await approve(billing_stub, as_role("pm", sub="pat"),
                  await log_time(billing_stub, as_role("member", sub="ann"), engagement, project))
    invoices = await asyncio.gather(*(generate(billing_stub, finance, engagement) for _ in range(20)))
    assert len({i.name for i in invoices}) == 1
    assert all(i == invoices[0] for i in invoices)
    listed = await finance(billing_stub.ListInvoices, api.ListInvoicesRequest(parent=engagement))
    assert [i.name for i in listed.invoices] == [invoices[0].name]
    assert listed.invoices[0].total == EUR(800)


async def test_lifecycle_issue_pay_and_no_edits_after_issue(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    await approve(billing_stub, as_role("pm", sub="pat"),
                  await log_time(billing_stub, as_role("member", sub="ann"), engagement, project))
    draft = await generate(billing_stub, finance, engagement)
    noted = await finance(billing_stub.UpdateInvoice, api.UpdateInvoiceRequest(
        invoice=pb.Invoice(name=draft.name, purchase_order="PO-7", etag=draft.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["purchase_order"]), request_id=rid()))
    assert noted.purchase_order == "PO-7"
    stale = await fails(finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(name=draft.name, etag=draft.etag)))
    assert stale.reason == "ETAG_MISMATCH"
    issued = await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(
        name=draft.name, etag=noted.etag, issue_date=D(2027, 2, 1), request_id=rid()))
    assert issued.state == pb.INVOICE_STATE_ISSUED
    assert (as_date(issued.issue_date), as_date(issued.due_date)) == (as_date(D(2027, 2, 1)), as_date(D(2027, 3, 3)))
    edit = await fails(finance(billing_stub.UpdateInvoice, api.UpdateInvoiceRequest(
        invoice=pb.Invoice(name=draft.name, notes="changed"), update_mask=field_mask_pb2.FieldMask(paths=["notes"]))))
    assert edit.reason == "INVOICE_NOT_DRAFT"
    reissue = await fails(finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(name=draft.name)))
    assert (reissue.code, reissue.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INVOICE_STATE")
    early = await fails(finance(billing_stub.PayInvoice, api.PayInvoiceRequest(
        name=draft.name, paid_date=D(2027, 1, 15))))
    assert early.fields.keys() == {"paid_date"}
    paid = await finance(billing_stub.PayInvoice, api.PayInvoiceRequest(name=draft.name, paid_date=D(2027, 2, 20)))
    assert paid.state == pb.INVOICE_STATE_PAID
    void = await fails(finance(billing_stub.VoidInvoice, api.VoidInvoiceRequest(name=draft.name, reason="x")))
    assert void.reason == "INVOICE_STATE"


async def test_void_releases_what_it_billed(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    await approve(billing_stub, as_role("pm", sub="pat"),
                  await log_time(billing_stub, as_role("member", sub="ann"), engagement, project))
    first = await generate(billing_stub, finance, engagement)
    no_reason = await fails(finance(billing_stub.VoidInvoice, api.VoidInvoiceRequest(name=first.name)))
    assert no_reason.fields.keys() == {"reason"}
    voided = await finance(billing_stub.VoidInvoice, api.VoidInvoiceRequest(name=first.name, reason="wrong PO"))
    assert voided.state == pb.INVOICE_STATE_VOID
    second = await generate(billing_stub, finance, engagement)
    assert second.name != first.name and lines(second) == lines(first)


async def test_credit_notes_correct_issued_invoices(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    await approve(billing_stub, as_role("pm", sub="pat"),
                  await log_time(billing_stub, as_role("member", sub="ann"), engagement, project))
    invoice = await generate(billing_stub, finance, engagement)

    def credit(units: int, reason: str = "discount agreed") -> api.CreateCreditNoteRequest:
        return api.CreateCreditNoteRequest(parent=invoice.name, request_id=rid(), credit_note=pb.CreditNote(
            amount=EUR(units), reason=reason))

    draft = await fails(finance(billing_stub.CreateCreditNote, credit(100)))
    assert draft.reason == "INVOICE_NOT_ISSUED"
    await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(name=invoice.name))
    note = await finance(billing_stub.CreateCreditNote, credit(100))
    assert note.amount == EUR(100) and note.creator == "user-finance"
    too_much = await fails(finance(billing_stub.CreateCreditNote, credit(701)))
    assert too_much.reason == "CREDIT_EXCEEDS_INVOICE" and "700.00 EUR" in too_much.message
    bad = await fails(finance(billing_stub.CreateCreditNote, credit(0, reason="")))
    assert set(bad.fields) == {"credit_note.reason"}
    zero = await fails(finance(billing_stub.CreateCreditNote, credit(0)))
    assert zero.fields == {"credit_note.amount": "must be more than zero"}
    after = await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=invoice.name))
    assert after.credited == EUR(100) and after.total == EUR(800)
    listed = await finance(billing_stub.ListCreditNotes, api.ListCreditNotesRequest(parent=invoice.name))
    assert [n.name for n in listed.credit_notes] == [note.name]


async def test_cap_limits_what_is_invoiced(billing_stub, as_role, org, project):
    finance, pm, ann = as_role("finance"), as_role("pm", sub="pat"), as_role("member", sub="ann")
    engagement = (await create_engagement(billing_stub, finance, org, [project], cap=EUR(1000))).name
    await create_rate(billing_stub, finance, org)
    for day in (4, 5):
        await approve(billing_stub, pm, await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, day)))
    january = await generate(billing_stub, finance, engagement)
    assert lines(january)[-1] == ("CAP_ADJUSTMENT", "Engagement cap reached", "1", -600, -600, 0)
    assert january.total == EUR(1000)
    await approve(billing_stub, pm, await log_time(billing_stub, ann, engagement, project, day=D(2027, 2, 1)))
    february = await generate(billing_stub, finance, engagement, period_start=D(2027, 2, 1),
                              period_end=D(2027, 2, 28))
    assert february.total == EUR(0)


async def test_retainer_and_milestone_models(billing_stub, projects_stub, as_role, org, project):
    finance = as_role("finance")
    retainer = await create_engagement(billing_stub, finance, org, [project], engagement_id="retainer",
                                       billing_model=pb.BILLING_MODEL_RETAINER, fee=EUR(5000))
    assert lines(await generate(billing_stub, finance, retainer.name)) == [
        ("FEE", "Retainer fee", "1", 5000, 5000, 0)]
    pm = as_role("pm")
    done = await pm(projects_stub.CreateMilestone, projects_api.CreateMilestoneRequest(
        parent=project, milestone_id="design", milestone=projects_pb.Milestone(
            display_name="Design", due_date=D(2027, 1, 20), state=projects_pb.MILESTONE_STATE_ACHIEVED,
            completion_date=D(2027, 1, 18))))
    pending = await pm(projects_stub.CreateMilestone, projects_api.CreateMilestoneRequest(
        parent=project, milestone_id="build", milestone=projects_pb.Milestone(
            display_name="Build", due_date=D(2027, 3, 1))))
    milestones = await create_engagement(
        billing_stub, finance, org, [project], engagement_id="milestones", billing_model=pb.BILLING_MODEL_MILESTONE,
        milestone_fees=[pb.MilestoneFee(milestone=done.name, amount=EUR(20_000)),
                        pb.MilestoneFee(milestone=pending.name, amount=EUR(30_000))])
    january = await generate(billing_stub, finance, milestones.name)
    assert lines(january) == [("MILESTONE", "Milestone achieved 2027-01-18", "1", 20_000, 20_000, 0)]
    assert january.line_items[0].milestone == done.name
    february = await generate(billing_stub, finance, milestones.name, period_start=D(2027, 2, 1),
                              period_end=D(2027, 2, 28))
    assert lines(february) == []  # billed once only
    missing = await fails(create_engagement(
        billing_stub, finance, org, [project], engagement_id="ghost", billing_model=pb.BILLING_MODEL_MILESTONE,
        milestone_fees=[pb.MilestoneFee(milestone=f"{project}/milestones/ghost", amount=EUR(1))]))
    assert "does not exist" in missing.fields["engagement.milestone_fees[0].milestone"]


async def test_bad_periods_overlaps_and_access(billing_stub, authority, as_role, org, engagement):
    finance = as_role("finance")
    bad = await fails(finance(billing_stub.GenerateInvoice, api.GenerateInvoiceRequest(
        parent=engagement, period_start=D(2027, 1, 31), period_end=D(2027, 1, 1))))
    assert bad.fields.keys() == {"period_end"}
    missing = await fails(finance(billing_stub.GenerateInvoice, api.GenerateInvoiceRequest(parent=engagement)))
    assert missing.fields.keys() == {"period_start", "period_end"}
    await generate(billing_stub, finance, engagement)
    overlap = await fails(generate(billing_stub, finance, engagement, period_start=D(2027, 1, 15),
                                   period_end=D(2027, 2, 15)))
    assert overlap.reason == "PERIOD_OVERLAP"
    assert (await fails(generate(billing_stub, as_role("pm"), engagement))).code == grpc.StatusCode.PERMISSION_DENIED
    stranger = Caller(authority, "eve", {"elsewhere": ["finance"]})
    assert (await fails(generate(billing_stub, stranger, engagement))).code == grpc.StatusCode.PERMISSION_DENIED
    unknown = await fails(finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=f"{engagement}/invoices/x")))
    assert unknown.code == grpc.StatusCode.NOT_FOUND
    state_filter = await fails(finance(billing_stub.ListInvoices, api.ListInvoicesRequest(
        parent=engagement, filter="state = INVOICE_STATE_BOGUS")))
    assert "expected one of" in state_filter.fields["filter"]


async def test_reused_request_id_returns_the_first_invoice(billing_stub, as_role, engagement):
    finance = as_role("finance")
    request = api.GenerateInvoiceRequest(parent=engagement, request_id=rid(), **JANUARY)
    first = await finance(billing_stub.GenerateInvoice, request)
    assert await finance(billing_stub.GenerateInvoice, request) == first
    request.period_end.day = 30
    assert (await fails(finance(billing_stub.GenerateInvoice, request))).reason == "REQUEST_ID_REUSED"
