"""The gateway in this process (httpx over ASGI, its lifespan run as uvicorn runs it) in front of the session's
real services on loopback; a real worker for the governance processes (tests/services/governance/conftest.py)."""

from __future__ import annotations

import httpx
import pytest

from services.gateway.app import create_app
from tests.services.governance.conftest import worker  # noqa: F401  (the session's worker, reused)
from tests.support import Caller


def service_targets(projects_service, risks_service, billing_service, governance_service) -> dict[str, str]:
    return {name: f"127.0.0.1:{running.port}" for name, running in (
        ("projects", projects_service), ("risks", risks_service), ("billing", billing_service),
        ("governance", governance_service))}


@pytest.fixture(scope="session")
def targets(projects_service, risks_service, billing_service, governance_service) -> dict[str, str]:
    return service_targets(projects_service, risks_service, billing_service, governance_service)


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
