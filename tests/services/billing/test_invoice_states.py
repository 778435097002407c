"""Invoice states DRAFT -> ISSUED -> PAID or VOID, every other move refused; no edits after ISSUED
(credit notes instead); etags on every change; totals always the sum of their lines."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from services.platform import money
from tests.services.billing.support import (
    EUR,
    D,
    approve,
    approve_expense,
    as_date,
    create_engagement,
    create_rate,
    generate,
    log_expense,
    log_time,
)
from tests.support import fails, rid

DRAFT, ISSUED, PAID, VOID = (pb.INVOICE_STATE_DRAFT, pb.INVOICE_STATE_ISSUED, pb.INVOICE_STATE_PAID,
                             pb.INVOICE_STATE_VOID)


async def invoice_in(stub, as_role, engagement, project, state: str) -> pb.Invoice:
    """An 800 EUR invoice for January in `state` (VOID_ISSUED: voided after issue)."""
    finance = as_role("finance")
    await approve(stub, as_role("pm", sub="pat"),
                  await log_time(stub, as_role("member", sub="ann"), engagement, project))
    invoice = await generate(stub, finance, engagement)
    if state in ("ISSUED", "PAID", "VOID_ISSUED"):
        invoice = await finance(stub.IssueInvoice, api.IssueInvoiceRequest(
            name=invoice.name, issue_date=D(2027, 2, 1), request_id=rid()))
    if state == "PAID":
        invoice = await finance(stub.PayInvoice, api.PayInvoiceRequest(
            name=invoice.name, paid_date=D(2027, 2, 15), request_id=rid()))
    if state in ("VOID", "VOID_ISSUED"):
        invoice = await finance(stub.VoidInvoice, api.VoidInvoiceRequest(
            name=invoice.name, reason="wrong", request_id=rid()))
    return invoice


def issue(invoice):
    return "IssueInvoice", api.IssueInvoiceRequest(name=invoice.name, issue_date=D(2027, 3, 1), request_id=rid())


def pay(invoice):
    return "PayInvoice", api.PayInvoiceRequest(name=invoice.name, paid_date=D(2027, 3, 20), request_id=rid())


def void(invoice):
    return "VoidInvoice", api.VoidInvoiceRequest(name=invoice.name, reason="mistake", request_id=rid())


def update(invoice):
    return "UpdateInvoice", api.UpdateInvoiceRequest(
        invoice=pb.Invoice(name=invoice.name, notes="edited", purchase_order="PO-9"),
        update_mask=field_mask_pb2.FieldMask(paths=["notes", "purchase_order"]), request_id=rid())


def credit(invoice):
    return "CreateCreditNote", api.CreateCreditNoteRequest(parent=invoice.name, request_id=rid(),
                                                           credit_note=pb.CreditNote(amount=EUR(50), reason="fix"))


OPERATIONS = {"issue": issue, "pay": pay, "void": void, "update": update, "credit": credit}
# state -> operations allowed from it; every other one is refused with the reason given below.
ALLOWED = {
    "DRAFT": {"issue", "void", "update"},
    "ISSUED": {"pay", "void", "credit"},
    "PAID": {"credit"},
    "VOID": set(),
    "VOID_ISSUED": set(),
}
REFUSAL = {"issue": "INVOICE_STATE", "pay": "INVOICE_STATE", "void": "INVOICE_STATE", "update": "INVOICE_NOT_DRAFT",
           "credit": "INVOICE_NOT_ISSUED"}
STATE_AFTER = {"issue": ISSUED, "pay": PAID, "void": VOID}


ALLOWED_MOVES = [(state, op) for state in sorted(ALLOWED) for op in sorted(ALLOWED[state])]
REFUSED_MOVES = [(state, op) for state in sorted(ALLOWED) for op in sorted(OPERATIONS) if op not in ALLOWED[state]]


@pytest.mark.parametrize("state, operation", ALLOWED_MOVES)
async def test_allowed_moves_succeed(billing_stub, as_role, engagement, project, state, operation):
    invoice = await invoice_in(billing_stub, as_role, engagement, project, state)
    method, request = OPERATIONS[operation](invoice)
    result = await as_role("finance")(getattr(billing_stub, method), request)
    if operation == "credit":
        assert result.amount == EUR(50)
    elif operation == "update":
        assert (result.notes, result.purchase_order, result.state) == ("edited", "PO-9", DRAFT)
    else:
        assert result.state == STATE_AFTER[operation] and result.etag != invoice.etag
        assert result.line_items == invoice.line_items and result.total == invoice.total


@pytest.mark.parametrize("state, operation", REFUSED_MOVES)
async def test_refused_moves_are_failed_precondition_and_change_nothing(billing_stub, as_role, engagement, project,
                                                                        state, operation):
    finance = as_role("finance")
    invoice = await invoice_in(billing_stub, as_role, engagement, project, state)
    method, request = OPERATIONS[operation](invoice)
    failure = await fails(finance(getattr(billing_stub, method), request))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, REFUSAL[operation])
    if REFUSAL[operation] == "INVOICE_STATE":
        assert failure.metadata == {"state": pb.InvoiceState.Name(invoice.state)}
    assert await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=invoice.name)) == invoice


def test_the_move_table_is_the_issues_state_machine():
    assert set(ALLOWED_MOVES) == {("DRAFT", "issue"), ("DRAFT", "void"), ("DRAFT", "update"), ("ISSUED", "pay"),
                                  ("ISSUED", "void"), ("ISSUED", "credit"), ("PAID", "credit")}
    assert len(ALLOWED_MOVES) + len(REFUSED_MOVES) == len(ALLOWED) * len(OPERATIONS)


async def test_issue_sets_the_issue_and_due_dates_from_the_payment_terms(billing_stub, as_role, org, project):
    finance = as_role("finance")
    engagement = (await create_engagement(billing_stub, finance, org, [project], payment_terms_days=0)).name
    await create_rate(billing_stub, finance, org)
    draft = await generate(billing_stub, finance, engagement)
    assert not draft.HasField("issue_date") and not draft.HasField("due_date")
    issued = await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(
        name=draft.name, issue_date=D(2027, 12, 31), request_id=rid()))
    assert issued.issue_date == issued.due_date == D(2027, 12, 31)
    assert not issued.HasField("paid_date")


async def test_due_date_counts_payment_terms_across_a_year_end(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    invoice = await invoice_in(billing_stub, as_role, engagement, project, "DRAFT")
    issued = await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(
        name=invoice.name, issue_date=D(2027, 12, 15), request_id=rid()))
    assert as_date(issued.due_date) == as_date(D(2028, 1, 14))  # 30 days


async def test_paying_on_the_issue_date_is_fine_before_it_is_not(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    invoice = await invoice_in(billing_stub, as_role, engagement, project, "ISSUED")
    early = await fails(finance(billing_stub.PayInvoice, api.PayInvoiceRequest(
        name=invoice.name, paid_date=D(2027, 1, 31))))
    assert (early.code, early.fields.keys()) == (grpc.StatusCode.INVALID_ARGUMENT, {"paid_date"})
    paid = await finance(billing_stub.PayInvoice, api.PayInvoiceRequest(name=invoice.name, paid_date=D(2027, 2, 1)))
    assert paid.state == PAID and paid.paid_date == D(2027, 2, 1)


@pytest.mark.parametrize("operation", ["issue", "void", "update"])
async def test_a_stale_etag_is_aborted_and_the_current_one_accepted(billing_stub, as_role, engagement, project,
                                                                    operation):
    finance = as_role("finance")
    invoice = await invoice_in(billing_stub, as_role, engagement, project, "DRAFT")
    noted = await finance(billing_stub.UpdateInvoice, api.UpdateInvoiceRequest(
        invoice=pb.Invoice(name=invoice.name, notes="v2", etag=invoice.etag), request_id=rid()))
    method, request = OPERATIONS[operation](invoice)
    target = request.invoice if operation == "update" else request
    target.etag = invoice.etag
    stale = await fails(finance(getattr(billing_stub, method), request))
    assert (stale.code, stale.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    assert await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=invoice.name)) == noted
    target.etag = noted.etag
    request.request_id = rid()
    await finance(getattr(billing_stub, method), request)


async def test_pay_with_a_stale_etag_is_aborted(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    draft = await invoice_in(billing_stub, as_role, engagement, project, "DRAFT")
    issued = await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(name=draft.name, request_id=rid()))
    stale = await fails(finance(billing_stub.PayInvoice, api.PayInvoiceRequest(name=draft.name, etag=draft.etag)))
    assert stale.reason == "ETAG_MISMATCH"
    paid = await finance(billing_stub.PayInvoice, api.PayInvoiceRequest(name=draft.name, etag=issued.etag,
                                                                         paid_date=D(2099, 1, 1)))
    assert paid.state == PAID


async def test_an_issued_invoice_is_not_regenerated_by_later_work(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    issued = await invoice_in(billing_stub, as_role, engagement, project, "ISSUED")
    await approve(billing_stub, as_role("pm", sub="pat"), await log_time(
        billing_stub, as_role("member", sub="ann"), engagement, project, day=D(2027, 1, 20)))
    again = await generate(billing_stub, finance, engagement)
    assert again == issued
    february = await generate(billing_stub, finance, engagement, D(2027, 2, 1), D(2027, 2, 28))
    assert february.total == EUR(800)  # the late January approval lands on the next invoice


async def test_voiding_keeps_the_void_invoice_and_frees_the_period(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    voided = await invoice_in(billing_stub, as_role, engagement, project, "VOID_ISSUED")
    assert voided.state == VOID and voided.total == EUR(800)
    replacement = await generate(billing_stub, finance, engagement)
    assert replacement.name != voided.name and replacement.total == EUR(800) and replacement.state == DRAFT
    listed = await finance(billing_stub.ListInvoices, api.ListInvoicesRequest(parent=engagement))
    assert [(i.name, i.state) for i in listed.invoices] == [(voided.name, VOID), (replacement.name, DRAFT)]
    entries = await finance(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(parent=engagement))
    assert [e.invoice for e in entries.time_entries] == [replacement.name]


async def test_credit_notes_up_to_the_total_and_not_a_cent_more(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    invoice = await invoice_in(billing_stub, as_role, engagement, project, "PAID")

    async def credit_note(amount):
        return await finance(billing_stub.CreateCreditNote, api.CreateCreditNoteRequest(
            parent=invoice.name, request_id=rid(), credit_note=pb.CreditNote(amount=amount, reason="refund")))

    await credit_note(EUR(799, 990_000_000))
    over = await fails(credit_note(EUR(0, 20_000_000)))
    assert (over.code, over.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CREDIT_EXCEEDS_INVOICE")
    assert "0.01 EUR" in over.message and over.metadata == {"invoice": invoice.name}
    await credit_note(EUR(0, 10_000_000))
    after = await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=invoice.name))
    assert (after.credited, after.total, after.state) == (EUR(800), EUR(800), PAID)
    assert after.line_items == invoice.line_items
    notes = await finance(billing_stub.ListCreditNotes, api.ListCreditNotesRequest(parent=invoice.name))
    assert sum(money.micros_of(n.amount) for n in notes.credit_notes) == money.micros_of(after.credited)


async def test_an_empty_invoice_cannot_be_credited(billing_stub, as_role, engagement):
    finance = as_role("finance")
    empty = await generate(billing_stub, finance, engagement)
    await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(name=empty.name, request_id=rid()))
    failure = await fails(finance(billing_stub.CreateCreditNote, api.CreateCreditNoteRequest(
        parent=empty.name, credit_note=pb.CreditNote(amount=EUR(1), reason="x"))))
    assert failure.reason == "CREDIT_EXCEEDS_INVOICE"


async def test_a_credit_note_id_is_unique_per_invoice(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    invoice = await invoice_in(billing_stub, as_role, engagement, project, "ISSUED")
    request = api.CreateCreditNoteRequest(parent=invoice.name, credit_note_id="cn-1",
                                          credit_note=pb.CreditNote(amount=EUR(1), reason="x"))
    note = await finance(billing_stub.CreateCreditNote, request)
    assert note.name == f"{invoice.name}/creditNotes/cn-1" and note.reason == "x"
    assert (await fails(finance(billing_stub.CreateCreditNote, request))).code == grpc.StatusCode.ALREADY_EXISTS
    after = await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=invoice.name))
    assert after.credited == EUR(1)


# --- totals ------------------------------------------------------------------------------

def total_of_lines(invoice: pb.Invoice) -> int:
    return sum(money.micros_of(li.amount) for li in invoice.line_items)


async def test_totals_equal_the_sum_of_rounded_lines(billing_stub, as_role, org, engagement, project):
    finance, pm = as_role("finance"), as_role("pm", sub="pat")
    await create_rate(billing_stub, finance, org, role="analyst", units=97)  # 97 EUR/h: cents need rounding
    people = {"ann": as_role("member", sub="ann"), "bob": as_role("member", sub="bob")}
    minutes = {"ann": [7, 13, 1], "bob": [59, 61]}
    for person, amounts in minutes.items():
        for day, m in enumerate(amounts, start=4):
            await approve(billing_stub, pm, await log_time(billing_stub, people[person], engagement, project,
                                                           day=D(2027, 1, day), hours="", minutes=m, role="analyst"))
    await approve_expense(billing_stub, pm, await log_expense(billing_stub, people["ann"], engagement, project,
                                                               amount=EUR(12, 340_000_000)))
    invoice = await generate(billing_stub, finance, engagement)
    assert money.micros_of(invoice.total) == total_of_lines(invoice)
    time_lines = {li.person: li for li in invoice.line_items if li.kind == pb.LINE_ITEM_KIND_TIME}
    # 21 min × 97 / 60 = 33.95 exactly; 120 min × 97 / 60 = 194.00
    assert (time_lines["ann"].quantity, time_lines["ann"].amount) == ("0.35", EUR(33, 950_000_000))
    assert (time_lines["bob"].quantity, time_lines["bob"].amount) == ("2", EUR(194))
    assert invoice.total == EUR(240, 290_000_000)  # 33.95 + 194 + 12.34
    assert {li.amount.currency_code for li in invoice.line_items} == {"EUR"}


async def test_rounding_is_half_to_even_on_each_line(billing_stub, as_role, org, engagement, project):
    finance, pm = as_role("finance"), as_role("pm", sub="pat")
    # 0.30 EUR/h: 1 min = 0.005 -> 0.00 (to even), 3 min = 0.015 -> 0.02 (to even)
    rate = await finance(billing_stub.CreateRate, api.CreateRateRequest(
        parent=f"organizations/{org}", request_id=rid(), rate=pb.Rate(
            role="trainee", hourly_rate=EUR(0, 300_000_000), start_date=D(2027, 1, 1))))
    assert rate.hourly_rate == EUR(0, 300_000_000)
    ann, bob = as_role("member", sub="ann"), as_role("member", sub="bob")
    await approve(billing_stub, pm, await log_time(billing_stub, ann, engagement, project, hours="", minutes=1,
                                                   role="trainee"))
    await approve(billing_stub, pm, await log_time(billing_stub, bob, engagement, project, hours="", minutes=3,
                                                   role="trainee"))
    invoice = await generate(billing_stub, finance, engagement)
    amounts = {li.person: li.amount for li in invoice.line_items}
    assert amounts == {"ann": EUR(0), "bob": EUR(0, 20_000_000)}
    assert invoice.total == EUR(0, 20_000_000) and money.micros_of(invoice.total) == total_of_lines(invoice)


async def test_capped_totals_still_equal_the_sum_of_lines(billing_stub, as_role, org, project):
    finance, pm, ann = as_role("finance"), as_role("pm", sub="pat"), as_role("member", sub="ann")
    engagement = (await create_engagement(billing_stub, finance, org, [project], cap=EUR(900, 500_000_000))).name
    await create_rate(billing_stub, finance, org)
    await approve(billing_stub, pm, await log_time(billing_stub, ann, engagement, project))
    await approve_expense(billing_stub, pm, await log_expense(billing_stub, ann, engagement, project, amount=EUR(300)))
    invoice = await generate(billing_stub, finance, engagement)
    assert invoice.line_items[-1].kind == pb.LINE_ITEM_KIND_CAP_ADJUSTMENT
    assert invoice.line_items[-1].amount == EUR(-199, -500_000_000)
    assert invoice.total == EUR(900, 500_000_000) and money.micros_of(invoice.total) == total_of_lines(invoice)
    listed = await finance(billing_stub.ListInvoices, api.ListInvoicesRequest(parent=engagement))
    assert money.micros_of(listed.invoices[0].total) == total_of_lines(listed.invoices[0])
