"""pmaas.audit.v1.AuditService against the real services: each serves its own schema's audit log;
ListAuditEvents filters by resource, actor, on_behalf_of, action and time range, pages by keyset oldest or
newest first; VerifyAuditChain reports an intact chain and the first broken link; only admins and auditors
of the organization may call either."""

from __future__ import annotations

import asyncpg
import grpc
import pytest
from google.protobuf import field_mask_pb2, json_format

from pmaas.audit.v1 import audit_service_pb2 as api
from pmaas.audit.v1 import audit_service_pb2_grpc
from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from services.platform.auth import PERMISSIONS, PERSON_ROLES, Permission
from tests.support import Caller, GovernanceCaller, fails, rid

READERS = {"admin", "auditor"}


@pytest.fixture
async def audit_of():
    """audit_of(running) -> a stub on the AuditService that a running service serves beside its own API."""
    channels = []

    def stub(running) -> audit_service_pb2_grpc.AuditServiceStub:
        channels.append(grpc.aio.insecure_channel(f"127.0.0.1:{running.port}"))
        return audit_service_pb2_grpc.AuditServiceStub(channels[-1])

    yield stub
    for channel in channels:
        await channel.close()


@pytest.fixture
async def audit(audit_of, projects_service) -> audit_service_pb2_grpc.AuditServiceStub:
    """The AuditService of ProjectsService (its `projects` schema). Async: a grpc.aio channel belongs to the
    running loop, and a sync fixture has none (CI found this when an earlier test left no current loop)."""
    return audit_of(projects_service)


@pytest.fixture
async def superuser(database_url):
    """Behind the API, as the server's superuser: only it can make the audit log's triggers stand aside."""
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "projects,public"})
    yield conn
    await conn.close()


@pytest.fixture
async def history(projects_stub, as_role, authority, org) -> list[str]:
    """Projects events of `org` in chain order: 1 CreateOrganization (admin-user), 2-4 CreateProject a, b, c
    (user-pmo), 5 UpdateProject a by the governance service for alice. Returns the project names."""
    pmo = as_role("pmo")
    names = []
    for pid in ("a", "b", "c"):
        created = await pmo(projects_stub.CreateProject, projects_api.CreateProjectRequest(
            parent=f"organizations/{org}", project_id=pid, request_id=rid(), project=projects_pb.Project(
                code=pid.upper(), display_name=f"Project {pid}", methodology=projects_pb.METHODOLOGY_AGILE)))
        names.append(created.name)
    await GovernanceCaller(authority, "alice")(projects_stub.UpdateProject, projects_api.UpdateProjectRequest(
        project=projects_pb.Project(name=names[0], display_name="Renamed"), request_id=rid(),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"])))
    return names


async def listed(audit, caller, org: str, **fields) -> list[tuple]:
    page = await caller(audit.ListAuditEvents, api.ListAuditEventsRequest(parent=f"organizations/{org}", **fields))
    return [(e.sequence, e.action, e.actor, e.on_behalf_of) for e in page.audit_events]


# --- listing ------------------------------------------------------------------------------

async def test_an_auditor_reads_the_chain_oldest_first(audit, as_role, org, history):
    page = await as_role("auditor")(audit.ListAuditEvents, api.ListAuditEventsRequest(parent=f"organizations/{org}"))
    assert [(e.sequence, e.action, e.resource, e.actor, e.on_behalf_of) for e in page.audit_events] == [
        (1, "CreateOrganization", f"organizations/{org}", "admin-user", ""),
        (2, "CreateProject", history[0], "user-pmo", ""),
        (3, "CreateProject", history[1], "user-pmo", ""),
        (4, "CreateProject", history[2], "user-pmo", ""),
        (5, "UpdateProject", history[0], "svc-governance", "alice"),
    ]
    first, second, last = page.audit_events[0], page.audit_events[1], page.audit_events[-1]
    assert first.name == f"organizations/{org}/auditEvents/1" and first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash and len(second.hash) == 64 and second.after_digest
    assert second.request_id and second.event_time.seconds > 0
    assert json_format.MessageToDict(last.detail) == {"fields": ["display_name"]}
    assert page.next_page_token == ""


@pytest.mark.parametrize("text, sequences", [
    ('actor = "user-pmo"', [2, 3, 4]),
    ('actor = "svc-governance"', [5]),
    ('on_behalf_of = "alice"', [5]),
    ('action = "CreateProject" AND actor != "nobody"', [2, 3, 4]),
    ("sequence > 3", [4, 5]),
    ('on_behalf_of = "bob"', []),
])
async def test_listing_filters_by_actor_on_behalf_of_and_action(audit, as_role, org, history, text, sequences):
    assert [e[0] for e in await listed(audit, as_role("admin"), org, filter=text)] == sequences


async def test_listing_filters_by_resource(audit, as_role, org, history):
    got = await listed(audit, as_role("auditor"), org, filter=f'resource = "{history[0]}"')
    assert [(s, action) for s, action, *_ in got] == [(2, "CreateProject"), (5, "UpdateProject")]


async def test_listing_filters_by_time_range(audit, as_role, org, history):
    auditor = as_role("auditor")
    every = (await auditor(audit.ListAuditEvents, api.ListAuditEventsRequest(
        parent=f"organizations/{org}"))).audit_events
    second, fourth = every[1].event_time.ToJsonString(), every[3].event_time.ToJsonString()
    window = f'event_time >= "{second}" AND event_time <= "{fourth}"'
    assert [e[0] for e in await listed(audit, auditor, org, filter=window)] == [2, 3, 4]
    assert [e[0] for e in await listed(audit, auditor, org, filter=f'event_time < "{second}"')] == [1]


async def test_pages_oldest_first_and_newest_first(audit, as_role, org, history):
    auditor = as_role("auditor")
    for order, expected in (("", [1, 2, 3, 4, 5]), ("sequence", [1, 2, 3, 4, 5]),
                            ("sequence desc", [5, 4, 3, 2, 1]), ("  sequence   desc ", [5, 4, 3, 2, 1])):
        seen, token, pages = [], "", 0
        while True:
            page = await auditor(audit.ListAuditEvents, api.ListAuditEventsRequest(
                parent=f"organizations/{org}", page_size=2, page_token=token, order_by=order))
            seen += [e.sequence for e in page.audit_events]
            pages += 1
            token = page.next_page_token
            if not token:
                break
        assert (seen, pages) == (expected, 3), order


async def test_a_page_token_serves_only_its_own_query(audit, as_role, org, history):
    auditor = as_role("auditor")
    first = await auditor(audit.ListAuditEvents, api.ListAuditEventsRequest(
        parent=f"organizations/{org}", page_size=2, filter='action = "CreateProject"'))
    for changed in ({"filter": ""}, {"order_by": "sequence desc"}):
        request = api.ListAuditEventsRequest(parent=f"organizations/{org}", page_size=2,
                                             page_token=first.next_page_token, filter='action = "CreateProject"')
        for field, value in changed.items():
            setattr(request, field, value)
        failure = await fails(auditor(audit.ListAuditEvents, request))
        assert (failure.code, set(failure.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, {"page_token"})


@pytest.mark.parametrize("fields, field", [
    ({"parent": "orgs/x"}, "parent"),
    ({"filter": 'author = "x"'}, "filter"),
    ({"filter": 'event_time > "2027-01-31T09:30:00"'}, "filter"),  # no time zone
    ({"filter": 'event_time > "yesterday"'}, "filter"),
    ({"order_by": "event_time desc"}, "order_by"),
    ({"page_size": -1}, "page_size"),
    ({"page_token": "nonsense"}, "page_token"),
])
async def test_bad_list_requests_name_their_field(audit, as_role, org, fields, field):
    request = api.ListAuditEventsRequest(parent=f"organizations/{org}")
    for name, value in fields.items():
        setattr(request, name, value)
    failure = await fails(as_role("auditor")(audit.ListAuditEvents, request))
    assert (failure.code, set(failure.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, {field})


async def test_each_service_serves_its_own_schema_s_log(audit_of, risks_service, billing_service, risks_stub,
                                                        billing_stub, projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await pmo(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="erp", project=projects_pb.Project(
            code="ERP", display_name="ERP", methodology=projects_pb.METHODOLOGY_AGILE)))
    risk = await pmo(risks_stub.CreateRisk, risks_api.CreateRiskRequest(
        parent=project.name, risk=risks_pb.Risk(title="Vendor late", probability=2, impact=3), request_id=rid()))
    engagement = await pmo(billing_stub.CreateEngagement, billing_api.CreateEngagementRequest(
        parent=f"organizations/{org}", engagement_id="main", request_id=rid(), engagement=billing_pb.Engagement(
            display_name="Main", projects=[project.name], currency_code="EUR", payment_terms_days=30,
            billing_model=billing_pb.BILLING_MODEL_TIME_AND_MATERIALS)))
    auditor = as_role("auditor")
    for running, expected in ((risks_service, [("CreateRisk", risk.name)]),
                              (billing_service, [("CreateEngagement", engagement.name)])):
        stub = audit_of(running)
        page = await auditor(stub.ListAuditEvents, api.ListAuditEventsRequest(parent=f"organizations/{org}"))
        assert [(e.action, e.resource) for e in page.audit_events] == expected
        verified = await auditor(stub.VerifyAuditChain, api.VerifyAuditChainRequest(parent=f"organizations/{org}"))
        assert (verified.intact, verified.events_checked) == (True, 1)


# --- who may read -------------------------------------------------------------------------

def test_audit_read_is_admins_and_auditors_only():
    assert {r.value for r in PERSON_ROLES if Permission.AUDIT_READ in PERMISSIONS[r]} == READERS


def _both(org: str) -> list[tuple[str, object]]:
    return [("ListAuditEvents", api.ListAuditEventsRequest(parent=f"organizations/{org}")),
            ("VerifyAuditChain", api.VerifyAuditChainRequest(parent=f"organizations/{org}"))]


@pytest.mark.parametrize("role", sorted({r.value for r in PERSON_ROLES} - READERS))
async def test_other_roles_may_not_read_the_audit_log(audit, as_role, org, role):
    for method, request in _both(org):
        failure = await fails(as_role(role)(getattr(audit, method), request))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, method
        assert failure.message.endswith("do not grant audit.read"), method


async def test_the_governance_service_may_not_read_the_audit_log(audit, authority, org):
    for method, request in _both(org):
        failure = await fails(GovernanceCaller(authority, None)(getattr(audit, method), request))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, method


@pytest.mark.parametrize("role", sorted(READERS))
async def test_another_organization_s_log_is_permission_denied(audit, authority, org, history, role):
    stranger = Caller(authority, "eve", {"elsewhere": [role]})
    for target in (org, "org-that-does-not-exist"):
        for method, request in _both(target):
            failure = await fails(stranger(getattr(audit, method), request))
            assert failure.code == grpc.StatusCode.PERMISSION_DENIED, (method, target)
            assert "has no role in" in failure.message


async def test_the_audit_log_needs_a_token(audit, org):
    for method, request in _both(org):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await getattr(audit, method)(request, timeout=10)
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


# --- verifying ----------------------------------------------------------------------------

async def verify(audit, caller, org: str) -> api.VerifyAuditChainResponse:
    return await caller(audit.VerifyAuditChain, api.VerifyAuditChainRequest(parent=f"organizations/{org}"))


async def test_verify_reports_an_intact_chain(audit, as_role, org, history):
    assert await verify(audit, as_role("admin"), org) == api.VerifyAuditChainResponse(intact=True, events_checked=5)


async def test_verify_of_an_organization_without_events_is_intact(audit, authority, new_org_id):
    auditor = Caller(authority, "ann", {new_org_id: ["auditor"]})
    assert await verify(audit, auditor, new_org_id) == api.VerifyAuditChainResponse(intact=True, events_checked=0)


async def _behind_the_triggers(superuser, sql: str, *args) -> None:
    """Change the log as only a superuser can: with triggers (the append-only guard) not firing."""
    async with superuser.transaction():
        await superuser.execute("SET LOCAL session_replication_role = replica")
        await superuser.execute(sql, *args)


async def test_verify_names_the_first_changed_event(audit, as_role, org, history, superuser):
    await _behind_the_triggers(superuser, "UPDATE audit_events SET actor = 'mallory' WHERE org_id = $1 AND seq = 3",
                               org)
    got = await verify(audit, as_role("auditor"), org)
    assert (got.intact, got.first_broken_sequence, got.events_checked) == (False, 3, 3)
    assert got.problem == "event content does not match its hash"
    listed_actors = await listed(audit, as_role("auditor"), org, filter='actor = "mallory"')
    assert [e[0] for e in listed_actors] == [3]  # the list shows what is stored; verify says it is forged


async def test_verify_names_a_removed_event(audit, as_role, org, history, superuser):
    await _behind_the_triggers(superuser, "DELETE FROM audit_events WHERE org_id = $1 AND seq = 2", org)
    got = await verify(audit, as_role("admin"), org)
    assert (got.intact, got.first_broken_sequence) == (False, 2)
    assert got.problem == "event 2 is missing"
