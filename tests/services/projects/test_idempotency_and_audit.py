"""AIP-155 request ids (one row however often a request is retried) and the hash-chained audit log."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import grpc
import pytest
from google.protobuf import empty_pb2, field_mask_pb2
from google.type import date_pb2, money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import audit
from tests.support import Caller, fails, rid


def D(year: int, month: int, day: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=day)


@pytest.fixture
async def db(database_url):
    # The service's own view: names resolve in its schema, as they do for verify_chain in `pmaas audit verify`.
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "projects,public"})
    yield conn
    await conn.close()


def project_request(org: str, request_id: str, project_id: str = "apollo", **fields) -> api.CreateProjectRequest:
    fields.setdefault("code", "APL-1")
    fields.setdefault("display_name", "Apollo")
    fields.setdefault("methodology", pb.METHODOLOGY_PRINCE2)
    return api.CreateProjectRequest(parent=f"organizations/{org}", project_id=project_id,
                                    project=pb.Project(**fields), request_id=request_id)


async def project_rows(db, org: str) -> int:
    return await db.fetchval("SELECT count(*) FROM projects.projects WHERE org_id = $1", org)


async def events(db, org: str, **where) -> list[asyncpg.Record]:
    clauses = "".join(f" AND {column} = ${i + 2}" for i, column in enumerate(where))
    return await db.fetch(f"SELECT * FROM projects.audit_events WHERE org_id = $1{clauses} ORDER BY seq",
                          org, *where.values())


async def event_count(db, org: str) -> int:
    return await db.fetchval("SELECT count(*) FROM projects.audit_events WHERE org_id = $1", org)


# --- request ids ----------------------------------------------------------------

async def test_same_request_id_and_request_returns_the_same_response_and_one_row(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    request_id = rid()
    first = await pmo(projects_stub.CreateProject, project_request(org, request_id))
    second = await pmo(projects_stub.CreateProject, project_request(org, request_id))
    assert second == first
    assert await project_rows(db, org) == 1
    assert [e["action"] for e in await events(db, org, request_id=request_id)] == ["CreateProject"]


async def test_without_a_request_id_a_retry_is_a_new_request(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    await pmo(projects_stub.CreateProject, project_request(org, ""))
    err = await fails(pmo(projects_stub.CreateProject, project_request(org, "")))
    assert err.code == grpc.StatusCode.ALREADY_EXISTS
    assert await project_rows(db, org) == 1


async def test_retried_update_applies_once(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    created = await pmo(projects_stub.CreateProject, project_request(org, rid()))
    update = api.UpdateProjectRequest(project=pb.Project(name=created.name, display_name="Apollo II",
                                                         etag=created.etag),
                                      update_mask=field_mask_pb2.FieldMask(paths=["display_name"]), request_id=rid())
    first = await pmo(projects_stub.UpdateProject, update)
    # The retry carries the etag it was first sent with: replayed, not refused as stale.
    second = await pmo(projects_stub.UpdateProject, update)
    assert second == first
    assert await db.fetchval("SELECT version FROM projects.projects WHERE org_id = $1", org) == 2
    assert len(await events(db, org, request_id=update.request_id)) == 1


async def test_retried_delete_succeeds_again_instead_of_not_found(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    created = await pmo(projects_stub.CreateProject, project_request(org, rid()))
    delete = api.DeleteProjectRequest(name=created.name, request_id=rid())
    assert await pmo(projects_stub.DeleteProject, delete) == empty_pb2.Empty()
    assert await pmo(projects_stub.DeleteProject, delete) == empty_pb2.Empty()
    assert await project_rows(db, org) == 0
    assert [e["action"] for e in await events(db, org, request_id=delete.request_id)] == ["DeleteProject"]


async def test_same_request_id_with_a_different_request_is_refused(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    request_id = rid()
    await pmo(projects_stub.CreateProject, project_request(org, request_id))
    err = await fails(pmo(projects_stub.CreateProject, project_request(
        org, request_id, project_id="hermes", code="HRM-1", display_name="Hermes")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "REQUEST_ID_REUSED"
    assert "request_id" in err.fields
    assert await project_rows(db, org) == 1


async def test_the_same_request_id_and_request_from_another_caller_is_refused(projects_stub, as_role, org, db):
    """A request id is the caller's own: nobody else gets their response replayed."""
    request_id = rid()
    await as_role("pmo", sub="first")(projects_stub.CreateProject, project_request(org, request_id))
    err = await fails(as_role("pmo", sub="second")(projects_stub.CreateProject, project_request(org, request_id)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "REQUEST_ID_REUSED"
    assert await project_rows(db, org) == 1


async def test_same_request_id_on_another_method_is_refused(projects_stub, as_role, org):
    pmo = as_role("pmo")
    request_id = rid()
    created = await pmo(projects_stub.CreateProject, project_request(org, request_id))
    err = await fails(pmo(projects_stub.CreateMilestone, api.CreateMilestoneRequest(
        parent=created.name, milestone=pb.Milestone(display_name="M", due_date=D(2031, 1, 1)),
        request_id=request_id)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "REQUEST_ID_REUSED"
    assert "CreateProject" in err.message


@pytest.mark.parametrize("request_id", ["not-a-uuid", "12345", "g" * 36, "x" * 1000])
async def test_malformed_request_id_is_invalid(projects_stub, as_role, org, db, request_id):
    err = await fails(as_role("pmo")(projects_stub.CreateProject, project_request(org, request_id)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "request_id" in err.fields
    assert await project_rows(db, org) == 0


async def test_concurrent_identical_requests_create_one_row(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    request_id = rid()
    responses = await asyncio.gather(
        *(pmo(projects_stub.CreateProject, project_request(org, request_id)) for _ in range(10)))
    assert all(r == responses[0] for r in responses)
    assert responses[0].name == f"organizations/{org}/projects/apollo"
    assert await project_rows(db, org) == 1
    assert len(await events(db, org, request_id=request_id)) == 1
    assert await db.fetchval("SELECT count(*) FROM projects.idempotency_keys WHERE org_id = $1", org) == 1


async def test_failed_request_leaves_its_request_id_free(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    created = await pmo(projects_stub.CreateProject, project_request(org, rid()))
    request_id = rid()
    bad = api.UpdateProjectRequest(project=pb.Project(name=created.name, percent_complete=101),
                                   update_mask=field_mask_pb2.FieldMask(paths=["percent_complete"]),
                                   request_id=request_id)
    err = await fails(pmo(projects_stub.UpdateProject, bad))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert await db.fetchval("SELECT count(*) FROM projects.idempotency_keys WHERE request_id = $1::uuid",
                             request_id) == 0
    bad.project.percent_complete = 50
    fixed = await pmo(projects_stub.UpdateProject, bad)
    assert fixed.percent_complete == 50


# --- audit events -----------------------------------------------------------------

async def test_every_mutation_appends_an_audit_event(projects_stub, as_role, governance, org, db):
    pmo = as_role("pmo", sub="olga")
    trace_id = secrets.token_hex(16)
    traceparent = ("traceparent", f"00-{trace_id}-{secrets.token_hex(8)}-01")
    ids = iter([rid() for _ in range(20)])
    expected: list[tuple[str, str, str, str, str]] = []  # action, resource, request_id, before, after

    async def call(method, request, caller=pmo):
        return await method(request, metadata=(*caller.metadata(), traceparent), timeout=10)

    portfolio_rid = next(ids)
    portfolio = await call(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="core", portfolio=pb.Portfolio(display_name="Core"),
        request_id=portfolio_rid))
    expected.append(("CreatePortfolio", portfolio.name, portfolio_rid, "", audit.digest(portfolio)))

    create = project_request(org, next(ids), portfolio=portfolio.name, percent_complete=10,
                             budget=money_pb2.Money(currency_code="EUR", units=1000))
    project = await call(projects_stub.CreateProject, create)
    expected.append(("CreateProject", project.name, create.request_id, "", audit.digest(project)))

    update = api.UpdateProjectRequest(project=pb.Project(name=project.name, percent_complete=20),
                                      update_mask=field_mask_pb2.FieldMask(paths=["percent_complete"]),
                                      request_id=next(ids))
    updated = await call(projects_stub.UpdateProject, update)
    expected.append(("UpdateProject", project.name, update.request_id, audit.digest(project),
                     audit.digest(updated)))

    transition = api.TransitionProjectPhaseRequest(name=project.name, phase=pb.PHASE_PLANNING, reason="Gate 1",
                                                   request_id=next(ids))
    # The phase gate's decision, taken by the governance worker for olga.
    planned = await call(projects_stub.TransitionProjectPhase, transition, governance.acting_for("olga"))
    expected.append(("TransitionProjectPhase", project.name, transition.request_id, audit.digest(updated),
                     audit.digest(planned)))

    milestone_req = api.CreateMilestoneRequest(parent=project.name, milestone_id="m1", request_id=next(ids),
                                               milestone=pb.Milestone(display_name="M1", due_date=D(2031, 1, 1)))
    milestone = await call(projects_stub.CreateMilestone, milestone_req)
    expected.append(("CreateMilestone", milestone.name, milestone_req.request_id, "", audit.digest(milestone)))

    delete_milestone = api.DeleteMilestoneRequest(name=milestone.name, request_id=next(ids))
    await call(projects_stub.DeleteMilestone, delete_milestone)
    expected.append(("DeleteMilestone", milestone.name, delete_milestone.request_id, audit.digest(milestone), ""))

    assignment_req = api.CreateAssignmentRequest(parent=project.name, assignment_id="a1", request_id=next(ids),
                                                 assignment=pb.Assignment(
                                                     person="alice", role="Analyst", allocation_percent=50,
                                                     start_date=D(2031, 1, 1), end_date=D(2031, 2, 1)))
    assignment = await call(projects_stub.CreateAssignment, assignment_req)
    expected.append(("CreateAssignment", assignment.name, assignment_req.request_id, "", audit.digest(assignment)))

    report_req = api.CreateStatusReportRequest(parent=project.name, status_report_id="r1", request_id=next(ids),
                                               status_report=pb.StatusReport(health=pb.Health(
                                                   schedule=pb.RAG_RED, scope=pb.RAG_GREEN, cost=pb.RAG_GREEN,
                                                   resources=pb.RAG_GREEN)))
    report = await call(projects_stub.CreateStatusReport, report_req)
    red = await call(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    expected.append(("CreateStatusReport", report.name, report_req.request_id, "", audit.digest(report)))
    expected.append(("UpdateProjectHealth", project.name, report_req.request_id, audit.digest(planned),
                     audit.digest(red)))

    lesson_req = api.CreateLessonLearnedRequest(parent=project.name, lesson_learned_id="l1", request_id=next(ids),
                                                lesson_learned=pb.LessonLearned(title="Plan earlier"))
    lesson = await call(projects_stub.CreateLessonLearned, lesson_req)
    expected.append(("CreateLessonLearned", lesson.name, lesson_req.request_id, "", audit.digest(lesson)))

    rows = await events(db, org)
    assert rows[0]["action"] == "CreateOrganization" and rows[0]["actor"] == "admin-user"
    mine = rows[1:]
    assert [(r["action"], r["resource"], r["request_id"], r["before_digest"], r["after_digest"]) for r in mine] \
        == expected
    for row in mine:
        if row["action"] == "TransitionProjectPhase":
            assert (row["actor"], row["on_behalf_of"]) == ("svc-governance", "olga")
        else:
            assert (row["actor"], row["on_behalf_of"]) == ("olga", "")
        assert row["trace_id"] == trace_id
        assert row["org_id"] == org
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    transition_row = next(r for r in mine if r["action"] == "TransitionProjectPhase")
    detail = transition_row["detail"]
    assert '"Gate 1"' in detail and "PHASE_INITIATION" in detail and "PHASE_PLANNING" in detail
    report = await audit.verify_chain(db, org)
    assert report.ok and report.events == len(rows) and report.first_broken_seq is None


async def test_verify_chain_is_ok_on_a_fresh_org(org, db):
    report = await audit.verify_chain(db, org)
    assert report.ok
    assert report.events == 1  # CreateOrganization
    assert report.first_broken_seq is None


async def test_verify_chain_of_an_org_without_events_is_ok(db):
    report = await audit.verify_chain(db, "org-that-never-existed")
    assert report.ok and report.events == 0


async def test_chains_are_per_organization(projects_stub, as_role, org, db, authority, new_org_id):
    other = new_org_id + "-b"
    admin = Caller(authority, "root", {other: ["admin"]})
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=other, organization=pb.Organization(display_name="B", pmo_type=pb.PMO_TYPE_STRATEGIC)))
    await as_role("pmo")(projects_stub.CreateProject, project_request(org, rid()))
    mine, theirs = await events(db, org), await events(db, other)
    assert [r["seq"] for r in mine] == [1, 2]
    assert [r["seq"] for r in theirs] == [1]
    assert theirs[0]["prev_hash"] == audit.GENESIS and mine[0]["prev_hash"] == audit.GENESIS
    assert mine[1]["prev_hash"] == mine[0]["hash"]
    assert (await audit.verify_chain(db, org)).ok and (await audit.verify_chain(db, other)).ok


@pytest.mark.parametrize("statement", [
    "UPDATE projects.audit_events SET actor = 'mallory' WHERE org_id = $1",
    "DELETE FROM projects.audit_events WHERE org_id = $1",
])
async def test_audit_events_refuse_update_and_delete(org, db, statement):
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await db.execute(statement, org)
    assert (await audit.verify_chain(db, org)).ok


async def test_audit_events_refuse_truncate(db):
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await db.execute("TRUNCATE projects.audit_events")


async def _three_more_events(stub, as_role, org) -> None:
    pmo = as_role("pmo")
    created = await pmo(stub.CreateProject, project_request(org, rid()))
    for percent in (10, 20):
        await pmo(stub.UpdateProject, api.UpdateProjectRequest(
            project=pb.Project(name=created.name, percent_complete=percent),
            update_mask=field_mask_pb2.FieldMask(paths=["percent_complete"]), request_id=rid()))


class _RollBack(Exception):
    pass


async def _tampered(db, org: str, statement: str) -> audit.ChainReport:
    """Run `statement` with the append-only trigger off, verify, and roll everything back."""
    report = None
    with pytest.raises(_RollBack):
        async with db.transaction(isolation="repeatable_read"):
            await db.execute("ALTER TABLE projects.audit_events DISABLE TRIGGER audit_events_no_update_delete")
            await db.execute(statement, org)
            report = await audit.verify_chain(db, org)
            raise _RollBack
    return report


@pytest.mark.parametrize("statement, problem", [
    ("UPDATE projects.audit_events SET actor = 'mallory' WHERE org_id = $1 AND seq = 3", "content"),
    ("UPDATE projects.audit_events SET detail = '{\"forged\": true}' WHERE org_id = $1 AND seq = 3", "content"),
    ("UPDATE projects.audit_events SET on_behalf_of = 'alice' WHERE org_id = $1 AND seq = 3", "content"),
    ("UPDATE projects.audit_events SET event_time = event_time + interval '1 hour' WHERE org_id = $1 AND seq = 3",
     "content"),
    ("UPDATE projects.audit_events SET prev_hash = repeat('0', 64) WHERE org_id = $1 AND seq = 3", "prev_hash"),
    ("DELETE FROM projects.audit_events WHERE org_id = $1 AND seq = 3", "missing"),
])
async def test_verify_chain_names_the_first_broken_link(projects_stub, as_role, org, db, statement, problem):
    await _three_more_events(projects_stub, as_role, org)
    assert (await audit.verify_chain(db, org)).ok
    report = await _tampered(db, org, statement)
    assert not report.ok
    assert report.first_broken_seq == 3
    assert problem in report.problem
    # Rolled back: the trigger is on again and the chain is intact.
    after = await audit.verify_chain(db, org)
    assert after.ok and after.events == 4
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await db.execute("DELETE FROM projects.audit_events WHERE org_id = $1", org)


async def test_rehashing_a_tampered_event_breaks_the_next_link(projects_stub, as_role, org, db):
    await _three_more_events(projects_stub, as_role, org)
    # A forger who recomputes the edited event's own hash still breaks the link after it.
    report = await _tampered(db, org, """
        UPDATE projects.audit_events SET actor = 'mallory', hash = repeat('f', 64) WHERE org_id = $1 AND seq = 2""")
    assert not report.ok
    assert report.first_broken_seq == 2
    row2 = await events(db, org, seq=2)
    real = audit.AuditEvent(
        org_id=org, actor="mallory", action=row2[0]["action"], resource=row2[0]["resource"],
        request_id=row2[0]["request_id"], trace_id=row2[0]["trace_id"], before_digest=row2[0]["before_digest"],
        after_digest=row2[0]["after_digest"], detail={})
    forged_hash = audit.chain_hash(row2[0]["prev_hash"], real.canonical(2, row2[0]["event_time"]))
    report = await _tampered(db, org, f"""
        UPDATE projects.audit_events SET actor = 'mallory', hash = '{forged_hash}' WHERE org_id = $1 AND seq = 2""")
    assert not report.ok
    assert report.first_broken_seq == 3
    assert "prev_hash" in report.problem


# --- failures record nothing ---------------------------------------------------------

async def test_failed_validation_records_nothing(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    before = await event_count(db, org)
    err = await fails(pmo(projects_stub.CreateProject, project_request(org, rid(), code="", methodology=99)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert await event_count(db, org) == before
    assert await project_rows(db, org) == 0


async def test_failures_inside_the_transaction_record_nothing(projects_stub, as_role, governance, org, db):
    pmo = as_role("pmo")
    created = await pmo(projects_stub.CreateProject, project_request(org, rid()))
    await pmo(projects_stub.CreateAssignment, api.CreateAssignmentRequest(
        parent=created.name, request_id=rid(), assignment=pb.Assignment(
            person="alice", role="Analyst", allocation_percent=90, start_date=D(2031, 1, 1),
            end_date=D(2031, 2, 1))))
    before = await event_count(db, org)
    keys_before = await db.fetchval("SELECT count(*) FROM projects.idempotency_keys WHERE org_id = $1", org)
    failures = [
        # validated against the stored project, inside the transaction
        pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
            project=pb.Project(name=created.name, display_name=""),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]), request_id=rid())),
        # stale etag
        pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
            project=pb.Project(name=created.name, display_name="X", etag="stale"), request_id=rid())),
        # business rule
        pmo(projects_stub.CreateAssignment, api.CreateAssignmentRequest(
            parent=created.name, request_id=rid(), assignment=pb.Assignment(
                person="alice", role="Analyst", allocation_percent=20, start_date=D(2031, 1, 1),
                end_date=D(2031, 2, 1)))),
        # phase rule
        governance(projects_stub.TransitionProjectPhase, api.TransitionProjectPhaseRequest(
            name=created.name, phase=pb.PHASE_EXECUTION, reason="skip", request_id=rid())),
        # missing parent
        pmo(projects_stub.CreateMilestone, api.CreateMilestoneRequest(
            parent=f"organizations/{org}/projects/ghost", request_id=rid(),
            milestone=pb.Milestone(display_name="M", due_date=D(2031, 1, 1)))),
    ]
    codes = [(await fails(f)).code for f in failures]
    assert codes == [grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ABORTED, grpc.StatusCode.FAILED_PRECONDITION,
                     grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND]
    assert await event_count(db, org) == before
    assert await db.fetchval("SELECT count(*) FROM projects.idempotency_keys WHERE org_id = $1", org) == keys_before
    assert (await audit.verify_chain(db, org)).ok


async def test_validate_only_records_nothing(projects_stub, as_role, org, db):
    before = await event_count(db, org)
    request = project_request(org, rid())
    request.validate_only = True
    preview = await as_role("pmo")(projects_stub.CreateProject, request)
    assert preview.name == f"organizations/{org}/projects/apollo"
    assert await event_count(db, org) == before
    assert await project_rows(db, org) == 0
    assert await db.fetchval("SELECT count(*) FROM projects.idempotency_keys WHERE org_id = $1", org) == 0


async def test_a_replayed_request_records_nothing_more(projects_stub, as_role, org, db):
    pmo = as_role("pmo")
    request = project_request(org, rid())
    await pmo(projects_stub.CreateProject, request)
    count = await event_count(db, org)
    await pmo(projects_stub.CreateProject, request)
    assert await event_count(db, org) == count
