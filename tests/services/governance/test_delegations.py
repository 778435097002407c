"""Delegations: who may set, list and end them, and the periods they may cover."""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf import timestamp_pb2

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from tests.support import fails, rid


def ts(days_from_now: float) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(days=days_from_now))
    return out


def _set(org: str, delegate: str, start: float | None, end: float | None, **kw) -> api.SetDelegationRequest:
    d = pb.Delegation(delegate=delegate, reason="holiday")
    if start is not None:
        d.start_time.CopyFrom(ts(start))
    if end is not None:
        d.end_time.CopyFrom(ts(end))
    return api.SetDelegationRequest(parent=f"organizations/{org}", delegation=d, **kw)


async def test_a_delegation_records_the_delegator_and_their_roles(governance_stub, as_role, org):
    carol = as_role("pmo,sponsor", "carol")
    created = await carol(governance_stub.SetDelegation, _set(org, "dave", None, 14, request_id=rid()))
    assert created.name.startswith(f"organizations/{org}/delegations/")
    assert created.delegator == "carol" and created.delegate == "dave"
    assert list(created.roles) == ["pmo", "sponsor"]
    assert created.start_time.seconds <= created.create_time.seconds + 1 and created.etag
    listed = await carol(governance_stub.ListDelegations, api.ListDelegationsRequest(parent=f"organizations/{org}"))
    assert list(listed.delegations) == [created]


async def test_periods_are_checked(governance_stub, as_role, org):
    carol = as_role("pmo", "carol")
    bad = await fails(carol(governance_stub.SetDelegation, _set(org, "carol", 2, 1)))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(bad.fields) == {"delegation.delegate", "delegation.end_time"}
    too_long = await fails(carol(governance_stub.SetDelegation, _set(org, "dave", 1, 92)))
    assert too_long.fields == {"delegation.end_time": "a delegation lasts at most 90 days"}
    past = await fails(carol(governance_stub.SetDelegation, _set(org, "dave", -5, -1)))
    assert past.fields == {"delegation.end_time": "is in the past"}
    missing = await fails(carol(governance_stub.SetDelegation, _set(org, "", None, None)))
    assert set(missing.fields) == {"delegation.delegate", "delegation.end_time"}


async def test_one_delegation_per_person_at_a_time(governance_stub, as_role, org):
    carol = as_role("pmo", "carol")
    first = await carol(governance_stub.SetDelegation, _set(org, "dave", 1, 10))
    overlap = await fails(carol(governance_stub.SetDelegation, _set(org, "erin", 5, 20)))
    assert overlap.code == grpc.StatusCode.FAILED_PRECONDITION and overlap.reason == "DELEGATION_OVERLAPS"
    assert overlap.metadata["delegation"] == first.name
    after = await carol(governance_stub.SetDelegation, _set(org, "erin", 11, 20))
    assert after.delegate == "erin"
    # someone else's delegations do not overlap carol's
    await as_role("pm", "paula")(governance_stub.SetDelegation, _set(org, "dave", 1, 10))


async def test_a_retried_set_creates_one_delegation(governance_stub, as_role, org):
    carol = as_role("pmo", "carol")
    request = _set(org, "dave", None, 3, request_id=rid())
    first = await carol(governance_stub.SetDelegation, request)
    again = await carol(governance_stub.SetDelegation, request)
    assert first == again


async def test_list_filters_by_delegator_and_delegate(governance_stub, as_role, org):
    await as_role("pmo", "carol")(governance_stub.SetDelegation, _set(org, "dave", None, 3))
    await as_role("pm", "paula")(governance_stub.SetDelegation, _set(org, "dave", None, 3))
    await as_role("sponsor", "sam")(governance_stub.SetDelegation, _set(org, "erin", None, 3))
    viewer = as_role("viewer")
    parent = f"organizations/{org}"
    to_dave = await viewer(governance_stub.ListDelegations, api.ListDelegationsRequest(
        parent=parent, filter='delegate = "dave"'))
    assert sorted(d.delegator for d in to_dave.delegations) == ["carol", "paula"]
    page = await viewer(governance_stub.ListDelegations, api.ListDelegationsRequest(parent=parent, page_size=2))
    rest = await viewer(governance_stub.ListDelegations, api.ListDelegationsRequest(
        parent=parent, page_size=2, page_token=page.next_page_token))
    assert len(page.delegations) == 2 and len(rest.delegations) == 1 and not rest.next_page_token
    bad = await fails(viewer(governance_stub.ListDelegations, api.ListDelegationsRequest(
        parent=parent, filter='reason = "x"')))
    assert "filter" in bad.fields


async def test_only_the_delegator_or_a_pmo_ends_a_delegation(governance_stub, as_role, org):
    created = await as_role("pm", "paula")(governance_stub.SetDelegation, _set(org, "dave", None, 3))
    denied = await fails(as_role("pm", "dave")(governance_stub.DeleteDelegation,
                                               api.DeleteDelegationRequest(name=created.name)))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    await as_role("pmo", "olga")(governance_stub.DeleteDelegation, api.DeleteDelegationRequest(name=created.name))
    gone = await fails(as_role("pm", "paula")(governance_stub.DeleteDelegation,
                                              api.DeleteDelegationRequest(name=created.name)))
    assert gone.code == grpc.StatusCode.NOT_FOUND


async def test_viewers_cannot_delegate_and_other_organizations_see_nothing(governance_stub, as_role, org, authority):
    denied = await fails(as_role("viewer")(governance_stub.SetDelegation, _set(org, "dave", None, 3)))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    stranger = as_role("admin", "mallory", org_id="another-org")
    hidden = await fails(stranger(governance_stub.ListDelegations,
                                  api.ListDelegationsRequest(parent=f"organizations/{org}")))
    assert hidden.code == grpc.StatusCode.PERMISSION_DENIED
