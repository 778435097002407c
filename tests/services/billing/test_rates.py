"""Rate cards: history kept, overlaps refused, open-ended rates superseded, engagement overrides."""

from __future__ import annotations

import grpc

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from tests.services.billing.support import EUR, D, approve, create_engagement, create_rate, log_time
from tests.support import fails, rid


async def test_new_rate_supersedes_the_open_ended_one_and_history_is_kept(billing_stub, as_role, org):
    finance = as_role("finance")
    old = await create_rate(billing_stub, finance, org, units=100, start=D(2027, 1, 1))
    new = await create_rate(billing_stub, finance, org, units=120, start=D(2027, 7, 1))
    old_now = await finance(billing_stub.GetRate, api.GetRateRequest(name=old.name))
    assert old_now.end_date == D(2027, 6, 30) and old_now.hourly_rate == EUR(100)
    assert not new.HasField("end_date")
    listed = await finance(billing_stub.ListRates, api.ListRatesRequest(
        parent=f"organizations/{org}", filter='role = "consultant"'))
    assert [r.name for r in listed.rates] == [old.name, new.name]


async def test_overlaps_are_refused(billing_stub, as_role, org):
    finance = as_role("finance")
    await create_rate(billing_stub, finance, org, start=D(2027, 1, 1), end=D(2027, 3, 31))
    overlap = await fails(create_rate(billing_stub, finance, org, start=D(2027, 3, 1), end=D(2027, 4, 30)))
    assert (overlap.code, overlap.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RATE_OVERLAP")
    await create_rate(billing_stub, finance, org, start=D(2027, 4, 1))  # adjacent is fine
    await create_rate(billing_stub, finance, org, role="architect", start=D(2027, 1, 1))  # another role


async def test_engagement_override_must_use_its_currency(billing_stub, as_role, org, project):
    finance = as_role("finance")
    engagement = await create_engagement(billing_stub, finance, org, [project])
    override = await create_rate(billing_stub, finance, org, units=90, engagement=engagement.name)
    assert override.engagement == engagement.name
    wrong = await fails(create_rate(billing_stub, finance, org, role="pm", engagement=engagement.name,
                                    currency="USD"))
    assert wrong.fields.keys() == {"rate.hourly_rate.currency_code"}


async def test_bad_rates_and_permissions(billing_stub, as_role, org):
    bad = await fails(as_role("finance")(billing_stub.CreateRate, api.CreateRateRequest(
        parent=f"organizations/{org}", rate=pb.Rate(
            hourly_rate=EUR(0), start_date=D(2027, 2, 30), engagement="organizations/x/engagements/y"))))
    assert set(bad.fields) == {"rate.role", "rate.hourly_rate", "rate.start_date", "rate.engagement"}
    denied = await fails(create_rate(billing_stub, as_role("pm"), org))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    request = api.CreateRateRequest(parent=f"organizations/{org}", request_id=rid(), rate=pb.Rate(
        role="qa", hourly_rate=EUR(50), start_date=D(2027, 1, 1)))
    first = await as_role("finance")(billing_stub.CreateRate, request)
    assert await as_role("finance")(billing_stub.CreateRate, request) == first


async def test_the_engagements_own_rate_wins_over_the_organizations(billing_stub, as_role, org, engagement, project):
    await create_rate(billing_stub, as_role("finance"), org, units=90, engagement=engagement)
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, project, hours="2")
    await approve(billing_stub, as_role("pm", sub="pat"), entry)
    invoice = await as_role("finance")(billing_stub.GenerateInvoice, api.GenerateInvoiceRequest(
        parent=engagement, period_start=D(2027, 1, 1), period_end=D(2027, 1, 31)))
    assert [(li.unit_price, li.amount) for li in invoice.line_items] == [(EUR(90), EUR(180))]
