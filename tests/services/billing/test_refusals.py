"""The issue's explicit refusals, each with its code, reason and the field (or subject) it names:
zero or negative hours, more than 24 h for one person on one day (across entries, engagements and
concurrent calls), dates in a closed period, a currency other than the engagement's, projects outside
the engagement; and rate cards that refuse overlaps and keep their history."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.type import money_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.services.billing.support import (
    EUR,
    D,
    approve,
    create_engagement,
    create_rate,
    generate,
    log_expense,
    log_time,
)
from tests.support import fails, rid

USD = money_pb2.Money(currency_code="USD", units=10)


async def close_through(stub, finance, engagement: str, day) -> pb.Engagement:
    current = await finance(stub.GetEngagement, api.GetEngagementRequest(name=engagement))
    return await finance(stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, closed_through=day, etag=current.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["closed_through"]), request_id=rid()))


async def entries(db, org: str) -> int:
    return await db.fetchval("SELECT count(*) FROM time_entries WHERE org_id = $1", org)


# --- hours ------------------------------------------------------------------------

@pytest.mark.parametrize("hours, minutes", [("0", 0), ("0.0", 0), ("00", 0), ("", 0), ("", -1), ("", -600)])
async def test_zero_or_negative_hours_are_invalid_on_time_entry_hours(billing_stub, as_role, org, engagement,
                                                                      project, db, hours, minutes):
    failure = await fails(log_time(billing_stub, as_role("member", sub="ann"), engagement, project,
                                   hours=hours, minutes=minutes))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == {"time_entry.hours": "must be more than zero (set hours or minutes)"}
    assert await entries(db, org) == 0


@pytest.mark.parametrize("hours", ["-1", "-0.5", "-8"])
async def test_negative_decimal_hours_are_invalid_on_time_entry_hours(billing_stub, as_role, org, engagement,
                                                                      project, db, hours):
    failure = await fails(log_time(billing_stub, as_role("member", sub="ann"), engagement, project, hours=hours))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields.keys() == {"time_entry.hours"}
    assert await entries(db, org) == 0


@pytest.mark.parametrize("hours, minutes", [("24.05", 0), ("25", 0), ("99", 0), ("", 1441), ("", 100_000)])
async def test_one_entry_of_more_than_24_hours_is_invalid(billing_stub, as_role, engagement, project, hours,
                                                          minutes):
    failure = await fails(log_time(billing_stub, as_role("member", sub="ann"), engagement, project,
                                   hours=hours, minutes=minutes))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.fields == {"time_entry.hours": "must be at most 24 hours"}


async def test_exactly_24_hours_in_one_entry_is_accepted(billing_stub, as_role, engagement, project):
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, project, hours="24")
    assert (entry.minutes, entry.hours) == (1440, "24")


async def test_more_than_24_hours_across_entries_of_one_person_day_is_refused(billing_stub, as_role, org,
                                                                              engagement, project, db):
    ann = as_role("member", sub="ann")
    await log_time(billing_stub, ann, engagement, project, hours="16")
    await log_time(billing_stub, ann, engagement, project, hours="", minutes=479)
    failure = await fails(log_time(billing_stub, ann, engagement, project, hours="", minutes=2))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "DAILY_HOURS_EXCEEDED")
    assert failure.metadata == {"person": "ann", "date": "2027-01-04"}
    assert "ann already has 23.98 h on 2027-01-04" in failure.message
    assert await entries(db, org) == 2
    await log_time(billing_stub, ann, engagement, project, hours="", minutes=1)  # exactly 24 h fits
    assert await entries(db, org) == 3


async def test_the_daily_limit_counts_every_engagement_of_the_organization(billing_stub, as_role, org,
                                                                           engagement, project):
    second = await create_engagement(billing_stub, as_role("finance"), org, [project], engagement_id="second")
    ann = as_role("member", sub="ann")
    await log_time(billing_stub, ann, engagement, project, hours="20")
    failure = await fails(log_time(billing_stub, ann, second.name, project, hours="5"))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "DAILY_HOURS_EXCEEDED")
    assert failure.metadata["person"] == "ann"


async def test_the_daily_limit_is_per_person_and_per_day(billing_stub, as_role, engagement, project):
    ann, bob = as_role("member", sub="ann"), as_role("member", sub="bob")
    await log_time(billing_stub, ann, engagement, project, hours="24")
    await log_time(billing_stub, bob, engagement, project, hours="24")
    await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 5), hours="24")


async def test_time_a_pm_records_for_someone_counts_towards_their_day(billing_stub, as_role, engagement, project):
    await log_time(billing_stub, as_role("pm", sub="pat"), engagement, project, hours="20", person="ann")
    failure = await fails(log_time(billing_stub, as_role("member", sub="ann"), engagement, project, hours="5"))
    assert failure.reason == "DAILY_HOURS_EXCEEDED" and failure.metadata["person"] == "ann"


async def test_rejected_time_frees_its_hours(billing_stub, as_role, engagement, project):
    ann = as_role("member", sub="ann")
    wrong = await log_time(billing_stub, ann, engagement, project, hours="20")
    await as_role("pm", sub="pat")(billing_stub.RejectTimeEntry, api.RejectTimeEntryRequest(
        name=wrong.name, reason="wrong day", request_id=rid()))
    await log_time(billing_stub, ann, engagement, project, hours="20")


async def test_concurrent_entries_never_pass_24_hours(billing_stub, as_role, org, engagement, project, db):
    ann = as_role("member", sub="ann")
    results = await asyncio.gather(*(log_time(billing_stub, ann, engagement, project, hours="7")
                                     for _ in range(8)), return_exceptions=True)
    accepted = [r for r in results if isinstance(r, pb.TimeEntry)]
    refused = [r for r in results if not isinstance(r, pb.TimeEntry)]
    assert len(accepted) == 3 and len(refused) == 5
    assert all(isinstance(r, grpc.aio.AioRpcError) and r.code() == grpc.StatusCode.FAILED_PRECONDITION
               for r in refused)
    assert await db.fetchval("SELECT sum(minutes) FROM time_entries WHERE org_id = $1 AND person = 'ann'",
                             org) == 21 * 60


# --- closed periods -----------------------------------------------------------------

async def test_time_on_or_before_the_closed_through_date_is_refused(billing_stub, as_role, org, engagement,
                                                                    project, db):
    await close_through(billing_stub, as_role("finance"), engagement, D(2027, 1, 31))
    ann = as_role("member", sub="ann")
    for day in (D(2027, 1, 31), D(2027, 1, 1), D(2026, 12, 31)):
        failure = await fails(log_time(billing_stub, ann, engagement, project, day=day))
        assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PERIOD_CLOSED")
        assert failure.metadata == {"closed_through": "2027-01-31", "field": "time_entry.work_date"}
        assert "time_entry.work_date" in failure.message
    assert await entries(db, org) == 0
    opened = await log_time(billing_stub, ann, engagement, project, day=D(2027, 2, 1))
    assert opened.work_date == D(2027, 2, 1)


async def test_expenses_in_a_closed_period_are_refused(billing_stub, as_role, org, engagement, project, db):
    await close_through(billing_stub, as_role("finance"), engagement, D(2027, 1, 31))
    ann = as_role("member", sub="ann")
    failure = await fails(log_expense(billing_stub, ann, engagement, project, day=D(2027, 1, 15)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PERIOD_CLOSED")
    assert failure.metadata == {"closed_through": "2027-01-31", "field": "expense.expense_date"}
    assert await db.fetchval("SELECT count(*) FROM expenses WHERE org_id = $1", org) == 0
    await log_expense(billing_stub, ann, engagement, project, day=D(2027, 2, 1))


async def test_a_closed_period_only_moves_forward(billing_stub, as_role, engagement):
    finance = as_role("finance")
    await close_through(billing_stub, finance, engagement, D(2027, 1, 31))
    for day in (D(2027, 1, 30), None):
        failure = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
            engagement=pb.Engagement(name=engagement, closed_through=day),
            update_mask=field_mask_pb2.FieldMask(paths=["closed_through"]))))
        assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
        assert failure.fields.keys() == {"engagement.closed_through"}
    moved = await close_through(billing_stub, finance, engagement, D(2027, 2, 28))
    assert moved.closed_through == D(2027, 2, 28)


async def test_a_period_with_time_awaiting_approval_does_not_close(billing_stub, as_role, engagement, project):
    finance, pm = as_role("finance"), as_role("pm", sub="paula")
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, project, day=D(2027, 1, 20))
    failure = await fails(close_through(billing_stub, finance, engagement, D(2027, 1, 31)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PENDING_APPROVALS")
    assert failure.metadata == {"field": "engagement.closed_through"}
    await approve(billing_stub, pm, entry)
    closed = await close_through(billing_stub, finance, engagement, D(2027, 1, 31))
    assert closed.closed_through == D(2027, 1, 31)


async def test_a_project_with_charges_stays_in_its_engagement(billing_stub, projects_stub, as_role, org, engagement,
                                                              project):
    finance = as_role("finance")
    other = await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="gemini", project=projects_pb.Project(
            code="GEM-1", display_name="Gemini", methodology=projects_pb.METHODOLOGY_AGILE, budget=EUR(1000))))
    current = await finance(billing_stub.GetEngagement, api.GetEngagementRequest(name=engagement))
    widened = await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, projects=[project, other.name], etag=current.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["projects"]), request_id=rid()))
    await log_expense(billing_stub, as_role("member", sub="ann"), engagement, project, day=D(2027, 2, 1))
    failure = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, projects=[other.name]),
        update_mask=field_mask_pb2.FieldMask(paths=["projects"]), request_id=rid())))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PROJECT_HAS_CHARGES")
    narrowed = await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, projects=[project]),
        update_mask=field_mask_pb2.FieldMask(paths=["projects"]), request_id=rid()))
    assert list(narrowed.projects) == [project] and list(widened.projects) == [project, other.name]


# --- currencies ---------------------------------------------------------------------

async def test_an_expense_in_another_currency_is_refused(billing_stub, as_role, org, engagement, project, db):
    failure = await fails(log_expense(billing_stub, as_role("member", sub="ann"), engagement, project, amount=USD))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == {"expense.amount.currency_code": "must be EUR, the engagement's currency"}
    assert await db.fetchval("SELECT count(*) FROM expenses WHERE org_id = $1", org) == 0


async def test_a_credit_note_in_another_currency_is_refused(billing_stub, as_role, engagement, project):
    finance = as_role("finance")
    await approve(billing_stub, as_role("pm", sub="pat"),
                  await log_time(billing_stub, as_role("member", sub="ann"), engagement, project))
    invoice = await generate(billing_stub, finance, engagement)
    await finance(billing_stub.IssueInvoice, api.IssueInvoiceRequest(name=invoice.name, request_id=rid()))
    failure = await fails(finance(billing_stub.CreateCreditNote, api.CreateCreditNoteRequest(
        parent=invoice.name, credit_note=pb.CreditNote(amount=USD, reason="discount"))))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == {"credit_note.amount.currency_code": "must be EUR, the engagement's currency"}


async def test_engagement_amounts_in_another_currency_are_refused(billing_stub, as_role, org, project):
    finance = as_role("finance")
    failure = await fails(create_engagement(billing_stub, finance, org, [project], cap=USD))
    assert failure.fields == {"engagement.cap.currency_code": "must be EUR, the engagement's currency"}
    failure = await fails(create_engagement(billing_stub, finance, org, [project],
                                            billing_model=pb.BILLING_MODEL_RETAINER, fee=USD))
    assert failure.fields == {"engagement.fee.currency_code": "must be EUR, the engagement's currency"}
    created = await create_engagement(billing_stub, finance, org, [project])
    failure = await fails(finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=created.name, cap=USD), update_mask=field_mask_pb2.FieldMask(paths=["cap"]))))
    assert failure.fields == {"engagement.cap.currency_code": "must be EUR, the engagement's currency"}


async def test_an_engagement_rate_in_another_currency_is_refused(billing_stub, as_role, org, engagement):
    failure = await fails(create_rate(billing_stub, as_role("finance"), org, role="qa", engagement=engagement,
                                      currency="USD"))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == {"rate.hourly_rate.currency_code": "must be EUR, the engagement's currency"}


async def test_time_needs_a_rate_in_the_engagements_currency(billing_stub, as_role, org, engagement, project):
    await create_rate(billing_stub, as_role("finance"), org, role="tester", currency="USD")
    failure = await fails(log_time(billing_stub, as_role("member", sub="ann"), engagement, project, role="tester"))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RATE_MISSING")
    assert failure.metadata == {"role": "tester", "currency": "EUR"}


# --- projects outside the engagement -------------------------------------------------

async def other_project(projects_stub, as_role, org: str) -> str:
    created = await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="zeus", project=projects_pb.Project(
            code="ZEUS", display_name="Zeus", methodology=projects_pb.METHODOLOGY_AGILE)))
    return created.name


async def test_time_on_a_project_outside_the_engagement_is_refused(billing_stub, projects_stub, as_role, org,
                                                                   engagement, db):
    outside = await other_project(projects_stub, as_role, org)
    ann = as_role("member", sub="ann")
    for project in (outside, "organizations/elsewhere/projects/apollo", "apollo"):
        failure = await fails(log_time(billing_stub, ann, engagement, project))
        assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
        assert failure.fields == {"time_entry.project": f"{project} is not one of the projects of {engagement}"}
    assert await entries(db, org) == 0


async def test_an_expense_on_a_project_outside_the_engagement_is_refused(billing_stub, projects_stub, as_role, org,
                                                                        engagement):
    outside = await other_project(projects_stub, as_role, org)
    failure = await fails(log_expense(billing_stub, as_role("member", sub="ann"), engagement, outside))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == {"expense.project": f"{outside} is not one of the projects of {engagement}"}


async def test_a_project_added_to_the_engagement_takes_time(billing_stub, projects_stub, as_role, org, engagement,
                                                            project):
    outside = await other_project(projects_stub, as_role, org)
    finance = as_role("finance")
    current = await finance(billing_stub.GetEngagement, api.GetEngagementRequest(name=engagement))
    await finance(billing_stub.UpdateEngagement, api.UpdateEngagementRequest(
        engagement=pb.Engagement(name=engagement, projects=[project, outside], etag=current.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["projects"]), request_id=rid()))
    entry = await log_time(billing_stub, as_role("member", sub="ann"), engagement, outside)
    assert entry.project == outside


async def test_an_engagement_with_a_project_of_another_organization_is_refused(billing_stub, as_role, org,
                                                                              project):
    failure = await fails(create_engagement(billing_stub, as_role("finance"), org,
                                            [project, "organizations/elsewhere/projects/apollo"]))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == {"engagement.projects[1]": "must be a project of the engagement's own organization"}


async def test_an_engagement_listing_a_project_twice_is_refused(billing_stub, as_role, org, project):
    failure = await fails(create_engagement(billing_stub, as_role("finance"), org, [project, project]))
    assert failure.fields == {"engagement.projects": "lists a project twice"}


async def test_a_milestone_fee_outside_the_engagements_projects_is_refused(billing_stub, projects_stub, as_role,
                                                                           org, project):
    outside = await other_project(projects_stub, as_role, org)
    failure = await fails(create_engagement(
        billing_stub, as_role("finance"), org, [project], billing_model=pb.BILLING_MODEL_MILESTONE,
        milestone_fees=[pb.MilestoneFee(milestone=f"{outside}/milestones/m1", amount=EUR(10))]))
    assert failure.fields == {
        "engagement.milestone_fees[0].milestone": "must be a milestone of one of the engagement's projects"}


# --- rate cards -----------------------------------------------------------------------

@pytest.mark.parametrize("start, end", [
    (D(2027, 3, 1), D(2027, 4, 30)),    # straddles the end
    (D(2026, 12, 1), D(2027, 1, 1)),    # touches the start
    (D(2027, 2, 1), D(2027, 2, 28)),    # inside
    (D(2026, 1, 1), D(2028, 1, 1)),     # around
    (D(2027, 1, 1), D(2027, 3, 31)),    # identical
    (D(2027, 2, 1), None),              # open-ended from inside
    (D(2026, 6, 1), None),              # open-ended from before
])
async def test_a_rate_overlapping_a_closed_range_is_refused(billing_stub, as_role, org, db, start, end):
    finance = as_role("finance")
    first = await create_rate(billing_stub, finance, org, start=D(2027, 1, 1), end=D(2027, 3, 31))
    failure = await fails(create_rate(billing_stub, finance, org, units=120, start=start, end=end))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RATE_OVERLAP")
    assert failure.metadata == {"rate": first.name.rsplit("/", 1)[1]}
    assert await db.fetchval("SELECT count(*) FROM rates WHERE org_id = $1", org) == 1
    assert await finance(billing_stub.GetRate, api.GetRateRequest(name=first.name)) == first


async def test_a_rate_starting_before_an_open_ended_one_is_refused(billing_stub, as_role, org):
    finance = as_role("finance")
    open_ended = await create_rate(billing_stub, finance, org, start=D(2027, 6, 1))
    for start, end in ((D(2027, 1, 1), D(2027, 6, 1)), (D(2027, 6, 1), None), (D(2027, 1, 1), None)):
        failure = await fails(create_rate(billing_stub, finance, org, start=start, end=end))
        assert failure.reason == "RATE_OVERLAP", (start, end)
    assert not (await finance(billing_stub.GetRate, api.GetRateRequest(name=open_ended.name))).HasField("end_date")
    await create_rate(billing_stub, finance, org, start=D(2027, 1, 1), end=D(2027, 5, 31))  # before it: fine


async def test_rate_history_is_kept_through_successive_changes(billing_stub, as_role, org):
    finance = as_role("finance")
    rates = [await create_rate(billing_stub, finance, org, units=units, start=D(2027, month, 1))
             for units, month in ((100, 1), (110, 4), (125, 9))]
    listed = await finance(billing_stub.ListRates, api.ListRatesRequest(parent=f"organizations/{org}"))
    assert [(r.hourly_rate.units, r.start_date, r.end_date if r.HasField("end_date") else None)
            for r in listed.rates] == [
        (100, D(2027, 1, 1), D(2027, 3, 31)), (110, D(2027, 4, 1), D(2027, 8, 31)), (125, D(2027, 9, 1), None)]
    assert [r.name for r in listed.rates] == [r.name for r in rates]


async def test_each_rate_applies_to_the_days_it_covers(billing_stub, as_role, org, engagement, project):
    finance = as_role("finance")
    await create_rate(billing_stub, finance, org, units=200, start=D(2027, 1, 5))  # closes the fixture's rate
    ann, pm = as_role("member", sub="ann"), as_role("pm", sub="pat")
    for day in (4, 5):
        await approve(billing_stub, pm, await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, day)))
    invoice = await generate(billing_stub, finance, engagement)
    assert sorted((li.unit_price.units, li.quantity, li.amount.units) for li in invoice.line_items) == [
        (100, "8", 800), (200, "8", 1600)]
    assert invoice.total == EUR(2400)


async def test_engagement_overrides_and_the_organizations_card_do_not_overlap_each_other(billing_stub, as_role,
                                                                                         org, engagement):
    finance = as_role("finance")
    override = await create_rate(billing_stub, finance, org, units=90, engagement=engagement)
    assert override.engagement == engagement
    failure = await fails(create_rate(billing_stub, finance, org, units=95, engagement=engagement,
                                      end=D(2027, 6, 30)))
    assert failure.reason == "RATE_OVERLAP"
