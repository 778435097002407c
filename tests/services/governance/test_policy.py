"""GetGovernancePolicy and UpdateGovernancePolicy: defaults per PMO type until the first update, versions,
validation as field violations, update masks, etags and validate_only."""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf import duration_pb2, field_mask_pb2
from google.type import date_pb2, timeofday_pb2

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.support import eur, fails, rid


def _name(org: str) -> str:
    return f"organizations/{org}/governancePolicy"


def _update(policy: pb.GovernancePolicy, *paths: str, **kw) -> api.UpdateGovernancePolicyRequest:
    return api.UpdateGovernancePolicyRequest(governance_policy=policy,
                                             update_mask=field_mask_pb2.FieldMask(paths=list(paths)), **kw)


async def test_an_organization_starts_with_the_defaults_of_its_pmo_type(governance_stub, as_role, org):
    policy = await as_role("viewer")(governance_stub.GetGovernancePolicy,
                                     api.GetGovernancePolicyRequest(name=_name(org)))
    assert policy.version == 0
    assert policy.pmo_type == projects_pb.PMO_TYPE_TACTICAL  # the `org` fixture's
    assert [t.id for t in policy.change_tiers] == ["minor", "major", "critical"]
    assert policy.change_tiers[0].max_budget_delta == eur(10_000)
    assert not policy.change_tiers[-1].HasField("max_budget_delta")  # no limit
    assert policy.change_tiers[0].rule.kind == pb.RULE_KIND_ANY
    assert policy.emergency.id == "emergency"
    assert {s.id for s in policy.standard_catalogue} == {"minor-date-shift", "small-budget-adjustment"}
    assert policy.task_sla.seconds == 3 * 86400
    assert policy.etag


async def test_an_update_records_the_next_version_and_keeps_what_the_mask_leaves(governance_stub, as_role, org):
    pmo = as_role("pmo")
    current = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_name(org)))
    change = pb.GovernancePolicy(name=_name(org), etag=current.etag, task_sla=duration_pb2.Duration(seconds=86400))
    first = await pmo(governance_stub.UpdateGovernancePolicy, _update(change, "task_sla", request_id=rid()))
    assert first.version == 1 and first.task_sla.seconds == 86400
    assert list(first.change_tiers) == list(current.change_tiers)
    tiers = list(first.change_tiers)
    tiers[0].max_budget_delta.CopyFrom(eur(2_000))
    second = await pmo(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), change_tiers=tiers), "change_tiers", request_id=rid()))
    assert second.version == 2 and second.change_tiers[0].max_budget_delta == eur(2_000)
    assert second.task_sla.seconds == 86400
    read = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_name(org)))
    assert read == second


async def test_a_stale_etag_is_refused(governance_stub, as_role, org):
    pmo = as_role("pmo")
    current = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_name(org)))
    await pmo(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), task_sla=duration_pb2.Duration(seconds=7200)), "task_sla"))
    stale = await fails(pmo(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), etag=current.etag, task_sla=duration_pb2.Duration(seconds=3600)),
        "task_sla")))
    assert stale.code == grpc.StatusCode.ABORTED and stale.reason == "ETAG_MISMATCH"


def _copies(tiers) -> list[pb.ChangeTier]:
    out = []
    for t in tiers:
        copy = pb.ChangeTier()
        copy.CopyFrom(t)
        out.append(copy)
    return out


async def test_an_unusable_policy_is_refused_field_by_field(governance_stub, as_role, org):
    pmo = as_role("pmo")
    current = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_name(org)))
    wrong_currency = _copies(current.change_tiers)
    wrong_currency[0].max_budget_delta.currency_code = "USD"
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), change_tiers=wrong_currency), "change_tiers")))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(bad.fields) == {"governance_policy.change_tiers[0].max_budget_delta.currency_code"}

    limited_last = _copies(current.change_tiers)
    limited_last[2].max_budget_delta.CopyFrom(eur(5))  # the last tier must have no limit
    windows = [pb.BlackoutWindow(id="freeze", start_time={"seconds": 2_000_000_000},
                                 end_time={"seconds": 1_000_000_000})]
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), change_tiers=limited_last, blackout_windows=windows,
                            task_sla=duration_pb2.Duration(seconds=0)),
        "change_tiers", "blackout_windows", "task_sla")))
    assert set(bad.fields) == {"governance_policy.change_tiers[2]", "governance_policy.blackout_windows[0].end_time",
                               "governance_policy.task_sla"}

    bad_rules = _copies(current.change_tiers)
    bad_rules[0].rule.kind = pb.RULE_KIND_PERCENT  # percent 0
    bad_rules[1].rule.tiers[0].candidates.roles.append("wizard")  # major: pmo, then sponsor
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), change_tiers=bad_rules), "change_tiers")))
    assert set(bad.fields) == {"governance_policy.change_tiers[0].rule.percent",
                               "governance_policy.change_tiers[1].rule.tiers[0].candidates.roles[1]"}
    unchanged = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_name(org)))
    assert unchanged.version == 0


async def test_validate_only_checks_without_recording(governance_stub, as_role, org):
    pmo = as_role("pmo")
    checked = await pmo(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), task_sla=duration_pb2.Duration(seconds=600)), "task_sla",
        validate_only=True))
    assert checked.version == 1 and checked.task_sla.seconds == 600
    read = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_name(org)))
    assert read.version == 0


async def test_only_policy_writers_update_it_and_masks_name_updatable_fields(governance_stub, as_role, org):
    change = _update(pb.GovernancePolicy(name=_name(org), task_sla=duration_pb2.Duration(seconds=60)), "task_sla")
    for role in ("pm", "sponsor", "viewer"):
        denied = await fails(as_role(role)(governance_stub.UpdateGovernancePolicy, change))
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    bad_mask = await fails(as_role("admin")(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org)), "version")))
    assert bad_mask.code == grpc.StatusCode.INVALID_ARGUMENT and "update_mask" in bad_mask.fields
    bad_name = await fails(as_role("admin")(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=f"organizations/{org}/policy"), "task_sla")))
    assert "governance_policy.name" in bad_name.fields


async def test_a_retried_update_records_one_version(governance_stub, as_role, org):
    pmo = as_role("pmo")
    request = _update(pb.GovernancePolicy(name=_name(org), task_sla=duration_pb2.Duration(seconds=900)), "task_sla",
                      request_id=rid())
    first = await pmo(governance_stub.UpdateGovernancePolicy, request)
    again = await pmo(governance_stub.UpdateGovernancePolicy, request)
    assert first == again and first.version == 1


async def test_the_default_calendar_is_office_hours_in_utc_and_slas_count_working_days(governance_stub, as_role,
                                                                                       org):
    policy = await as_role("viewer")(governance_stub.GetGovernancePolicy,
                                     api.GetGovernancePolicyRequest(name=_name(org)))
    cal = policy.calendar
    assert cal.time_zone == "UTC" and list(cal.working_days) == [1, 2, 3, 4, 5]  # google.type.DayOfWeek
    assert (cal.day_start.hours, cal.day_end.hours) == (9, 17)
    assert policy.change_tiers[0].business_time and policy.gate_approval.business_time
    assert not policy.emergency.business_time  # emergencies are decided around the clock


async def test_a_calendar_with_a_country_stores_its_public_holidays(governance_stub, as_role, org):
    calendar = pb.BusinessCalendar(
        time_zone="Europe/Berlin", working_days=[1, 2, 3, 4], day_start=timeofday_pb2.TimeOfDay(hours=8),
        day_end=timeofday_pb2.TimeOfDay(hours=24), holidays=[date_pb2.Date(year=2027, month=5, day=7)],
        holiday_country="de", holiday_subdivision="by")
    updated = await as_role("pmo")(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), calendar=calendar), "calendar", request_id=rid()))
    cal = updated.calendar
    assert (cal.time_zone, list(cal.working_days), cal.day_start.hours, cal.day_end.hours) == \
        ("Europe/Berlin", [1, 2, 3, 4], 8, 24)
    assert (cal.holiday_country, cal.holiday_subdivision) == ("DE", "BY")
    public = {(d.year, d.month, d.day) for d in cal.public_holidays}
    year = dt.datetime.now(dt.UTC).year
    assert {(year, 12, 25), (year + 5, 12, 25), (year, 1, 6)} <= public  # Epiphany is Bavarian
    assert [(d.year, d.month, d.day) for d in cal.holidays] == [(2027, 5, 7)]


async def test_an_unusable_calendar_is_refused_field_by_field(governance_stub, as_role, org):
    pmo = as_role("pmo")
    calendar = pb.BusinessCalendar(time_zone="Mars/Olympus", day_start=timeofday_pb2.TimeOfDay(hours=9, seconds=30),
                                   holidays=[date_pb2.Date(year=2027, month=2, day=30)], holiday_country="XX")
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, _update(
        pb.GovernancePolicy(name=_name(org), calendar=calendar), "calendar")))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(bad.fields) == {"governance_policy.calendar.day_start", "governance_policy.calendar.holidays[0]",
                               "governance_policy.calendar.holiday_country"}
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, _update(pb.GovernancePolicy(
        name=_name(org), calendar=pb.BusinessCalendar(time_zone="Mars/Olympus", holiday_country="DE",
                                                      holiday_subdivision="ZZ")), "calendar")))
    assert set(bad.fields) == {"governance_policy.calendar.holiday_subdivision"}
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, _update(pb.GovernancePolicy(
        name=_name(org), calendar=pb.BusinessCalendar(time_zone="Mars/Olympus", day_start=timeofday_pb2.TimeOfDay(
            hours=18))), "calendar")))
    assert set(bad.fields) == {"governance_policy.calendar.time_zone", "governance_policy.calendar.day_end"}
    unchanged = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_name(org)))
    assert unchanged.version == 0
