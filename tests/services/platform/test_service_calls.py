"""Calls from one service to another: the caller's remaining deadline flows on (capped by PMAAS_CALL_TIMEOUT_S), a
fan-out keeps at most FAN_OUT_LIMIT calls in flight and its first failure fails the request and cancels the rest,
and no database connection is held while another service answers.

The dependency is the real ProjectsService whose GetProject notes what it saw (and can be told to wait or refuse);
the caller is a real BillingService reaching it over gRPC, with a pool of one connection."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import grpc
import pytest

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import billing_service_pb2_grpc
from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.billing import server as billing_server
from services.platform import clients, errors, service
from services.projects import server as projects_server
from services.projects.servicer import ProjectsServicer
from tests.services.billing.support import create_engagement
from tests.support import date, eur, fails, rid

CALL_TIMEOUT_S = 5.0
CALLER_TIMEOUT_S = 1.5
# gRPC sends a deadline as a grpc-timeout header rounded up to a compact form: the callee can read a few ms more
# than was left (seen in CI: 1.5085 s for a 1.5 s caller). Far below the 1.5 s / 5 s difference the tests tell apart.
WIRE_ROUNDING_S = 0.05
SETTLE_TIMEOUT_S = 10
PROJECTS = clients.FAN_OUT_LIMIT + 4


class NotingProjects(ProjectsServicer):
    """ProjectsService noting, for each GetProject, the deadline it was given; `hold` keeps calls waiting until it is
    set, `refuse` fails the calls for a project name."""

    def __init__(self, pool) -> None:
        super().__init__(pool)
        self.deadlines: list[float | None] = []
        self.in_flight = self.peak = self.cancelled = 0
        self.hold: asyncio.Event | None = None
        self.refuse: dict[str, errors.ApiError] = {}

    async def GetProject(self, request, context):
        self.deadlines.append(context.time_remaining())
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if request.name in self.refuse:
                raise self.refuse[request.name]
            if self.hold is not None:
                await self.hold.wait()
            return await super().GetProject(request, context)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1


@dataclasses.dataclass
class Dependency:
    noted: NotingProjects
    port: int


@pytest.fixture
async def dependency(settings, runtime_database_url, authority):
    spec = dataclasses.replace(projects_server.SPEC, make_servicer=lambda pool, _: NotingProjects(pool))
    running = await service.start(spec, settings, runtime_database_url, "127.0.0.1:0", authority)
    yield Dependency(running.servicer, running.port)
    if running.servicer.hold is not None:
        running.servicer.hold.set()
    await running.stop()


@pytest.fixture
async def billing(settings, runtime_database_url, authority, dependency):
    """BillingService calling `dependency`, allowed CALL_TIMEOUT_S per call, with one database connection."""
    billing_settings = settings.model_copy(update={
        "projects_target": f"127.0.0.1:{dependency.port}", "call_timeout_s": CALL_TIMEOUT_S,
        "db_pool_min": 1, "db_pool_max": 1})
    running = await billing_server.start(billing_settings, runtime_database_url, "127.0.0.1:0", authority)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    yield billing_service_pb2_grpc.BillingServiceStub(channel)
    await channel.close()
    await running.stop()


@pytest.fixture
async def projects(projects_stub, as_role, org) -> list[str]:
    """PROJECTS budgeted projects of `org`, more than a fan-out runs at once."""
    pmo = as_role("pmo")
    return [(await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=f"p{i}", request_id=rid(), project=pb.Project(
            code=f"P-{i}", display_name=f"Project {i}", methodology=pb.METHODOLOGY_AGILE, budget=eur(10_000),
            planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 6, 30))))).name
            for i in range(PROJECTS)]


@pytest.fixture
async def engagement(billing, as_role, org, projects) -> str:
    return (await create_engagement(billing, as_role("finance"), org, projects)).name


def report_of(name: str) -> billing_api.GetFinancialReportRequest:
    return billing_api.GetFinancialReportRequest(name=f"{name}/financialReport")


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(SETTLE_TIMEOUT_S):
        while not condition():
            await asyncio.sleep(0.02)


async def test_a_dependency_gets_the_callers_remaining_deadline_when_shorter_than_the_configured_timeout(
        billing, dependency, as_role, projects):
    finance = as_role("finance")

    await billing.GetFinancialReport(report_of(projects[0]), metadata=finance.metadata(), timeout=CALLER_TIMEOUT_S)

    (seen,) = dependency.noted.deadlines
    assert seen is not None and 0 < seen <= CALLER_TIMEOUT_S + WIRE_ROUNDING_S


async def test_without_a_caller_deadline_the_configured_timeout_bounds_the_call(
        billing, dependency, as_role, projects):
    await billing.GetFinancialReport(report_of(projects[0]), metadata=as_role("finance").metadata())

    (seen,) = dependency.noted.deadlines
    assert seen is not None and CALLER_TIMEOUT_S + WIRE_ROUNDING_S < seen <= CALL_TIMEOUT_S + WIRE_ROUNDING_S


async def test_a_caller_that_gives_up_ends_the_call_it_was_waiting_on(billing, dependency, as_role, projects):
    dependency.noted.hold = asyncio.Event()

    with pytest.raises(grpc.aio.AioRpcError) as gave_up:
        await billing.GetFinancialReport(report_of(projects[0]), metadata=as_role("finance").metadata(),
                                         timeout=CALLER_TIMEOUT_S)
    await until(lambda: dependency.noted.cancelled == 1)

    assert gave_up.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert dependency.noted.in_flight == 0


async def test_a_fan_out_keeps_at_most_its_limit_of_calls_in_flight(billing, dependency, as_role, engagement):
    dependency.noted.hold = asyncio.Event()
    report = asyncio.ensure_future(billing.GetFinancialReport(report_of(engagement),
                                                            metadata=as_role("finance").metadata(), timeout=30))
    await until(lambda: dependency.noted.in_flight == clients.FAN_OUT_LIMIT)
    started_while_held = len(dependency.noted.deadlines)

    dependency.noted.hold.set()
    done = await report

    assert started_while_held == clients.FAN_OUT_LIMIT
    assert len(done.projects) == PROJECTS
    assert dependency.noted.peak == clients.FAN_OUT_LIMIT


async def test_a_failing_member_of_a_fan_out_fails_the_request_with_its_reason_and_cancels_the_rest(
        billing, dependency, as_role, engagement, projects):
    dependency.noted.hold = asyncio.Event()  # never set: only the refusal answers
    dependency.noted.refuse[projects[3]] = errors.failed_precondition("PROJECT_ARCHIVED", f"{projects[3]} is archived")

    refused = await fails(billing.GetFinancialReport(report_of(engagement), metadata=as_role("finance").metadata(),
                                                      timeout=30))
    await until(lambda: dependency.noted.in_flight == 0)

    assert (refused.code, refused.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PROJECT_ARCHIVED")
    assert refused.metadata["dependency_reason"] == "PROJECT_ARCHIVED"
    asked = len(dependency.noted.deadlines)
    assert asked <= clients.FAN_OUT_LIMIT, "the projects after the limit were never asked"
    assert dependency.noted.cancelled == asked - 1, "every other call in flight was cancelled"


async def test_no_database_connection_is_held_while_another_service_answers(
        billing, dependency, as_role, engagement, projects):
    finance = as_role("finance")
    dependency.noted.hold = asyncio.Event()
    report = asyncio.ensure_future(billing.GetFinancialReport(report_of(projects[0]), metadata=finance.metadata(),
                                                            timeout=30))
    await until(lambda: dependency.noted.in_flight == 1)

    # The service's only connection is free while the report waits on ProjectsService.
    read = await billing.GetEngagement(billing_api.GetEngagementRequest(name=engagement), metadata=finance.metadata(),
                                       timeout=CALL_TIMEOUT_S)
    dependency.noted.hold.set()
    done = await report

    assert read.name == engagement
    assert done.subject == projects[0]
