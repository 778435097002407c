"""GenerateInvoice's lines and total, pinned field by field: time grouped per project, role, person and the
rate in effect on each day (the engagement's own before the organization's), each line rounded half to even
once, in the order project, role, person, rate; then expenses. Written before invoicing was made faster, so
the faster path is held to the same bytes; a seeded volume is checked against a plain-Python reckoning."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_EVEN, Decimal

import grpc
from google.type import money_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.services.billing.support import (
    EUR,
    D,
    approve,
    approve_expense,
    create_engagement,
    create_rate,
    generate,
    log_expense,
    log_time,
)
from tests.support import fails, rid

RATES = {"architect": 150, "consultant": 100, "qa": Decimal("0.30")}  # from 2027-01-01
CONSULTANT_FROM_16TH = 120


async def two_project_engagement(billing_stub, projects_stub, as_role, org: str, project: str) -> str:
    """An engagement on apollo and zeus: the organization's consultant rate goes from 100 to 120 EUR/h on the
    16th, the engagement's own architect rate (150) wins over the organization's (90), qa is 0.30 EUR/h."""
    zeus = await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="zeus", project=projects_pb.Project(
            code="ZEUS", display_name="Zeus", methodology=projects_pb.METHODOLOGY_AGILE)))
    finance = as_role("finance")
    engagement = (await create_engagement(billing_stub, finance, org, [project, zeus.name])).name
    await create_rate(billing_stub, finance, org, role="consultant", units=100)
    await create_rate(billing_stub, finance, org, role="consultant", units=CONSULTANT_FROM_16TH, start=D(2027, 1, 16))
    await create_rate(billing_stub, finance, org, role="architect", units=90)
    await create_rate(billing_stub, finance, org, role="architect", units=150, engagement=engagement)
    await finance(billing_stub.CreateRate, api.CreateRateRequest(parent=f"organizations/{org}", rate=pb.Rate(
        role="qa", hourly_rate=money_pb2.Money(currency_code="EUR", nanos=300_000_000), start_date=D(2027, 1, 1)),
        request_id=rid()))
    return engagement


def time_item(org: str, project_id: str, role: str, person: str, hours: str, unit: money_pb2.Money,
              amount: money_pb2.Money) -> pb.LineItem:
    return pb.LineItem(kind=pb.LINE_ITEM_KIND_TIME, description=f"{role}: {person}",
                       project=f"organizations/{org}/projects/{project_id}", role=role, person=person,
                       quantity=hours, unit_price=unit, amount=amount)


async def test_time_lines_per_project_role_person_and_rate_rounded_once_each_then_expenses(
        billing_stub, projects_stub, as_role, org, project):
    engagement = await two_project_engagement(billing_stub, projects_stub, as_role, org, project)
    zeus = f"organizations/{org}/projects/zeus"
    pm = as_role("pm", sub="pat")
    ann, bob = as_role("member", sub="ann"), as_role("member", sub="bob")
    cid, dan = as_role("member", sub="cid"), as_role("member", sub="dan")
    billed = [
        await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 4), hours="", minutes=20),
        await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 5), hours="", minutes=20),
        await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 20), hours="", minutes=7),
        await log_time(billing_stub, bob, engagement, project, day=D(2027, 1, 10), hours="1.25", role="architect"),
        await log_time(billing_stub, bob, engagement, zeus, day=D(2027, 1, 11), hours="", minutes=50,
                       role="architect"),
        await log_time(billing_stub, cid, engagement, zeus, day=D(2027, 1, 30), hours="", minutes=1),
        # 3 + 2 minutes at 0.30 EUR/h: 0.025 EUR on one line, rounded half to even once (0.02, not 0.02 + 0.01).
        await log_time(billing_stub, dan, engagement, project, day=D(2027, 1, 12), hours="", minutes=3, role="qa"),
        await log_time(billing_stub, dan, engagement, project, day=D(2027, 1, 13), hours="", minutes=2, role="qa"),
    ]
    for entry in billed:
        await approve(billing_stub, pm, entry)
    left = [await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 6))]  # not approved
    for day, billable in ((D(2027, 1, 7), False), (D(2027, 2, 1), True)):  # not billable; after the period
        left.append(await approve(billing_stub, pm, await log_time(billing_stub, ann, engagement, project, day=day,
                                                                   billable=billable)))
    expense = await approve_expense(billing_stub, pm, await log_expense(
        billing_stub, ann, engagement, zeus, day=D(2027, 1, 6), amount=EUR(320, 500_000_000)))

    invoice = await generate(billing_stub, as_role("finance"), engagement)

    cents = 10_000_000  # nanos
    assert list(invoice.line_items) == [
        time_item(org, "apollo", "architect", "bob", "1.25", EUR(150), EUR(187, 50 * cents)),
        time_item(org, "apollo", "consultant", "ann", "0.67", EUR(100), EUR(66, 67 * cents)),
        time_item(org, "apollo", "consultant", "ann", "0.12", EUR(120), EUR(14)),
        time_item(org, "apollo", "qa", "dan", "0.08", EUR(0, 30 * cents), EUR(0, 2 * cents)),
        time_item(org, "zeus", "architect", "bob", "0.83", EUR(150), EUR(125)),
        time_item(org, "zeus", "consultant", "cid", "0.02", EUR(120), EUR(2)),
        pb.LineItem(kind=pb.LINE_ITEM_KIND_EXPENSE, description="Travel 2027-01-06", project=zeus,
                    expense=expense.name, quantity="1", unit_price=EUR(320, 50 * cents),
                    amount=EUR(320, 50 * cents)),
    ]
    assert invoice.total == EUR(715, 69 * cents)
    for entry in billed:  # marked, and changed (a new etag)
        now = await ann(billing_stub.GetTimeEntry, api.GetTimeEntryRequest(name=entry.name))
        assert (now.invoice, now.etag != entry.etag) == (invoice.name, True)
    for entry in left:
        now = await ann(billing_stub.GetTimeEntry, api.GetTimeEntryRequest(name=entry.name))
        assert (now.invoice, now.etag) == ("", entry.etag)


def reckoned_lines(org: str, entries: list[tuple], end: dt.date) -> list[pb.LineItem]:
    """The time lines of `entries` (project, role, person, day, minutes, billable, state), reckoned in Python."""
    minutes: dict[tuple, int] = {}
    for project_id, role, person, day, spent, billable, state in entries:
        if billable and state == pb.APPROVAL_STATE_APPROVED and day <= end:
            rate = Decimal(CONSULTANT_FROM_16TH if role == "consultant" and day.day >= 16 else RATES[role])
            key = (project_id, role, person, rate)
            minutes[key] = minutes.get(key, 0) + spent

    def money(amount: Decimal) -> money_pb2.Money:
        units = int(amount)
        return EUR(units, int((amount - units) * 10**9))

    return [time_item(org, project_id, role, person,
                      f"{(Decimal(spent) / 60).quantize(Decimal('0.01'), ROUND_HALF_EVEN).normalize():f}",
                      money(rate), money((spent * rate / 60).quantize(Decimal("0.01"), ROUND_HALF_EVEN)))
            for (project_id, role, person, rate), spent in sorted(minutes.items())]


async def test_a_thousand_seeded_entries_bill_as_reckoned_entry_by_entry(billing_stub, projects_stub, as_role, org,
                                                                        project, db):
    engagement = await two_project_engagement(billing_stub, projects_stub, as_role, org, project)
    states = [pb.APPROVAL_STATE_APPROVED] * 8 + [pb.APPROVAL_STATE_SUBMITTED, pb.APPROVAL_STATE_REJECTED]
    pick = random.Random(11)
    entries = [(pick.choice(["apollo", "zeus"]), pick.choice(sorted(RATES)), f"p{pick.randrange(12):02d}",
                dt.date(2027, 1, 1) + dt.timedelta(days=pick.randrange(41)), pick.randint(1, 480),
                pick.random() < 0.9, pick.choice(states)) for _ in range(1200)]
    await db.executemany(  # behind the API, as the bench seeds: the invoice is under test, not the recording
        """INSERT INTO time_entries (org_id, engagement_id, id, project_id, role, person, work_date, minutes,
                                     billable, approval_state)
           VALUES ($1, 'main', $2, $3, $4, $5, $6, $7, $8, $9)""",
        [(org, f"t{i}", *entry) for i, entry in enumerate(entries)])

    invoice = await generate(billing_stub, as_role("finance"), engagement)

    expected = reckoned_lines(org, entries, dt.date(2027, 1, 31))
    assert len(expected) > 80  # nearly every (project, role, person, rate)
    assert list(invoice.line_items) == expected
    assert sum(Decimal(li.amount.units) + Decimal(li.amount.nanos) / 10**9 for li in expected) == (
        Decimal(invoice.total.units) + Decimal(invoice.total.nanos) / 10**9)
    invoice_id = invoice.name.rsplit("/", 1)[1]
    marked = {r["id"] for r in await db.fetch(
        "SELECT id FROM time_entries WHERE org_id = $1 AND invoice_id = $2", org, invoice_id)}
    assert marked == {f"t{i}" for i, (_, _, _, day, _, billable, state) in enumerate(entries)
                      if billable and state == pb.APPROVAL_STATE_APPROVED and day <= dt.date(2027, 1, 31)}


async def test_approved_time_without_a_rate_refuses_the_invoice_and_marks_nothing(
        billing_stub, projects_stub, as_role, org, project, db):
    engagement = await two_project_engagement(billing_stub, projects_stub, as_role, org, project)
    await db.execute(  # a role whose rate never existed: only possible behind the API
        """INSERT INTO time_entries (org_id, engagement_id, id, project_id, role, person, work_date, minutes,
                                     billable, approval_state)
           VALUES ($1, 'main', 't1', 'apollo', 'consultant', 'ann', '2027-01-04', 60, true, $2),
                  ($1, 'main', 't2', 'apollo', 'tester', 'ann', '2027-01-04', 60, true, $2)""",
        org, pb.APPROVAL_STATE_APPROVED)

    failure = await fails(generate(billing_stub, as_role("finance"), engagement))

    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RATE_MISSING")
    assert failure.metadata == {"role": "tester", "currency": "EUR"}
    assert await db.fetchval("SELECT count(*) FROM time_entries WHERE org_id = $1 AND invoice_id IS NOT NULL",
                             org) == 0
    assert await db.fetchval("SELECT count(*) FROM invoices WHERE org_id = $1", org) == 0
