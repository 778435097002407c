"""The gateway in this process (httpx over ASGI, its lifespan run as uvicorn runs it) in front of the session's
real services on loopback, and a GovernanceService with a real worker on a task queue of these tests' own: the
governance tests' session worker holds the shared queue, and Temporal refuses a second worker on it in one process."""

from __future__ import annotations

import uuid

import httpx
import pytest

from services.gateway.app import create_app
from services.governance import server as governance_server
from tests.support import Caller
from workflows import worker as governance_worker


def service_targets(projects_service, risks_service, billing_service, governance_service) -> dict[str, str]:
    return {name: f"127.0.0.1:{running.port}" for name, running in (
        ("projects", projects_service), ("risks", risks_service), ("billing", billing_service),
        ("governance", governance_service))}


@pytest.fixture(scope="session")
async def gateway_governance(governance_settings, runtime_database_url, authority, temporal_env, governance_pool,
                             service_calls):
    """A GovernanceService whose processes run on a worker of their own, on a task queue of their own."""
    settings = governance_settings.model_copy(update={"temporal_task_queue": "gateway-" + uuid.uuid4().hex[:12]})
    running = await governance_server.start(settings, runtime_database_url, "127.0.0.1:0", authority,
                                            client=temporal_env.client)
    worker = governance_worker.build(temporal_env.client, settings.temporal_task_queue, governance_pool,
                                     service_calls, webhook_allow_loopback=True)
    try:
        async with worker:
            yield running
    finally:
        await running.stop()


@pytest.fixture(scope="session")
def targets(projects_service, risks_service, billing_service, gateway_governance) -> dict[str, str]:
    return service_targets(projects_service, risks_service, billing_service, gateway_governance)


@pytest.fixture(scope="session")
async def gateway_app(settings, targets):
    app = create_app(settings, targets)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def gateway(gateway_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway_app), base_url="http://gateway",
                                 timeout=30) as client:
        yield client


def bearer(caller: Caller, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {caller.token}", **headers}
