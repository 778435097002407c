"""REST over BillingService beyond reports and the invoice custom methods: engagements, rates, time and expenses
with their approvals, a draft invoice's update, credit notes and closed periods; happy paths and one refusal each."""

from __future__ import annotations

from tests.gateway.conftest import bearer
from tests.gateway.test_routes import create_project

JAN_4 = {"year": 2027, "month": 1, "day": 4}
JANUARY = {"periodStart": {"year": 2027, "month": 1, "day": 1}, "periodEnd": {"year": 2027, "month": 1, "day": 31}}


async def an_engagement(gateway, as_role, org) -> str:
    """A T&M engagement on the project apollo with a consultant rate of 100 EUR/h: its REST path."""
    await create_project(gateway, as_role("pmo"), org)
    finance = bearer(as_role("finance"))
    engagement = await gateway.post(f"/v1/organizations/{org}/engagements", params={"engagementId": "main"},
                                    headers=finance, json={
                                        "displayName": "Apollo delivery", "currencyCode": "EUR",
                                        "projects": [f"organizations/{org}/projects/apollo"],
                                        "billingModel": "BILLING_MODEL_TIME_AND_MATERIALS", "paymentTermsDays": 30})
    assert engagement.status_code == 200, engagement.text
    rate = await gateway.post(f"/v1/organizations/{org}/rates", headers=finance, json={
        "role": "consultant", "hourlyRate": {"currencyCode": "EUR", "units": "100"},
        "startDate": {"year": 2027, "month": 1, "day": 1}})
    assert rate.status_code == 200, rate.text
    return "/v1/" + engagement.json()["name"]


async def test_engagements_and_rates_are_created_read_listed_and_updated(gateway, as_role, org):
    path = await an_engagement(gateway, as_role, org)
    finance = bearer(as_role("finance"))
    listed = await gateway.get(f"/v1/organizations/{org}/engagements", headers=finance)
    assert ["/v1/" + e["name"] for e in listed.json()["engagements"]] == [path]
    read = await gateway.get(path, headers=finance)
    updated = await gateway.patch(path, params={"updateMask": "paymentTermsDays"}, json={"paymentTermsDays": 45},
                                  headers={**finance, "If-Match": read.headers["ETag"]})
    assert updated.status_code == 200 and updated.json()["paymentTermsDays"] == 45, updated.text
    rates = await gateway.get(f"/v1/organizations/{org}/rates", headers=finance)
    rate = rates.json()["rates"][0]
    assert rate["hourlyRate"]["units"] == "100"
    assert (await gateway.get("/v1/" + rate["name"], headers=finance)).json() == rate
    viewer = await gateway.post(f"/v1/organizations/{org}/engagements", headers=bearer(as_role("viewer")),
                                json={"displayName": "x", "currencyCode": "EUR"})
    assert viewer.status_code == 403, viewer.text


async def test_time_and_expenses_are_approved_by_someone_else_and_rejected_with_a_reason(gateway, as_role, org):
    path = await an_engagement(gateway, as_role, org)
    ann, approver = bearer(as_role("member", "ann")), bearer(as_role("pm", "paula"))
    entry = await gateway.post(path + "/timeEntries", headers=ann, json={
        "role": "consultant", "project": f"organizations/{org}/projects/apollo", "workDate": JAN_4, "hours": "8"})
    assert entry.status_code == 200 and entry.json()["person"] == "ann", entry.text
    entry_path = "/v1/" + entry.json()["name"]
    own = await gateway.post(entry_path + ":approve", headers=bearer(as_role("pm,member", "ann")))
    assert own.status_code == 403, own.text
    approved = await gateway.post(entry_path + ":approve", headers={**approver, "If-Match": entry.headers["ETag"]})
    assert approved.status_code == 200, approved.text
    assert approved.json()["approvalState"] == "APPROVAL_STATE_APPROVED"
    listed = await gateway.get(path + "/timeEntries", headers=approver)
    assert [e["name"] for e in listed.json()["timeEntries"]] == [entry.json()["name"]]

    expense = await gateway.post(path + "/expenses", headers=ann, json={
        "project": f"organizations/{org}/projects/apollo", "expenseDate": JAN_4, "category": "EXPENSE_CATEGORY_TRAVEL",
        "amount": {"currencyCode": "EUR", "units": "50"}, "billable": True})
    assert expense.status_code == 200, expense.text
    expense_path = "/v1/" + expense.json()["name"]
    no_reason = await gateway.post(expense_path + ":reject", json={}, headers=approver)
    assert no_reason.status_code == 400 and no_reason.json()["violations"][0]["field"] == "reason", no_reason.text
    rejected = await gateway.post(expense_path + ":reject", json={"reason": "no receipt"}, headers=approver)
    assert rejected.status_code == 200 and rejected.json()["approvalState"] == "APPROVAL_STATE_REJECTED"
    assert (await gateway.get(expense_path, headers=ann)).json()["approvalState"] == "APPROVAL_STATE_REJECTED"
    assert [e["name"] for e in (await gateway.get(path + "/expenses", headers=ann)).json()["expenses"]] == [
        expense.json()["name"]]


async def test_an_invoice_is_edited_while_draft_issued_and_corrected_by_a_credit_note(gateway, as_role, org):
    path = await an_engagement(gateway, as_role, org)
    entry = await gateway.post(path + "/timeEntries", headers=bearer(as_role("member", "ann")), json={
        "role": "consultant", "project": f"organizations/{org}/projects/apollo", "workDate": JAN_4, "hours": "8"})
    await gateway.post("/v1/" + entry.json()["name"] + ":approve", headers=bearer(as_role("pm", "paula")))
    finance = bearer(as_role("finance"))
    draft = await gateway.post(path + "/invoices:generate", json=JANUARY, headers=finance)
    assert draft.status_code == 200, draft.text
    invoice = "/v1/" + draft.json()["name"]
    edited = await gateway.patch(invoice, params={"updateMask": "purchaseOrder"}, json={"purchaseOrder": "PO-4711"},
                                 headers={**finance, "If-Match": draft.headers["ETag"]})
    assert edited.status_code == 200 and edited.json()["purchaseOrder"] == "PO-4711", edited.text
    early = await gateway.post(invoice + "/creditNotes", headers=finance,
                               json={"amount": {"currencyCode": "EUR", "units": "100"}, "reason": "too early"})
    assert early.status_code == 409, early.text  # a draft is edited, not credited
    issued = await gateway.post(invoice + ":issue", json={"issueDate": {"year": 2027, "month": 2, "day": 1}},
                                headers=finance)
    assert issued.status_code == 200, issued.text
    note = await gateway.post(invoice + "/creditNotes", headers=finance,
                              json={"amount": {"currencyCode": "EUR", "units": "100"}, "reason": "an hour twice"})
    assert note.status_code == 200, note.text
    notes = await gateway.get(invoice + "/creditNotes", headers=finance)
    assert [n["name"] for n in notes.json()["creditNotes"]] == [note.json()["name"]]


async def test_a_period_is_closed_for_time_and_listed(gateway, as_role, org):
    path = await an_engagement(gateway, as_role, org)
    finance = bearer(as_role("finance"))
    locked = await gateway.post(f"/v1/organizations/{org}/billingPeriodLocks", json=JANUARY, headers=finance)
    assert locked.status_code == 200, locked.text
    listed = await gateway.get(f"/v1/organizations/{org}/billingPeriodLocks", headers=finance)
    assert [x["name"] for x in listed.json()["billingPeriodLocks"]] == [locked.json()["name"]]
    late = await gateway.post(path + "/timeEntries", headers=bearer(as_role("member", "ann")), json={
        "role": "consultant", "project": f"organizations/{org}/projects/apollo", "workDate": JAN_4, "hours": "8"})
    assert late.status_code == 409, late.text
