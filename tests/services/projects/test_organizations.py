"""Organizations: create, get, list (only the caller's), update with masks and etags."""

import uuid

import grpc
import jwt
from google.protobuf import field_mask_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from tests.support import Caller, fails, rid


def _org(display_name="Globex", pmo_type=pb.PMO_TYPE_STRATEGIC, currency="GBP") -> pb.Organization:
    return pb.Organization(display_name=display_name, pmo_type=pmo_type, default_currency_code=currency)


def _new_id() -> str:
    return "org-" + uuid.uuid4().hex[:12]


def _admin_of(authority, *org_ids: str, sub: str = "root") -> Caller:
    return Caller(authority, sub, {o: ["admin"] for o in org_ids})


# --- CreateOrganization -------------------------------------------------------

async def test_create_organization_returns_it_with_name_times_and_etag(projects_stub, authority):
    org_id = _new_id()
    admin = _admin_of(authority, org_id)
    created = await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(), request_id=rid()))
    assert created.name == f"organizations/{org_id}"
    assert (created.display_name, created.pmo_type, created.default_currency_code) == (
        "Globex", pb.PMO_TYPE_STRATEGIC, "GBP")
    assert created.create_time.seconds > 0 and created.update_time.seconds > 0
    assert created.etag
    got = await admin(projects_stub.GetOrganization, api.GetOrganizationRequest(name=created.name))
    assert got == created


async def test_create_organization_defaults_currency_to_usd(projects_stub, authority):
    org_id = _new_id()
    created = await _admin_of(authority, org_id)(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(currency="")))
    assert created.default_currency_code == "USD"


async def test_create_organization_requires_an_id(projects_stub, authority):
    failure = await fails(_admin_of(authority, "anything")(projects_stub.CreateOrganization,
                                                           api.CreateOrganizationRequest(organization=_org())))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "organization_id" in failure.fields


async def test_create_organization_refuses_malformed_ids(projects_stub, authority):
    for bad in ("Acme", "1acme", "acme_corp", "acme-", "a" * 64, "acme/x"):
        failure = await fails(_admin_of(authority, bad)(projects_stub.CreateOrganization,
                                                       api.CreateOrganizationRequest(organization_id=bad,
                                                                                     organization=_org())))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, bad
        assert set(failure.fields) == {"organization_id"}, bad


async def test_create_organization_reports_every_bad_field_at_once(projects_stub, authority):
    org_id = _new_id()
    failure = await fails(_admin_of(authority, org_id)(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=pb.Organization(display_name="", pmo_type=99,
                                                             default_currency_code="euro"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "INVALID_ARGUMENT"
    assert set(failure.fields) == {"organization.display_name", "organization.pmo_type",
                                   "organization.default_currency_code"}
    assert "99" in failure.fields["organization.pmo_type"]


async def test_create_organization_refuses_a_display_name_over_200_characters(projects_stub, authority):
    org_id = _new_id()
    admin = _admin_of(authority, org_id)
    failure = await fails(admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(display_name="x" * 201))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"organization.display_name"}
    created = await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(display_name="x" * 200)))
    assert len(created.display_name) == 200


async def test_create_organization_requires_a_pmo_type(projects_stub, authority):
    org_id = _new_id()
    failure = await fails(_admin_of(authority, org_id)(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(pmo_type=pb.PMO_TYPE_UNSPECIFIED))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"organization.pmo_type"}


async def test_create_organization_validate_only_creates_nothing(projects_stub, authority):
    org_id = _new_id()
    admin = _admin_of(authority, org_id)
    checked = await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(), validate_only=True))
    assert checked.name == f"organizations/{org_id}"
    failure = await fails(admin(projects_stub.GetOrganization, api.GetOrganizationRequest(name=checked.name)))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    # ...and the real create still works afterwards.
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(organization_id=org_id,
                                                                                organization=_org()))


async def test_create_organization_validate_only_still_reports_bad_input(projects_stub, authority):
    org_id = _new_id()
    failure = await fails(_admin_of(authority, org_id)(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(display_name=""), validate_only=True)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "organization.display_name" in failure.fields


async def test_create_organization_twice_is_already_exists(projects_stub, authority, org):
    failure = await fails(_admin_of(authority, org)(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org, organization=_org())))
    assert failure.code == grpc.StatusCode.ALREADY_EXISTS
    assert failure.metadata.get("resource") == f"organizations/{org}"


async def test_create_organization_validate_only_detects_a_duplicate(projects_stub, authority, org):
    failure = await fails(_admin_of(authority, org)(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org, organization=_org(), validate_only=True)))
    assert failure.code == grpc.StatusCode.ALREADY_EXISTS


async def test_create_organization_needs_the_admin_role_in_that_org(projects_stub, authority):
    org_id = _new_id()
    pmo = Caller(authority, "pat", {org_id: ["pmo", "pm"]})
    failure = await fails(pmo(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org())))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    admin_elsewhere = _admin_of(authority, _new_id())
    failure = await fails(admin_elsewhere(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org())))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    # Nothing was created by either attempt.
    failure = await fails(_admin_of(authority, org_id)(projects_stub.GetOrganization,
                                                      api.GetOrganizationRequest(name=f"organizations/{org_id}")))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_create_organization_retry_with_same_request_id_returns_the_first_result(projects_stub, authority):
    org_id = _new_id()
    admin = _admin_of(authority, org_id)
    request = api.CreateOrganizationRequest(organization_id=org_id, organization=_org(), request_id=rid())
    first = await admin(projects_stub.CreateOrganization, request)
    again = await admin(projects_stub.CreateOrganization, request)
    assert again == first


async def test_create_organization_request_id_reused_for_another_request_is_refused(projects_stub, authority):
    org_id = _new_id()
    admin = _admin_of(authority, org_id)
    request_id = rid()
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(), request_id=request_id))
    failure = await fails(admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(display_name="Other"), request_id=request_id)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "REQUEST_ID_REUSED"
    assert "request_id" in failure.fields


async def test_create_organization_refuses_a_request_id_that_is_not_a_uuid(projects_stub, authority):
    org_id = _new_id()
    failure = await fails(_admin_of(authority, org_id)(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=org_id, organization=_org(), request_id="retry-1")))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "request_id" in failure.fields


# --- authentication -------------------------------------------------------------

async def test_calls_without_a_token_are_unauthenticated(projects_stub, org):
    try:
        await projects_stub.GetOrganization(api.GetOrganizationRequest(name=f"organizations/{org}"), timeout=10)
    except grpc.aio.AioRpcError as exc:
        assert exc.code() == grpc.StatusCode.UNAUTHENTICATED
    else:
        raise AssertionError("a call without a token succeeded")


async def _get_with_token(projects_stub, org, token):
    return await fails(projects_stub.GetOrganization(
        api.GetOrganizationRequest(name=f"organizations/{org}"),
        metadata=(("authorization", f"Bearer {token}"),), timeout=10))


async def test_expired_token_is_unauthenticated(projects_stub, authority, org):
    expired = Caller(authority, "late", {org: ["admin"]}, ttl_s=-60)
    failure = await _get_with_token(projects_stub, org, expired.token)
    assert failure.code == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in failure.message


async def test_token_signed_with_another_secret_is_unauthenticated(projects_stub, authority, org):
    claims = jwt.decode(authority.issue("mallory", {org: ["admin"]}), options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-secret-" + uuid.uuid4().hex, algorithm="HS256")
    failure = await _get_with_token(projects_stub, org, forged)
    assert failure.code == grpc.StatusCode.UNAUTHENTICATED


async def test_unsigned_alg_none_token_is_unauthenticated(projects_stub, authority, org):
    claims = jwt.decode(authority.issue("mallory", {org: ["admin"]}), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")
    failure = await _get_with_token(projects_stub, org, unsigned)
    assert failure.code == grpc.StatusCode.UNAUTHENTICATED


async def test_garbage_authorization_header_is_unauthenticated(projects_stub, org):
    for header in ("Bearer", "Basic abc", "Bearer not.a.jwt"):
        failure = await fails(projects_stub.GetOrganization(
            api.GetOrganizationRequest(name=f"organizations/{org}"), metadata=(("authorization", header),),
            timeout=10))
        assert failure.code == grpc.StatusCode.UNAUTHENTICATED, header


# --- GetOrganization ------------------------------------------------------------

async def test_get_organization_is_open_to_every_role_of_the_org(projects_stub, as_role, org):
    for role in ("viewer", "member", "auditor", "finance", "sponsor", "pm", "pmo"):
        got = await as_role(role)(projects_stub.GetOrganization,
                                  api.GetOrganizationRequest(name=f"organizations/{org}"))
        assert got.display_name == "Acme Corp" and got.default_currency_code == "EUR"


async def test_get_organization_of_another_org_is_permission_denied_whether_or_not_it_exists(
        projects_stub, authority, org):
    outsider = _admin_of(authority, _new_id())
    for name in (f"organizations/{org}", f"organizations/{_new_id()}"):
        failure = await fails(outsider(projects_stub.GetOrganization, api.GetOrganizationRequest(name=name)))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, name


async def test_get_organization_that_does_not_exist_is_not_found(projects_stub, authority):
    org_id = _new_id()
    failure = await fails(_admin_of(authority, org_id)(projects_stub.GetOrganization,
                                                      api.GetOrganizationRequest(name=f"organizations/{org_id}")))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert failure.reason == "RESOURCE_NOT_FOUND"


async def test_get_organization_with_a_malformed_or_missing_name_is_invalid(projects_stub, as_role, org):
    viewer = as_role("viewer")
    for name in ("", org, f"orgs/{org}", f"organizations/{org}/extra", "organizations/Bad_Id"):
        failure = await fails(viewer(projects_stub.GetOrganization, api.GetOrganizationRequest(name=name)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, name
        assert set(failure.fields) == {"name"}, name


# --- ListOrganizations ------------------------------------------------------------

async def _create_orgs(projects_stub, admin: Caller, ids: list[str]) -> None:
    for org_id in ids:
        await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
            organization_id=org_id, organization=_org(display_name=f"Org {org_id}")))


async def test_list_organizations_returns_only_the_callers_orgs(projects_stub, authority, org):
    mine = [_new_id() for _ in range(3)]
    await _create_orgs(projects_stub, _admin_of(authority, *mine), mine)
    # `org` exists too, but this caller holds no role in it; a role in a missing org lists nothing.
    caller = Caller(authority, "multi", {mine[0]: ["viewer"], mine[1]: ["pm"], mine[2]: ["admin"],
                                         _new_id(): ["admin"]})
    listed = await caller(projects_stub.ListOrganizations, api.ListOrganizationsRequest())
    assert sorted(o.name for o in listed.organizations) == sorted(f"organizations/{i}" for i in mine)
    assert listed.next_page_token == ""


async def test_list_organizations_pages_through_every_org_once(projects_stub, authority):
    ids = [_new_id() for _ in range(5)]
    admin = _admin_of(authority, *ids)
    await _create_orgs(projects_stub, admin, ids)
    seen, token, pages = [], "", 0
    while True:
        page = await admin(projects_stub.ListOrganizations, api.ListOrganizationsRequest(page_size=2,
                                                                                         page_token=token))
        pages += 1
        assert len(page.organizations) <= 2
        seen += [o.name for o in page.organizations]
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert seen == [f"organizations/{i}" for i in ids]  # creation order, no duplicates


async def test_list_organizations_filters_by_pmo_type(projects_stub, authority):
    strategic, tactical = _new_id(), _new_id()
    admin = _admin_of(authority, strategic, tactical)
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=strategic, organization=_org(pmo_type=pb.PMO_TYPE_STRATEGIC)))
    await admin(projects_stub.CreateOrganization, api.CreateOrganizationRequest(
        organization_id=tactical, organization=_org(pmo_type=pb.PMO_TYPE_TACTICAL)))
    listed = await admin(projects_stub.ListOrganizations,
                         api.ListOrganizationsRequest(filter="pmo_type = PMO_TYPE_TACTICAL"))
    assert [o.name for o in listed.organizations] == [f"organizations/{tactical}"]


async def test_list_organizations_refuses_a_bad_page_token(projects_stub, as_role):
    viewer = as_role("viewer")
    for token in ("garbage!", "eyJzIjoxfQ", "bm90IGpzb24"):
        failure = await fails(viewer(projects_stub.ListOrganizations,
                                     api.ListOrganizationsRequest(page_token=token)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, token
        assert set(failure.fields) == {"page_token"}, token


async def test_list_organizations_refuses_a_token_from_another_filter(projects_stub, authority):
    ids = [_new_id() for _ in range(3)]
    admin = _admin_of(authority, *ids)
    await _create_orgs(projects_stub, admin, ids)
    first = await admin(projects_stub.ListOrganizations, api.ListOrganizationsRequest(page_size=1))
    assert first.next_page_token
    failure = await fails(admin(projects_stub.ListOrganizations, api.ListOrganizationsRequest(
        page_size=1, page_token=first.next_page_token, filter="pmo_type = PMO_TYPE_STRATEGIC")))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"page_token"}


async def test_list_organizations_refuses_a_negative_page_size(projects_stub, as_role):
    failure = await fails(as_role("viewer")(projects_stub.ListOrganizations,
                                            api.ListOrganizationsRequest(page_size=-1)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"page_size"}


async def test_list_organizations_refuses_a_bad_filter(projects_stub, as_role):
    viewer = as_role("viewer")
    for bad in ("currency = EUR", "pmo_type = PMO_TYPE_NOPE", "pmo_type PMO_TYPE_TACTICAL"):
        failure = await fails(viewer(projects_stub.ListOrganizations, api.ListOrganizationsRequest(filter=bad)))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, bad
        assert set(failure.fields) == {"filter"}, bad


# --- UpdateOrganization -----------------------------------------------------------

async def _get(projects_stub, caller, org) -> pb.Organization:
    return await caller(projects_stub.GetOrganization, api.GetOrganizationRequest(name=f"organizations/{org}"))


async def test_update_organization_changes_only_the_masked_fields(projects_stub, as_role, org):
    admin = as_role("admin")
    before = await _get(projects_stub, admin, org)
    updated = await admin(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=before.name, display_name="Acme Holdings", pmo_type=pb.PMO_TYPE_PROJECT,
                                     etag=before.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"]), request_id=rid()))
    assert updated.display_name == "Acme Holdings"
    assert updated.pmo_type == pb.PMO_TYPE_TACTICAL  # not in the mask
    assert updated.default_currency_code == "EUR"
    assert updated.etag != before.etag
    assert updated.create_time == before.create_time
    assert await _get(projects_stub, admin, org) == updated


async def test_update_organization_with_empty_mask_changes_the_fields_set(projects_stub, as_role, org):
    admin = as_role("admin")
    before = await _get(projects_stub, admin, org)
    updated = await admin(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=before.name, default_currency_code="CHF")))
    assert updated.default_currency_code == "CHF"
    assert (updated.display_name, updated.pmo_type) == (before.display_name, before.pmo_type)


async def test_update_organization_with_a_stale_etag_is_aborted(projects_stub, as_role, org):
    admin = as_role("admin")
    before = await _get(projects_stub, admin, org)
    await admin(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=before.name, display_name="First", etag=before.etag)))
    failure = await fails(admin(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=before.name, display_name="Second", etag=before.etag))))
    assert failure.code == grpc.StatusCode.ABORTED
    assert failure.reason == "ETAG_MISMATCH"
    assert (await _get(projects_stub, admin, org)).display_name == "First"


async def test_update_organization_refuses_unknown_or_output_only_mask_paths(projects_stub, as_role, org):
    admin = as_role("admin")
    for path in ("nickname", "name", "create_time", "etag"):
        failure = await fails(admin(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
            organization=pb.Organization(name=f"organizations/{org}", display_name="X"),
            update_mask=field_mask_pb2.FieldMask(paths=[path]))))
        assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, path
        assert set(failure.fields) == {"update_mask"}, path


async def test_update_organization_with_nothing_to_update_is_invalid(projects_stub, as_role, org):
    failure = await fails(as_role("admin")(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=f"organizations/{org}"))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"update_mask"}


async def test_update_organization_validates_the_new_values(projects_stub, as_role, org):
    admin = as_role("admin")
    failure = await fails(admin(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=f"organizations/{org}", display_name="y" * 201, pmo_type=42,
                                     default_currency_code="eu"),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name", "pmo_type", "default_currency_code"]))))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.fields) == {"organization.display_name", "organization.pmo_type",
                                   "organization.default_currency_code"}
    assert (await _get(projects_stub, admin, org)).display_name == "Acme Corp"


async def test_update_organization_star_mask_replaces_every_updatable_field(projects_stub, as_role, org):
    admin = as_role("admin")
    updated = await admin(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=f"organizations/{org}", display_name="Acme 2", pmo_type=pb.PMO_TYPE_PROJECT,
                                     default_currency_code="JPY"),
        update_mask=field_mask_pb2.FieldMask(paths=["*"])))
    assert (updated.display_name, updated.pmo_type, updated.default_currency_code) == (
        "Acme 2", pb.PMO_TYPE_PROJECT, "JPY")


async def test_update_organization_needs_the_admin_role(projects_stub, as_role, org):
    for role in ("pmo", "pm", "viewer"):
        failure = await fails(as_role(role)(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
            organization=pb.Organization(name=f"organizations/{org}", display_name="Taken over"))))
        assert failure.code == grpc.StatusCode.PERMISSION_DENIED, role


async def test_update_organization_of_another_org_is_permission_denied(projects_stub, authority, org):
    outsider = _admin_of(authority, _new_id())
    failure = await fails(outsider(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=f"organizations/{org}", display_name="Taken over"))))
    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


async def test_update_organization_that_does_not_exist_is_not_found(projects_stub, authority):
    org_id = _new_id()
    failure = await fails(_admin_of(authority, org_id)(projects_stub.UpdateOrganization, api.UpdateOrganizationRequest(
        organization=pb.Organization(name=f"organizations/{org_id}", display_name="Ghost"))))
    assert failure.code == grpc.StatusCode.NOT_FOUND


async def test_update_organization_retry_with_same_request_id_applies_once(projects_stub, as_role, org):
    admin = as_role("admin")
    before = await _get(projects_stub, admin, org)
    request = api.UpdateOrganizationRequest(
        organization=pb.Organization(name=before.name, display_name="Once", etag=before.etag), request_id=rid())
    first = await admin(projects_stub.UpdateOrganization, request)
    # The etag in the retried request is stale now, yet the retry replays the first answer.
    again = await admin(projects_stub.UpdateOrganization, request)
    assert again == first
    assert (await _get(projects_stub, admin, org)).etag == first.etag
