"""Bad input to every RPC is INVALID_ARGUMENT naming each bad field by its full path (missing, too long,
malformed, unknown enum values, impossible dates, malformed names), and a name that parses but does
not exist is NOT_FOUND. Nothing is written by a refused call."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.type import money_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
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
from tests.support import fails, rid

LONG_NAME = "x" * 201
LONG_NOTE = "x" * 2001
BAD_IDS = ["Bad_Id", "1abc", "a" * 64, "ends-", "has space"]


def invalid(failure, *fields: str) -> None:
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"), failure
    assert set(failure.fields) == set(fields), failure.fields
    assert "Traceback" not in failure.message


# --- engagements ------------------------------------------------------------------

def engagement_request(org: str, project: str, **fields) -> api.CreateEngagementRequest:
    fields.setdefault("display_name", "Apollo delivery")
    fields.setdefault("billing_model", pb.BILLING_MODEL_TIME_AND_MATERIALS)
    fields.setdefault("currency_code", "EUR")
    fields.setdefault("projects", [project])
    return api.CreateEngagementRequest(parent=f"organizations/{org}", engagement=pb.Engagement(**fields),
                                       request_id=rid())


@pytest.mark.parametrize("fields, bad", [
    ({"display_name": ""}, "engagement.display_name"),
    ({"display_name": "   "}, "engagement.display_name"),
    ({"display_name": LONG_NAME}, "engagement.display_name"),
    ({"billing_model": 0}, "engagement.billing_model"),
    ({"billing_model": 42}, "engagement.billing_model"),
    ({"currency_code": ""}, "engagement.currency_code"),
    ({"currency_code": "EURO"}, "engagement.currency_code"),
    ({"currency_code": "eur"}, "engagement.currency_code"),
    ({"projects": []}, "engagement.projects"),
    ({"projects": ["apollo"]}, "engagement.projects[0]"),
    ({"payment_terms_days": -1}, "engagement.payment_terms_days"),
    ({"payment_terms_days": 366}, "engagement.payment_terms_days"),
    ({"cap": EUR(-1)}, "engagement.cap"),
    ({"cap": EUR(1, -5)}, "engagement.cap.nanos"),
    ({"cap": EUR(0, 1)}, "engagement.cap.nanos"),
    ({"closed_through": D(2027, 2, 29)}, "engagement.closed_through"),
    ({"billing_model": pb.BILLING_MODEL_FIXED_FEE, "fee": EUR(100)}, "engagement.milestone_fees"),
    ({"billing_model": pb.BILLING_MODEL_MILESTONE}, "engagement.milestone_fees"),
])
async def test_create_engagement_names_the_bad_field(billing_stub, as_role, org, project, db, fields, bad):
    failure = await fails(as_role("finance")(billing_stub.CreateEngagement, engagement_request(org, project,
                                                                                               **fields)))
    invalid(failure, bad)
    assert await db.fetchval("SELECT count(*) FROM engagements WHERE org_id = $1", org) == 0
    assert await audit_count(db, org) == 0


@pytest.mark.parametrize("engagement_id", BAD_IDS)
async def test_create_engagement_refuses_malformed_ids(billing_stub, as_role, org, project, engagement_id):
    request = engagement_request(org, project)
    request.engagement_id = engagement_id
    invalid(await fails(as_role("finance")(billing_stub.CreateEngagement, request)), "engagement_id")


@pytest.mark.parametrize("parent", ["", "organizations/", "orgs/x", "organizations/Bad_Org", "organizations/a/b"])
async def test_create_engagement_refuses_a_malformed_parent(billing_stub, as_role, project, parent):
    request = engagement_request("x", project)
    request.parent = parent
    invalid(await fails(as_role("finance")(billing_stub.CreateEngagement, request)), "parent")


async def test_create_engagement_milestone_fee_needs_an_amount(billing_stub, as_role, org, project):
    failure = await fails(as_role("finance")(billing_stub.CreateEngagement, engagement_request(
        org, project, billing_model=pb.BILLING_MODEL_MILESTONE,
        milestone_fees=[pb.MilestoneFee(milestone=f"{project}/milestones/m1")])))
    invalid(failure, "engagement.milestone_fees[0].amount")


async def test_create_engagement_refuses_a_milestone_listed_twice(billing_stub, as_role, org, project):
    fee = pb.MilestoneFee(milestone=f"{project}/milestones/m1", amount=EUR(1))
    failure = await fails(as_role("finance")(billing_stub.CreateEngagement, engagement_request(
        org, project, billing_model=pb.BILLING_MODEL_MILESTONE, milestone_fees=[fee, fee])))
    invalid(failure, "engagement.milestone_fees")


async def test_create_engagement_with_a_taken_id_is_already_exists(billing_stub, as_role, org, project):
    finance = as_role("finance")
    await create_engagement(billing_stub, finance, org, [project], engagement_id="taken")
    failure = await fails(create_engagement(billing_stub, finance, org, [project], engagement_id="taken"))
    assert (failure.code, failure.reason) == (grpc.StatusCode.ALREADY_EXISTS, "RESOURCE_EXISTS")


async def test_update_engagement_validates_the_merged_engagement(billing_stub, as_role, org, engagement, db):
    finance = as_role("finance")
    before = await audit_count(db, org)
    for fields, paths, bad in [
        ({"display_name": LONG_NAME}, ["display_name"], "engagement.display_name"),
        ({"display_name": ""}, ["display_name"], "engagement.display_name"),
        ({"payment_terms_days": 400}, ["payment_terms_days"], "engagement.payment_terms_days"),
        ({"projects": []}, ["projects"], "engagement.projects"),
        ({"closed_through": D(2027, 13, 1)}, ["closed_through"], "engagement.closed_through"),
        ({}, ["billing_model"], "update_mask"),
        ({}, ["name"], "update_mask"),
        ({}, ["etag"], "update_mask"),
        ({}, [], "update_mask"),
    ]:
        failure = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
            engagement=pb.Engagement(name=engagement, **fields), update_mask=field_mask_pb2.FieldMask(paths=paths),
            request_id=rid())))
        invalid(failure, bad)
    assert await audit_count(db, org) == before


@pytest.mark.parametrize("name", ["", "organizations/x", "organizations/x/engagements/", "engagements/main",
                                  "organizations/x/engagements/Main"])
async def test_update_engagement_refuses_a_malformed_name(billing_stub, as_role, name):
    failure = await fails(as_role("finance")(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=name, display_name="x"))))
    invalid(failure, "engagement.name")


async def test_update_engagement_that_does_not_exist_is_not_found(billing_stub, as_role, org):
    failure = await fails(as_role("finance")(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=f"organizations/{org}/engagements/ghost", display_name="x"))))
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")


async def test_update_engagement_with_a_stale_etag_is_aborted_and_changes_nothing(billing_stub, as_role,
                                                                                 engagement):
    finance = as_role("finance")
    current = await finance(billing_stub.GetEngagement, api.GetEngagementRequest(name=engagement))
    await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, display_name="First", etag=current.etag), request_id=rid()))
    stale = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, display_name="Second", etag=current.etag), request_id=rid())))
    assert (stale.code, stale.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    after = await finance(billing_stub.GetEngagement, api.GetEngagementRequest(name=engagement))
    assert after.display_name == "First"


async def test_update_engagement_that_changes_nothing_keeps_the_etag(billing_stub, as_role, engagement):
    finance = as_role("finance")
    current = await finance(billing_stub.GetEngagement, api.GetEngagementRequest(name=engagement))
    same = await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, display_name=current.display_name), request_id=rid()))
    assert same == current


async def test_update_engagement_to_an_unknown_project_is_refused(billing_stub, as_role, org, engagement, project):
    failure = await fails(as_role("finance")(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, projects=[project, f"organizations/{org}/projects/ghost"]),
        update_mask=field_mask_pb2.FieldMask(paths=["projects"]))))
    invalid(failure, "engagement.projects[1]")


# --- rates --------------------------------------------------------------------------

def rate_request(org: str, **fields) -> api.CreateRateRequest:
    fields.setdefault("role", "consultant")
    fields.setdefault("hourly_rate", EUR(100))
    fields.setdefault("start_date", D(2027, 1, 1))
    return api.CreateRateRequest(parent=f"organizations/{org}", rate=pb.Rate(**fields), request_id=rid())


@pytest.mark.parametrize("fields, bad", [
    ({"role": ""}, "rate.role"),
    ({"role": " "}, "rate.role"),
    ({"role": LONG_NAME}, "rate.role"),
    ({"hourly_rate": None}, "rate.hourly_rate"),
    ({"hourly_rate": EUR(0)}, "rate.hourly_rate"),
    ({"hourly_rate": EUR(-100)}, "rate.hourly_rate"),
    ({"hourly_rate": EUR(1, -500_000_000)}, "rate.hourly_rate.nanos"),
    ({"hourly_rate": money_pb2.Money(currency_code="", units=1)}, "rate.hourly_rate.currency_code"),
    ({"start_date": None}, "rate.start_date"),
    ({"start_date": D(2027, 4, 31)}, "rate.start_date"),
    ({"end_date": D(2026, 12, 31)}, "rate.end_date"),
    ({"end_date": D(2027, 0, 1)}, "rate.end_date"),
    ({"engagement": "nonsense"}, "rate.engagement"),
    ({"engagement": "organizations/elsewhere/engagements/main"}, "rate.engagement"),
])
async def test_create_rate_names_the_bad_field(billing_stub, as_role, org, db, fields, bad):
    failure = await fails(as_role("finance")(billing_stub.CreateRate, rate_request(org, **fields)))
    invalid(failure, bad)
    assert await db.fetchval("SELECT count(*) FROM rates WHERE org_id = $1", org) == 0


@pytest.mark.parametrize("rate_id", BAD_IDS)
async def test_create_rate_refuses_malformed_ids(billing_stub, as_role, org, rate_id):
    request = rate_request(org)
    request.rate_id = rate_id
    invalid(await fails(as_role("finance")(billing_stub.CreateRate, request)), "rate_id")


async def test_create_rate_for_a_missing_engagement_is_not_found(billing_stub, as_role, org):
    failure = await fails(as_role("finance")(billing_stub.CreateRate, rate_request(
        org, engagement=f"organizations/{org}/engagements/ghost")))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_create_rate_with_a_taken_id_is_already_exists(billing_stub, as_role, org):
    finance = as_role("finance")
    first = rate_request(org)
    first.rate_id = "std"
    await finance(billing_stub.CreateRate, first)
    again = rate_request(org, role="architect")
    again.rate_id = "std"
    assert (await fails(finance(billing_stub.CreateRate, again))).code == grpc.StatusCode.ALREADY_EXISTS


# --- time entries ---------------------------------------------------------------------

@pytest.mark.parametrize("fields, bad", [
    ({"role": ""}, "time_entry.role"),
    ({"role": LONG_NAME}, "time_entry.role"),
    ({"note": LONG_NOTE}, "time_entry.note"),
    ({"person": "p" * 129}, "time_entry.person"),
    ({"project": ""}, "time_entry.project"),
    ({"work_date": None}, "time_entry.work_date"),
    ({"work_date": D(2027, 2, 29)}, "time_entry.work_date"),
    ({"hours": "abc"}, "time_entry.hours"),
    ({"hours": "7.555"}, "time_entry.hours"),
    ({"hours": "1e1"}, "time_entry.hours"),
    ({"hours": " 8"}, "time_entry.hours"),
    ({"hours": "100"}, "time_entry.hours"),
])
async def test_create_time_entry_names_the_bad_field(billing_stub, as_role, org, engagement, project, db,
                                                     fields, bad):
    entry = {"project": project, "work_date": D(2027, 1, 4), "hours": "8", "role": "consultant", **fields}
    entry = {k: v for k, v in entry.items() if v is not None}
    caller = as_role("pm", sub="pat")  # may record for others, so a long person is a validation matter
    failure = await fails(caller(billing_stub.CreateTimeEntry, api.CreateTimeEntryRequest(
        parent=engagement, time_entry=pb.TimeEntry(**entry), request_id=rid())))
    invalid(failure, bad)
    assert await db.fetchval("SELECT count(*) FROM time_entries WHERE org_id = $1", org) == 0


async def test_create_time_entry_lists_every_bad_field_at_once(billing_stub, as_role, engagement):
    failure = await fails(as_role("member", sub="ann")(billing_stub.CreateTimeEntry, api.CreateTimeEntryRequest(
        parent=engagement, time_entry_id="Bad_Id", time_entry=pb.TimeEntry(note=LONG_NOTE))))
    invalid(failure, "time_entry_id", "time_entry.role", "time_entry.note", "time_entry.project",
            "time_entry.work_date", "time_entry.hours")


@pytest.mark.parametrize("parent", ["", "organizations/x", "organizations/x/engagements", "x/engagements/y"])
async def test_create_time_entry_refuses_a_malformed_parent(billing_stub, as_role, project, parent):
    failure = await fails(log_time(billing_stub, as_role("member", sub="ann"), parent, project))
    invalid(failure, "parent")


async def test_create_time_entry_on_a_missing_engagement_is_not_found(billing_stub, as_role, org, project):
    failure = await fails(log_time(billing_stub, as_role("member", sub="ann"), f"organizations/{org}/engagements/gone",
                                   project))
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")


async def test_create_time_entry_with_a_taken_id_is_already_exists(billing_stub, as_role, engagement, project):
    ann = as_role("member", sub="ann")

    def request(day: int) -> api.CreateTimeEntryRequest:
        return api.CreateTimeEntryRequest(parent=engagement, time_entry_id="monday", request_id=rid(),
                                          time_entry=pb.TimeEntry(project=project, work_date=D(2027, 1, day),
                                                                  hours="1", role="consultant"))

    await ann(billing_stub.CreateTimeEntry, request(4))
    assert (await fails(ann(billing_stub.CreateTimeEntry, request(5)))).code == grpc.StatusCode.ALREADY_EXISTS


@pytest.mark.parametrize("method", ["ApproveTimeEntry", "RejectTimeEntry"])
async def test_review_of_a_missing_or_malformed_entry(billing_stub, as_role, engagement, method):
    pm = as_role("pm", sub="pat")
    request_type = getattr(api, f"{method}Request")
    extra = {"reason": "no"} if method == "RejectTimeEntry" else {}
    malformed = await fails(pm(getattr(billing_stub, method), request_type(name=f"{engagement}/time/x", **extra)))
    invalid(malformed, "name")
    missing = await fails(pm(getattr(billing_stub, method), request_type(name=f"{engagement}/timeEntries/ghost",
                                                                         **extra)))
    assert missing.code == grpc.StatusCode.NOT_FOUND


async def test_reject_needs_a_reason_of_bounded_length(billing_stub, as_role, engagement, project):
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, project)
    pm = as_role("pm", sub="pat")
    for reason in ("", "  ", LONG_NOTE):
        invalid(await fails(pm(billing_stub.RejectTimeEntry, api.RejectTimeEntryRequest(
            name=entry.name, reason=reason))), "reason")
    assert (await pm(billing_stub.GetTimeEntry, api.GetTimeEntryRequest(name=entry.name))) == entry


@pytest.mark.parametrize("method", ["ApproveTimeEntry", "RejectTimeEntry"])
async def test_review_with_a_stale_etag_is_aborted(billing_stub, as_role, engagement, project, method):
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, project)
    extra = {"reason": "no"} if method == "RejectTimeEntry" else {}
    failure = await fails(as_role("pm", sub="pat")(getattr(billing_stub, method), getattr(api, f"{method}Request")(
        name=entry.name, etag="0" * 20, **extra)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")


async def test_a_rejected_entry_cannot_be_approved(billing_stub, as_role, engagement, project):
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, project)
    pm = as_role("pm", sub="pat")
    await pm(billing_stub.RejectTimeEntry, api.RejectTimeEntryRequest(name=entry.name, reason="dup"))
    failure = await fails(approve(billing_stub, pm, entry))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ENTRY_REVIEWED")


# --- expenses -------------------------------------------------------------------------

@pytest.mark.parametrize("fields, bad", [
    ({"category": 0}, "expense.category"),
    ({"category": 77}, "expense.category"),
    ({"amount": None}, "expense.amount"),
    ({"amount": EUR(0)}, "expense.amount"),
    ({"amount": EUR(-3)}, "expense.amount"),
    ({"amount": EUR(0, 1)}, "expense.amount.nanos"),
    ({"project": ""}, "expense.project"),
    ({"expense_date": None}, "expense.expense_date"),
    ({"expense_date": D(2027, 6, 31)}, "expense.expense_date"),
    ({"receipt_reference": LONG_NOTE}, "expense.receipt_reference"),
    ({"note": LONG_NOTE}, "expense.note"),
])
async def test_create_expense_names_the_bad_field(billing_stub, as_role, org, engagement, project, db, fields, bad):
    expense = {"project": project, "expense_date": D(2027, 1, 6), "category": pb.EXPENSE_CATEGORY_MEALS,
               "amount": EUR(20), **fields}
    expense = {k: v for k, v in expense.items() if v is not None}
    failure = await fails(as_role("member", sub="ann")(billing_stub.CreateExpense, api.CreateExpenseRequest(
        parent=engagement, expense=pb.Expense(**expense), request_id=rid())))
    invalid(failure, bad)
    assert await db.fetchval("SELECT count(*) FROM expenses WHERE org_id = $1", org) == 0


async def test_create_expense_refuses_malformed_ids_and_parents(billing_stub, as_role, engagement, project):
    ann = as_role("member", sub="ann")
    for expense_id in BAD_IDS:
        invalid(await fails(ann(billing_stub.CreateExpense, api.CreateExpenseRequest(
            parent=engagement, expense_id=expense_id, expense=pb.Expense(
                project=project, expense_date=D(2027, 1, 6), category=pb.EXPENSE_CATEGORY_MEALS,
                amount=EUR(20))))), "expense_id")
    invalid(await fails(log_expense(billing_stub, ann, "organizations/x", project)), "parent")


# --- invoices ---------------------------------------------------------------------------

@pytest.mark.parametrize("start, end, bad", [
    (None, D(2027, 1, 31), {"period_start"}),
    (D(2027, 1, 1), None, {"period_end"}),
    (D(2027, 2, 30), D(2027, 3, 31), {"period_start"}),
    (D(2027, 1, 1), D(2027, 1, 32), {"period_end"}),
    (D(2027, 2, 1), D(2027, 1, 31), {"period_end"}),
    (D(2027, 1, 1), D(2028, 1, 2), {"period_end"}),  # 367 days
])
async def test_generate_invoice_names_the_bad_period(billing_stub, as_role, org, engagement, db, start, end, bad):
    request = api.GenerateInvoiceRequest(parent=engagement, request_id=rid())
    if start:
        request.period_start.CopyFrom(start)
    if end:
        request.period_end.CopyFrom(end)
    invalid(await fails(as_role("finance")(billing_stub.GenerateInvoice, request)), *bad)
    assert await db.fetchval("SELECT count(*) FROM invoices WHERE org_id = $1", org) == 0


async def test_generate_invoice_for_a_full_leap_year_is_accepted(billing_stub, as_role, engagement):
    invoice = await generate(billing_stub, as_role("finance"), engagement, D(2028, 1, 1), D(2028, 12, 31))
    assert invoice.state == pb.INVOICE_STATE_DRAFT and invoice.total == EUR(0)


async def test_generate_invoice_for_a_missing_or_malformed_engagement(billing_stub, as_role, org):
    finance = as_role("finance")
    missing = await fails(generate(billing_stub, finance, f"organizations/{org}/engagements/ghost"))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    invalid(await fails(generate(billing_stub, finance, f"organizations/{org}")), "parent")


async def test_generate_invoice_without_a_rate_in_effect_is_refused(billing_stub, as_role, org, project):
    finance = as_role("finance")
    engagement = (await create_engagement(billing_stub, finance, org, [project])).name
    await create_rate(billing_stub, finance, org, end=D(2027, 1, 4))
    ann = as_role("member", sub="ann")
    entry = await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 4))
    await approve(billing_stub, as_role("pm", sub="pat"), entry)
    # The rate is in effect on the 4th; an entry on a later day cannot be recorded at all.
    later = await fails(log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 5)))
    assert later.reason == "RATE_MISSING"
    invoice = await generate(billing_stub, finance, engagement)
    assert invoice.total == EUR(800)


async def test_update_invoice_names_the_bad_field(billing_stub, as_role, engagement):
    finance = as_role("finance")
    draft = await generate(billing_stub, finance, engagement)
    for fields, paths, bad in [
        ({"notes": LONG_NOTE}, ["notes"], "invoice.notes"),
        ({"purchase_order": LONG_NAME}, ["purchase_order"], "invoice.purchase_order"),
        ({}, ["state"], "update_mask"),
        ({}, ["total"], "update_mask"),
        ({}, ["line_items"], "update_mask"),
        ({}, [], "update_mask"),
    ]:
        invalid(await fails(finance(billing_stub.UpdateInvoice, api.UpdateInvoiceRequest(
            invoice=pb.Invoice(name=draft.name, **fields), update_mask=field_mask_pb2.FieldMask(paths=paths)))), bad)
    malformed = await fails(finance(billing_stub.UpdateInvoice, api.UpdateInvoiceRequest(
        invoice=pb.Invoice(name=engagement, notes="x"))))
    invalid(malformed, "invoice.name")
    missing = await fails(finance(billing_stub.UpdateInvoice, api.UpdateInvoiceRequest(
        invoice=pb.Invoice(name=f"{engagement}/invoices/ghost", notes="x"))))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    assert await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=draft.name)) == draft


async def test_issue_pay_and_void_name_their_bad_fields(billing_stub, as_role, engagement):
    finance = as_role("finance")
    draft = await generate(billing_stub, finance, engagement)
    invalid(await fails(finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(
        name=draft.name, issue_date=D(2027, 2, 30)))), "issue_date")
    invalid(await fails(finance(billing_stub.PayInvoice, api.PayInvoiceRequest(
        name=draft.name, paid_date=D(2027, 0, 1)))), "paid_date")
    invalid(await fails(finance(billing_stub.VoidInvoice, api.VoidInvoiceRequest(
        name=draft.name, reason=LONG_NOTE))), "reason")
    for method in ("IssueInvoice", "PayInvoice"):
        request_type = getattr(api, f"{method}Request")
        invalid(await fails(finance(getattr(billing_stub, method), request_type(name="invoices/x"))), "name")
        missing = await fails(finance(getattr(billing_stub, method), request_type(
            name=f"{engagement}/invoices/ghost")))
        assert missing.code == grpc.StatusCode.NOT_FOUND
    assert await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=draft.name)) == draft


async def test_create_credit_note_names_the_bad_field(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    await approve(billing_stub, as_role("pm", sub="pat"),
                  await log_time(billing_stub, as_role("member", sub="ann"), engagement, project))
    invoice = await generate(billing_stub, finance, engagement)
    await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(name=invoice.name, request_id=rid()))
    for note, note_id, bad in [
        (pb.CreditNote(reason="x"), "", "credit_note.amount"),
        (pb.CreditNote(amount=EUR(-1), reason="x"), "", "credit_note.amount"),
        (pb.CreditNote(amount=EUR(0, 5), reason="x"), "", "credit_note.amount.nanos"),
        (pb.CreditNote(amount=EUR(1)), "", "credit_note.reason"),
        (pb.CreditNote(amount=EUR(1), reason=LONG_NOTE), "", "credit_note.reason"),
        (pb.CreditNote(amount=EUR(1), reason="x"), "Bad_Id", "credit_note_id"),
    ]:
        invalid(await fails(finance(billing_stub.CreateCreditNote, api.CreateCreditNoteRequest(
            parent=invoice.name, credit_note_id=note_id, credit_note=note))), bad)
    invalid(await fails(finance(billing_stub.CreateCreditNote, api.CreateCreditNoteRequest(
        parent=engagement, credit_note=pb.CreditNote(amount=EUR(1), reason="x")))), "parent")
    missing = await fails(finance(billing_stub.CreateCreditNote, api.CreateCreditNoteRequest(
        parent=f"{engagement}/invoices/ghost", credit_note=pb.CreditNote(amount=EUR(1), reason="x"))))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    after = await finance(billing_stub.GetInvoice, api.GetInvoiceRequest(name=invoice.name))
    assert after.credited == EUR(0)


# --- gets -------------------------------------------------------------------------------

GETS = {
    "GetEngagement": ("organizations/{org}/engagements/ghost", "organizations/{org}/engagement/x"),
    "GetRate": ("organizations/{org}/rates/ghost", "organizations/{org}/rates/"),
    "GetTimeEntry": ("organizations/{org}/engagements/main/timeEntries/ghost",
                     "organizations/{org}/engagements/main/timeEntries/Ghost"),
    "GetExpense": ("organizations/{org}/engagements/main/expenses/ghost", "organizations/{org}/expenses/x"),
    "GetInvoice": ("organizations/{org}/engagements/main/invoices/ghost",
                   "organizations/{org}/engagements/main/invoices/a/b"),
}


@pytest.mark.parametrize("method", sorted(GETS))
async def test_get_of_a_missing_resource_is_not_found_and_a_malformed_name_is_invalid(billing_stub, as_role, org,
                                                                                       engagement, method):
    missing, malformed = (n.format(org=org) for n in GETS[method])
    request_type = getattr(api, f"{method}Request")
    viewer = as_role("viewer")
    not_found = await fails(viewer(getattr(billing_stub, method), request_type(name=missing)))
    assert (not_found.code, not_found.reason) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    assert not_found.metadata == {"resource": missing}
    invalid(await fails(viewer(getattr(billing_stub, method), request_type(name=malformed))), "name")
    invalid(await fails(viewer(getattr(billing_stub, method), request_type(name=""))), "name")


async def test_gets_return_what_was_created(billing_stub, as_role, org, engagement, project):
    viewer = as_role("viewer")
    rate = await create_rate(billing_stub, as_role("finance"), org, role="qa")
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, project, note="design")
    expense = await log_expense(billing_stub, as_role("member", sub="ann"), engagement, project,
                                receipt_reference="r-1", billable=False)
    assert await viewer(billing_stub.GetRate, api.GetRateRequest(name=rate.name)) == rate
    assert await viewer(billing_stub.GetTimeEntry, api.GetTimeEntryRequest(name=entry.name)) == entry
    got = await viewer(billing_stub.GetExpense, api.GetExpenseRequest(name=expense.name))
    assert got == expense and not got.billable and got.receipt_reference == "r-1"
