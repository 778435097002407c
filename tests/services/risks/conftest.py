"""A real RisksService on loopback for the session, reaching the session's real
ProjectsService over gRPC; each test works in an organization and project of
its own. The service's clock can be moved forward to make things overdue."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from pmaas.risks.v1 import risks_service_pb2_grpc
from services.risks import server as risks_server
from tests.services.risks.builders import make_project


class Clock:
    """Real time plus an offset a test may advance."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


@pytest.fixture(scope="session")
def service_clock() -> Clock:
    return Clock()


@pytest.fixture
def clock(service_clock):
    yield service_clock
    service_clock.offset = dt.timedelta()


@pytest.fixture(scope="session")
async def risks_service(settings, runtime_database_url, authority, projects_service, service_clock):
    risks_settings = settings.model_copy(update={"projects_target": f"127.0.0.1:{projects_service.port}"})
    running = await risks_server.start(risks_settings, runtime_database_url, "127.0.0.1:0", authority,
                                       clock=service_clock)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def risks_stub(risks_service):
    """A stub on this directory's RisksService (the one with the movable clock). The session's `risks_stub`
    is cached on the session's shared service once any test outside this directory has used it."""
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{risks_service.port}")
    yield risks_service_pb2_grpc.RisksServiceStub(channel)
    await channel.close()


@pytest.fixture
async def project(projects_stub, as_role, org) -> str:
    """A project of `org`; returns its name."""
    return await make_project(projects_stub, as_role("pmo"), org, "erp")


@pytest.fixture
def pm(as_role):
    return as_role("pm")
