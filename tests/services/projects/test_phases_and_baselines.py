"""TransitionProjectPhase (the only way a phase changes) and baselines (kept with history)."""

import uuid

import grpc
from google.protobuf import field_mask_pb2
from google.type import date_pb2, money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import Caller, fails, rid


def _eur(units: int, nanos: int = 0, currency: str = "EUR") -> money_pb2.Money:
    return money_pb2.Money(currency_code=currency, units=units, nanos=nanos)


def _date(y: int, m: int, d: int) -> date_pb2.Date:
    return date_pb2.Date(year=y, month=m, day=d)


async def _project(stub, org, caller, **kw) -> pb.Project:
    return await caller(stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="p-" + uuid.uuid4().hex[:8], project=pb.Project(
            code="C-" + uuid.uuid4().hex[:8], display_name="Gatekept", methodology=pb.METHODOLOGY_WATERFALL, **kw)))


async def _move(stub, caller, name, phase, reason="gate passed", **kw) -> pb.Project:
    return await caller(stub.TransitionProjectPhase, api.TransitionProjectPhaseRequest(
        name=name, phase=phase, reason=reason, **kw))


# --- TransitionProjectPhase ------------------------------------------------------------

async def test_transition_to_the_next_phase(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    moved = await _move(projects_stub, governance, project.name, pb.PHASE_PLANNING, etag=project.etag, request_id=rid())
    assert moved.phase == pb.PHASE_PLANNING
    assert moved.etag != project.etag
    got = await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got == moved


async def test_transition_walks_every_phase_in_order_to_closed(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    for phase in (pb.PHASE_PLANNING, pb.PHASE_EXECUTION, pb.PHASE_MONITORING, pb.PHASE_CLOSING, pb.PHASE_CLOSED):
        project = await _move(projects_stub, governance, project.name, phase, etag=project.etag)
        assert project.phase == phase


async def test_transition_skipping_a_phase_is_refused(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    failure = await fails(_move(projects_stub, governance, project.name, pb.PHASE_EXECUTION))
    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "PHASE_SKIPPED"
    assert failure.metadata == {"current": "PHASE_INITIATION", "target": "PHASE_EXECUTION"}
    assert "PHASE_PLANNING" in failure.message
    got = await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got == project


async def test_transition_back_to_an_earlier_phase_recycles(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    for phase in (pb.PHASE_PLANNING, pb.PHASE_EXECUTION, pb.PHASE_MONITORING):
        await _move(projects_stub, governance, project.name, phase)
    back = await _move(projects_stub, governance, project.name, pb.PHASE_PLANNING, reason="RECYCLE: re-plan")
    assert back.phase == pb.PHASE_PLANNING
    again = await _move(projects_stub, governance, project.name, pb.PHASE_EXECUTION)
    assert again.phase == pb.PHASE_EXECUTION


async def test_transition_to_closed_from_any_phase_then_nothing_moves(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    closed = await _move(projects_stub, governance, project.name, pb.PHASE_CLOSED, reason="KILL: no business case")
    assert closed.phase == pb.PHASE_CLOSED
    for phase in (pb.PHASE_INITIATION, pb.PHASE_PLANNING, pb.PHASE_CLOSING, pb.PHASE_CLOSED):
        failure = await fails(_move(projects_stub, governance, project.name, phase))
        assert failure.code == grpc.StatusCode.FAILED_PRECONDITION, phase
        assert failure.reason == "PROJECT_CLOSED", phase
    got = await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got == closed


async def test_transition_to_the_same_phase_is_refused(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    failure = await fails(_move(projects_stub, governance, project.name, pb.PHASE_INITIATION))
    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "PHASE_UNCHANGED"


async def test_transition_reports_bad_phase_and_reason_together(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    cases = [
        (dict(phase=pb.PHASE_UNSPECIFIED, reason=""), {"phase", "reason"}),
        (dict(phase=99, reason="   "), {"phase", "reason"}),
        (dict(phase=pb.PHASE_PLANNING, reason=""), {"reason"}),
        (dict(phase=pb.PHASE_PLANNING, reason="r" * 2001), {"reason"}),
        (dict(phase=-3, reason="why not"), {"phase"}),
    ]
    for kw, fields in cases:
        failure = await fails(governance(projects_stub.TransitionProjectPhase,
                                  api.TransitionProjectPhaseRequest(name=project.name, **kw)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, kw
        assert set(failure.fields) == fields, kw
    assert (await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))).phase == \
        pb.PHASE_INITIATION


async def test_transition_with_a_malformed_name_is_invalid(projects_stub, as_role, governance, org):
    failure = await fails(_move(projects_stub, governance, f"organizations/{org}/portfolios/x",
                                pb.PHASE_PLANNING))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"name"}


async def test_transition_of_a_missing_project_is_not_found(projects_stub, as_role, governance, org):
    failure = await fails(_move(projects_stub, governance, f"organizations/{org}/projects/ghost",
                                pb.PHASE_PLANNING))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_only_governance_and_an_admin_override_may_transition(projects_stub, as_role, governance, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    for role in ("pmo", "pm", "sponsor", "viewer", "member", "auditor", "finance"):
        failure = await fails(_move(projects_stub, as_role(role), project.name, pb.PHASE_PLANNING))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, role
        assert "project.phase" in failure.message, role
    moved = await _move(projects_stub, governance, project.name, pb.PHASE_PLANNING)
    assert moved.phase == pb.PHASE_PLANNING
    moved = await _move(projects_stub, as_role("admin"), project.name, pb.PHASE_EXECUTION)
    assert moved.phase == pb.PHASE_EXECUTION


async def test_transition_in_another_org_is_permission_denied(projects_stub, authority, as_role, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    outsider = Caller(authority, "outsider", {"org-" + uuid.uuid4().hex[:12]: ["admin"]})
    for name in (project.name, f"organizations/{org}/projects/ghost"):
        failure = await fails(_move(projects_stub, outsider, name, pb.PHASE_PLANNING))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, name


async def test_transition_with_a_stale_etag_is_aborted(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=project.name, percent_complete=5)))
    failure = await fails(_move(projects_stub, governance, project.name, pb.PHASE_PLANNING, etag=project.etag))
    assert failure.code == grpc.StatusCode.ABORTED
    assert failure.reason == "ETAG_MISMATCH"
    assert (await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))).phase == \
        pb.PHASE_INITIATION


async def test_transition_retry_with_same_request_id_moves_once(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    request = api.TransitionProjectPhaseRequest(name=project.name, phase=pb.PHASE_PLANNING, reason="GO",
                                                request_id=rid())
    first = await governance(projects_stub.TransitionProjectPhase, request)
    again = await governance(projects_stub.TransitionProjectPhase, request)  # not PHASE_UNCHANGED: a replay
    assert again == first
    failure = await fails(governance(projects_stub.TransitionProjectPhase, api.TransitionProjectPhaseRequest(
        name=project.name, phase=pb.PHASE_EXECUTION, reason="GO", request_id=request.request_id)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "REQUEST_ID_REUSED"


async def test_update_project_cannot_change_the_phase(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    failure = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=project.name, phase=pb.PHASE_PLANNING),
        update_mask=field_mask_pb2.FieldMask(paths=["phase"]))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"update_mask"}
    ignored = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=project.name, phase=pb.PHASE_PLANNING, percent_complete=3)))
    assert ignored.phase == pb.PHASE_INITIATION
    everything = await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=project.name, code="NEW", display_name="New", methodology=pb.METHODOLOGY_AGILE,
                           phase=pb.PHASE_CLOSED),
        update_mask=field_mask_pb2.FieldMask(paths=["*"])))
    assert everything.phase == pb.PHASE_INITIATION


# --- CreateBaseline / ListBaselines ------------------------------------------------------

def _baseline_request(parent, start=(2027, 1, 1), end=(2027, 12, 31), budget=None, reason="Approved plan",
                      **kw) -> api.CreateBaselineRequest:
    return api.CreateBaselineRequest(
        parent=parent, start_date=_date(*start), end_date=_date(*end),
        budget=budget if budget is not None else _eur(500_000), reason=reason, **kw)


async def test_first_baseline_is_revision_1_and_the_project_follows_it(projects_stub, as_role, org):
    pmo = as_role("pmo", sub="pmo-lead")
    project = await _project(projects_stub, org, pmo, budget=_eur(1), planned_start_date=_date(2026, 1, 1))
    baseline = await pmo(projects_stub.CreateBaseline, _baseline_request(
        project.name, budget=_eur(400_000, 250_000_000), request_id=rid()))
    assert baseline.name == f"{project.name}/baselines/1"
    assert baseline.revision == 1
    assert (baseline.start_date, baseline.end_date) == (_date(2027, 1, 1), _date(2027, 12, 31))
    assert baseline.budget == _eur(400_000, 250_000_000)
    assert baseline.reason == "Approved plan"
    assert baseline.creator == "pmo-lead"
    assert baseline.create_time.seconds > 0
    got = await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got.baseline_revision == 1
    assert (got.planned_start_date, got.planned_end_date) == (_date(2027, 1, 1), _date(2027, 12, 31))
    assert got.budget == _eur(400_000, 250_000_000)
    assert got.etag != project.etag


async def test_second_baseline_supersedes_the_first_and_both_are_kept(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    first = await pmo(projects_stub.CreateBaseline, _baseline_request(project.name))
    # A later baseline comes from an approved change request, applied by the governance worker.
    second = await governance(projects_stub.CreateBaseline, _baseline_request(
        project.name, start=(2027, 2, 1), end=(2028, 3, 31), budget=_eur(650_000), reason="CR-12 approved"))
    assert second.revision == 2 and second.name == f"{project.name}/baselines/2"
    listed = await pmo(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=project.name))
    assert list(listed.baselines) == [first, second]
    assert listed.next_page_token == ""
    got = await pmo(projects_stub.GetProject, api.GetProjectRequest(name=project.name))
    assert got.baseline_revision == 2
    assert (got.planned_start_date, got.planned_end_date, got.budget) == (
        _date(2027, 2, 1), _date(2028, 3, 31), _eur(650_000))


async def test_list_baselines_pages_in_revision_order(projects_stub, as_role, governance, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    for i in range(3):
        await (pmo if i == 0 else governance)(projects_stub.CreateBaseline,
                                              _baseline_request(project.name, budget=_eur(100 + i)))
    revisions, token = [], ""
    for _ in range(3):
        page = await pmo(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=project.name, page_size=1,
                                                                              page_token=token))
        revisions += [b.revision for b in page.baselines]
        token = page.next_page_token
    assert revisions == [1, 2, 3]
    assert token == ""


async def test_list_baselines_of_a_project_without_any_is_empty(projects_stub, as_role, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    listed = await as_role("viewer")(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=project.name))
    assert list(listed.baselines) == [] and listed.next_page_token == ""


async def test_list_baselines_refuses_bad_input_and_missing_projects(projects_stub, as_role, org):
    viewer = as_role("viewer")
    project = await _project(projects_stub, org, as_role("pmo"))
    failure = await fails(viewer(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=project.name,
                                                                                      page_token="bogus")))
    assert (failure.code, set(failure.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, {"page_token"})
    failure = await fails(viewer(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=project.name,
                                                                                      page_size=-2)))
    assert (failure.code, set(failure.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, {"page_size"})
    failure = await fails(viewer(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=f"organizations/{org}")))
    assert (failure.code, set(failure.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, {"parent"})
    failure = await fails(viewer(projects_stub.ListBaselines, api.ListBaselinesRequest(
        parent=f"organizations/{org}/projects/ghost")))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_baseline_budget_must_be_in_the_project_currency(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)  # EUR, the org default
    failure = await fails(pmo(projects_stub.CreateBaseline, _baseline_request(
        project.name, budget=_eur(10, currency="USD"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"budget.currency_code"}
    listed = await pmo(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=project.name))
    assert list(listed.baselines) == []


async def test_baseline_end_before_start_is_invalid(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    failure = await fails(pmo(projects_stub.CreateBaseline, _baseline_request(
        project.name, start=(2027, 5, 1), end=(2027, 4, 30))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"end_date"}


async def test_baseline_requires_dates_budget_and_reason(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    failure = await fails(pmo(projects_stub.CreateBaseline, api.CreateBaselineRequest(parent=project.name)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"start_date", "end_date", "budget", "reason"}
    failure = await fails(pmo(projects_stub.CreateBaseline, _baseline_request(project.name, reason=" ")))
    assert set(failure.fields) == {"reason"}


async def test_baseline_refuses_malformed_dates_and_money(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    failure = await fails(pmo(projects_stub.CreateBaseline, _baseline_request(
        project.name, start=(2027, 2, 29), budget=_eur(-1), reason="x" * 2001)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"start_date", "budget", "reason"}
    failure = await fails(pmo(projects_stub.CreateBaseline, _baseline_request(project.name, budget=_eur(1, 10))))
    assert set(failure.fields) == {"budget.nanos"}


async def test_baseline_of_a_missing_project_is_not_found(projects_stub, as_role, org):
    failure = await fails(as_role("pmo")(projects_stub.CreateBaseline, _baseline_request(
        f"organizations/{org}/projects/ghost")))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_sponsor_and_pm_may_set_the_first_baseline_but_not_others(projects_stub, as_role, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    for role in ("viewer", "finance", "member", "auditor"):
        failure = await fails(as_role(role)(projects_stub.CreateBaseline, _baseline_request(project.name)))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, role
    created = await as_role("sponsor", sub="the-sponsor")(projects_stub.CreateBaseline,
                                                          _baseline_request(project.name))
    assert created.revision == 1 and created.creator == "the-sponsor"
    other = await _project(projects_stub, org, as_role("pmo"))
    created = await as_role("pm", sub="the-pm")(projects_stub.CreateBaseline, _baseline_request(other.name))
    assert created.revision == 1 and created.creator == "the-pm"


async def test_baselines_of_another_org_are_permission_denied(projects_stub, authority, as_role, org):
    project = await _project(projects_stub, org, as_role("pmo"))
    outsider = Caller(authority, "outsider", {"org-" + uuid.uuid4().hex[:12]: ["admin"]})
    failure = await fails(outsider(projects_stub.CreateBaseline, _baseline_request(project.name)))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    failure = await fails(outsider(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=project.name)))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


async def test_baseline_retry_with_same_request_id_records_one_revision(projects_stub, as_role, org):
    pmo = as_role("pmo")
    project = await _project(projects_stub, org, pmo)
    request = _baseline_request(project.name, request_id=rid())
    first = await pmo(projects_stub.CreateBaseline, request)
    assert await pmo(projects_stub.CreateBaseline, request) == first
    listed = await pmo(projects_stub.ListBaselines, api.ListBaselinesRequest(parent=project.name))
    assert [b.revision for b in listed.baselines] == [1]
    failure = await fails(pmo(projects_stub.CreateBaseline, _baseline_request(
        project.name, reason="different", request_id=request.request_id)))
    assert failure.reason == "REQUEST_ID_REUSED"
