"""Resource assignments: CRUD and List, and no person above 100% on any day."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.type import date_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import Caller, fails, rid


def D(year: int, month: int, day: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=day)


async def new_project(stub, caller, org: str, project_id: str) -> str:
    created = await caller(stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, project=pb.Project(
            code=project_id.upper(), display_name=f"Project {project_id}", methodology=pb.METHODOLOGY_AGILE)))
    return created.name


@pytest.fixture
async def projects(projects_stub, as_role, org) -> tuple[str, str]:
    pmo = as_role("pmo")
    return (await new_project(projects_stub, pmo, org, "alpha"), await new_project(projects_stub, pmo, org, "beta"))


def assign_request(parent: str, assignment_id: str = "", *, validate_only: bool = False,
                   **fields) -> api.CreateAssignmentRequest:
    fields.setdefault("person", "alice")
    fields.setdefault("role", "Business analyst")
    fields.setdefault("allocation_percent", 50)
    fields.setdefault("start_date", D(2031, 1, 1))
    fields.setdefault("end_date", D(2031, 6, 30))
    return api.CreateAssignmentRequest(parent=parent, assignment_id=assignment_id,
                                       assignment=pb.Assignment(**fields), request_id=rid(),
                                       validate_only=validate_only)


async def assign(stub, caller, parent: str, assignment_id: str = "", **fields) -> pb.Assignment:
    return await caller(stub.CreateAssignment, assign_request(parent, assignment_id, **fields))


# --- CRUD and List ------------------------------------------------------------

async def test_create_and_get(projects_stub, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0], "alice-ba", skills=["BPMN", "SQL"])
    assert created.name == f"{projects[0]}/assignments/alice-ba"
    assert (created.person, created.role, created.allocation_percent) == ("alice", "Business analyst", 50)
    assert list(created.skills) == ["BPMN", "SQL"]
    assert (created.start_date, created.end_date) == (D(2031, 1, 1), D(2031, 6, 30))
    assert created.etag and created.HasField("create_time")
    got = await pm(projects_stub.GetAssignment, api.GetAssignmentRequest(name=created.name))
    assert got == created


async def test_get_missing_is_not_found(projects_stub, as_role, projects):
    err = await fails(as_role("viewer")(projects_stub.GetAssignment, api.GetAssignmentRequest(
        name=f"{projects[0]}/assignments/ghost")))
    assert err.code == grpc.StatusCode.NOT_FOUND


async def test_missing_parent_project_is_not_found(projects_stub, as_role, org):
    err = await fails(assign(projects_stub, as_role("pm"), f"organizations/{org}/projects/ghost"))
    assert err.code == grpc.StatusCode.NOT_FOUND


async def test_duplicate_id_already_exists(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], "a1", allocation_percent=10)
    err = await fails(assign(projects_stub, pm, projects[0], "a1", allocation_percent=10))
    assert err.code == grpc.StatusCode.ALREADY_EXISTS


async def test_update(projects_stub, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0])
    updated = await pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=created.name, role="Lead analyst", skills=["Facilitation"],
                                 etag=created.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["role", "skills"]), request_id=rid()))
    assert updated.role == "Lead analyst"
    assert list(updated.skills) == ["Facilitation"]
    assert updated.allocation_percent == created.allocation_percent
    assert updated.etag != created.etag
    assert (await pm(projects_stub.GetAssignment, api.GetAssignmentRequest(name=created.name))) == updated


async def test_update_with_stale_etag_is_aborted(projects_stub, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0])
    await pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=created.name, role="Architect"), request_id=rid()))
    err = await fails(pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=created.name, role="Tester", etag=created.etag), request_id=rid())))
    assert err.code == grpc.StatusCode.ABORTED
    assert err.reason == "ETAG_MISMATCH"


async def test_update_of_unknown_field_in_mask_is_invalid(projects_stub, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0])
    err = await fails(pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=created.name), update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask" in err.fields


async def test_delete(projects_stub, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0])
    await pm(projects_stub.DeleteAssignment, api.DeleteAssignmentRequest(
        name=created.name, etag=created.etag, request_id=rid()))
    err = await fails(pm(projects_stub.GetAssignment, api.GetAssignmentRequest(name=created.name)))
    assert err.code == grpc.StatusCode.NOT_FOUND


async def test_delete_with_stale_etag_is_aborted(projects_stub, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0])
    await pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=created.name, role="Architect"), request_id=rid()))
    err = await fails(pm(projects_stub.DeleteAssignment, api.DeleteAssignmentRequest(
        name=created.name, etag=created.etag, request_id=rid())))
    assert err.code == grpc.StatusCode.ABORTED


async def test_deleting_frees_the_allocation(projects_stub, as_role, projects):
    pm = as_role("pm")
    full = await assign(projects_stub, pm, projects[0], allocation_percent=100)
    await pm(projects_stub.DeleteAssignment, api.DeleteAssignmentRequest(name=full.name, request_id=rid()))
    again = await assign(projects_stub, pm, projects[1], allocation_percent=100)
    assert again.allocation_percent == 100


async def test_list_with_pages_and_filters(projects_stub, as_role, projects):
    pm = as_role("pm")
    a = await assign(projects_stub, pm, projects[0], "a", person="alice", allocation_percent=30)
    b = await assign(projects_stub, pm, projects[0], "b", person="bob", role="Tester", allocation_percent=30)
    c = await assign(projects_stub, pm, projects[0], "c", person="carol", allocation_percent=30,
                     start_date=D(2032, 1, 1), end_date=D(2032, 3, 1))
    await assign(projects_stub, pm, projects[1], "elsewhere", person="dave", allocation_percent=30)
    seen, token = [], ""
    while True:
        page = await pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(
            parent=projects[0], page_size=2, page_token=token))
        seen += list(page.assignments)
        token = page.next_page_token
        if not token:
            break
    assert seen == [a, b, c]
    by_person = await pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(
        parent=projects[0], filter='person = "bob"'))
    assert list(by_person.assignments) == [b]
    by_role_and_date = await pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(
        parent=projects[0], filter='role = "Business analyst" AND start_date >= "2032-01-01"'))
    assert list(by_role_and_date.assignments) == [c]


async def test_list_bad_page_token_and_filter(projects_stub, as_role, projects):
    pm = as_role("pm")
    err = await fails(pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(
        parent=projects[0], page_token="%%%")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.fields
    err = await fails(pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(
        parent=projects[0], filter="allocation_percent > 50")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "filter" in err.fields
    err = await fails(pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(
        parent=projects[0], filter='start_date = "2031-13-01"')))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "filter" in err.fields


async def test_viewer_and_member_may_not_assign(projects_stub, as_role, projects):
    for role in ("viewer", "member", "finance", "sponsor"):
        err = await fails(assign(projects_stub, as_role(role), projects[0]))
        assert err.code == grpc.StatusCode.PERMISSION_DENIED, role


# --- validation ---------------------------------------------------------------

@pytest.mark.parametrize("percent", [0, 101, -5])
async def test_allocation_outside_1_to_100_is_invalid(projects_stub, as_role, projects, percent):
    err = await fails(assign(projects_stub, as_role("pm"), projects[0], allocation_percent=percent))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "assignment.allocation_percent" in err.fields


async def test_end_before_start_is_invalid(projects_stub, as_role, projects):
    err = await fails(assign(projects_stub, as_role("pm"), projects[0], start_date=D(2031, 6, 1),
                             end_date=D(2031, 5, 31)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "assignment.end_date" in err.fields


async def test_single_day_assignment_is_valid(projects_stub, as_role, projects):
    created = await assign(projects_stub, as_role("pm"), projects[0], start_date=D(2031, 6, 1),
                           end_date=D(2031, 6, 1))
    assert created.start_date == created.end_date == D(2031, 6, 1)


@pytest.mark.parametrize("missing", ["person", "role", "start_date", "end_date"])
async def test_required_fields(projects_stub, as_role, projects, missing):
    request = assign_request(projects[0])
    request.assignment.ClearField(missing)
    err = await fails(as_role("pm")(projects_stub.CreateAssignment, request))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert f"assignment.{missing}" in err.fields


@pytest.mark.parametrize("fields, bad_field", [
    ({"person": "p" * 129}, "assignment.person"),
    ({"person": "   "}, "assignment.person"),
    ({"role": "r" * 201}, "assignment.role"),
    ({"skills": ["ok", ""]}, "assignment.skills[1]"),
    ({"skills": ["s" * 201]}, "assignment.skills[0]"),
    ({"start_date": D(2031, 2, 29)}, "assignment.start_date"),
])
async def test_bad_fields_are_invalid(projects_stub, as_role, projects, fields, bad_field):
    err = await fails(assign(projects_stub, as_role("pm"), projects[0], **fields))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_field in err.fields


async def test_malformed_assignment_id_is_invalid(projects_stub, as_role, projects):
    err = await fails(assign(projects_stub, as_role("pm"), projects[0], "Not An Id"))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "assignment_id" in err.fields


async def test_update_to_invalid_values_is_refused_and_changes_nothing(projects_stub, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0])
    err = await fails(pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=created.name, end_date=D(2030, 1, 1)),
        update_mask=field_mask_pb2.FieldMask(paths=["end_date"]), request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "assignment.end_date" in err.fields
    assert (await pm(projects_stub.GetAssignment, api.GetAssignmentRequest(name=created.name))) == created


# --- validate_only --------------------------------------------------------------

async def test_validate_only_creates_nothing(projects_stub, as_role, projects):
    pm = as_role("pm")
    preview = await pm(projects_stub.CreateAssignment, assign_request(projects[0], "dry", validate_only=True))
    assert preview.name == f"{projects[0]}/assignments/dry"
    assert preview.allocation_percent == 50
    err = await fails(pm(projects_stub.GetAssignment, api.GetAssignmentRequest(name=preview.name)))
    assert err.code == grpc.StatusCode.NOT_FOUND
    listed = await pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(parent=projects[0]))
    assert list(listed.assignments) == []
    # Nothing was allocated either: the full 100% still fits.
    await assign(projects_stub, pm, projects[1], allocation_percent=100)


async def test_validate_only_reports_over_allocation(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], allocation_percent=80)
    err = await fails(pm(projects_stub.CreateAssignment, assign_request(
        projects[1], allocation_percent=30, validate_only=True)))
    assert err.code == grpc.StatusCode.FAILED_PRECONDITION
    assert err.reason == "OVER_ALLOCATED"


async def test_validate_only_reports_invalid_input(projects_stub, as_role, projects):
    err = await fails(as_role("pm")(projects_stub.CreateAssignment, assign_request(
        projects[0], allocation_percent=0, validate_only=True)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "assignment.allocation_percent" in err.fields


# --- over-allocation ------------------------------------------------------------

async def test_overlapping_allocations_above_100_are_refused(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=60,
                 start_date=D(2031, 1, 1), end_date=D(2031, 6, 30))
    err = await fails(assign(projects_stub, pm, projects[1], person="alice", allocation_percent=50,
                             start_date=D(2031, 3, 1), end_date=D(2031, 9, 30)))
    assert err.code == grpc.StatusCode.FAILED_PRECONDITION
    assert err.reason == "OVER_ALLOCATED"
    assert err.metadata["date"] == "2031-03-01"
    assert err.metadata["allocated_percent"] == "60"
    assert err.metadata["person"] == "alice"
    assert "alice" in err.message and "60%" in err.message
    listed = await pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(parent=projects[1]))
    assert list(listed.assignments) == []


async def test_over_allocation_names_the_busiest_day(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=30,
                 start_date=D(2031, 1, 1), end_date=D(2031, 12, 31))
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=40,
                 start_date=D(2031, 5, 1), end_date=D(2031, 5, 31))
    err = await fails(assign(projects_stub, pm, projects[1], person="alice", allocation_percent=40,
                             start_date=D(2031, 4, 1), end_date=D(2031, 6, 30)))
    assert err.reason == "OVER_ALLOCATED"
    assert (err.metadata["date"], err.metadata["allocated_percent"]) == ("2031-05-01", "70")
    # 30% fits that period: 30 + 40 + 30 = 100 on the busiest day.
    await assign(projects_stub, pm, projects[1], person="alice", allocation_percent=30,
                 start_date=D(2031, 4, 1), end_date=D(2031, 6, 30))


async def test_non_overlapping_periods_are_fine(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=60,
                 start_date=D(2031, 1, 1), end_date=D(2031, 6, 30))
    second = await assign(projects_stub, pm, projects[1], person="alice", allocation_percent=50,
                          start_date=D(2031, 7, 1), end_date=D(2031, 12, 31))
    assert second.allocation_percent == 50


async def test_adjacent_day_overlap_counts(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=60,
                 start_date=D(2031, 1, 1), end_date=D(2031, 6, 30))
    err = await fails(assign(projects_stub, pm, projects[1], person="alice", allocation_percent=50,
                             start_date=D(2031, 6, 30), end_date=D(2031, 12, 31)))
    assert err.reason == "OVER_ALLOCATED"
    assert err.metadata["date"] == "2031-06-30"


async def test_other_people_do_not_count(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=100)
    bob = await assign(projects_stub, pm, projects[1], person="bob", allocation_percent=100)
    assert bob.allocation_percent == 100


async def test_other_organizations_do_not_count(projects_stub, as_role, projects, authority, new_org_id):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=100)
    other_org = new_org_id + "-x"
    admin = Caller(authority, "root", {other_org: ["admin"]})
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=other_org, organization=pb.Organization(display_name="Other", pmo_type=pb.PMO_TYPE_PROJECT)))
    other_project = await new_project(projects_stub, admin, other_org, "gamma")
    elsewhere = await assign(projects_stub, admin, other_project, person="alice", allocation_percent=100)
    assert elsewhere.allocation_percent == 100


async def test_exactly_100_percent_is_fine(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=60)
    second = await assign(projects_stub, pm, projects[1], person="alice", allocation_percent=40)
    assert second.allocation_percent == 40
    err = await fails(assign(projects_stub, pm, projects[1], person="alice", allocation_percent=1))
    assert err.reason == "OVER_ALLOCATED"
    assert err.metadata["allocated_percent"] == "100"


async def test_updating_an_assignment_does_not_count_itself(projects_stub, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=80)
    raised = await pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=created.name, allocation_percent=100),
        update_mask=field_mask_pb2.FieldMask(paths=["allocation_percent"]), request_id=rid()))
    assert raised.allocation_percent == 100
    extended = await pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=created.name, end_date=D(2031, 12, 31)),
        update_mask=field_mask_pb2.FieldMask(paths=["end_date"]), request_id=rid()))
    assert extended.end_date == D(2031, 12, 31)


async def test_update_that_would_over_allocate_is_refused(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="alice", allocation_percent=60)
    other = await assign(projects_stub, pm, projects[1], person="alice", allocation_percent=40)
    err = await fails(pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=other.name, allocation_percent=41),
        update_mask=field_mask_pb2.FieldMask(paths=["allocation_percent"]), request_id=rid())))
    assert err.code == grpc.StatusCode.FAILED_PRECONDITION
    assert err.reason == "OVER_ALLOCATED"
    assert err.metadata["allocated_percent"] == "60"
    assert (await pm(projects_stub.GetAssignment, api.GetAssignmentRequest(name=other.name))) == other


async def test_moving_an_assignment_to_a_busy_person_is_refused(projects_stub, as_role, projects):
    pm = as_role("pm")
    await assign(projects_stub, pm, projects[0], person="bob", allocation_percent=70)
    alice = await assign(projects_stub, pm, projects[1], person="alice", allocation_percent=50)
    err = await fails(pm(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
        assignment=pb.Assignment(name=alice.name, person="bob"),
        update_mask=field_mask_pb2.FieldMask(paths=["person"]), request_id=rid())))
    assert err.reason == "OVER_ALLOCATED"
    assert err.metadata["person"] == "bob"


async def test_concurrent_creates_never_exceed_100_percent(projects_stub, as_role, projects):
    pm = as_role("pm")
    results = await asyncio.gather(
        *(assign(projects_stub, pm, projects[i % 2], person="alice", allocation_percent=20) for i in range(10)),
        return_exceptions=True)
    succeeded = [r for r in results if isinstance(r, pb.Assignment)]
    refused = [r for r in results if not isinstance(r, pb.Assignment)]
    assert len(succeeded) == 5
    assert len(refused) == 5
    for exc in refused:
        assert isinstance(exc, grpc.aio.AioRpcError), exc
        assert exc.code() == grpc.StatusCode.FAILED_PRECONDITION
    total = 0
    for parent in projects:
        listed = await pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(parent=parent))
        total += sum(a.allocation_percent for a in listed.assignments)
    assert total == 100


async def test_create_retry_with_the_same_request_id_is_not_counted_twice(projects_stub, as_role, projects):
    pm = as_role("pm")
    request = assign_request(projects[0], allocation_percent=60)
    first = await pm(projects_stub.CreateAssignment, request)
    # Were the retry counted again, 60 + 60 would be over 100%.
    assert await pm(projects_stub.CreateAssignment, request) == first
    listed = await pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(parent=projects[0]))
    assert list(listed.assignments) == [first]
    request.assignment.allocation_percent = 10
    err = await fails(pm(projects_stub.CreateAssignment, request))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "REQUEST_ID_REUSED"


async def test_another_organization_is_denied_on_every_assignment_rpc(projects_stub, authority, as_role, projects):
    pm = as_role("pm")
    created = await assign(projects_stub, pm, projects[0], "a1")
    outsider = Caller(authority, "mallory", {"org-elsewhere": ["admin"]})
    calls = [
        outsider(projects_stub.CreateAssignment, assign_request(projects[0])),
        outsider(projects_stub.GetAssignment, api.GetAssignmentRequest(name=created.name)),
        outsider(projects_stub.ListAssignments, api.ListAssignmentsRequest(parent=projects[0])),
        outsider(projects_stub.UpdateAssignment, api.UpdateAssignmentRequest(
            assignment=pb.Assignment(name=created.name, allocation_percent=100), request_id=rid())),
        outsider(projects_stub.DeleteAssignment, api.DeleteAssignmentRequest(name=created.name, request_id=rid())),
    ]
    for call in calls:
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED
    listed = await pm(projects_stub.ListAssignments, api.ListAssignmentsRequest(parent=projects[0]))
    assert list(listed.assignments) == [created]
