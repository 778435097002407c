"""Every List RPC: default and capped page sizes, a multi-page walk that returns every item once in
creation order, tokens bound to their query, negative page_size, bad tokens and filters, a missing
or malformed parent, and the filters each one documents."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import grpc
import pytest

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from tests.services.billing.support import (
    EUR,
    D,
    approve,
    create_engagement,
    create_rate,
    generate,
    log_expense,
    log_time,
)
from tests.support import Caller, fails, rid

ITEMS = 5


@dataclass
class Listing:
    method: str
    parent: str
    names: list[str]  # in creation order
    field: str
    other_parent: str  # another valid parent of the same kind, with nothing of this test's in it
    missing_parent: str | None  # a well-formed parent that does not exist (None: org-level lists)


async def seed_engagements(stub, as_role, org, engagement, project) -> Listing:
    finance = as_role("finance")
    names = [engagement]
    for i in range(1, ITEMS):
        names.append((await create_engagement(stub, finance, org, [project], engagement_id=f"e{i}")).name)
    return Listing("ListEngagements", f"organizations/{org}", names, "engagements", f"organizations/{org}-other", None)


async def seed_rates(stub, as_role, org, engagement, project) -> Listing:
    finance = as_role("finance")
    listed = await finance(stub.ListRates, api.ListRatesRequest(parent=f"organizations/{org}"))
    names = [r.name for r in listed.rates]
    for i in range(ITEMS - len(names)):
        names.append((await create_rate(stub, finance, org, role=f"role-{i}")).name)
    return Listing("ListRates", f"organizations/{org}", names, "rates", f"organizations/{org}-other", None)


async def seed_time_entries(stub, as_role, org, engagement, project) -> Listing:
    ann = as_role("member", sub="ann")
    names = [(await log_time(stub, ann, engagement, project, day=D(2027, 1, 4 + i), hours="1")).name
             for i in range(ITEMS)]
    return Listing("ListTimeEntries", engagement, names, "time_entries", f"organizations/{org}/engagements/other",
                   f"organizations/{org}/engagements/ghost")


async def seed_expenses(stub, as_role, org, engagement, project) -> Listing:
    ann = as_role("member", sub="ann")
    names = [(await log_expense(stub, ann, engagement, project, day=D(2027, 1, 4 + i))).name for i in range(ITEMS)]
    return Listing("ListExpenses", engagement, names, "expenses", f"organizations/{org}/engagements/other",
                   f"organizations/{org}/engagements/ghost")


async def seed_invoices(stub, as_role, org, engagement, project) -> Listing:
    finance = as_role("finance")
    names = [(await generate(stub, finance, engagement, D(2027, m, 1), D(2027, m, 28))).name
             for m in range(1, ITEMS + 1)]
    return Listing("ListInvoices", engagement, names, "invoices", f"organizations/{org}/engagements/other",
                   f"organizations/{org}/engagements/ghost")


async def seed_credit_notes(stub, as_role, org, engagement, project) -> Listing:
    finance = as_role("finance")
    await approve(stub, as_role("pm", sub="pat"), await log_time(stub, as_role("member", sub="ann"), engagement,
                                                                  project))
    invoice = await generate(stub, finance, engagement)
    await finance(stub.IssueInvoice, api.IssueInvoiceRequest(name=invoice.name, request_id=rid()))
    names = []
    for i in range(ITEMS):
        note = await finance(stub.CreateCreditNote, api.CreateCreditNoteRequest(
            parent=invoice.name, request_id=rid(), credit_note=pb.CreditNote(amount=EUR(10), reason=f"credit {i}")))
        names.append(note.name)
    return Listing("ListCreditNotes", invoice.name, names, "credit_notes", f"{engagement}/invoices/other",
                   f"{engagement}/invoices/ghost")


async def seed_period_locks(stub, as_role, org, engagement, project) -> Listing:
    finance = as_role("finance")
    names = [(await finance(stub.LockBillingPeriod, api.LockBillingPeriodRequest(
        parent=f"organizations/{org}", period_start=D(2027, m, 1), period_end=D(2027, m, 28), request_id=rid()))).name
        for m in range(1, ITEMS + 1)]
    return Listing("ListBillingPeriodLocks", f"organizations/{org}", names, "billing_period_locks",
                   f"organizations/{org}-other", None)


SEEDS = {
    "ListEngagements": seed_engagements, "ListRates": seed_rates, "ListTimeEntries": seed_time_entries,
    "ListExpenses": seed_expenses, "ListInvoices": seed_invoices, "ListCreditNotes": seed_credit_notes,
    "ListBillingPeriodLocks": seed_period_locks,
}
UNFILTERED = {"ListCreditNotes", "ListBillingPeriodLocks"}


def test_every_list_rpc_is_covered():
    methods = api.DESCRIPTOR.services_by_name["BillingService"].methods_by_name
    assert set(SEEDS) == {m for m in methods if m.startswith("List")}


@pytest.fixture(params=sorted(SEEDS))
async def listing(request, billing_stub, as_role, org, engagement, project) -> Listing:
    return await SEEDS[request.param](billing_stub, as_role, org, engagement, project)


async def call_list(stub, caller, listing: Listing, **fields):
    request = getattr(api, f"{listing.method}Request")(parent=fields.pop("parent", listing.parent), **fields)
    return await caller(getattr(stub, listing.method), request)


def names_of(response, listing: Listing) -> list[str]:
    return [item.name for item in getattr(response, listing.field)]


async def test_default_page_holds_everything_in_creation_order(billing_stub, as_role, listing):
    page = await call_list(billing_stub, as_role("viewer"), listing)
    assert names_of(page, listing) == listing.names
    assert page.next_page_token == ""


async def test_a_page_size_above_the_maximum_is_capped_not_refused(billing_stub, as_role, listing):
    page = await call_list(billing_stub, as_role("viewer"), listing, page_size=100_000)
    assert names_of(page, listing) == listing.names and page.next_page_token == ""


@pytest.mark.parametrize("page_size", [1, 2, 3, ITEMS - 1])
async def test_walking_the_pages_returns_every_item_once(billing_stub, as_role, listing, page_size):
    viewer = as_role("viewer")
    seen, token, pages = [], "", 0
    while True:
        page = await call_list(billing_stub, viewer, listing, page_size=page_size, page_token=token)
        assert 0 < len(getattr(page, listing.field)) <= page_size
        seen += names_of(page, listing)
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert seen == listing.names and len(set(seen)) == ITEMS
    assert pages == -(-ITEMS // page_size)


async def test_a_page_size_equal_to_the_count_has_no_next_page(billing_stub, as_role, listing):
    page = await call_list(billing_stub, as_role("viewer"), listing, page_size=ITEMS)
    assert names_of(page, listing) == listing.names and page.next_page_token == ""


@pytest.mark.parametrize("page_size", [-1, -1000])
async def test_a_negative_page_size_is_invalid(billing_stub, as_role, listing, page_size):
    failure = await fails(call_list(billing_stub, as_role("viewer"), listing, page_size=page_size))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == {"page_size": "must not be negative"}


def forged(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize("token", [
    "garbage", "!!!", forged({"s": 1}), forged({"q": "x"}), forged([1, 2]), forged({"s": "a", "q": "x"}),
    forged({"s": -1, "q": "x"}), forged({"s": 2**63, "q": "x"}), forged({"s": 1, "q": "not-this-query"}),
])
async def test_a_bad_page_token_is_invalid(billing_stub, as_role, listing, token):
    failure = await fails(call_list(billing_stub, as_role("viewer"), listing, page_token=token))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields.keys() == {"page_token"}


async def test_a_page_token_does_not_carry_over_to_another_parent(billing_stub, authority, org, listing):
    viewer = Caller(authority, "viewer", {org: ["viewer"], f"{org}-other": ["viewer"]})
    first = await call_list(billing_stub, viewer, listing, page_size=2)
    failure = await fails(call_list(billing_stub, viewer, listing, parent=listing.other_parent, page_size=2,
                                    page_token=first.next_page_token))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == {"page_token": "belongs to a different query (parent or filter changed)"}


async def test_a_page_size_change_keeps_the_token_valid(billing_stub, as_role, listing):
    viewer = as_role("viewer")
    first = await call_list(billing_stub, viewer, listing, page_size=2)
    rest = await call_list(billing_stub, viewer, listing, page_size=50, page_token=first.next_page_token)
    assert names_of(first, listing) + names_of(rest, listing) == listing.names


async def test_a_missing_parent_is_not_found_and_a_malformed_one_is_invalid(billing_stub, as_role, org, listing):
    viewer = as_role("viewer")
    if listing.missing_parent is not None:
        missing = await fails(call_list(billing_stub, viewer, listing, parent=listing.missing_parent))
        assert (missing.code, missing.reason) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    for parent in ("", f"organizations/{org}/things/x/y/z", "Organizations/X"):
        failure = await fails(call_list(billing_stub, viewer, listing, parent=parent))
        assert (failure.code, failure.fields.keys()) == (grpc.StatusCode.INVALID_ARGUMENT, {"parent"}), parent


async def test_items_created_between_pages_do_not_disturb_the_walk(billing_stub, as_role, org, engagement,
                                                                   project):
    ann = as_role("member", sub="ann")
    made = [(await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 4 + i), hours="1")).name
            for i in range(3)]
    first = await ann(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(parent=engagement, page_size=2))
    made.append((await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 10), hours="1")).name)
    rest = await ann(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(
        parent=engagement, page_size=2, page_token=first.next_page_token))
    assert [e.name for e in [*first.time_entries, *rest.time_entries]] == made


# --- filters ----------------------------------------------------------------------------

BAD_FILTERS = ["colour = red", "state =", "= 1", "role == \"x\" AND", "(", "person = ann OR"]


@pytest.mark.parametrize("method", sorted(set(SEEDS) - UNFILTERED))
@pytest.mark.parametrize("bad", BAD_FILTERS)
async def test_a_bad_filter_is_invalid(billing_stub, as_role, org, engagement, method, bad):
    parent = f"organizations/{org}" if method in ("ListEngagements", "ListRates") else engagement
    failure = await fails(as_role("viewer")(getattr(billing_stub, method), getattr(api, f"{method}Request")(
        parent=parent, filter=bad)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields.keys() == {"filter"}


async def test_a_filter_token_is_bound_to_its_filter(billing_stub, as_role, engagement, project):
    ann = as_role("member", sub="ann")
    for i in range(4):
        await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 4 + i), hours="1")
    first = await ann(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(
        parent=engagement, page_size=1, filter='work_date >= "2027-01-05"'))
    failure = await fails(ann(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(
        parent=engagement, page_size=1, page_token=first.next_page_token, filter='work_date >= "2027-01-06"')))
    assert failure.fields.keys() == {"page_token"}


async def test_list_engagements_filters(billing_stub, as_role, org, engagement, project):
    finance = as_role("finance")
    retainer = await create_engagement(billing_stub, finance, org, [project], engagement_id="ret",
                                       display_name="Support", billing_model=pb.BILLING_MODEL_RETAINER, fee=EUR(10))
    dollars = await create_engagement(billing_stub, finance, org, [project], engagement_id="usd",
                                      currency_code="USD")

    async def names(filter_text: str) -> list[str]:
        listed = await finance(billing_stub.ListEngagements, api.ListEngagementsRequest(
            parent=f"organizations/{org}", filter=filter_text))
        return [e.name for e in listed.engagements]

    assert await names("billing_model = BILLING_MODEL_RETAINER") == [retainer.name]
    assert await names('currency_code = "USD"') == [dollars.name]
    assert await names('display_name = "Support"') == [retainer.name]
    assert await names('currency_code = "EUR" AND billing_model = BILLING_MODEL_TIME_AND_MATERIALS') == [engagement]
    assert await names("billing_model = BILLING_MODEL_FIXED_FEE") == []


async def test_list_rates_filters(billing_stub, as_role, org, engagement):
    finance = as_role("finance")
    later = await create_rate(billing_stub, finance, org, units=120, start=D(2027, 7, 1))
    architect = await create_rate(billing_stub, finance, org, role="architect", currency="USD")

    async def names(filter_text: str) -> list[str]:
        listed = await finance(billing_stub.ListRates, api.ListRatesRequest(
            parent=f"organizations/{org}", filter=filter_text))
        return [r.name for r in listed.rates]

    assert await names('role = "architect"') == [architect.name]
    assert await names('currency_code = "USD"') == [architect.name]
    assert await names('role = "consultant" AND start_date >= "2027-02-01"') == [later.name]
    assert len(await names('role = "consultant"')) == 2


async def test_list_time_entries_filters(billing_stub, as_role, engagement, project):
    ann, bob, pm = as_role("member", sub="ann"), as_role("member", sub="bob"), as_role("pm", sub="pat")
    a1 = await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 4))
    a2 = await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 5), billable=False)
    b1 = await log_time(billing_stub, bob, engagement, project, day=D(2027, 1, 5))
    await approve(billing_stub, pm, a1)

    async def names(filter_text: str) -> list[str]:
        listed = await ann(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(
            parent=engagement, filter=filter_text))
        return [e.name for e in listed.time_entries]

    assert await names('person = "ann"') == [a1.name, a2.name]
    assert await names("approval_state = APPROVAL_STATE_APPROVED") == [a1.name]
    assert await names("approval_state = APPROVAL_STATE_SUBMITTED") == [a2.name, b1.name]
    assert await names("billable = false") == [a2.name]
    assert await names('work_date = "2027-01-05" AND person = "bob"') == [b1.name]
    assert await names('role = "consultant"') == [a1.name, a2.name, b1.name]
    bad_enum = await fails(ann(billing_stub.ListTimeEntries, api.ListTimeEntriesRequest(
        parent=engagement, filter="approval_state = APPROVAL_STATE_MAYBE")))
    assert bad_enum.fields.keys() == {"filter"}


async def test_list_expenses_filters(billing_stub, as_role, engagement, project):
    ann = as_role("member", sub="ann")
    travel = await log_expense(billing_stub, ann, engagement, project, day=D(2027, 1, 4))
    meals = await log_expense(billing_stub, ann, engagement, project, day=D(2027, 1, 8),
                              category=pb.EXPENSE_CATEGORY_MEALS, billable=False)

    async def names(filter_text: str) -> list[str]:
        listed = await ann(billing_stub.ListExpenses, api.ListExpensesRequest(parent=engagement, filter=filter_text))
        return [x.name for x in listed.expenses]

    assert await names("category = EXPENSE_CATEGORY_MEALS") == [meals.name]
    assert await names("billable = true") == [travel.name]
    assert await names('expense_date < "2027-01-05"') == [travel.name]


async def test_list_invoices_filters(billing_stub, as_role, engagement):
    finance = as_role("finance")
    january = await generate(billing_stub, finance, engagement)
    february = await generate(billing_stub, finance, engagement, D(2027, 2, 1), D(2027, 2, 28))
    await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(name=january.name, request_id=rid()))

    async def names(filter_text: str) -> list[str]:
        listed = await finance(billing_stub.ListInvoices, api.ListInvoicesRequest(
            parent=engagement, filter=filter_text))
        return [i.name for i in listed.invoices]

    assert await names("state = INVOICE_STATE_ISSUED") == [january.name]
    assert await names("state = INVOICE_STATE_DRAFT") == [february.name]
    assert await names('period_start >= "2027-02-01"') == [february.name]
    assert await names("state = INVOICE_STATE_PAID") == []


async def test_list_invoices_carries_each_invoices_lines(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    await approve(billing_stub, as_role("pm", sub="pat"),
                  await log_time(billing_stub, as_role("member", sub="ann"), engagement, project))
    january = await generate(billing_stub, finance, engagement)
    empty = await generate(billing_stub, finance, engagement, D(2027, 2, 1), D(2027, 2, 28))
    for page_size in (1, 0):
        first = await finance(billing_stub.ListInvoices, api.ListInvoicesRequest(parent=engagement,
                                                                                 page_size=page_size))
        assert first.invoices[0] == january
    listed = await finance(billing_stub.ListInvoices, api.ListInvoicesRequest(parent=engagement))
    assert list(listed.invoices) == [january, empty]
