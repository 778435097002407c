"""Every RPC: no token -> UNAUTHENTICATED; another organization's names -> PERMISSION_DENIED
(whether or not they exist); and the audit chain of the mutations verifies."""

from __future__ import annotations

import asyncpg
import grpc
import pytest

from pmaas.billing.v1 import billing_service_pb2 as api
from services.platform.audit import verify_chain
from tests.services.billing.support import approve, log_time
from tests.support import Caller, fails

ENGAGEMENT = "organizations/{org}/engagements/main"
INVOICE = ENGAGEMENT + "/invoices/inv"

REQUESTS = {
    "CreateEngagement": api.CreateEngagementRequest(parent="organizations/{org}"),
    "GetEngagement": api.GetEngagementRequest(name=ENGAGEMENT),
    "ListEngagements": api.ListEngagementsRequest(parent="organizations/{org}"),
    "UpdateEngagement": api.UpdateEngagementRequest(engagement={"name": ENGAGEMENT, "display_name": "x"}),
    "CreateRate": api.CreateRateRequest(parent="organizations/{org}"),
    "GetRate": api.GetRateRequest(name="organizations/{org}/rates/r"),
    "ListRates": api.ListRatesRequest(parent="organizations/{org}"),
    "CreateTimeEntry": api.CreateTimeEntryRequest(parent=ENGAGEMENT),
    "GetTimeEntry": api.GetTimeEntryRequest(name=ENGAGEMENT + "/timeEntries/t"),
    "ListTimeEntries": api.ListTimeEntriesRequest(parent=ENGAGEMENT),
    "ApproveTimeEntry": api.ApproveTimeEntryRequest(name=ENGAGEMENT + "/timeEntries/t"),
    "RejectTimeEntry": api.RejectTimeEntryRequest(name=ENGAGEMENT + "/timeEntries/t", reason="x"),
    "CreateExpense": api.CreateExpenseRequest(parent=ENGAGEMENT),
    "GetExpense": api.GetExpenseRequest(name=ENGAGEMENT + "/expenses/x"),
    "ListExpenses": api.ListExpensesRequest(parent=ENGAGEMENT),
    "GenerateInvoice": api.GenerateInvoiceRequest(parent=ENGAGEMENT),
    "GetInvoice": api.GetInvoiceRequest(name=INVOICE),
    "ListInvoices": api.ListInvoicesRequest(parent=ENGAGEMENT),
    "UpdateInvoice": api.UpdateInvoiceRequest(invoice={"name": INVOICE, "notes": "x"}),
    "IssueInvoice": api.IssueInvoiceRequest(name=INVOICE),
    "PayInvoice": api.PayInvoiceRequest(name=INVOICE),
    "VoidInvoice": api.VoidInvoiceRequest(name=INVOICE, reason="x"),
    "CreateCreditNote": api.CreateCreditNoteRequest(parent=INVOICE),
    "ListCreditNotes": api.ListCreditNotesRequest(parent=INVOICE),
    "GetFinancialReport": api.GetFinancialReportRequest(name=ENGAGEMENT + "/financialReport"),
}


def test_the_table_covers_every_rpc():
    methods = api.DESCRIPTOR.services_by_name["BillingService"].methods_by_name
    assert set(REQUESTS) == set(methods)


def request_for(method: str, org: str):
    request = type(REQUESTS[method])()
    request.CopyFrom(REQUESTS[method])
    for field, value in request.ListFields():  # fill {org} in the top-level name and nested names
        if isinstance(value, str):
            setattr(request, field.name, value.format(org=org))
        elif hasattr(value, "name"):
            value.name = value.name.format(org=org)
    return request


@pytest.mark.parametrize("method", sorted(REQUESTS))
async def test_no_token_and_another_organization(billing_stub, authority, org, method):
    call = getattr(billing_stub, method)
    assert (await fails(call(request_for(method, org)))).code == grpc.StatusCode.UNAUTHENTICATED
    stranger = Caller(authority, "eve", {"elsewhere": ["admin"]})
    denied = await fails(stranger(call, request_for(method, org)))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED, denied


async def test_mutations_extend_a_verifiable_audit_chain(billing_stub, database_url, as_role, engagement, project):
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, project)
    await approve(billing_stub, as_role("pm", sub="pat"), entry)
    org = engagement.split("/")[1]
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "billing"})
    try:
        actions = [r["action"] for r in await conn.fetch(
            "SELECT action FROM audit_events WHERE org_id = $1 ORDER BY seq", org)]
        report = await verify_chain(conn, org)
    finally:
        await conn.close()
    assert actions == ["CreateEngagement", "CreateRate", "CreateTimeEntry", "ApproveTimeEntry"]
    assert report.ok and report.events == 4
