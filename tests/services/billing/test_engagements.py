"""Engagements: create/get/list/update, projects checked with ProjectsService, validation, tenancy."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.services.billing.support import EUR, D, audit_count, create_engagement
from tests.support import Caller, fails, rid


async def test_create_get_list(billing_stub, as_role, org, project):
    finance = as_role("finance")
    created = await create_engagement(billing_stub, finance, org, [project], cap=EUR(50_000))
    assert created.name == f"organizations/{org}/engagements/main"
    assert list(created.projects) == [project]
    assert created.cap == EUR(50_000) and created.etag
    assert await as_role("viewer")(billing_stub.GetEngagement, api.GetEngagementRequest(name=created.name)) == created
    listed = await finance(billing_stub.ListEngagements, api.ListEngagementsRequest(
        parent=f"organizations/{org}", filter="billing_model = BILLING_MODEL_TIME_AND_MATERIALS"))
    assert [e.name for e in listed.engagements] == [created.name]


async def test_missing_and_malformed_fields_are_listed(billing_stub, as_role, org):
    failure = await fails(as_role("finance")(billing_stub.CreateEngagement, api.CreateEngagementRequest(
        parent=f"organizations/{org}", engagement_id="Bad_Id", engagement=pb.Engagement(
            billing_model=99, currency_code="eur", payment_terms_days=400, cap=EUR(-1),
            projects=["organizations/other/projects/x", "nonsense"]))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) >= {
        "engagement_id", "engagement.display_name", "engagement.billing_model", "engagement.currency_code",
        "engagement.payment_terms_days", "engagement.cap", "engagement.projects[0]", "engagement.projects[1]"}
    assert "unknown value 99" in failure.fields["engagement.billing_model"]


async def test_unknown_project_is_refused_through_projects_service(billing_stub, as_role, org):
    failure = await fails(create_engagement(billing_stub, as_role("finance"), org,
                                            [f"organizations/{org}/projects/ghost"]))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "does not exist" in failure.fields["engagement.projects[0]"]


async def test_retainer_needs_a_fee_and_fixed_fee_milestones_add_up(billing_stub, as_role, org, project):
    finance = as_role("finance")
    failure = await fails(create_engagement(billing_stub, finance, org, [project],
                                            billing_model=pb.BILLING_MODEL_RETAINER))
    assert failure.fields == {"engagement.fee": "is required"}
    failure = await fails(create_engagement(
        billing_stub, finance, org, [project], billing_model=pb.BILLING_MODEL_FIXED_FEE, fee=EUR(1000),
        milestone_fees=[pb.MilestoneFee(milestone=f"{project}/milestones/m1", amount=EUR(400))]))
    assert failure.fields["engagement.milestone_fees"] == "must add up to the fixed fee"


async def test_update_with_mask_and_etag(billing_stub, as_role, org, project):
    finance = as_role("finance")
    created = await create_engagement(billing_stub, finance, org, [project])
    updated = await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=created.name, display_name="Renamed", closed_through=D(2027, 1, 31),
                                 etag=created.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name", "closed_through"]), request_id=rid()))
    assert updated.display_name == "Renamed" and updated.closed_through == D(2027, 1, 31)
    assert updated.etag != created.etag
    stale = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=created.name, payment_terms_days=10, etag=created.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["payment_terms_days"]))))
    assert (stale.code, stale.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    reopen = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=created.name, closed_through=D(2027, 1, 1)),
        update_mask=field_mask_pb2.FieldMask(paths=["closed_through"]))))
    assert "not reopened" in reopen.fields["engagement.closed_through"]
    currency = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=created.name, currency_code="USD"),
        update_mask=field_mask_pb2.FieldMask(paths=["currency_code"]))))
    assert "cannot be updated" in currency.fields["update_mask"]


async def test_reused_request_id_replays_or_is_refused(billing_stub, as_role, org, project):
    finance = as_role("finance")
    request = api.CreateEngagementRequest(parent=f"organizations/{org}", engagement_id="e1", request_id=rid(),
                                          engagement=pb.Engagement(
                                              display_name="One", projects=[project], currency_code="EUR",
                                              billing_model=pb.BILLING_MODEL_TIME_AND_MATERIALS))
    first = await finance(billing_stub.CreateEngagement, request)
    assert await finance(billing_stub.CreateEngagement, request) == first
    request.engagement_id = "e2"
    reused = await fails(finance(billing_stub.CreateEngagement, request))
    assert reused.reason == "REQUEST_ID_REUSED"
    duplicate = await fails(create_engagement(billing_stub, finance, org, [project], engagement_id="e1"))
    assert duplicate.code == grpc.StatusCode.ALREADY_EXISTS


async def test_roles_tenancy_and_tokens(billing_stub, authority, as_role, org, project):
    denied = await fails(create_engagement(billing_stub, as_role("member"), org, [project]))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    stranger = Caller(authority, "eve", {"elsewhere": ["admin"]})
    for call in (billing_stub.GetEngagement(api.GetEngagementRequest(name=f"organizations/{org}/engagements/x"),
                                            metadata=stranger.metadata()),
                 billing_stub.ListEngagements(api.ListEngagementsRequest(parent=f"organizations/{org}"),
                                              metadata=stranger.metadata())):
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED
    anonymous = await fails(billing_stub.ListEngagements(api.ListEngagementsRequest(parent=f"organizations/{org}")))
    assert anonymous.code == grpc.StatusCode.UNAUTHENTICATED


async def test_get_missing_bad_name_and_bad_page_token(billing_stub, as_role, org):
    viewer = as_role("viewer")
    missing = await fails(viewer(billing_stub.GetEngagement,
                                 api.GetEngagementRequest(name=f"organizations/{org}/engagements/nope")))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    malformed = await fails(viewer(billing_stub.GetEngagement, api.GetEngagementRequest(name="engagements/x")))
    assert malformed.fields.keys() == {"name"}
    token = await fails(viewer(billing_stub.ListEngagements, api.ListEngagementsRequest(
        parent=f"organizations/{org}", page_token="garbage")))
    assert token.fields.keys() == {"page_token"}


async def _milestone_engagement(billing_stub, projects_stub, as_role, org, project, fee) -> pb.Engagement:
    """A milestone-billed engagement on `project` whose one fee, `fee`, is for the project's new go-live."""
    milestone = await as_role("pm")(projects_stub.CreateMilestone, projects_api.CreateMilestoneRequest(
        parent=project, milestone_id="go-live", milestone=projects_pb.Milestone(display_name="Go-live",
                                                                                due_date=D(2027, 3, 31))))
    return await create_engagement(
        billing_stub, as_role("finance"), org, [project], billing_model=pb.BILLING_MODEL_MILESTONE,
        milestone_fees=[pb.MilestoneFee(milestone=milestone.name, amount=fee)])


async def test_a_no_op_update_of_an_engagement_with_milestone_fees_keeps_its_etag_and_records_nothing(
        billing_stub, projects_stub, as_role, org, project, db):
    finance = as_role("finance")
    created = await _milestone_engagement(billing_stub, projects_stub, as_role, org, project, EUR(5_000, 500_000_000))
    events = await audit_count(db, org)
    # What GetEngagement returned, sent back whole: nothing changes.
    same = await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=created, update_mask=field_mask_pb2.FieldMask(paths=["*"]), request_id=rid()))
    assert same == created
    assert await audit_count(db, org) == events


async def test_a_changed_milestone_fee_is_stored_with_a_new_etag_and_one_audit_event(
        billing_stub, projects_stub, as_role, org, project, db):
    finance = as_role("finance")
    created = await _milestone_engagement(billing_stub, projects_stub, as_role, org, project, EUR(5_000))
    milestone = created.milestone_fees[0].milestone
    events = await audit_count(db, org, "UpdateEngagement")
    updated = await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=created.name, etag=created.etag, milestone_fees=[
            pb.MilestoneFee(milestone=milestone, amount=EUR(7_500))]),
        update_mask=field_mask_pb2.FieldMask(paths=["milestone_fees"]), request_id=rid()))
    assert [f.amount for f in updated.milestone_fees] == [EUR(7_500)] and updated.etag != created.etag
    assert await finance(billing_stub.GetEngagement, api.GetEngagementRequest(name=created.name)) == updated
    assert await audit_count(db, org, "UpdateEngagement") == events + 1


async def test_an_update_reopening_a_closed_period_lists_that_with_its_other_bad_fields(
        billing_stub, as_role, org, project):
    finance = as_role("finance")
    created = await create_engagement(billing_stub, finance, org, [project], closed_through=D(2027, 1, 31))
    failure = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=created.name, display_name=" ", closed_through=D(2027, 1, 1)),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name", "closed_through"]))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"engagement.display_name", "engagement.closed_through"}
    assert "not reopened" in failure.fields["engagement.closed_through"]


async def test_an_update_naming_a_missing_project_is_refused_through_projects_service(
        billing_stub, as_role, org, project):
    finance = as_role("finance")
    created = await create_engagement(billing_stub, finance, org, [project])
    failure = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=created.name, projects=[project, f"organizations/{org}/projects/ghost"]),
        update_mask=field_mask_pb2.FieldMask(paths=["projects"]))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "does not exist" in failure.fields["engagement.projects[1]"]
    assert await finance(billing_stub.GetEngagement, api.GetEngagementRequest(name=created.name)) == created
