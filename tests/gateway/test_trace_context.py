"""The trace id travels on to the services: the caller's traceparent is what the service records, here in its
audit log. Without an exporter the gateway's channels carry no
OpenTelemetry interceptor (services/platform/clients.py): it sends the traceparent itself."""

from __future__ import annotations

import grpc
import pytest

from pmaas.audit.v1 import audit_service_pb2 as audit_api
from pmaas.audit.v1 import audit_service_pb2_grpc
from services.platform import telemetry
from tests.gateway.test_routes import create_project


@pytest.fixture
async def projects_audit(projects_service):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{projects_service.port}") as channel:
        yield audit_service_pb2_grpc.AuditServiceStub(channel)


async def trace_of_create(projects_audit, auditor, org: str, project: dict) -> str:
    page = await auditor(projects_audit.ListAuditEvents, audit_api.ListAuditEventsRequest(
        parent=f"organizations/{org}", filter=f'resource = "{project["name"]}"'))
    return page.audit_events[0].trace_id


async def test_the_callers_trace_id_is_the_one_the_service_records(gateway, gateway_app, as_role, org,
                                                                  projects_audit):
    assert not telemetry.exporting()  # the channels the test runs on are plain
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    project = await create_project(gateway, as_role("pmo"), org, "traced",
                                   traceparent=f"00-{trace_id}-00f067aa0ba902b7-01")
    assert await trace_of_create(projects_audit, as_role("auditor"), org, project) == trace_id

