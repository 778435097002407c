"""Errors as RFC 9457 problems: each gRPC status's HTTP status, the service's reason, field violations named in the
caller's camelCase JSON, the trace id; input the gateway cannot read is 400, no token is 401 before any call."""

from __future__ import annotations

import json

import httpx
import pytest
from grpc import StatusCode
from grpc.aio import AioRpcError, Metadata
from grpc_status import rpc_status

from services.gateway import problems
from services.gateway.app import create_app
from services.platform.errors import ApiError
from tests.gateway.conftest import bearer
from tests.gateway.test_routes import PROJECT, create_project
from tests.support import Caller, free_port

PROBLEM = "application/problem+json"


def failed_call(error: ApiError) -> AioRpcError:
    """The error a client sees when a service raises `error` (its status travels in trailing metadata)."""
    status = rpc_status.to_status(error.to_status())
    return AioRpcError(status.code, Metadata(), Metadata(*status.trailing_metadata), status.details)


@pytest.mark.parametrize(("code", "reason", "http"), [
    (StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", 400),
    (StatusCode.OUT_OF_RANGE, "OUT_OF_RANGE", 400),
    (StatusCode.FAILED_PRECONDITION, "TASK_CLOSED", 409),
    (StatusCode.FAILED_PRECONDITION, "ETAG_MISMATCH", 412),
    (StatusCode.ABORTED, "ETAG_MISMATCH", 412),
    (StatusCode.ABORTED, "CONCURRENT_CHANGE", 409),
    (StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND", 404),
    (StatusCode.ALREADY_EXISTS, "RESOURCE_EXISTS", 409),
    (StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED", 403),
    (StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED", 401),
    (StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_REQUESTS", 429),
    (StatusCode.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE", 503),
    (StatusCode.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED", 504),
    (StatusCode.UNIMPLEMENTED, "UNIMPLEMENTED", 501),
    (StatusCode.INTERNAL, "INTERNAL", 500),
    (StatusCode.UNKNOWN, "UNKNOWN", 500),
])
def test_each_grpc_status_maps_to_its_http_status_with_the_reason(code, reason, http):
    response = problems.from_rpc_error(failed_call(ApiError(code, reason, "what happened")), "ab" * 16)
    body = json.loads(response.body)
    assert response.status_code == http and response.media_type == PROBLEM
    assert body["status"] == http and body["reason"] == reason and body["traceId"] == "ab" * 16
    assert body["type"] == "https://pmaas.dev/problems/" + reason.lower().replace("_", "-") and body["title"]
    assert body["detail"] == ("internal error; it has been logged" if http in (500, 501) else "what happened")


def test_field_violations_are_named_in_the_callers_camel_case_json():
    error = ApiError(StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", "bad", [
        ("project.planned_end_date", "must not be before planned_start_date"),
        ("project.budget.currency_code", "unknown currency"), ("update_mask", "'code' cannot be updated")])
    body = json.loads(problems.from_rpc_error(failed_call(error), "", body_field="project").body)
    assert [v["field"] for v in body["violations"]] == ["plannedEndDate", "budget.currencyCode", "updateMask"]


async def test_a_service_refusal_comes_back_as_a_problem_with_its_violations(gateway, as_role, org):
    bad_dates = {**PROJECT, "plannedEndDate": {"year": 2026, "month": 1, "day": 1}, "code": ""}
    refused = await gateway.post(f"/v1/organizations/{org}/projects", params={"projectId": "apollo"},
                                 json=bad_dates, headers=bearer(as_role("pmo")))
    assert refused.status_code == 400 and refused.headers["content-type"] == PROBLEM
    body = refused.json()
    assert body["reason"] == "INVALID_ARGUMENT" and {"plannedEndDate", "code"} <= {v["field"] for v in
                                                                                  body["violations"]}


async def test_not_found_forbidden_and_cross_tenant(gateway, as_role, org, authority, new_org_id):
    await create_project(gateway, as_role("pmo"), org)
    missing = await gateway.get(f"/v1/organizations/{org}/projects/nope", headers=bearer(as_role("viewer")))
    assert missing.status_code == 404 and missing.json()["reason"] == "RESOURCE_NOT_FOUND"
    viewer_writes = await gateway.post(f"/v1/organizations/{org}/projects", params={"projectId": "other"},
                                       json=PROJECT, headers=bearer(as_role("viewer")))
    assert viewer_writes.status_code == 403 and viewer_writes.json()["reason"] == "PERMISSION_DENIED"
    stranger = Caller(authority, "mallory", {new_org_id + "-x": ["admin"]})
    for path in (f"/v1/organizations/{org}/projects/apollo", f"/v1/organizations/{org}/projects/nope"):
        other_tenant = await gateway.get(path, headers=bearer(stranger))
        assert other_tenant.status_code == 403, path  # the service's answer, whether or not it exists


async def test_a_token_the_service_refuses_is_401(gateway, org):
    refused = await gateway.get(f"/v1/organizations/{org}/projects", headers={"Authorization": "Bearer not-a-jwt"})
    assert refused.status_code == 401 and refused.json()["reason"] == "UNAUTHENTICATED"


async def test_input_the_gateway_cannot_read_is_400_naming_the_field(gateway, as_role, org):
    pmo, url = bearer(as_role("pmo")), f"/v1/organizations/{org}/projects"
    cases = [
        (dict(content=b'{"displayName": ', headers={**pmo, "Content-Type": "application/json"}), "body"),
        (dict(content=b"[1, 2]", headers={**pmo, "Content-Type": "application/json"}), "body"),
        (dict(json={**PROJECT, "displayName": 5}, headers=pmo), "displayName"),
        (dict(json={**PROJECT, "budget": {"currencyCode": "EUR", "units": "lots"}}, headers=pmo), "budget.units"),
        (dict(json={**PROJECT, "colour": "red"}, headers=pmo), "colour"),
        (dict(json={**PROJECT, "methodology": "WHATEVER"}, headers=pmo), "methodology"),
        (dict(json=PROJECT, headers={**pmo, "Idempotency-Key": "once"}), "Idempotency-Key"),
    ]
    for kwargs, field in cases:
        response = await gateway.post(url, params={"projectId": "apollo"}, **kwargs)
        assert response.status_code == 400 and response.headers["content-type"] == PROBLEM, (field, response.text)
        assert [v["field"] for v in response.json()["violations"]] == [field], response.text
    bad_flag = await gateway.get(f"/v1/organizations/{org}/tasks", params={"includeClosed": "maybe"}, headers=pmo)
    assert bad_flag.status_code == 400 and bad_flag.json()["violations"][0]["field"] == "includeClosed"
    assert (await gateway.get(url, headers=pmo)).json()["projects"] == []  # nothing was created


async def test_the_trace_id_of_the_callers_traceparent_is_in_the_problem(gateway, org):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    answer = await gateway.get(f"/v1/organizations/{org}/projects/nope",
                               headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert answer.status_code == 401 and answer.json()["traceId"] == trace_id
    fresh = await gateway.get(f"/v1/organizations/{org}/projects/nope")
    assert len(fresh.json()["traceId"]) == 32 and fresh.json()["traceId"] != trace_id


async def test_without_a_token_the_answer_is_401_and_nothing_is_called(settings):
    nowhere = f"127.0.0.1:{free_port()}"  # no service listens: a call would be 503
    app = create_app(settings, {name: nowhere for name in ("projects", "risks", "billing", "governance")})
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        for method, path in (("GET", "/v1/organizations/acme/projects"), ("POST", "/v1/organizations/acme/projects"),
                             ("POST", "/v1/organizations/acme/tasks/t1:decide")):
            response = await client.request(method, path, content=b"not json")
            assert response.status_code == 401 and response.json()["reason"] == "UNAUTHENTICATED"
        called = await client.get("/v1/organizations/acme/projects", headers={"Authorization": "Bearer x"})
        assert called.status_code == 503 and called.json()["reason"] == "UNAVAILABLE"


async def test_an_unknown_path_or_method_is_a_problem_too(gateway):
    unknown = await gateway.get("/v1/nowhere")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    assert unknown.json()["reason"] == "NOT_FOUND"
    wrong_method = await gateway.put("/v1/organizations/acme/projects")
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"] == PROBLEM
    assert wrong_method.json()["reason"] == "METHOD_NOT_ALLOWED"


async def test_a_wrong_method_on_a_valid_path_is_405_allowing_every_method_the_path_has(gateway):
    for method, path, allowed in (
            ("PUT", "/v1/organizations/acme/projects", "GET, POST"),  # list and create: two routes, one path
            ("POST", "/v1/organizations/acme/projects/erp", "DELETE, GET, PATCH"),
            ("DELETE", "/v1/organizations", "GET, POST"),
            ("GET", "/v1/organizations/acme/changeRequests:whatIf", "POST"),
            ("POST", "/healthz", "GET")):
        answer = await gateway.request(method, path)
        assert answer.status_code == 405 and answer.headers["Allow"] == allowed, (method, path, answer.headers)
        assert answer.headers["content-type"] == PROBLEM and answer.json()["reason"] == "METHOD_NOT_ALLOWED"
