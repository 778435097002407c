"""Who acts: the governance service principal, acting for a person; phases and the baselined plan only it
changes (an admin by audited override); people set a project's first baseline and draft its plan before."""

from __future__ import annotations

import json
import uuid

import asyncpg
import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.type import date_pb2, money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import audit
from services.platform.auth import ON_BEHALF_OF
from tests.support import Caller, fails, rid


def _eur(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


def _date(y: int, m: int, d: int) -> date_pb2.Date:
    return date_pb2.Date(year=y, month=m, day=d)


@pytest.fixture
async def db(database_url):
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "projects,public"})
    yield conn
    await conn.close()


async def _project(stub, org, caller, **kw) -> pb.Project:
    return await caller(stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="p-" + uuid.uuid4().hex[:8], project=pb.Project(
            code="C-" + uuid.uuid4().hex[:8], display_name="Governed", methodology=pb.METHODOLOGY_WATERFALL, **kw)))


def _move(name: str, phase: int, **kw) -> api.TransitionProjectPhaseRequest:
    return api.TransitionProjectPhaseRequest(name=name, phase=phase, reason="Gate passed", **kw)


def _baseline(parent: str, units: int = 500_000, **kw) -> api.CreateBaselineRequest:
    return api.CreateBaselineRequest(parent=parent, start_date=_date(2027, 1, 1), end_date=_date(2027, 12, 31),
                                     budget=_eur(units), reason="Approved plan", **kw)


def _update(name: str, *paths: str, **fields) -> api.UpdateProjectRequest:
    return api.UpdateProjectRequest(project=pb.Project(name=name, **fields),
                                    update_mask=field_mask_pb2.FieldMask(paths=list(paths)))


async def _events(db, org: str, action: str) -> list[asyncpg.Record]:
    return await db.fetch("SELECT * FROM audit_events WHERE org_id = $1 AND action = $2 ORDER BY seq", org, action)


class _RollBack(Exception):
    pass


class _Sending(Caller):
    """A person's caller that also sends `pmaas-on-behalf-of`."""

    def __init__(self, authority, sub, orgs, on_behalf_of: str) -> None:
        super().__init__(authority, sub, orgs)
        self.on_behalf_of = on_behalf_of

    def metadata(self) -> tuple:
        return (*super().metadata(), (ON_BEHALF_OF, self.on_behalf_of))


# --- phases ---------------------------------------------------------------------------

async def test_pmo_may_no_longer_transition_a_phase(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    failure = await fails(pmo(projects_stub.TransitionProjectPhase, _move(project.name, pb.PHASE_PLANNING)))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    assert "project.phase" in failure.message
    assert (await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))) == project


async def test_governance_transitions_for_alice_and_the_audit_log_names_both(projects_stub, as_role, governance,
                                                                            org, db):
    project = await _project(projects_stub, org, as_role("pmo"))
    moved = await governance(projects_stub.TransitionProjectPhase,
                             _move(project.name, pb.PHASE_PLANNING, request_id=rid()))
    assert moved.phase == pb.PHASE_PLANNING
    (event,) = await _events(db, org, "TransitionProjectPhase")
    assert (event["actor"], event["on_behalf_of"]) == ("svc-governance", "alice")
    detail = json.loads(event["detail"])
    assert "override" not in detail and detail["to_phase"] == "PHASE_PLANNING"
    assert (await audit.verify_chain(db, org)).ok


async def test_the_person_acted_for_is_part_of_the_hashed_event(projects_stub, as_role, governance, org, db):
    project = await _project(projects_stub, org, as_role("pmo"))
    await governance(projects_stub.TransitionProjectPhase, _move(project.name, pb.PHASE_PLANNING))
    (event,) = await _events(db, org, "TransitionProjectPhase")
    for forged in ("", "bob"):
        try:
            async with db.transaction(isolation="repeatable_read"):  # verify_chain's own, nested
                await db.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
                await db.execute("UPDATE audit_events SET on_behalf_of = $3 WHERE org_id = $1 AND seq = $2",
                                 org, event["seq"], forged)
                report = await audit.verify_chain(db, org)
                raise _RollBack
        except _RollBack:
            pass
        assert (report.ok, report.first_broken_seq) == (False, event["seq"]), forged
        assert "content" in report.problem
    assert (await audit.verify_chain(db, org)).ok


async def test_admin_transitions_by_override_and_the_audit_log_says_so(projects_stub, as_role, org, db):
    project = await _project(projects_stub, org, as_role("pmo"))
    moved = await as_role("admin", sub="root")(projects_stub.TransitionProjectPhase,
                                               _move(project.name, pb.PHASE_PLANNING))
    assert moved.phase == pb.PHASE_PLANNING
    (event,) = await _events(db, org, "TransitionProjectPhase")
    assert (event["actor"], event["on_behalf_of"]) == ("root", "")
    assert json.loads(event["detail"])["override"] is True
    assert (await audit.verify_chain(db, org)).ok


async def test_governance_without_a_person_acts_as_itself(projects_stub, as_role, governance, org, db):
    project = await _project(projects_stub, org, as_role("pmo"))
    await governance.acting_for(None)(projects_stub.TransitionProjectPhase, _move(project.name, pb.PHASE_PLANNING))
    (event,) = await _events(db, org, "TransitionProjectPhase")
    assert (event["actor"], event["on_behalf_of"]) == ("svc-governance", "")
    assert (await audit.verify_chain(db, org)).ok


# --- baselines --------------------------------------------------------------------------

async def test_pm_sets_the_first_baseline_in_planning_then_only_governance_rebaselines(
        projects_stub, as_role, governance, org, db):
    pm = as_role("pm", sub="pat")
    project = await _project(projects_stub, org, as_role("pmo"))
    await governance(projects_stub.TransitionProjectPhase, _move(project.name, pb.PHASE_PLANNING))
    first = await pm(projects_stub.CreateBaseline, _baseline(project.name))
    assert first.revision == 1 and first.creator == "pat"

    for role in ("pm", "pmo", "sponsor"):
        failure = await fails(as_role(role)(projects_stub.CreateBaseline, _baseline(project.name, 650_000)))
        assert failure.code == grpc.StatusCode.FAILED_PRECONDITION, role
        assert failure.reason == "CHANGE_REQUEST_REQUIRED", role
        assert "GovernanceService.SubmitChangeRequest" in failure.message
        assert failure.metadata["baseline_revision"] == "1"

    second = await governance.acting_for("sam")(projects_stub.CreateBaseline, _baseline(project.name, 650_000))
    assert second.revision == 2
    got = await pm(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert (got.baseline_revision, got.budget) == (2, _eur(650_000))
    events = [e for e in await db.fetch("SELECT * FROM audit_events WHERE org_id = $1 ORDER BY seq", org)
              if e["action"] in ("CreateBaseline", "ApplyBaseline")]
    assert [(e["action"], e["actor"], e["on_behalf_of"]) for e in events] == [
        ("CreateBaseline", "pat", ""), ("ApplyBaseline", "pat", ""),
        ("CreateBaseline", "svc-governance", "sam"), ("ApplyBaseline", "svc-governance", "sam")]
    assert not any("override" in json.loads(e["detail"]) for e in events)


async def test_a_first_baseline_after_planning_needs_a_change_request(projects_stub, as_role, governance, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    for phase in (pb.PHASE_PLANNING, pb.PHASE_EXECUTION):
        await governance(projects_stub.TransitionProjectPhase, _move(project.name, phase))
    failure = await fails(as_role("pm")(projects_stub.CreateBaseline, _baseline(project.name)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CHANGE_REQUEST_REQUIRED")
    assert "PHASE_EXECUTION" in failure.message
    created = await governance(projects_stub.CreateBaseline, _baseline(project.name))
    assert created.revision == 1


async def test_admin_rebaselines_by_override_and_both_events_say_so(projects_stub, as_role, org, db):
    admin = as_role("admin", sub="root")
    project = await _project(projects_stub, org, as_role("pmo"))
    first = await admin(projects_stub.CreateBaseline, _baseline(project.name))  # the first: no override needed
    second = await admin(projects_stub.CreateBaseline, _baseline(project.name, 700_000))
    assert (first.revision, second.revision) == (1, 2)
    rows = await db.fetch("SELECT action, detail FROM audit_events WHERE org_id = $1 AND action IN "
                          "('CreateBaseline', 'ApplyBaseline') ORDER BY seq", org)
    assert [(r["action"], json.loads(r["detail"]).get("override", False)) for r in rows] == [
        ("CreateBaseline", False), ("ApplyBaseline", False), ("CreateBaseline", True), ("ApplyBaseline", True)]
    assert (await audit.verify_chain(db, org)).ok


# --- the baselined plan in UpdateProject ---------------------------------------------------

async def test_people_draft_budget_and_dates_until_the_first_baseline(projects_stub, as_role, org):
    pm = as_role("pm")
    project = await _project(projects_stub, org, as_role("pmo"))
    updated = await pm(projects_stub.UpdateProject, _update(
        project.name, "budget", "planned_start_date", "planned_end_date", budget=_eur(90_000),
        planned_start_date=_date(2027, 1, 1), planned_end_date=_date(2027, 6, 30)))
    assert updated.budget == _eur(90_000) and updated.planned_end_date == _date(2027, 6, 30)


@pytest.mark.parametrize("field, value", [
    ("budget", _eur(999)), ("planned_start_date", _date(2027, 2, 1)), ("planned_end_date", _date(2028, 1, 1)),
])
async def test_after_a_baseline_people_change_the_plan_only_by_change_request(projects_stub, as_role, org,
                                                                              field, value):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    await pmo(projects_stub.CreateBaseline, _baseline(project.name))
    baselined = await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    for role in ("pm", "pmo"):
        failure = await fails(as_role(role)(projects_stub.UpdateProject, _update(project.name, field,
                                                                                 **{field: value})))
        assert failure.code == grpc.StatusCode.FAILED_PRECONDITION, role
        assert failure.reason == "CHANGE_REQUEST_REQUIRED", role
        assert f"project.{field}" in failure.message and "change request" in failure.message
        assert failure.metadata["fields"] == f"project.{field}"
    # ... also without a mask (every field set is replaced).
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=project.name, percent_complete=5, **{field: value}))))
    assert failure.reason == "CHANGE_REQUEST_REQUIRED"
    assert await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name)) == baselined


async def test_after_a_baseline_people_still_update_everything_else(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    await pmo(projects_stub.CreateBaseline, _baseline(project.name))
    baselined = await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    updated = await as_role("pm")(projects_stub.UpdateProject, _update(project.name, "percent_complete",
                                                                       percent_complete=30))
    assert updated.percent_complete == 30
    # A full replacement that keeps the baselined plan as it is changes nothing of it.
    replacement = pb.Project()
    replacement.CopyFrom(updated)
    replacement.display_name = "Renamed"
    replacement.ClearField("etag")
    renamed = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=replacement, update_mask=field_mask_pb2.FieldMask(paths=["*"])))
    assert renamed.display_name == "Renamed" and renamed.budget == baselined.budget


async def test_governance_and_an_admin_override_may_change_the_baselined_plan(projects_stub, as_role, governance,
                                                                             org, db):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    await pmo(projects_stub.CreateBaseline, _baseline(project.name))
    by_governance = await governance(projects_stub.UpdateProject, _update(project.name, "budget",
                                                                          budget=_eur(510_000)))
    assert by_governance.budget == _eur(510_000)
    by_admin = await as_role("admin", sub="root")(projects_stub.UpdateProject, _update(
        project.name, "planned_end_date", planned_end_date=_date(2028, 3, 31)))
    assert by_admin.planned_end_date == _date(2028, 3, 31)
    rows = await _events(db, org, "UpdateProject")
    assert [(r["actor"], r["on_behalf_of"], json.loads(r["detail"]).get("override", False)) for r in rows] == [
        ("svc-governance", "alice", False), ("root", "", True)]


# --- pmaas-on-behalf-of -----------------------------------------------------------------------

@pytest.mark.parametrize("roles", ["pm", "admin", "pmo,pm"])
async def test_only_the_governance_principal_may_act_for_someone(projects_stub, authority, as_role, org, db, roles):
    project = await _project(projects_stub, org, as_role("pmo"))
    before = await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org)
    impostor = _Sending(authority, "mallory", {org: roles.split(",")}, on_behalf_of="alice")
    for method, request in [
        (projects_stub.UpdateProject, _update(project.name, "percent_complete", percent_complete=9)),
        (projects_stub.TransitionProjectPhase, _move(project.name, pb.PHASE_PLANNING)),
        (projects_stub.GetProject, api.GetProjectRequest(name=project.name)),
    ]:
        failure = await fails(impostor(method, request))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED
        assert failure.reason == "ON_BEHALF_OF_REFUSED"
        assert ON_BEHALF_OF in failure.message
    assert await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org) == before


@pytest.mark.parametrize("value, says", [
    ("", "non-empty"), ("   ", "non-empty"), ("a" * 201, "200"),
])
async def test_the_person_acted_for_must_be_a_subject(projects_stub, as_role, governance, org, value, says):
    project = await _project(projects_stub, org, as_role("pmo"))
    failure = await fails(governance.acting_for(value)(projects_stub.GetProject,
                                                        api.GetProjectRequest(name=project.name)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {ON_BEHALF_OF}
    assert says in failure.fields[ON_BEHALF_OF]


async def test_the_person_acted_for_is_named_once(projects_stub, as_role, governance, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    failure = await fails(projects_stub.GetProject(
        api.GetProjectRequest(name=project.name),
        metadata=(*governance.metadata(), (ON_BEHALF_OF, "bob")), timeout=10))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT and set(failure.fields) == {ON_BEHALF_OF}


# --- the service principal's token --------------------------------------------------------------

@pytest.mark.parametrize("orgs, says", [
    ({"*": ["pmo"]}, "governance role only"),
    ({"*": ["governance", "admin"]}, "governance role only"),
    ({"*": []}, "governance role only"),
    ({"ORG": ["governance"]}, "never in one organization"),
    ({"ORG": ["admin", "governance"]}, "never in one organization"),
    ({"*": ["governance"], "ORG": ["pm"]}, "no other roles"),
])
async def test_the_wildcard_and_the_governance_role_go_together_only(projects_stub, authority, as_role, org,
                                                                     orgs, says):
    project = await _project(projects_stub, org, as_role("pmo"))
    caller = Caller(authority, "mallory", {(org if k == "ORG" else k): v for k, v in orgs.items()})
    failure = await fails(caller(projects_stub.TransitionProjectPhase, _move(project.name, pb.PHASE_PLANNING)))
    assert failure.code == grpc.StatusCode.UNAUTHENTICATED
    assert says in failure.message


async def test_governance_reads_every_organization_but_creates_none(projects_stub, as_role, governance, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    assert await governance(projects_stub.GetProject, api.GetProjectRequest(name=project.name)) == project
    names, token = [], ""
    while True:
        page = await governance(projects_stub.ListOrganizations, api.ListOrganizationsRequest(page_token=token))
        names += [o.name for o in page.organizations]
        if not (token := page.next_page_token):
            break
    assert f"organizations/{org}" in names
    failure = await fails(governance(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project=pb.Project(code="G-1", display_name="G",
                                                           methodology=pb.METHODOLOGY_AGILE))))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED and "project.create" in failure.message
    failure = await fails(governance(projects_stub.DeleteProject, api.DeleteProjectRequest(name=project.name)))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


# --- idempotency --------------------------------------------------------------------------------

async def test_a_request_id_from_governance_belongs_to_one_person(projects_stub, as_role, governance, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    request = _move(project.name, pb.PHASE_PLANNING, request_id=rid())
    first = await governance.acting_for("alice")(projects_stub.TransitionProjectPhase, request)
    assert await governance.acting_for("alice")(projects_stub.TransitionProjectPhase, request) == first
    for other in (governance.acting_for("bob"), governance.acting_for(None)):
        failure = await fails(other(projects_stub.TransitionProjectPhase, request))
        assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
