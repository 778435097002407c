"""Authentication and tenant isolation on a representative set of RPCs, and the public infrastructure services."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

import grpc
import jwt
import pytest
from google.type import date_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import Caller, fails, failure, rid

SERVICE = "pmaas.projects.v1.ProjectsService"


@dataclass
class World:
    """An organization with one of each resource the cases touch, and names that do not exist."""

    org: str
    project: pb.Project
    portfolio: str
    missing_org: str

    @property
    def parent(self) -> str:
        return f"organizations/{self.org}"

    @property
    def missing_project(self) -> str:
        return f"{self.parent}/projects/ghost"

    @property
    def missing_portfolio(self) -> str:
        return f"{self.parent}/portfolios/ghost"


@pytest.fixture
async def world(projects_stub, as_role, org, new_org_id) -> World:
    pmo = as_role("pmo")
    portfolio = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="core", portfolio=pb.Portfolio(display_name="Core")))
    project = await pmo(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo", project=pb.Project(
            code="APL", display_name="Apollo", methodology=pb.METHODOLOGY_AGILE, portfolio=portfolio.name)))
    return World(org=org, project=project, portfolio=portfolio.name, missing_org=new_org_id + "-missing")


def _milestone() -> pb.Milestone:
    return pb.Milestone(display_name="Go-live", due_date=date_pb2.Date(year=2031, month=1, day=1))


def _assignment() -> pb.Assignment:
    return pb.Assignment(person="alice", role="Analyst", allocation_percent=10,
                         start_date=date_pb2.Date(year=2031, month=1, day=1),
                         end_date=date_pb2.Date(year=2031, month=2, day=1))


# RPC -> (request on an existing resource, request on a nonexistent one). Valid in every other way, so
# the only thing that can stop them is authentication or authorization.
CASES = {
    "GetProject": (lambda w: api.GetProjectRequest(name=w.project.name),
                   lambda w: api.GetProjectRequest(name=w.missing_project)),
    "ListProjects": (lambda w: api.ListProjectsRequest(parent=w.parent),
                     lambda w: api.ListProjectsRequest(parent=f"organizations/{w.missing_org}")),
    "CreateProject": (
        lambda w: api.CreateProjectRequest(parent=w.parent, project_id="apollo", request_id=rid(), project=pb.Project(
            code="APL", display_name="Apollo", methodology=pb.METHODOLOGY_AGILE)),
        lambda w: api.CreateProjectRequest(parent=w.parent, project_id="ghost", request_id=rid(), project=pb.Project(
            code="GHOST", display_name="Ghost", methodology=pb.METHODOLOGY_AGILE))),
    "UpdateProject": (
        lambda w: api.UpdateProjectRequest(project=pb.Project(name=w.project.name, display_name="Hijacked"),
                                           request_id=rid()),
        lambda w: api.UpdateProjectRequest(project=pb.Project(name=w.missing_project, display_name="Hijacked"),
                                           request_id=rid())),
    "DeleteProject": (lambda w: api.DeleteProjectRequest(name=w.project.name, request_id=rid()),
                      lambda w: api.DeleteProjectRequest(name=w.missing_project, request_id=rid())),
    "TransitionProjectPhase": (
        lambda w: api.TransitionProjectPhaseRequest(name=w.project.name, phase=pb.PHASE_PLANNING, reason="Gate",
                                                    request_id=rid()),
        lambda w: api.TransitionProjectPhaseRequest(name=w.missing_project, phase=pb.PHASE_PLANNING, reason="Gate",
                                                    request_id=rid())),
    "CreateMilestone": (
        lambda w: api.CreateMilestoneRequest(parent=w.project.name, milestone=_milestone(), request_id=rid()),
        lambda w: api.CreateMilestoneRequest(parent=w.missing_project, milestone=_milestone(), request_id=rid())),
    "CreateAssignment": (
        lambda w: api.CreateAssignmentRequest(parent=w.project.name, assignment=_assignment(), request_id=rid()),
        lambda w: api.CreateAssignmentRequest(parent=w.missing_project, assignment=_assignment(), request_id=rid())),
    "GetPortfolioSummary": (lambda w: api.GetPortfolioSummaryRequest(name=w.portfolio),
                            lambda w: api.GetPortfolioSummaryRequest(name=w.missing_portfolio)),
}
RPCS = sorted(CASES)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(settings, org: str, **overrides) -> dict:
    now = int(time.time())
    claims = {"sub": "mallory", "orgs": {org: ["admin"]}, "iat": now, "exp": now + 600,
              "iss": settings.jwt_issuer, "aud": settings.jwt_audience}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(settings, claims: dict, secret: str | None = None) -> str:
    return jwt.encode(claims, secret or settings.jwt_secret, algorithm="HS256")


# Each builds the `authorization` value (or None for no header) for a caller who would be admin of `org`
# if the token were accepted.
BAD_CREDENTIALS = {
    "no token": lambda s, a, org: None,
    "empty header": lambda s, a, org: "",
    "not bearer": lambda s, a, org: "Basic YWxpY2U6c2VjcmV0",
    "bearer without token": lambda s, a, org: "Bearer",
    "token without scheme": lambda s, a, org: a.issue("mallory", {org: ["admin"]}),
    "not a jwt": lambda s, a, org: "Bearer not-a-jwt",
    "garbage jwt": lambda s, a, org: "Bearer aaa.bbb.ccc",
    "expired": lambda s, a, org: "Bearer " + a.issue("mallory", {org: ["admin"]}, ttl_s=-60),
    "signed with another secret": lambda s, a, org: "Bearer " + _signed(
        s, _claims(s, org), "another-secret-0123456789abcdef-0123456789"),
    "alg none": lambda s, a, org: "Bearer " + _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(s, org)) + ".",
    "alg none with signature stripped": lambda s, a, org: "Bearer " + ".".join(
        [_b64({"alg": "none", "typ": "JWT"}), a.issue("mallory", {org: ["admin"]}).split(".")[1], ""]),
    "missing orgs": lambda s, a, org: "Bearer " + _signed(s, _claims(s, org, orgs=None)),
    "orgs not a map": lambda s, a, org: "Bearer " + _signed(s, _claims(s, org, orgs=[org])),
    "unknown role": lambda s, a, org: "Bearer " + _signed(s, _claims(s, org, orgs={org: ["superuser"]})),
    "missing sub": lambda s, a, org: "Bearer " + _signed(s, _claims(s, org, sub=None)),
    "missing exp": lambda s, a, org: "Bearer " + _signed(s, _claims(s, org, exp=None)),
    "wrong audience": lambda s, a, org: "Bearer " + _signed(s, _claims(s, org, aud="someone-else")),
    "wrong issuer": lambda s, a, org: "Bearer " + _signed(s, _claims(s, org, iss="evil")),
}


async def _call(stub, rpc: str, request, authorization: str | None):
    metadata = () if authorization is None else (("authorization", authorization),)
    return await getattr(stub, rpc)(request, metadata=metadata, timeout=10)


async def _project_unchanged(stub, as_role, world: World) -> None:
    got = await as_role("viewer")(stub.GetProject, api.GetProjectRequest(name=world.project.name))
    assert got == world.project
    listed = await as_role("viewer")(stub.ListMilestones, api.ListMilestonesRequest(parent=world.project.name))
    assert list(listed.milestones) == []
    listed = await as_role("viewer")(stub.ListAssignments, api.ListAssignmentsRequest(parent=world.project.name))
    assert list(listed.assignments) == []


@pytest.mark.parametrize("credential", sorted(BAD_CREDENTIALS))
@pytest.mark.parametrize("rpc", RPCS)
async def test_bad_credentials_are_unauthenticated(projects_stub, settings, authority, as_role, world, rpc,
                                                   credential):
    authorization = BAD_CREDENTIALS[credential](settings, authority, world.org)
    err = await fails(_call(projects_stub, rpc, CASES[rpc][0](world), authorization))
    assert err.code == grpc.StatusCode.UNAUTHENTICATED, err
    assert err.reason == "UNAUTHENTICATED"
    assert "Traceback" not in err.message
    await _project_unchanged(projects_stub, as_role, world)


@pytest.mark.parametrize("rpc", RPCS)
async def test_the_same_rpcs_succeed_with_a_good_token(projects_stub, authority, world, rpc):
    admin = Caller(authority, "root", {world.org: ["admin"]})
    request = CASES[rpc][0](world)
    if rpc == "CreateProject":
        request.project_id, request.project.code = "fresh", "FRESH"
    await admin(getattr(projects_stub, rpc), request)


@pytest.mark.parametrize("rpc", RPCS)
async def test_another_orgs_token_is_denied_without_leaking_existence(projects_stub, authority, as_role, world,
                                                                      rpc):
    # Admin of an organization of their own, nothing in world.org.
    outsider = Caller(authority, "mallory", {world.missing_org + "-own": ["admin"]})
    existing, missing = CASES[rpc]
    on_existing = await fails(outsider(getattr(projects_stub, rpc), existing(world)))
    on_missing = await fails(outsider(getattr(projects_stub, rpc), missing(world)))
    assert on_existing.code == grpc.StatusCode.PERMISSION_DENIED
    assert on_missing.code == grpc.StatusCode.PERMISSION_DENIED
    assert on_existing.reason == on_missing.reason == "PERMISSION_DENIED"
    # The only difference the caller may see is the organization id they themselves put in the request.
    assert on_missing.message.replace(world.missing_org, world.org) == on_existing.message
    assert on_missing.metadata == on_existing.metadata and on_missing.fields == on_existing.fields
    await _project_unchanged(projects_stub, as_role, world)


@pytest.mark.parametrize("credential, says", [
    ("no token", "missing"), ("not bearer", "Bearer"), ("expired", "expired"), ("alg none", "invalid token"),
    ("signed with another secret", "invalid token"), ("missing orgs", "orgs"),
])
async def test_unauthenticated_says_what_is_wrong(projects_stub, settings, authority, world, credential, says):
    err = await fails(_call(projects_stub, "GetProject", CASES["GetProject"][0](world),
                            BAD_CREDENTIALS[credential](settings, authority, world.org)))
    assert err.code == grpc.StatusCode.UNAUTHENTICATED
    assert says in err.message


async def test_a_token_with_no_organizations_is_denied(projects_stub, authority, world):
    nobody = Caller(authority, "nobody", {})
    err = await fails(nobody(projects_stub.GetProject, api.GetProjectRequest(name=world.project.name)))
    assert err.code == grpc.StatusCode.PERMISSION_DENIED


async def test_a_role_without_the_permission_is_denied(projects_stub, as_role, world):
    err = await fails(as_role("viewer")(projects_stub.DeleteProject, api.DeleteProjectRequest(
        name=world.project.name, request_id=rid())))
    assert err.code == grpc.StatusCode.PERMISSION_DENIED
    assert "project.delete" in err.message


async def test_lowercase_bearer_scheme_is_accepted(projects_stub, authority, world):
    token = authority.issue("alice", {world.org: ["viewer"]})
    got = await projects_stub.GetProject(api.GetProjectRequest(name=world.project.name),
                                         metadata=(("authorization", f"bearer {token}"),), timeout=10)
    assert got == world.project


async def test_health_check_answers_without_a_token(projects_channel):
    stub = health_pb2_grpc.HealthStub(projects_channel)
    for service in ("", SERVICE):
        response = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert response.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
    assert failure(raised.value).code == grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_the_service_without_a_token(projects_channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(projects_channel)
    requests = [reflection_pb2.ServerReflectionRequest(list_services=""),
                reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE)]
    responses = [r async for r in stub.ServerReflectionInfo(iter(requests), timeout=10)]
    listed = {s.name for s in responses[0].list_services_response.service}
    assert SERVICE in listed
    assert "grpc.health.v1.Health" in listed
    assert responses[1].file_descriptor_response.file_descriptor_proto



async def test_health_watch_streams_the_status(projects_channel):
    """Health.Watch (server-streaming, written with context.write) through the server's interceptors."""
    watch = health_pb2_grpc.HealthStub(projects_channel).Watch(health_pb2.HealthCheckRequest(service=SERVICE),
                                                                timeout=10)
    first = await watch.read()
    watch.cancel()
    assert first.status == health_pb2.HealthCheckResponse.SERVING


async def test_an_unknown_method_is_unimplemented(projects_channel):
    """The service's methods are found by name among generic handlers (grpc_server._GenericHandlersOnly)."""
    unknown = projects_channel.unary_unary("/pmaas.projects.v1.ProjectsService/NoSuchMethod",
                                           request_serializer=lambda m: b"", response_deserializer=lambda b: b)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await unknown(None, timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED
