"""Every RPC: no token -> UNAUTHENTICATED; another organization's names -> PERMISSION_DENIED
(whether or not they exist); and the audit chain of the mutations verifies."""

from __future__ import annotations

import base64
import json
import time

import asyncpg
import grpc
import jwt
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
    "ApproveExpense": api.ApproveExpenseRequest(name=ENGAGEMENT + "/expenses/x"),
    "RejectExpense": api.RejectExpenseRequest(name=ENGAGEMENT + "/expenses/x", reason="x"),
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
    "LockBillingPeriod": api.LockBillingPeriodRequest(parent="organizations/{org}"),
    "ListBillingPeriodLocks": api.ListBillingPeriodLocksRequest(parent="organizations/{org}"),
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


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(settings, org: str, **overrides) -> dict:
    now = int(time.time())
    claims = {"sub": "mallory", "orgs": {org: ["admin"]}, "iat": now, "exp": now + 600,
              "iss": settings.jwt_issuer, "aud": settings.jwt_audience}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


# Each builds the `authorization` header of a caller who would be admin of `org` if it were accepted.
BAD_CREDENTIALS = {
    "expired": lambda s, a, org: "Bearer " + a.issue("mallory", {org: ["admin"]}, ttl_s=-60),
    "forged signature": lambda s, a, org: "Bearer " + jwt.encode(
        _claims(s, org), "another-secret-0123456789abcdef-0123456789", algorithm="HS256"),
    "alg none": lambda s, a, org: "Bearer " + _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(s, org)) + ".",
    "not a jwt": lambda s, a, org: "Bearer not-a-jwt",
    "not bearer": lambda s, a, org: "Basic YWxpY2U6c2VjcmV0",
    "wrong audience": lambda s, a, org: "Bearer " + jwt.encode(_claims(s, org, aud="else"), s.jwt_secret,
                                                               algorithm="HS256"),
}


@pytest.mark.parametrize("credential", sorted(BAD_CREDENTIALS))
@pytest.mark.parametrize("method", sorted(REQUESTS))
async def test_expired_and_forged_tokens_are_unauthenticated(billing_stub, settings, authority, db, engagement,
                                                             method, credential):
    org = engagement.split("/")[1]
    events = await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org)
    authorization = BAD_CREDENTIALS[credential](settings, authority, org)
    failure = await fails(getattr(billing_stub, method)(request_for(method, org),
                                                        metadata=(("authorization", authorization),), timeout=10))
    assert (failure.code, failure.reason) == (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")
    assert "Traceback" not in failure.message
    assert await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org) == events


@pytest.mark.parametrize("method", sorted(REQUESTS))
async def test_another_organization_is_denied_alike_whether_or_not_it_exists(billing_stub, authority, db,
                                                                             engagement, new_org_id, method):
    org = engagement.split("/")[1]  # holds engagement "main"; `missing` holds nothing at all
    missing = new_org_id + "-missing"
    outsider = Caller(authority, "mallory", {new_org_id + "-own": ["admin"]})
    events = await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org)
    on_existing = await fails(outsider(getattr(billing_stub, method), request_for(method, org)))
    on_missing = await fails(outsider(getattr(billing_stub, method), request_for(method, missing)))
    assert (on_existing.code, on_existing.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    assert (on_missing.code, on_missing.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    assert on_missing.message.replace(missing, org) == on_existing.message
    assert await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org) == events


async def test_an_engagement_is_invisible_to_another_organizations_admin(billing_stub, authority, engagement,
                                                                         new_org_id):
    theirs = new_org_id + "-b"  # new_org_id is the fixture org's own id
    other = Caller(authority, "mallory", {theirs: ["admin"]})
    listed = await other(billing_stub.ListEngagements, api.ListEngagementsRequest(parent=f"organizations/{theirs}"))
    assert list(listed.engagements) == []
    denied = await fails(other(billing_stub.GetEngagement, api.GetEngagementRequest(name=engagement)))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
