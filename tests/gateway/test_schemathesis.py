"""Schemathesis against the running gateway's /openapi.json (`pmaas serve gateway` in front of the session's real
services): with a valid token no operation answers 5xx and every answer conforms to the document (status, content
type, body schema); without a token every operation answers 401 and nothing else."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tests.gateway.test_health import start_gateway, wait_ready
from tests.gateway.test_routes import PROJECT
from tests.support import free_port

EXAMPLES_PER_OPERATION = 5
CONFORMANCE = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
               checks.response_schema_conformance]


@pytest.fixture(scope="module")
async def gateway_url(targets):
    port = free_port()
    process = start_gateway(targets, port)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 15)


def fuzz(url: str, org: str, headers: dict[str, str], check, examples: int) -> tuple[list[str], dict[int, int]]:
    """Run `check(case, response)` on `examples` generated cases of every /v1 operation; the failures, by operation.
    The path's organization is the token's, so requests get past the tenant check into the services' validation."""
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    failures: list[str] = []
    statuses: dict[int, int] = {}  # HTTP status -> how many answers had it: the run did reach the services
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/v1/"):
            continue

        @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            if "org" in (case.path_parameters or {}):
                case.path_parameters["org"] = org
            case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            response = case.call(base_url=url, headers=headers, timeout=30)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            check(case, response)

        try:
            run()
        except Exception as exc:  # noqa: BLE001  every operation's failure is collected, then reported at once
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    return failures, statuses


async def test_with_a_valid_token_no_5xx_and_every_response_conforms(gateway_url, as_role, org):
    admin = {"Authorization": f"Bearer {as_role('admin,pmo,pm,finance,auditor').token}"}
    async with httpx.AsyncClient(base_url=gateway_url, headers=admin) as client:  # what the documented examples name
        seeds = (("projects", "projectId", "erp", PROJECT), ("portfolios", "portfolioId", "digital",
                                                              {"displayName": "Digital"}))
        for collection, id_param, resource_id, body in seeds:
            made = await client.post(f"/v1/organizations/{org}/{collection}", params={id_param: resource_id}, json=body)
            assert made.status_code == 200, made.text

    def conforms(case, response):
        case.validate_response(response, checks=CONFORMANCE)

    failures, statuses = await asyncio.to_thread(fuzz, gateway_url, org, admin, conforms, EXAMPLES_PER_OPERATION)
    assert failures == [], "\n\n".join(failures)
    assert statuses.get(200) and sum(statuses.values()) > 200 and max(statuses) < 500


async def test_without_a_token_every_operation_answers_only_401(gateway_url, org):
    def only_401(case, response):
        assert response.status_code == 401, (response.status_code, response.text[:300])
        assert response.json()["reason"] == "UNAUTHENTICATED"

    failures, statuses = await asyncio.to_thread(fuzz, gateway_url, org, {}, only_401, 2)
    assert failures == [], "\n\n".join(failures)
    assert list(statuses) == [401] and statuses[401] > 60
