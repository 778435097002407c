"""Milestones: CRUD and List, the fixed original due date, completion dates, validation."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.type import date_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import Caller, fails, rid


def D(year: int, month: int, day: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=day)


def as_date(d: date_pb2.Date) -> dt.date:
    return dt.date(d.year, d.month, d.day)


@pytest.fixture
async def project(projects_stub, as_role, org) -> str:
    created = await as_role("pmo")(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo",
        project=pb.Project(code="APL-1", display_name="Apollo", methodology=pb.METHODOLOGY_WATERFALL)))
    return created.name


async def create(stub, caller, parent: str, milestone_id: str = "", **fields) -> pb.Milestone:
    fields.setdefault("display_name", "Design signed off")
    fields.setdefault("due_date", D(2031, 3, 1))
    return await caller(stub.CreateMilestone, api.CreateMilestoneRequest(
        parent=parent, milestone_id=milestone_id, milestone=pb.Milestone(**fields), request_id=rid()))


async def test_create_get_and_defaults(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project, "design", deliverables=["Design doc", "Prototype"])
    assert created.name == f"{project}/milestones/design"
    assert created.display_name == "Design signed off"
    assert created.due_date == D(2031, 3, 1)
    assert created.original_due_date == D(2031, 3, 1)
    assert created.state == pb.MILESTONE_STATE_PLANNED
    assert list(created.deliverables) == ["Design doc", "Prototype"]
    assert not created.HasField("completion_date")
    assert created.etag and created.HasField("create_time")
    got = await pm(projects_stub.GetMilestone, api.GetMilestoneRequest(name=created.name))
    assert got == created


async def test_create_without_id_generates_one(projects_stub, as_role, project):
    created = await create(projects_stub, as_role("pm"), project)
    assert created.name.startswith(f"{project}/milestones/")
    assert len(created.name.rsplit("/", 1)[1]) > 0


async def test_client_supplied_original_due_date_is_ignored(projects_stub, as_role, project):
    created = await create(projects_stub, as_role("pm"), project, original_due_date=D(2000, 1, 1))
    assert created.original_due_date == D(2031, 3, 1)


async def test_original_due_date_stays_while_due_date_moves(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project, "design")
    moved = await pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, due_date=D(2031, 4, 15), etag=created.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["due_date"]), request_id=rid()))
    assert moved.due_date == D(2031, 4, 15)
    assert moved.original_due_date == D(2031, 3, 1)
    assert moved.etag != created.etag
    moved_again = await pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, due_date=D(2031, 2, 1)),
        update_mask=field_mask_pb2.FieldMask(paths=["due_date"]), request_id=rid()))
    assert moved_again.due_date == D(2031, 2, 1)
    assert moved_again.original_due_date == D(2031, 3, 1)


async def test_original_due_date_is_not_updatable(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project)
    err = await fails(pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, original_due_date=D(2031, 5, 1)),
        update_mask=field_mask_pb2.FieldMask(paths=["original_due_date"]), request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask" in err.fields


async def test_achieved_sets_completion_date_to_today_by_default(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project)
    before = dt.date.today()
    achieved = await pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, state=pb.MILESTONE_STATE_ACHIEVED),
        update_mask=field_mask_pb2.FieldMask(paths=["state"]), request_id=rid()))
    after = dt.date.today()
    assert achieved.state == pb.MILESTONE_STATE_ACHIEVED
    assert achieved.HasField("completion_date")
    assert before <= as_date(achieved.completion_date) <= after


async def test_achieved_keeps_a_given_completion_date(projects_stub, as_role, project):
    created = await create(projects_stub, as_role("pm"), project, state=pb.MILESTONE_STATE_ACHIEVED,
                           completion_date=D(2031, 2, 27))
    assert created.state == pb.MILESTONE_STATE_ACHIEVED
    assert created.completion_date == D(2031, 2, 27)


async def test_created_achieved_without_completion_date_gets_today(projects_stub, as_role, project):
    before = dt.date.today()
    created = await create(projects_stub, as_role("pm"), project, state=pb.MILESTONE_STATE_ACHIEVED)
    assert before <= as_date(created.completion_date) <= dt.date.today()


@pytest.mark.parametrize("state", [pb.MILESTONE_STATE_PLANNED, pb.MILESTONE_STATE_IN_PROGRESS,
                                   pb.MILESTONE_STATE_MISSED, pb.MILESTONE_STATE_CANCELLED])
async def test_completion_date_with_a_state_other_than_achieved_is_refused(projects_stub, as_role, project, state):
    err = await fails(create(projects_stub, as_role("pm"), project, state=state, completion_date=D(2031, 2, 1)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "INVALID_ARGUMENT"
    assert "milestone.completion_date" in err.fields


async def test_reopening_an_achieved_milestone_clears_its_completion_date(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project, state=pb.MILESTONE_STATE_ACHIEVED,
                           completion_date=D(2031, 2, 27))
    reopened = await pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, state=pb.MILESTONE_STATE_IN_PROGRESS),
        update_mask=field_mask_pb2.FieldMask(paths=["state"]), request_id=rid()))
    assert reopened.state == pb.MILESTONE_STATE_IN_PROGRESS
    assert not reopened.HasField("completion_date")


async def test_reopening_with_an_explicit_completion_date_is_refused(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project, state=pb.MILESTONE_STATE_ACHIEVED,
                           completion_date=D(2031, 2, 27))
    err = await fails(pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, state=pb.MILESTONE_STATE_IN_PROGRESS,
                               completion_date=D(2031, 2, 27)),
        update_mask=field_mask_pb2.FieldMask(paths=["state", "completion_date"]), request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "milestone.completion_date" in err.fields


async def test_missing_due_date_is_invalid(projects_stub, as_role, project):
    err = await fails(as_role("pm")(projects_stub.CreateMilestone, api.CreateMilestoneRequest(
        parent=project, milestone=pb.Milestone(display_name="No date"), request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "milestone.due_date" in err.fields


async def test_impossible_due_date_is_invalid(projects_stub, as_role, project):
    err = await fails(create(projects_stub, as_role("pm"), project, due_date=D(2031, 2, 30)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "milestone.due_date" in err.fields


async def test_unknown_state_enum_is_invalid(projects_stub, as_role, project):
    err = await fails(create(projects_stub, as_role("pm"), project, state=42))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "milestone.state" in err.fields
    assert "MILESTONE_STATE_ACHIEVED" in err.fields["milestone.state"]


async def test_blank_deliverable_is_invalid(projects_stub, as_role, project):
    err = await fails(create(projects_stub, as_role("pm"), project, deliverables=["Report", "   "]))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "milestone.deliverables[1]" in err.fields


@pytest.mark.parametrize("fields, bad_field", [
    ({"display_name": ""}, "milestone.display_name"),
    ({"display_name": "x" * 201}, "milestone.display_name"),
    ({"deliverables": ["d" * 1001]}, "milestone.deliverables[0]"),
    ({"deliverables": [f"d{i}" for i in range(101)]}, "milestone.deliverables"),
])
async def test_missing_or_too_long_fields_are_invalid(projects_stub, as_role, project, fields, bad_field):
    err = await fails(create(projects_stub, as_role("pm"), project, **fields))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_field in err.fields


async def test_every_violation_is_reported_at_once(projects_stub, as_role, project):
    err = await fails(as_role("pm")(projects_stub.CreateMilestone, api.CreateMilestoneRequest(
        parent=project, milestone_id="Bad_Id", milestone=pb.Milestone(state=77, deliverables=[""]),
        request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {"milestone_id", "milestone.display_name", "milestone.due_date", "milestone.state",
            "milestone.deliverables[0]"} <= set(err.fields)


@pytest.mark.parametrize("parent", ["", "organizations/x", "projects/p", "organizations/ORG/projects/p"])
async def test_malformed_parent_is_invalid(projects_stub, as_role, parent):
    err = await fails(as_role("pm")(projects_stub.CreateMilestone, api.CreateMilestoneRequest(
        parent=parent, milestone=pb.Milestone(display_name="M", due_date=D(2031, 1, 1)), request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "parent" in err.fields


async def test_missing_parent_project_is_not_found(projects_stub, as_role, org):
    missing = f"organizations/{org}/projects/nowhere"
    err = await fails(create(projects_stub, as_role("pm"), missing))
    assert err.code == grpc.StatusCode.NOT_FOUND
    assert err.metadata["resource"] == missing
    listed = await fails(as_role("pm")(projects_stub.ListMilestones, api.ListMilestonesRequest(parent=missing)))
    assert listed.code == grpc.StatusCode.NOT_FOUND


async def test_duplicate_id_already_exists(projects_stub, as_role, project):
    pm = as_role("pm")
    await create(projects_stub, pm, project, "design")
    err = await fails(create(projects_stub, pm, project, "design"))
    assert err.code == grpc.StatusCode.ALREADY_EXISTS


async def test_get_missing_milestone_is_not_found(projects_stub, as_role, project):
    err = await fails(as_role("viewer")(projects_stub.GetMilestone,
                                        api.GetMilestoneRequest(name=f"{project}/milestones/ghost")))
    assert err.code == grpc.StatusCode.NOT_FOUND


async def test_viewer_may_read_but_not_write(projects_stub, as_role, project):
    created = await create(projects_stub, as_role("pm"), project)
    viewer = as_role("viewer")
    assert (await viewer(projects_stub.GetMilestone, api.GetMilestoneRequest(name=created.name))) == created
    err = await fails(create(projects_stub, viewer, project))
    assert err.code == grpc.StatusCode.PERMISSION_DENIED


async def test_list_in_creation_order_with_pages(projects_stub, as_role, project):
    pm = as_role("pm")
    names = [(await create(projects_stub, pm, project, f"m{i}", due_date=D(2031, 1, i + 1))).name for i in range(5)]
    seen, token = [], ""
    while True:
        page = await pm(projects_stub.ListMilestones, api.ListMilestonesRequest(
            parent=project, page_size=2, page_token=token))
        assert len(page.milestones) <= 2
        seen += [m.name for m in page.milestones]
        token = page.next_page_token
        if not token:
            break
    assert seen == names


async def test_list_of_an_empty_project_is_empty(projects_stub, as_role, project):
    page = await as_role("viewer")(projects_stub.ListMilestones, api.ListMilestonesRequest(parent=project))
    assert list(page.milestones) == [] and page.next_page_token == ""


async def test_filter_by_state(projects_stub, as_role, project):
    pm = as_role("pm")
    await create(projects_stub, pm, project, "a")
    achieved = await create(projects_stub, pm, project, "b", state=pb.MILESTONE_STATE_ACHIEVED,
                            completion_date=D(2031, 1, 1))
    await create(projects_stub, pm, project, "c", state=pb.MILESTONE_STATE_IN_PROGRESS)
    page = await pm(projects_stub.ListMilestones, api.ListMilestonesRequest(
        parent=project, filter="state = MILESTONE_STATE_ACHIEVED"))
    assert [m.name for m in page.milestones] == [achieved.name]
    page = await pm(projects_stub.ListMilestones, api.ListMilestonesRequest(
        parent=project, filter="state != MILESTONE_STATE_ACHIEVED"))
    assert [m.name.rsplit("/", 1)[1] for m in page.milestones] == ["a", "c"]


async def test_filter_by_due_date(projects_stub, as_role, project):
    pm = as_role("pm")
    await create(projects_stub, pm, project, "early", due_date=D(2031, 1, 1))
    await create(projects_stub, pm, project, "late", due_date=D(2031, 12, 1))
    page = await pm(projects_stub.ListMilestones, api.ListMilestonesRequest(
        parent=project, filter='due_date >= "2031-06-01"'))
    assert [m.name.rsplit("/", 1)[1] for m in page.milestones] == ["late"]


@pytest.mark.parametrize("filter_text", ["state = MILESTONE_STATE_BOGUS", "state = MILESTONE_STATE_UNSPECIFIED",
                                         "owner = alice", "state MILESTONE_STATE_PLANNED",
                                         "state = MILESTONE_STATE_PLANNED OR state = MILESTONE_STATE_MISSED"])
async def test_bad_filter_is_invalid(projects_stub, as_role, project, filter_text):
    err = await fails(as_role("pm")(projects_stub.ListMilestones, api.ListMilestonesRequest(
        parent=project, filter=filter_text)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "filter" in err.fields


async def test_bad_page_token_is_invalid(projects_stub, as_role, project):
    pm = as_role("pm")
    err = await fails(pm(projects_stub.ListMilestones, api.ListMilestonesRequest(
        parent=project, page_token="not-a-token")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in err.fields


async def test_page_token_of_another_query_is_invalid(projects_stub, as_role, project):
    pm = as_role("pm")
    for i in range(3):
        await create(projects_stub, pm, project, f"m{i}")
    first = await pm(projects_stub.ListMilestones, api.ListMilestonesRequest(parent=project, page_size=1))
    assert first.next_page_token
    err = await fails(pm(projects_stub.ListMilestones, api.ListMilestonesRequest(
        parent=project, page_size=1, page_token=first.next_page_token, filter="state = MILESTONE_STATE_PLANNED")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in err.fields


async def test_negative_page_size_is_invalid(projects_stub, as_role, project):
    err = await fails(as_role("pm")(projects_stub.ListMilestones, api.ListMilestonesRequest(
        parent=project, page_size=-1)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_size" in err.fields


async def test_update_with_empty_mask_takes_the_set_fields(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project, deliverables=["Old"])
    updated = await pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, display_name="Renamed", deliverables=["New 1", "New 2"]),
        request_id=rid()))
    assert updated.display_name == "Renamed"
    assert list(updated.deliverables) == ["New 1", "New 2"]
    assert updated.due_date == created.due_date


async def test_update_validates_the_merged_milestone(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project)
    err = await fails(pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name), update_mask=field_mask_pb2.FieldMask(paths=["due_date"]),
        request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "milestone.due_date" in err.fields
    unchanged = await pm(projects_stub.GetMilestone, api.GetMilestoneRequest(name=created.name))
    assert unchanged == created


async def test_update_with_stale_etag_is_aborted(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project)
    await pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, display_name="First edit"), request_id=rid()))
    err = await fails(pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, display_name="Second edit", etag=created.etag),
        request_id=rid())))
    assert err.code == grpc.StatusCode.ABORTED
    assert err.reason == "ETAG_MISMATCH"


async def test_update_of_a_missing_milestone_is_not_found(projects_stub, as_role, project):
    err = await fails(as_role("pm")(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=f"{project}/milestones/ghost", display_name="X"), request_id=rid())))
    assert err.code == grpc.StatusCode.NOT_FOUND


async def test_update_with_nothing_to_update_is_invalid(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project)
    err = await fails(pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name), request_id=rid())))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask" in err.fields


async def test_update_reusing_a_request_id_for_another_change_is_refused(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project)
    request_id = rid()
    await pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, display_name="One"), request_id=request_id))
    err = await fails(pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, display_name="Two"), request_id=request_id)))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "REQUEST_ID_REUSED"


async def test_delete(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project)
    await pm(projects_stub.DeleteMilestone, api.DeleteMilestoneRequest(
        name=created.name, etag=created.etag, request_id=rid()))
    err = await fails(pm(projects_stub.GetMilestone, api.GetMilestoneRequest(name=created.name)))
    assert err.code == grpc.StatusCode.NOT_FOUND
    again = await fails(pm(projects_stub.DeleteMilestone, api.DeleteMilestoneRequest(
        name=created.name, request_id=rid())))
    assert again.code == grpc.StatusCode.NOT_FOUND


async def test_delete_with_stale_etag_is_aborted(projects_stub, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project)
    await pm(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
        milestone=pb.Milestone(name=created.name, display_name="Edited"), request_id=rid()))
    err = await fails(pm(projects_stub.DeleteMilestone, api.DeleteMilestoneRequest(
        name=created.name, etag=created.etag, request_id=rid())))
    assert err.code == grpc.StatusCode.ABORTED
    still_there = await pm(projects_stub.GetMilestone, api.GetMilestoneRequest(name=created.name))
    assert still_there.display_name == "Edited"


async def test_malformed_name_is_invalid(projects_stub, as_role, org):
    err = await fails(as_role("pm")(projects_stub.GetMilestone, api.GetMilestoneRequest(
        name=f"organizations/{org}/milestones/m")))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "name" in err.fields


async def test_create_retry_with_the_same_request_id_returns_the_same_milestone(projects_stub, as_role, project):
    pm = as_role("pm")
    request = api.CreateMilestoneRequest(parent=project, milestone=pb.Milestone(
        display_name="Go-live", due_date=D(2031, 9, 1)), request_id=rid())
    first = await pm(projects_stub.CreateMilestone, request)
    assert await pm(projects_stub.CreateMilestone, request) == first
    listed = await pm(projects_stub.ListMilestones, api.ListMilestonesRequest(parent=project))
    assert list(listed.milestones) == [first]
    request.milestone.display_name = "Something else"
    err = await fails(pm(projects_stub.CreateMilestone, request))
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "REQUEST_ID_REUSED"


async def test_another_organization_is_denied_on_every_milestone_rpc(projects_stub, authority, as_role, project):
    pm = as_role("pm")
    created = await create(projects_stub, pm, project, "design")
    outsider = Caller(authority, "mallory", {"org-elsewhere": ["admin"]})
    calls = [
        outsider(projects_stub.CreateMilestone, api.CreateMilestoneRequest(
            parent=project, milestone=pb.Milestone(display_name="X", due_date=D(2031, 1, 1)), request_id=rid())),
        outsider(projects_stub.GetMilestone, api.GetMilestoneRequest(name=created.name)),
        outsider(projects_stub.ListMilestones, api.ListMilestonesRequest(parent=project)),
        outsider(projects_stub.UpdateMilestone, api.UpdateMilestoneRequest(
            milestone=pb.Milestone(name=created.name, display_name="Hijacked"), request_id=rid())),
        outsider(projects_stub.DeleteMilestone, api.DeleteMilestoneRequest(name=created.name, request_id=rid())),
    ]
    for call in calls:
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED
    listed = await pm(projects_stub.ListMilestones, api.ListMilestonesRequest(parent=project))
    assert list(listed.milestones) == [created]
