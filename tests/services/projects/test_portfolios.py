"""Portfolios: create, get, list with filters, update, delete (only when empty)."""

import uuid

import grpc
from google.protobuf import field_mask_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import Caller, fails, rid


def _portfolio(display_name="Digital", score=50, **kw) -> pb.Portfolio:
    return pb.Portfolio(display_name=display_name, priority_score=score, **kw)


async def _create(stub, caller, org, pid=None, **kw) -> pb.Portfolio:
    return await caller(stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id=pid or "", portfolio=_portfolio(**kw), request_id=rid()))


async def _create_project(stub, caller, org, portfolio_name, code="P-1") -> pb.Project:
    return await caller(stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project=pb.Project(
            code=code, display_name="In the portfolio", methodology=pb.METHODOLOGY_HYBRID,
            portfolio=portfolio_name)))


# --- CreatePortfolio / GetPortfolio -----------------------------------------------

async def test_create_portfolio_round_trips_every_field(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="growth", request_id=rid(), portfolio=pb.Portfolio(
            display_name="Growth", description="Revenue programmes", priority_score=80,
            strategic_objectives=["Enter DACH market", "Double ARR"])))
    assert created.name == f"organizations/{org}/portfolios/growth"
    assert (created.display_name, created.description, created.priority_score) == (
        "Growth", "Revenue programmes", 80)
    assert list(created.strategic_objectives) == ["Enter DACH market", "Double ARR"]
    assert created.etag and created.create_time.seconds > 0
    got = await as_role("viewer")(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=created.name))
    assert got == created


async def test_create_portfolio_generates_an_id_when_none_is_given(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org)
    assert created.name.startswith(f"organizations/{org}/portfolios/")
    got = await as_role("viewer")(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=created.name))
    assert got == created


async def test_create_portfolio_reports_every_bad_field(projects_stub, as_role, org):
    failure = await fails(as_role("pmo")(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="Bad_Id", portfolio=pb.Portfolio(
            display_name="", description="d" * 10_001, priority_score=101,
            strategic_objectives=["ok", "  ", "o" * 1001]))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {
        "portfolio_id", "portfolio.display_name", "portfolio.description", "portfolio.priority_score",
        "portfolio.strategic_objectives[1]", "portfolio.strategic_objectives[2]"}


async def test_create_portfolio_refuses_a_display_name_over_200_characters(projects_stub, as_role, org):
    failure = await fails(as_role("pmo")(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio=_portfolio(display_name="p" * 201))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"portfolio.display_name"}


async def test_create_portfolio_refuses_a_negative_priority_score(projects_stub, as_role, org):
    failure = await fails(as_role("pmo")(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio=_portfolio(score=-1))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"portfolio.priority_score"}


async def test_create_portfolio_with_a_missing_or_malformed_parent_is_invalid(projects_stub, as_role, org):
    pmo = as_role("pmo")
    for parent in ("", org, f"organizations/{org}/portfolios"):
        failure = await fails(pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
            parent=parent, portfolio=_portfolio())))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, parent
        assert set(failure.fields) == {"parent"}, parent


async def test_create_portfolio_in_a_missing_org_is_not_found(projects_stub, authority):
    org_id = "org-" + uuid.uuid4().hex[:12]
    pmo = Caller(authority, "pmo", {org_id: ["pmo"]})
    failure = await fails(pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org_id}", portfolio=_portfolio())))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_create_portfolio_twice_with_the_same_id_is_already_exists(projects_stub, as_role, org):
    pmo = as_role("pmo")
    await _create(projects_stub, pmo, org, "core")
    failure = await fails(_create(projects_stub, pmo, org, "core"))
    assert failure.code == grpc.StatusCode.ALREADY_EXISTS


async def test_create_portfolio_validate_only_creates_nothing(projects_stub, as_role, org):
    pmo = as_role("pmo")
    checked = await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="dry", portfolio=_portfolio(), validate_only=True))
    assert checked.name == f"organizations/{org}/portfolios/dry"
    failure = await fails(pmo(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=checked.name)))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_create_portfolio_retry_with_same_request_id_creates_one(projects_stub, as_role, org):
    pmo = as_role("pmo")
    request = api.CreatePortfolioRequest(parent=f"organizations/{org}", portfolio=_portfolio(), request_id=rid())
    first = await pmo(projects_stub.CreatePortfolio, request)
    again = await pmo(projects_stub.CreatePortfolio, request)
    assert again == first
    listed = await pmo(projects_stub.ListPortfolios, api.ListPortfoliosRequest(parent=f"organizations/{org}"))
    assert [p.name for p in listed.portfolios] == [first.name]


async def test_create_portfolio_request_id_reused_for_another_request_is_refused(projects_stub, as_role, org):
    pmo = as_role("pmo")
    request_id = rid()
    await pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio=_portfolio("A"), request_id=request_id))
    failure = await fails(pmo(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio=_portfolio("B"), request_id=request_id)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "REQUEST_ID_REUSED"


async def test_create_portfolio_needs_pmo_or_admin(projects_stub, as_role, org):
    for role in ("pm", "sponsor", "viewer", "finance"):
        failure = await fails(_create(projects_stub, as_role(role), org))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, role
    await _create(projects_stub, as_role("admin"), org)


async def test_portfolios_of_another_org_are_permission_denied_whether_or_not_they_exist(
        projects_stub, authority, as_role, org):
    existing = await _create(projects_stub, as_role("pmo"), org, "secret")
    outsider = Caller(authority, "outsider", {"org-" + uuid.uuid4().hex[:12]: ["admin"]})
    for name in (existing.name, f"organizations/{org}/portfolios/no-such"):
        failure = await fails(outsider(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=name)))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, name
    failure = await fails(outsider(projects_stub.ListPortfolios,
                                   api.ListPortfoliosRequest(parent=f"organizations/{org}")))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    failure = await fails(outsider(projects_stub.DeletePortfolio, api.DeletePortfolioRequest(name=existing.name)))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    failure = await fails(outsider(projects_stub.CreatePortfolio, api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio=_portfolio())))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


async def test_get_portfolio_that_does_not_exist_is_not_found(projects_stub, as_role, org):
    failure = await fails(as_role("viewer")(projects_stub.GetPortfolio, api.GetPortfolioRequest(
        name=f"organizations/{org}/portfolios/nope")))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_get_portfolio_with_a_malformed_name_is_invalid(projects_stub, as_role, org):
    for name in ("", f"organizations/{org}/portfolios/", f"organizations/{org}/projects/x",
                 f"organizations/{org}/portfolios/UPPER"):
        failure = await fails(as_role("viewer")(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=name)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, name
        assert set(failure.fields) == {"name"}, name


# --- ListPortfolios -----------------------------------------------------------------

async def test_list_portfolios_filters_on_priority_score(projects_stub, as_role, org):
    pmo = as_role("pmo")
    low = await _create(projects_stub, pmo, org, "low", score=10)
    mid = await _create(projects_stub, pmo, org, "mid", score=50)
    high = await _create(projects_stub, pmo, org, "high", score=90)
    parent = f"organizations/{org}"
    listed = await pmo(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
        parent=parent, filter="priority_score >= 50"))
    assert [p.name for p in listed.portfolios] == [mid.name, high.name]
    listed = await pmo(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
        parent=parent, filter='priority_score < 50 AND display_name = "Digital"'))
    assert [p.name for p in listed.portfolios] == [low.name]
    everything = await pmo(projects_stub.ListPortfolios, api.ListPortfoliosRequest(parent=parent))
    assert [p.name for p in everything.portfolios] == [low.name, mid.name, high.name]


async def test_list_portfolios_pages_in_creation_order(projects_stub, as_role, org):
    pmo = as_role("pmo")
    names = [(await _create(projects_stub, pmo, org, f"p{i}")).name for i in range(5)]
    seen, token = [], ""
    for expected_size in (2, 2, 1):
        page = await pmo(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
            parent=f"organizations/{org}", page_size=2, page_token=token))
        assert len(page.portfolios) == expected_size
        seen += [p.name for p in page.portfolios]
        token = page.next_page_token
    assert token == ""
    assert seen == names


async def test_list_portfolios_of_a_missing_org_is_not_found(projects_stub, authority):
    org_id = "org-" + uuid.uuid4().hex[:12]
    failure = await fails(Caller(authority, "v", {org_id: ["viewer"]})(
        projects_stub.ListPortfolios, api.ListPortfoliosRequest(parent=f"organizations/{org_id}")))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_list_portfolios_refuses_bad_filters(projects_stub, as_role, org):
    viewer = as_role("viewer")
    for bad in ("budget > 5",                      # unknown field
                "priority_score >=",               # no value
                "priority_score 50",               # no operator
                "priority_score >= fifty",         # not an integer
                "priority_score >= 50 OR priority_score < 5",  # only AND
                "priority_score >= 50 AND",        # dangling AND
                "priority_score = 5 ; DROP TABLE portfolios",  # stray characters
                "(priority_score = 5)"):
        failure = await fails(viewer(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
            parent=f"organizations/{org}", filter=bad)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, bad
        assert set(failure.fields) == {"filter"}, bad


async def test_list_portfolios_compares_integers_wider_than_the_column(projects_stub, as_role, org):
    pmo = as_role("pmo")
    top = await _create(projects_stub, pmo, org, "top", score=100)
    parent = f"organizations/{org}"
    none = await pmo(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
        parent=parent, filter="priority_score >= 99999"))
    assert list(none.portfolios) == []
    every = await pmo(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
        parent=parent, filter="priority_score > -40000"))
    assert [p.name for p in every.portfolios] == [top.name]


async def test_list_portfolios_refuses_an_integer_beyond_64_bits_in_the_filter(projects_stub, as_role, org):
    failure = await fails(as_role("viewer")(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
        parent=f"organizations/{org}", filter="priority_score >= 99999999999999999999999")))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"filter"}


async def test_list_portfolios_refuses_a_bad_page_token_or_size(projects_stub, as_role, org):
    viewer = as_role("viewer")
    failure = await fails(viewer(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
        parent=f"organizations/{org}", page_token="%%%")))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"page_token"}
    failure = await fails(viewer(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
        parent=f"organizations/{org}", page_size=-5)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"page_size"}


async def test_list_portfolios_token_is_bound_to_its_parent(projects_stub, authority, as_role, org):
    pmo = as_role("pmo")
    for i in range(2):
        await _create(projects_stub, pmo, org, f"p{i}")
    page = await pmo(projects_stub.ListPortfolios, api.ListPortfoliosRequest(parent=f"organizations/{org}",
                                                                            page_size=1))
    assert page.next_page_token
    other = "org-" + uuid.uuid4().hex[:12]
    both = Caller(authority, "both", {org: ["pmo"], other: ["admin"]})
    await both(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=other, organization=pb.Organization(display_name="Other", pmo_type=pb.PMO_TYPE_PROJECT)))
    failure = await fails(both(projects_stub.ListPortfolios, api.ListPortfoliosRequest(
        parent=f"organizations/{other}", page_size=1, page_token=page.next_page_token)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"page_token"}


# --- UpdatePortfolio ----------------------------------------------------------------

async def test_update_portfolio_changes_the_masked_fields_only(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, "core", score=20, description="Keep me",
                            strategic_objectives=["Old"])
    updated = await pmo(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=created.name, priority_score=70, strategic_objectives=["New", "Newer"],
                               description="ignored", etag=created.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["priority_score", "strategic_objectives"]), request_id=rid()))
    assert updated.priority_score == 70
    assert list(updated.strategic_objectives) == ["New", "Newer"]
    assert updated.description == "Keep me"
    assert updated.etag != created.etag
    assert await pmo(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=created.name)) == updated


async def test_update_portfolio_can_clear_a_list_through_the_mask(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, "core", strategic_objectives=["Old"])
    updated = await pmo(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=created.name), update_mask=field_mask_pb2.FieldMask(
            paths=["strategic_objectives"])))
    assert list(updated.strategic_objectives) == []


async def test_update_portfolio_with_a_stale_etag_is_aborted(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, "core")
    await pmo(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=created.name, display_name="Renamed", etag=created.etag)))
    failure = await fails(pmo(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=created.name, display_name="Again", etag=created.etag))))
    assert failure.code == grpc.StatusCode.ABORTED
    assert failure.reason == "ETAG_MISMATCH"


async def test_update_portfolio_refuses_bad_values_and_mask_paths(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, "core")
    failure = await fails(pmo(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=created.name, priority_score=101, display_name=" "),
        update_mask=field_mask_pb2.FieldMask(paths=["priority_score", "display_name"]))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"portfolio.priority_score", "portfolio.display_name"}
    failure = await fails(pmo(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=created.name, priority_score=1),
        update_mask=field_mask_pb2.FieldMask(paths=["owner"]))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"update_mask"}


async def test_update_portfolio_that_does_not_exist_is_not_found(projects_stub, as_role, org):
    failure = await fails(as_role("pmo")(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=f"organizations/{org}/portfolios/ghost", display_name="Boo"))))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_update_portfolio_needs_pmo_or_admin(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, "core")
    failure = await fails(as_role("pm")(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=created.name, display_name="Mine now"))))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


# --- DeletePortfolio ----------------------------------------------------------------

async def test_delete_empty_portfolio_then_it_is_gone(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, "temp")
    await pmo(projects_stub.DeletePortfolio, api.DeletePortfolioRequest(name=created.name, etag=created.etag,
                                                                        request_id=rid()))
    failure = await fails(pmo(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=created.name)))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    failure = await fails(pmo(projects_stub.DeletePortfolio, api.DeletePortfolioRequest(name=created.name)))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_delete_portfolio_retry_with_same_request_id_succeeds_again(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, "temp")
    request = api.DeletePortfolioRequest(name=created.name, request_id=rid())
    await pmo(projects_stub.DeletePortfolio, request)
    await pmo(projects_stub.DeletePortfolio, request)  # replayed, not NOT_FOUND


async def test_delete_portfolio_holding_a_project_is_refused(projects_stub, as_role, org):
    pmo = as_role("pmo")
    portfolio = await _create(projects_stub, pmo, org, "busy")
    project = await _create_project(projects_stub, pmo, org, portfolio.name)
    failure = await fails(pmo(projects_stub.DeletePortfolio, api.DeletePortfolioRequest(name=portfolio.name)))
    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "PORTFOLIO_NOT_EMPTY"
    assert await pmo(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=portfolio.name)) == portfolio
    # Once the project leaves the portfolio, the delete goes through.
    await pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=project.name), update_mask=field_mask_pb2.FieldMask(paths=["portfolio"])))
    await pmo(projects_stub.DeletePortfolio, api.DeletePortfolioRequest(name=portfolio.name))


async def test_delete_portfolio_with_a_stale_etag_is_aborted(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await _create(projects_stub, pmo, org, "core")
    updated = await pmo(projects_stub.UpdatePortfolio, api.UpdatePortfolioRequest(
        portfolio=pb.Portfolio(name=created.name, display_name="Renamed")))
    failure = await fails(pmo(projects_stub.DeletePortfolio, api.DeletePortfolioRequest(name=created.name,
                                                                                        etag=created.etag)))
    assert failure.code == grpc.StatusCode.ABORTED
    assert failure.reason == "ETAG_MISMATCH"
    assert await pmo(projects_stub.GetPortfolio, api.GetPortfolioRequest(name=created.name)) == updated


async def test_delete_portfolio_needs_pmo_or_admin(projects_stub, as_role, org):
    created = await _create(projects_stub, as_role("pmo"), org, "core")
    for role in ("pm", "viewer"):
        failure = await fails(as_role(role)(projects_stub.DeletePortfolio,
                                            api.DeletePortfolioRequest(name=created.name)))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, role
