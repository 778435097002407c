"""REST over the real services: projects (ETag / If-Match, pagination, Idempotency-Key), X-Request-Id, a change
request's what-if and submit, and the approver's inbox (my tasks, claim, decide) on a real worker."""

from __future__ import annotations

import datetime as dt
import uuid

from google.protobuf import json_format
from google.protobuf.message_factory import GetMessageClass

from services.gateway.routes import ROUTES
from services.platform import names
from services.platform.resources import Pattern
from tests.gateway.conftest import bearer
from tests.services.governance.processes import until

PROJECT = {"code": "APL-1", "displayName": "Apollo", "methodology": "METHODOLOGY_WATERFALL",
           "budget": {"currencyCode": "EUR", "units": "100000"},
           "plannedStartDate": {"year": 2027, "month": 1, "day": 1},
           "plannedEndDate": {"year": 2027, "month": 6, "day": 30}}


async def create_project(gateway, caller, org: str, project_id: str = "apollo", **headers) -> dict:
    response = await gateway.post(f"/v1/organizations/{org}/projects", params={"projectId": project_id},
                                  json={**PROJECT, "code": project_id.upper()[:10]}, headers=bearer(caller, **headers))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_project_is_created_read_and_updated_under_its_etag(gateway, as_role, org):
    pmo = as_role("pmo")
    created = await gateway.post(f"/v1/organizations/{org}/projects", params={"projectId": "apollo"}, json=PROJECT,
                                 headers=bearer(pmo))
    assert created.status_code == 200, created.text
    project = created.json()
    assert project["name"] == f"organizations/{org}/projects/apollo" and project["displayName"] == "Apollo"
    assert project["budget"] == {"currencyCode": "EUR", "units": "100000", "nanos": 0}
    assert created.headers["ETag"] == f'"{project["etag"]}"'

    read = await gateway.get(f"/v1/organizations/{org}/projects/apollo", headers=bearer(pmo))
    assert read.status_code == 200 and read.json() == project and read.headers["ETag"] == created.headers["ETag"]

    updated = await gateway.patch(f"/v1/organizations/{org}/projects/apollo", params={"updateMask": "displayName"},
                                  json={"displayName": "Apollo II"},
                                  headers=bearer(pmo, **{"If-Match": read.headers["ETag"]}))
    assert updated.status_code == 200, updated.text
    assert updated.json()["displayName"] == "Apollo II" and updated.json()["etag"] != project["etag"]
    assert updated.headers["ETag"] == f'"{updated.json()["etag"]}"'

    stale = await gateway.patch(f"/v1/organizations/{org}/projects/apollo", params={"updateMask": "displayName"},
                                json={"displayName": "Apollo III"},
                                headers=bearer(pmo, **{"If-Match": read.headers["ETag"]}))
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["reason"] == "ETAG_MISMATCH" and stale.json()["status"] == 412
    after = await gateway.get(f"/v1/organizations/{org}/projects/apollo", headers=bearer(pmo))
    assert after.json()["displayName"] == "Apollo II"


async def test_projects_are_listed_page_by_page_through_next_page_token(gateway, as_role, org):
    pmo = as_role("pmo")
    for project_id in ("alpha", "beta", "gamma"):
        await create_project(gateway, pmo, org, project_id)
    seen, token, pages = [], "", 0
    while True:
        page = await gateway.get(f"/v1/organizations/{org}/projects", params={"pageSize": 2, "pageToken": token},
                                 headers=bearer(pmo))
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["projects"]) <= 2
        seen += [p["name"].rsplit("/", 1)[1] for p in body["projects"]]
        pages += 1
        token = body["nextPageToken"]
        if not token:
            break
    assert sorted(seen) == ["alpha", "beta", "gamma"] and pages == 2


async def test_a_retry_with_the_same_idempotency_key_returns_the_same_project_and_creates_one(gateway, as_role, org):
    pmo = as_role("pmo")
    key = str(uuid.uuid4())
    first = await create_project(gateway, pmo, org, "apollo", **{"Idempotency-Key": key})
    again = await create_project(gateway, pmo, org, "apollo", **{"Idempotency-Key": key})
    assert again == first
    listed = await gateway.get(f"/v1/organizations/{org}/projects", headers=bearer(pmo))
    assert [p["name"] for p in listed.json()["projects"]] == [first["name"]]
    other_key = await gateway.post(f"/v1/organizations/{org}/projects", params={"projectId": "apollo"},
                                   json=PROJECT, headers=bearer(pmo, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert other_key.status_code == 409 and other_key.json()["reason"] == "RESOURCE_EXISTS"


async def test_x_request_id_is_echoed_and_made_when_absent(gateway, as_role, org):
    viewer = as_role("viewer")
    given = await gateway.get(f"/v1/organizations/{org}/projects", headers=bearer(viewer, **{"X-Request-Id": "abc-1"}))
    assert given.status_code == 200 and given.headers["X-Request-Id"] == "abc-1"
    made = await gateway.get(f"/v1/organizations/{org}/projects", headers=bearer(viewer))
    assert uuid.UUID(made.headers["X-Request-Id"])
    failed = await gateway.get(f"/v1/organizations/{org}/projects/nope",
                               headers=bearer(viewer, **{"X-Request-Id": "r2"}))
    assert failed.status_code == 404 and failed.headers["X-Request-Id"] == "r2"


def a_change(org: str, **fields) -> dict:
    return {"project": f"organizations/{org}/projects/apollo", "title": "More testing",
            "description": "Two more weeks of UAT", "type": "CHANGE_TYPE_NORMAL",
            "budgetDelta": {"currencyCode": "EUR", "units": "5000"}, **fields}


async def test_a_change_requests_what_if_starts_nothing_and_its_submit_starts_one(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm = as_role("pm", "paula")
    what_if = await gateway.post(f"/v1/organizations/{org}/changeRequests:whatIf",
                                 json={"changeRequest": a_change(org, budgetDelta={"currencyCode": "EUR",
                                                                                   "units": "50000"})},
                                 headers=bearer(pm))
    assert what_if.status_code == 200, what_if.text
    assessed = what_if.json()
    assert assessed["impact"]["newBudget"] == {"currencyCode": "EUR", "units": "150000", "nanos": 0}
    assert assessed["state"] == "CHANGE_REQUEST_STATE_UNSPECIFIED"
    assert not assessed["etag"] and "ETag" not in what_if.headers
    listed = await gateway.get(f"/v1/organizations/{org}/changeRequests", headers=bearer(pm))
    assert listed.json()["changeRequests"] == []

    submitted = await gateway.post(f"/v1/organizations/{org}/changeRequests", json=a_change(org),
                                   headers=bearer(pm, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["name"].startswith(f"organizations/{org}/changeRequests/")
    assert submitted.json()["requester"] == "paula"
    listed = await gateway.get(f"/v1/organizations/{org}/changeRequests", headers=bearer(pm))
    assert [c["name"] for c in listed.json()["changeRequests"]] == [submitted.json()["name"]]


async def test_an_approver_finds_the_task_in_their_inbox_claims_and_decides_it(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm, olga = as_role("pm", "paula"), as_role("pmo", "olga")
    submitted = await gateway.post(f"/v1/organizations/{org}/changeRequests", json=a_change(org),
                                   headers=bearer(pm, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert submitted.status_code == 200, submitted.text
    inbox = await until(lambda: gateway.get(f"/v1/organizations/{org}/tasks", params={"assignee": "me"},
                                            headers=bearer(olga)),
                        lambda r: r.status_code == 200 and r.json()["tasks"], "the task in olga's inbox")
    task = inbox.json()["tasks"][0]
    assert task["kind"] == "TASK_KIND_CHANGE_APPROVAL" and task["pendingApprovers"] == ["role:pmo"]
    assert (await gateway.get(f"/v1/organizations/{org}/tasks", params={"assignee": "me"},
                              headers=bearer(pm))).json()["tasks"] == []  # not the requester's to decide
    task_id = task["name"].rsplit("/", 1)[1]

    one = await gateway.get(f"/v1/organizations/{org}/tasks/{task_id}", headers=bearer(olga))
    assert one.status_code == 200 and one.json()["name"] == task["name"]
    claimed = await gateway.post(f"/v1/organizations/{org}/tasks/{task_id}:claim",
                                 headers=bearer(olga, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["state"] == "TASK_STATE_CLAIMED" and claimed.json()["claimant"] == "olga"
    released = await gateway.post(f"/v1/organizations/{org}/tasks/{task_id}:release", headers=bearer(olga))
    assert released.status_code == 200 and released.json()["state"] == "TASK_STATE_OPEN", released.text
    claimed = await gateway.post(f"/v1/organizations/{org}/tasks/{task_id}:claim", headers=bearer(olga))
    assert claimed.status_code == 200 and claimed.json()["claimant"] == "olga", claimed.text
    decided = await gateway.post(f"/v1/organizations/{org}/tasks/{task_id}:decide",
                                 json={"choice": "APPROVE", "comment": "fine"},
                                 headers=bearer(olga, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "TASK_STATE_DECIDED" and decided.json()["outcome"] == "APPROVE"
    again = await gateway.post(f"/v1/organizations/{org}/tasks/{task_id}:decide", json={"choice": "REJECT"},
                               headers=bearer(olga, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert again.status_code == 409 and again.json()["reason"] in ("ALREADY_DECIDED", "TASK_CLOSED")


def test_every_route_fills_a_resource_name_the_platform_defines():
    patterns = [p for p in vars(names).values() if isinstance(p, Pattern)]
    assert {(r.method, r.rpc) for r in ROUTES if not r.bind} == {("GET", "ListOrganizations"),
                                                                 ("POST", "CreateOrganization")}
    for route in (r for r in ROUTES if r.bind):
        ids = {part[1:].split("}")[0]: "x1" for part in route.path.split("/") if part.startswith("{")}
        filled = route.resource.format(**ids)
        assert any(p.regex.match(filled) for p in patterns), (route.method, route.path, filled)
        assert route.path.removeprefix("/v1/").startswith(route.resource.split("{")[0])


def test_every_routes_example_is_a_body_its_route_reads():
    for route in (r for r in ROUTES if r.body):
        fields = route.request_type.fields_by_name
        body_type = route.request_type if route.body == "*" else fields[route.body].message_type
        json_format.ParseDict(route.example or {}, GetMessageClass(body_type)())


async def test_risks_heat_map_financial_report_and_delegations_pass_through(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm, project = as_role("pm", "paula"), f"/v1/organizations/{org}/projects/apollo"
    risk = await gateway.post(project + "/risks", params={"riskId": "vendor"}, headers=bearer(pm),
                              json={"title": "Vendor delay", "probability": 3, "impact": 4})
    assert risk.status_code == 200, risk.text
    assert risk.json()["name"] == f"organizations/{org}/projects/apollo/risks/vendor"
    heat = await gateway.get(project + "/riskHeatMap", headers=bearer(pm))
    assert heat.status_code == 200 and heat.json()["riskCount"] == 1, heat.text
    assert [c["count"] for c in heat.json()["inherent"] if (c["probability"], c["impact"]) == (3, 4)] == [1]
    org_heat = await gateway.get(f"/v1/organizations/{org}/riskHeatMap", headers=bearer(pm))
    assert org_heat.status_code == 200 and org_heat.json()["scope"] == f"organizations/{org}"

    report = await gateway.get(project + "/financialReport", headers=bearer(as_role("finance")))
    assert report.status_code == 200, report.text
    assert report.json()["subject"] == f"organizations/{org}/projects/apollo"

    delegated = await gateway.post(f"/v1/organizations/{org}/delegations", headers=bearer(pm), json={
        "delegate": "bob", "endTime": (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat()})
    assert delegated.status_code == 200, delegated.text
    delegation_id = delegated.json()["name"].rsplit("/", 1)[1]
    listed = await gateway.get(f"/v1/organizations/{org}/delegations", headers=bearer(pm))
    assert [d["name"] for d in listed.json()["delegations"]] == [delegated.json()["name"]]
    stale = await gateway.delete(f"/v1/organizations/{org}/delegations/{delegation_id}",
                                 headers=bearer(pm, **{"If-Match": '"0000"'}))
    assert stale.status_code == 412, stale.text
    deleted = await gateway.delete(f"/v1/organizations/{org}/delegations/{delegation_id}",
                                   headers=bearer(pm, **{"If-Match": delegated.headers["ETag"]}))
    assert deleted.status_code == 200 and deleted.json() == {}, deleted.text


async def test_an_escalation_is_raised_acknowledged_and_resolved_through_custom_methods(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    project = f"/v1/organizations/{org}/projects/apollo"
    raised = await gateway.post(project + "/escalations", json={"title": "Vendor API down",
                                                                "severity": "ISSUE_SEVERITY_HIGH"},
                                headers=bearer(as_role("member", "mia"), **{"Idempotency-Key": str(uuid.uuid4())}))
    assert raised.status_code == 200, raised.text
    assert raised.json()["state"] == "ESCALATION_STATE_OPEN" and raised.json()["raisedBy"] == "mia"
    path = "/v1/" + raised.json()["name"]
    await until(lambda: gateway.get(path, headers=bearer(as_role("viewer"))),
                lambda r: r.json().get("acknowledgeDueTime"), "the acknowledge task")
    listed = await gateway.get(f"/v1/organizations/{org}/escalations", headers=bearer(as_role("viewer")))
    assert [e["name"] for e in listed.json()["escalations"]] == [raised.json()["name"]]

    acknowledged = await gateway.post(path + ":acknowledge", json={"comment": "on it"},
                                      headers=bearer(as_role("pm", "pete")))
    assert acknowledged.status_code == 200, acknowledged.text
    assert (acknowledged.json()["state"], acknowledged.json()["acknowledgedBy"]) == ("ESCALATION_STATE_ACKNOWLEDGED",
                                                                                     "pete")
    no_resolution = await gateway.post(path + ":resolve", json={}, headers=bearer(as_role("pmo", "olga")))
    assert no_resolution.status_code == 400 and no_resolution.json()["violations"][0]["field"] == "resolution"
    resolved = await gateway.post(path + ":resolve", json={"resolution": "vendor fixed it"},
                                  headers=bearer(as_role("pmo", "olga")))
    assert resolved.status_code == 200 and resolved.json()["state"] == "ESCALATION_STATE_RESOLVED", resolved.text


async def test_a_phase_gate_is_requested_read_and_listed(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm, project = as_role("pm", "paula"), f"/v1/organizations/{org}/projects/apollo"
    requested = await gateway.post(project + "/phaseGates", json={},
                                   headers=bearer(pm, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert requested.status_code == 200, requested.text
    gate = requested.json()
    assert gate["name"].startswith(f"organizations/{org}/projects/apollo/phaseGates/")
    read = await gateway.get("/v1/" + gate["name"], headers=bearer(pm))
    assert read.status_code == 200 and read.json()["name"] == gate["name"]
    listed = await gateway.get(project + "/phaseGates", headers=bearer(pm))
    assert [g["name"] for g in listed.json()["phaseGates"]] == [gate["name"]]
